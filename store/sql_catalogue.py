"""The catalogue in SQL: an SQLite file by default, PostgreSQL at scale, with SQLAlchemy Core.

Several processes may share one SQLite file (the app, the CLI, a background worker), so SQLite runs
in WAL mode (readers never block the writer), waits up to ``busy_timeout`` for a lock, and every
write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock before reading, so a
save that reads the latest version number and inserts the next cannot interleave with another
save. On PostgreSQL, ``SELECT ... FOR UPDATE`` on the agent's row gives the same guarantee.
Specs are stored as YAML text and read back through ``AgentSpec.from_yaml``: nothing is pickled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    Connection,
    Row,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)

from agents.spec import AgentSpec
from store import config
from store.catalogue_cache import AGENTS, FEEDBACK
from store.database import Database, DatabaseBusy, stamp, utc_now
from store.memory import (
    agent_not_found,
    freeze_spec,
    new_agent_id,
    same_spec,
    thread_not_found,
    version_not_found,
)
from store.migrations import MIGRATIONS, apply_migrations
from store.records import (
    AgentRecord,
    ConversationSummary,
    RunRecord,
    ThreadRecord,
    VersionRecord,
)
from store.sql_accounts import SqlAccounts
from store.sql_audit import SqlAudit
from store.sql_catalogue_cache import SqlCatalogueCache, moved
from store.sql_catalogue_index import SqlCatalogueIndex
from store.sql_pseudonyms import SqlPseudonyms, erase_rows
from store.sql_reply_drafts import SqlReplyDrafts
from store.sql_retention import SqlRetention
from store.sql_reviews import SqlReviews
from store.sql_sharing import SqlSharing, agent_record
from store.sql_usage import SqlUsage, add_usage
from store.tables import (
    agents,
    conversation_bases,
    grants,
    previews,
    reply_drafts,
    runs,
    threads,
    versions,
)

T = TypeVar("T")

if TYPE_CHECKING:
    from store.sign_in import SignIn
R = TypeVar("R", VersionRecord, ThreadRecord, RunRecord)


CatalogueBusy = DatabaseBusy  # the name callers of the catalogue know


class SqlCatalogue(
    SqlAccounts,
    SqlSharing,
    SqlAudit,
    SqlReviews,
    SqlUsage,
    SqlCatalogueIndex,
    SqlCatalogueCache,
    SqlRetention,
    SqlReplyDrafts,
    SqlPseudonyms,
):
    """Implements ``store.records.Catalogue``; safe to share between threads and processes."""

    def __init__(
        self, url_or_path: str | Path, *, busy_timeout: float = 30.0, retries: int = 3
    ) -> None:
        self._db = Database(url_or_path, MIGRATIONS, busy_timeout=busy_timeout, retries=retries)
        self._read = self._db.read
        self._write = self._db.write
        self._forget = self._db.forget

    @property
    def sign_in(self) -> SignIn:
        """Passwords, one-time links and browser sessions, in the same database."""
        from store.sign_in import SignIn

        return SignIn(self._db)

    def migrate(self) -> list[str]:
        """Bring the schema up to date; returns the migrations applied now."""
        return self._write(apply_migrations)

    def close(self) -> None:
        self._db.close()

    # --- agents and versions ---------------------------------------------------------------

    def create_agent(self, spec: AgentSpec, owner: str, message: str = "") -> VersionRecord:
        spec_yaml, stored = freeze_spec(spec)
        now = utc_now()
        agent = AgentRecord(
            new_agent_id(), stored.name, owner, now, now, 1, stored.description, stored.icon
        )
        version = VersionRecord(agent.id, 1, owner, message, now, stored)

        def work(conn: Connection) -> None:
            conn.execute(insert(agents).values(_values(agent)))
            _insert_version(conn, version, spec_yaml)
            moved(conn, agent.id)

        self._write(work)
        return version

    def save_version(
        self, agent_id: str, spec: AgentSpec, author: str, message: str = ""
    ) -> VersionRecord:
        return self._save_version(agent_id, spec, author, message, if_changed=False)[0]

    def save_version_if_changed(
        self, agent_id: str, spec: AgentSpec, author: str, message: str = ""
    ) -> tuple[VersionRecord, bool]:
        return self._save_version(agent_id, spec, author, message, if_changed=True)

    def _save_version(
        self, agent_id: str, spec: AgentSpec, author: str, message: str, *, if_changed: bool
    ) -> tuple[VersionRecord, bool]:
        spec_yaml, stored = freeze_spec(spec)

        def work(conn: Connection) -> tuple[VersionRecord, bool]:
            # Under BEGIN IMMEDIATE (SQLite) or FOR UPDATE (PostgreSQL) nobody else can move
            # latest_version between this read and the insert below, so two identical saves at
            # the same moment make one version.
            latest = conn.execute(
                select(agents.c.latest_version).where(agents.c.id == agent_id).with_for_update()
            ).scalar_one_or_none()
            if latest is None:
                raise agent_not_found(agent_id)
            if if_changed:
                row = conn.execute(
                    select(versions).where(
                        versions.c.agent_id == agent_id, versions.c.number == latest
                    )
                ).one()
                current = _record(VersionRecord, row)
                if same_spec(current.spec, stored):
                    return current, False
            version = VersionRecord(agent_id, latest + 1, author, message, utc_now(), stored)
            _insert_version(conn, version, spec_yaml)
            changes = {
                "name": stored.name,
                "description": stored.description,
                "icon": stored.icon,
                "updated_at": stamp(version.created_at),
                "latest_version": version.number,
            }
            conn.execute(update(agents).where(agents.c.id == agent_id).values(changes))
            moved(conn, agent_id)
            return version, True

        return self._write(work)

    def get_agent(self, agent_id: str) -> AgentRecord:
        return self._read(lambda conn: agent_record(_agent_row(conn, agent_id)))

    def list_agents(self, owner: str | None = None) -> list[AgentRecord]:
        query = select(agents).order_by(agents.c.updated_at.desc(), agents.c.id.desc())
        if owner is not None:
            query = query.where(agents.c.owner == owner)
        return self._read(lambda conn: [agent_record(row) for row in conn.execute(query)])

    def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord:
        def work(conn: Connection) -> VersionRecord:
            wanted = _agent_row(conn, agent_id).latest_version if number is None else number
            row = conn.execute(
                select(versions).where(versions.c.agent_id == agent_id, versions.c.number == wanted)
            ).first()
            if row is None:
                raise version_not_found(agent_id, wanted)
            return _record(VersionRecord, row)

        return self._read(work)

    def list_versions(self, agent_id: str) -> list[VersionRecord]:
        def work(conn: Connection) -> list[VersionRecord]:
            _agent_row(conn, agent_id)
            query = (
                select(versions)
                .where(versions.c.agent_id == agent_id)
                .order_by(versions.c.number.desc())
            )
            return [_record(VersionRecord, row) for row in conn.execute(query)]

        return self._read(work)

    def delete_agent(self, agent_id: str) -> None:
        """The rows are overwritten (``secure_delete``) and the write-ahead log, which still
        holds them (conversation titles, run errors, specs), is emptied."""

        def work(conn: Connection) -> None:
            _agent_row(conn, agent_id)
            erase_rows(conn, _conversation_ids(conn, agent_id))
            for owned in (runs, threads, previews, versions):
                conn.execute(delete(owned).where(owned.c.agent_id == agent_id))
            conn.execute(
                delete(grants).where(
                    grants.c.resource_kind == "agent", grants.c.resource_id == agent_id
                )
            )
            conn.execute(delete(agents).where(agents.c.id == agent_id))
            moved(conn, agent_id, AGENTS)
            moved(conn, agent_id, FEEDBACK)  # its feedback goes with it

        self._write(work)
        self._db.forget()

    def add_preview_thread(self, agent_id: str, thread_id: str, owner: str) -> None:
        def work(conn: Connection) -> None:
            _agent_row(conn, agent_id)
            known = select(previews.c.id).where(previews.c.id == thread_id)
            if conn.execute(known).first() is None:
                row = {"id": thread_id, "agent_id": agent_id, "owner": owner}
                conn.execute(insert(previews).values({**row, "created_at": stamp(utc_now())}))

        self._write(work)

    def conversation_ids(self, agent_id: str) -> list[str]:
        def work(conn: Connection) -> list[str]:
            _agent_row(conn, agent_id)
            return _conversation_ids(conn, agent_id)

        return self._read(work)

    # --- threads and runs ------------------------------------------------------------------

    def add_thread(self, thread: ThreadRecord) -> None:
        def work(conn: Connection) -> None:
            _agent_row(conn, thread.agent_id)
            conn.execute(insert(threads).values(_values(thread)))

        self._write(work)

    def get_thread(self, thread_id: str) -> ThreadRecord:
        def work(conn: Connection) -> ThreadRecord:
            row = conn.execute(select(threads).where(threads.c.id == thread_id)).first()
            if row is None:
                raise thread_not_found(thread_id)
            return _record(ThreadRecord, row)

        return self._read(work)

    def list_threads(self, agent_id: str, owner: str) -> list[ThreadRecord]:
        def work(conn: Connection) -> list[ThreadRecord]:
            _agent_row(conn, agent_id)
            query = (
                select(threads)
                .where(threads.c.agent_id == agent_id, threads.c.owner == owner)
                .order_by(threads.c.created_at.desc(), threads.c.id.desc())
            )
            return [_record(ThreadRecord, row) for row in conn.execute(query)]

        return self._read(work)

    def list_person_threads(self, owner: str, limit: int = 100) -> list[ConversationSummary]:
        """One query: the owner's threads by index, each one's last run by index."""
        last_run = (
            select(runs.c.created_at, runs.c.outcome)
            .where(runs.c.thread_id == threads.c.id)
            .order_by(runs.c.created_at.desc(), runs.c.id.desc())
            .limit(1)
        )
        last_at = last_run.with_only_columns(runs.c.created_at).scalar_subquery()
        last_outcome = last_run.with_only_columns(runs.c.outcome).scalar_subquery()
        activity = func.coalesce(last_at, threads.c.created_at)
        query = (
            select(
                threads,
                agents.c.name.label("agent_name"),
                activity.label("last_activity"),
                func.coalesce(last_outcome, literal_column("''")).label("last_outcome"),
            )
            .join_from(threads, agents, agents.c.id == threads.c.agent_id)
            .where(threads.c.owner == owner)
            .order_by(activity.desc(), threads.c.id.desc())
            .limit(max(limit, 0))
        )

        def work(conn: Connection) -> list[ConversationSummary]:
            found = []
            for row in conn.execute(query):
                data = row._mapping
                thread = {f.name: data[f.name] for f in fields(ThreadRecord)}
                thread["created_at"] = datetime.fromisoformat(thread["created_at"])
                found.append(
                    ConversationSummary(
                        thread=ThreadRecord(**thread),
                        agent_name=data["agent_name"],
                        last_activity=datetime.fromisoformat(data["last_activity"]),
                        last_outcome=data["last_outcome"],
                    )
                )
            return found

        return self._read(work)

    def rename_thread(self, thread_id: str, title: str) -> ThreadRecord:
        def work(conn: Connection) -> ThreadRecord:
            changed = conn.execute(
                update(threads).where(threads.c.id == thread_id).values(title=title)
            ).rowcount
            if not changed:
                raise thread_not_found(thread_id)
            row = conn.execute(select(threads).where(threads.c.id == thread_id)).one()
            return _record(ThreadRecord, row)

        renamed = self._write(work)
        self._db.forget()  # the old title stays in the write-ahead log otherwise
        return renamed

    def delete_thread(self, thread_id: str) -> None:
        """The row is overwritten (``secure_delete``) and the write-ahead log emptied."""

        def work(conn: Connection) -> None:
            gone = conn.execute(delete(threads).where(threads.c.id == thread_id)).rowcount
            if not gone:
                raise thread_not_found(thread_id)
            erase_rows(conn, [thread_id])
            # its drafts (supervised answers) hold what was said: they go with it
            conn.execute(delete(reply_drafts).where(reply_drafts.c.thread_id == thread_id))
            conn.execute(update(runs).where(runs.c.thread_id == thread_id).values(thread_id=""))

        self._write(work)
        self._db.forget()

    def set_conversation_base(self, thread_id: str, kb_id: str) -> str:
        def work(conn: Connection) -> str:
            known = select(conversation_bases.c.kb_id).where(
                conversation_bases.c.thread_id == thread_id
            )
            found = conn.execute(known).scalar_one_or_none()
            if found is not None:
                return str(found)
            if conn.execute(select(threads.c.id).where(threads.c.id == thread_id)).first() is None:
                raise thread_not_found(thread_id)
            row = {"thread_id": thread_id, "kb_id": kb_id}
            conn.execute(insert(conversation_bases).values(row))
            return kb_id

        return self._write(work)

    def conversation_bases(self, thread_ids: Sequence[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(thread_ids))
        if not wanted:
            return {}
        query = select(conversation_bases.c.thread_id, conversation_bases.c.kb_id).where(
            conversation_bases.c.thread_id.in_(wanted)
        )
        return self._read(lambda conn: {r.thread_id: r.kb_id for r in conn.execute(query)})

    def record_run(self, run: RunRecord) -> None:
        def work(conn: Connection) -> None:
            _agent_row(conn, run.agent_id)
            conn.execute(insert(runs).values(_values(run)))
            add_usage(conn, **_spent(run))

        self._write(work)

    def list_runs(self, agent_id: str | None = None, limit: int = 100) -> list[RunRecord]:
        def work(conn: Connection) -> list[RunRecord]:
            query = select(runs).order_by(runs.c.created_at.desc(), runs.c.id.desc())
            if agent_id is not None:
                _agent_row(conn, agent_id)
                query = query.where(runs.c.agent_id == agent_id)
            return [_record(RunRecord, row) for row in conn.execute(query.limit(max(limit, 0)))]

        return self._read(work)


def open_catalogue() -> SqlCatalogue:
    """The catalogue of this installation, in its data directory."""
    return SqlCatalogue(config.catalogue_path())


def _values(record: AgentRecord | ThreadRecord | RunRecord) -> dict[str, Any]:
    """A record as a table row: columns are named like the record's fields."""
    row = {f.name: getattr(record, f.name) for f in fields(record)}
    return {
        k: stamp(v) if isinstance(v, datetime) else int(v) if isinstance(v, bool) else v
        for k, v in row.items()
    }


def _spent(run: RunRecord) -> dict[str, Any]:
    """What ``add_usage`` needs of a run."""
    return {
        "agent_id": run.agent_id,
        "team": run.team,
        "principal": run.principal,
        "model": run.model,
        "input_tokens": run.input_tokens,
        "output_tokens": run.output_tokens,
        "cost": run.cost,
        "at": run.created_at,
    }


def _insert_version(conn: Connection, version: VersionRecord, spec_yaml: str) -> None:
    row = {f.name: getattr(version, f.name) for f in fields(version) if f.name != "spec"}
    row.update(created_at=stamp(version.created_at), spec_yaml=spec_yaml)
    conn.execute(insert(versions).values(row))


def _record(kind: type[R], row: Row[Any]) -> R:
    """A table row as a record, times parsed back from their ISO-8601 text."""
    data: dict[str, Any] = {
        k: datetime.fromisoformat(v) if k.endswith("_at") else v for k, v in row._mapping.items()
    }
    if kind is VersionRecord:
        source = f"{data['agent_id']} v{data['number']}"
        data["spec"] = AgentSpec.from_yaml(data.pop("spec_yaml"), source=source)
    return kind(**data)


def _agent_row(conn: Connection, agent_id: str) -> Row[Any]:
    row = conn.execute(select(agents).where(agents.c.id == agent_id)).first()
    if row is None:
        raise agent_not_found(agent_id)
    return row


def _conversation_ids(conn: Connection, agent_id: str) -> list[str]:
    """The agent's conversations, previews included."""
    found: set[str] = set()
    for kind in (threads, previews):
        query = select(kind.c.id).where(kind.c.agent_id == agent_id)
        found.update(conn.execute(query).scalars())
    return sorted(found)
