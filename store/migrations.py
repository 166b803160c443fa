"""Named, idempotent schema migrations for the catalogue.

A migration is applied once and recorded by name in the ``migrations`` table; a database opened by
a newer release only receives the migrations it lacks. Never edit or reorder a published
migration: add a new one. The SQL is kept to what SQLite and PostgreSQL both accept (TEXT times in
ISO-8601 UTC, INTEGER, DOUBLE PRECISION) so that one list serves both.

``apply_migrations`` must run inside a write transaction (``BEGIN IMMEDIATE`` on SQLite, an
advisory lock on PostgreSQL): two processes starting at once then take turns, and the second one
finds everything already applied.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, text

Migration = tuple[str, list[str]]

MIGRATIONS: list[Migration] = [
    (
        "0001_agents_and_versions",
        [
            """CREATE TABLE agents (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                owner TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                icon TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                latest_version INTEGER NOT NULL
            )""",
            "CREATE INDEX agents_by_owner ON agents (owner, updated_at)",
            """CREATE TABLE versions (
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                author TEXT NOT NULL,
                message TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                spec_yaml TEXT NOT NULL,
                PRIMARY KEY (agent_id, number)
            )""",
        ],
    ),
    (
        "0002_threads_and_runs",
        [
            """CREATE TABLE threads (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                owner TEXT NOT NULL,
                title TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX threads_by_agent ON threads (agent_id, owner, created_at)",
            """CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                thread_id TEXT NOT NULL DEFAULT '',
                principal TEXT NOT NULL,
                model TEXT NOT NULL,
                outcome TEXT NOT NULL,
                input_tokens INTEGER NOT NULL DEFAULT 0,
                output_tokens INTEGER NOT NULL DEFAULT 0,
                latency_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
                tool_calls INTEGER NOT NULL DEFAULT 0,
                error TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX runs_by_agent ON runs (agent_id, created_at)",
            "CREATE INDEX runs_by_time ON runs (created_at)",
        ],
    ),
    (
        "0003_preview_threads",
        [
            # The editor's preview conversations with a saved agent: not listed with the
            # agent's conversations, but erased with the agent.
            """CREATE TABLE preview_threads (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                owner TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX preview_threads_by_agent ON preview_threads (agent_id)",
        ],
    ),
    (
        "0004_accounts_teams_and_sign_in",
        [
            # An account's id is its login: an e-mail address, or the system user's name for
            # the data directory's owner. ``owner`` columns everywhere hold it.
            """CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL DEFAULT '',
                role TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1,
                origin TEXT NOT NULL DEFAULT 'local',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX accounts_by_role ON accounts (role, active)",
            """CREATE TABLE teams (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE team_members (
                team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                added_at TEXT NOT NULL,
                PRIMARY KEY (team_id, account_id)
            )""",
            "CREATE INDEX team_members_by_account ON team_members (account_id)",
            # Sharing (next issue) writes here: a resource ('agent', 'kb') granted to an
            # account, a team or the whole organisation, to use or to edit.
            """CREATE TABLE grants (
                resource_kind TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                grantee_kind TEXT NOT NULL,
                grantee_id TEXT NOT NULL,
                permission TEXT NOT NULL,
                granted_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (resource_kind, resource_id, grantee_kind, grantee_id)
            )""",
            "CREATE INDEX grants_by_grantee ON grants (grantee_kind, grantee_id, resource_kind)",
            "CREATE INDEX agents_by_updated ON agents (updated_at)",
            # Argon2 hashes only; an account without a row here cannot sign in with a password.
            """CREATE TABLE passwords (
                account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
                hash TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            # One-time links (invitation, password reset, first set-up): only a hash is kept.
            """CREATE TABLE sign_in_links (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                purpose TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                used_at TEXT
            )""",
            """CREATE TABLE sign_in_failures (
                login TEXT PRIMARY KEY,
                failures INTEGER NOT NULL,
                last_failure_at TEXT NOT NULL
            )""",
            """CREATE TABLE browser_sessions (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                last_seen_at TEXT NOT NULL
            )""",
            "CREATE INDEX browser_sessions_by_account ON browser_sessions (account_id)",
        ],
    ),
    (
        "0005_threads_by_owner",
        [
            # A person's conversations across their agents (the chat page), and the last run
            # of each, found by index rather than by reading every conversation.
            "CREATE INDEX threads_by_owner ON threads (owner, created_at)",
            "CREATE INDEX runs_by_thread ON runs (thread_id, created_at)",
        ],
    ),
    (
        "0006_conversation_bases",
        [
            # The knowledge base holding the files attached to a conversation (one per
            # conversation, created at its first attachment, in the knowledge store's own
            # database): searched for that conversation only, erased with it.
            """CREATE TABLE conversation_bases (
                thread_id TEXT PRIMARY KEY REFERENCES threads (id) ON DELETE CASCADE,
                kb_id TEXT NOT NULL
            )""",
        ],
    ),
    (
        "0007_sharing_and_publishing",
        [
            # The version people who use a shared agent get (0: none yet); its creators edit
            # the draft (the latest version) beside it.
            "ALTER TABLE agents ADD COLUMN published_version INTEGER NOT NULL DEFAULT 0",
            # Deprecated by an administrator: still usable with a notice, out of searches.
            "ALTER TABLE agents ADD COLUMN deprecated INTEGER NOT NULL DEFAULT 0",
        ],
    ),
    (
        "0008_usage_and_quotas",
        [
            # What a run cost (euros, from the model's prices when it ran) and the team it
            # counts for (the person's first team by name then, "" without one).
            "ALTER TABLE runs ADD COLUMN team TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE runs ADD COLUMN cost DOUBLE PRECISION NOT NULL DEFAULT 0",
            # Running totals per month or day, per dimension (all, agent, team, person,
            # model) and key, added to in the run's own transaction (store.usage_records).
            """CREATE TABLE usage_totals (
                period TEXT NOT NULL,
                dimension TEXT NOT NULL,
                key TEXT NOT NULL,
                runs INTEGER NOT NULL DEFAULT 0,
                input_tokens INTEGER NOT NULL DEFAULT 0,
                output_tokens INTEGER NOT NULL DEFAULT 0,
                cost DOUBLE PRECISION NOT NULL DEFAULT 0,
                people INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (period, dimension, key)
            )""",
            # Who ran something per period, dimension and key: distinct people, counted once.
            """CREATE TABLE usage_people (
                period TEXT NOT NULL,
                dimension TEXT NOT NULL,
                key TEXT NOT NULL,
                principal TEXT NOT NULL,
                PRIMARY KEY (period, dimension, key, principal)
            )""",
            # The names a breakdown by agent shows, read from the index alone.
            "CREATE INDEX agents_names ON agents (id, name)",
            # Monthly limits set by an administrator, on a person or a team, in tokens or euros.
            """CREATE TABLE quotas (
                subject_kind TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                unit TEXT NOT NULL,
                monthly_limit DOUBLE PRECISION NOT NULL,
                set_by TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (subject_kind, subject_id, unit)
            )""",
        ],
    ),
    (
        "0009_audit_log",
        [
            # Append-only and hash-chained (store.audit): who did what, when, from where;
            # never what was said. ``seq`` numbers the entries from 1 without gaps.
            """CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target_kind TEXT NOT NULL DEFAULT '',
                target_id TEXT NOT NULL DEFAULT '',
                details TEXT NOT NULL DEFAULT '{}',
                origin TEXT NOT NULL DEFAULT '',
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                salt TEXT NOT NULL DEFAULT '',
                sealed TEXT NOT NULL DEFAULT '',
                erased_by INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX audit_log_by_actor ON audit_log (actor, seq)",
            "CREATE INDEX audit_log_by_action ON audit_log (action, seq)",
            "CREATE INDEX audit_log_by_target ON audit_log (target_kind, target_id, seq)",
            "CREATE INDEX audit_log_by_time ON audit_log (at)",
            # The head, written with each entry: removing the last entries shows.
            """CREATE TABLE audit_head (
                id INTEGER PRIMARY KEY,
                count INTEGER NOT NULL,
                hash TEXT NOT NULL
            )""",
            "INSERT INTO audit_head (id, count, hash) VALUES (1, 0, '" + "0" * 64 + "')",
        ],
    ),
    (
        "0010_publication_reviews",
        [
            # Requests that an agent's version be published to the whole organisation, and
            # their review; at most one pending per agent.
            """CREATE TABLE publication_requests (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                requested_by TEXT NOT NULL,
                message TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL,
                reviewer TEXT NOT NULL DEFAULT '',
                comment TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                decided_at TEXT
            )""",
            "CREATE INDEX publication_requests_by_status"
            " ON publication_requests (status, created_at)",
            "CREATE UNIQUE INDEX publication_requests_one_pending"
            " ON publication_requests (agent_id) WHERE status = 'pending'",
            # What a person is told (a review's outcome), until they have read it.
            """CREATE TABLE notifications (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                parameters TEXT NOT NULL,
                created_at TEXT NOT NULL,
                read_at TEXT
            )""",
            "CREATE INDEX notifications_by_account ON notifications (account_id, created_at)",
        ],
    ),
    (
        "0011_catalogue_and_feedback",
        [
            # What the catalogue's cards and filters need of a version, read once from its
            # spec (versions are immutable: a row never goes stale); filled as versions are
            # first listed (``store.sql_catalogue_index``).
            """CREATE TABLE version_facts (
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                category TEXT NOT NULL DEFAULT '',
                category_key TEXT NOT NULL DEFAULT '',
                model TEXT NOT NULL DEFAULT '',
                uses_documents INTEGER NOT NULL DEFAULT 0,
                uses_tools INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (agent_id, number)
            )""",
            # A fork's lineage: the agent and version it was copied from, and that agent's
            # name then (the original may be renamed or deleted since: no foreign key).
            """CREATE TABLE lineage (
                agent_id TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
                forked_from TEXT NOT NULL,
                forked_version INTEGER NOT NULL,
                forked_name TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX lineage_by_original ON lineage (forked_from)",
            # Thumbs up or down on an answer; the exchange only when its author gave it.
            """CREATE TABLE feedback (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                thread_id TEXT NOT NULL DEFAULT '',
                author TEXT NOT NULL,
                rating TEXT NOT NULL,
                comment TEXT NOT NULL DEFAULT '',
                exchange TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX feedback_by_agent ON feedback (agent_id, rating, created_at)",
            "CREATE INDEX feedback_by_author ON feedback (author)",
        ],
    ),
    (
        "0012_catalogue_generation",
        [
            # A counter per part of what catalogue searches and "agents open to me" lists read,
            # moved in the same transaction as every change to it ('agents': agents, versions,
            # grants, publication, deprecation, lineage; 'feedback': thumbs): each process keeps
            # those answers while the counters stand still (``store.catalogue_cache``).
            """CREATE TABLE catalogue_generation (
                part TEXT PRIMARY KEY,
                generation INTEGER NOT NULL
            )""",
            "INSERT INTO catalogue_generation (part, generation) VALUES ('agents', 0)",
            "INSERT INTO catalogue_generation (part, generation) VALUES ('feedback', 0)",
            # Which agent each move was about ('*': many), so that a process reads again only
            # those; the oldest rows are pruned (a process that far behind reads everything).
            """CREATE TABLE catalogue_changes (
                part TEXT NOT NULL,
                generation INTEGER NOT NULL,
                agent_id TEXT NOT NULL,
                PRIMARY KEY (part, generation)
            )""",
        ],
    ),
    (
        "0015_reply_drafts",
        [
            # Files of messages an agent drafts replies to, one draft per row.
            """CREATE TABLE reply_batches (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                owner TEXT NOT NULL,
                file_name TEXT NOT NULL,
                message_column TEXT NOT NULL,
                context_columns TEXT NOT NULL DEFAULT '[]',
                assignee TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX reply_batches_by_owner ON reply_batches (owner, created_at)",
            # Drafts a person approves (edited or not), rejects or sends back; in a batch or
            # in a conversation.
            """CREATE TABLE reply_drafts (
                id TEXT PRIMARY KEY,
                agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                agent_version INTEGER NOT NULL,
                batch_id TEXT REFERENCES reply_batches (id) ON DELETE CASCADE,
                row INTEGER NOT NULL DEFAULT 0,
                thread_id TEXT NOT NULL DEFAULT '',
                requester TEXT NOT NULL,
                assignee TEXT NOT NULL DEFAULT '',
                message TEXT NOT NULL,
                context TEXT NOT NULL DEFAULT '{}',
                draft TEXT NOT NULL DEFAULT '',
                final TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                instruction TEXT NOT NULL DEFAULT '',
                error TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                drafted_at TEXT,
                decided_at TEXT,
                decided_by TEXT NOT NULL DEFAULT '',
                attempts INTEGER NOT NULL DEFAULT 0,
                changed_at TEXT NOT NULL
            )""",
            "CREATE INDEX reply_drafts_by_batch ON reply_drafts (batch_id, row)",
            "CREATE INDEX reply_drafts_by_thread ON reply_drafts (thread_id)",
            "CREATE INDEX reply_drafts_by_agent ON reply_drafts (agent_id, status)",
            "CREATE INDEX reply_drafts_by_change ON reply_drafts (changed_at)",
        ],
    ),
]

# Any fixed number: PostgreSQL advisory locks are keyed by a 64-bit integer.
_PG_LOCK_KEY = 0x41_54_45_4C  # "ATEL"


def apply_migrations(conn: Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations not yet recorded, in order; returns the names applied now."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS migrations ("
            "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
    )
    done = set(conn.execute(text("SELECT name FROM migrations")).scalars())
    applied: list[str] = []
    for name, statements in MIGRATIONS if migrations is None else migrations:
        if name in done:
            continue
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(
            text("INSERT INTO migrations (name, applied_at) VALUES (:name, :at)"),
            {"name": name, "at": datetime.now(UTC).isoformat(timespec="microseconds")},
        )
        applied.append(name)
    return applied
