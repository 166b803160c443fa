"""The audit log (issue 10, item 6): append-only, hash-chained, written by the operations
themselves, read by administrators only, and never holding what was said or written.

The tampering tests edit the real SQLite file with ``sqlite3``, as someone with the file would.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_driver import atelier
from people import enrol

from agents.errors import Refused, UserError
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation, Services
from store.admin_settings import OrgModelSettings
from store.audit import (
    GENESIS,
    AuditEntry,
    AuditQuery,
    blank_personal,
    check_details,
    entry_hash,
    new_draft,
    verify_chain,
)
from store.config import catalogue_path
from store.knowledge.service import close_knowledge_stores
from store.memory import MemoryCatalogue
from store.records import Catalogue
from store.sign_in import SignInRefused
from store.sql_catalogue import SqlCatalogue, open_catalogue

CANARY = "Tournesol-7f3a"  # said in a conversation, written in a document and a secret
ADMIN = "ada@example.fr"
OLGA = "olga@example.fr"
PASSWORD = "une phrase de passe assez longue"


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def append(catalogue: Catalogue, n: int, actor: str = "alice", action: str = "agent.saved") -> None:
    for i in range(n):
        catalogue.append_audit(
            new_draft(actor, action, "agent", f"ag-{i}", "cli alice", name="Rédacteur", version=i)
        )


# --- the chain, on every backend --------------------------------------------------------------


def test_entries_are_numbered_and_each_carries_the_hash_of_the_previous(
    catalogue: Catalogue,
) -> None:
    assert verify_chain(catalogue).ok and catalogue.audit_head().count == 0
    first = catalogue.append_audit(new_draft("alice", "agent.created", "agent", "ag-1", "web ::1"))
    second = catalogue.append_audit(new_draft("bob@x.fr", "sign_in.failed", origin="web ::1"))
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert first.hash != second.hash and len(first.hash) == 64
    head = catalogue.audit_head()
    assert (head.count, head.hash) == (2, second.hash)
    verdict = verify_chain(catalogue)
    assert verdict.ok and verdict.count == 2


def test_entries_are_filtered_newest_first_and_paged(catalogue: Catalogue) -> None:
    append(catalogue, 5)
    append(catalogue, 2, actor="bob@x.fr", action="sign_in.failed")
    catalogue.append_audit(new_draft("carl", "sign_inx.other"))  # not under "sign_in"
    everything = catalogue.audit_entries(AuditQuery(limit=100))
    assert [e.seq for e in everything] == [8, 7, 6, 5, 4, 3, 2, 1]
    page = catalogue.audit_entries(AuditQuery(action="agent", limit=2, offset=1))
    assert [e.seq for e in page] == [4, 3]
    assert [e.seq for e in catalogue.audit_entries(AuditQuery(action="sign_in"))] == [7, 6]
    assert [e.seq for e in catalogue.audit_entries(AuditQuery(actor="bob@x.fr"))] == [7, 6]
    found = catalogue.audit_entries(AuditQuery(target_kind="agent", target_id="ag-3"))
    assert [(e.seq, e.details["version"]) for e in found] == [(4, 3)]
    now = datetime.now(UTC)
    assert len(catalogue.audit_entries(AuditQuery(since=now - timedelta(minutes=1)))) == 8
    assert catalogue.audit_entries(AuditQuery(until=now - timedelta(minutes=1))) == []
    assert [e.seq for e in catalogue.audit_range(6, 10)] == [7, 8]


def test_an_erasure_blanks_the_entries_naming_the_person_and_counts_them(
    catalogue: Catalogue,
) -> None:
    append(catalogue, 2)
    catalogue.append_audit(new_draft("bob@x.fr", "kb.created", "kb", "kb-1", "web ::1", name="B"))
    catalogue.append_audit(
        new_draft("alice", "team.member_added", "team", "tm-1", account="bob@x.fr")
    )
    catalogue.append_audit(new_draft("alice", "account.disabled", "account", "bob@x.fr"))
    catalogue.append_audit(new_draft("alice", "team.created", "team", "tm-2", name="bob@x.fr!"))
    erasure = catalogue.erase_from_audit(
        "bob@x.fr", new_draft("alice", "data.erased", "account", "", "cli alice", by="x")
    )
    assert erasure.seq == 7 and erasure.details["erased_entries"] == 3
    log = catalogue.audit_range(0, 100)
    assert [e.seq for e in log if e.erased_by == 7] == [3, 4, 5]
    assert all(
        (e.actor, e.target_id, e.origin, dict(e.details), e.salt) == ("", "", "", {}, "")
        for e in log
        if e.erased_by
    )
    assert [e.action for e in log if e.erased_by] == [
        "kb.created",
        "team.member_added",
        "account.disabled",
    ]
    assert log[5].details == {"name": "bob@x.fr!"}  # another value: not the person
    assert verify_chain(catalogue).ok
    assert catalogue.audit_entries(AuditQuery(actor="bob@x.fr")) == []


def test_details_are_short_values_never_a_text() -> None:
    assert check_details({"name": "Rédacteur", "version": 3, "ok": True}) == {
        "name": "Rédacteur",
        "version": 3,
        "ok": True,
    }
    with pytest.raises(ValueError, match="longer"):
        check_details({"instructions": "x" * 500})
    with pytest.raises(ValueError, match="scalar"):
        check_details({"messages": ["a", "b"]})


def test_several_writers_keep_one_line(tmp_path: Path) -> None:
    """Two catalogues over one file (two connection pools, as two processes would have)
    appending at once: no number twice, no link lost."""
    path = tmp_path / "catalogue.sqlite3"
    writers = [SqlCatalogue(path), SqlCatalogue(path)]
    start = threading.Barrier(len(writers))

    def write(catalogue: SqlCatalogue, who: str) -> None:
        start.wait()
        append(catalogue, 40, actor=who)

    threads = [threading.Thread(target=write, args=(c, f"w{i}")) for i, c in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verdict = verify_chain(writers[0])
    assert verdict.ok and verdict.count == 80
    for catalogue in writers:
        catalogue.close()


# --- tampering with the SQLite file ---------------------------------------------------------------


def tampered(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.sqlite3"
    catalogue = SqlCatalogue(path)
    append(catalogue, 6)
    catalogue.close()
    return path


def verdict_of(path: Path) -> tuple[str | None, int]:
    catalogue = SqlCatalogue(path)
    try:
        verdict = verify_chain(catalogue)
    finally:
        catalogue.close()
    return verdict.problem, verdict.seq


def test_a_changed_field_is_found(logged: Path) -> None:
    tampered(logged, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    assert verdict_of(logged) == ("changed", 3)


def test_changed_details_are_found(logged: Path) -> None:
    tampered(logged, """UPDATE audit_log SET details = '{"name": "Autre"}' WHERE seq = 5""")
    assert verdict_of(logged) == ("changed", 5)


def test_a_removed_entry_in_the_middle_is_found(logged: Path) -> None:
    tampered(logged, "DELETE FROM audit_log WHERE seq = 2")
    assert verdict_of(logged) == ("removed", 2)


def test_a_removed_and_renumbered_entry_is_found(logged: Path) -> None:
    tampered(
        logged,
        "DELETE FROM audit_log WHERE seq = 2",
        "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2",
    )
    assert verdict_of(logged) == ("changed", 2)


def test_removed_last_entries_are_found_by_the_head(logged: Path) -> None:
    tampered(logged, "DELETE FROM audit_log WHERE seq >= 5")
    assert verdict_of(logged) == ("truncated", 5)


def test_an_entry_forged_at_the_end_is_found_by_the_head(logged: Path) -> None:
    """Even with a correct hash: the head was not moved with it."""
    with sqlite3.connect(logged) as conn:
        last = conn.execute("SELECT hash FROM audit_log WHERE seq = 6").fetchone()[0]
    conn.close()
    at = "2030-01-01T00:00:00.000000+00:00"
    forged = new_draft("mallory", "account.role_changed", "account", "mallory", "", role="admin")
    digest = entry_hash(7, at, forged, last, "00")
    tampered(
        logged,
        "INSERT INTO audit_log (seq, at, actor, action, target_kind, target_id, details, origin,"
        f" prev_hash, hash, salt) VALUES (7, '{at}', 'mallory', 'account.role_changed',"
        f""" 'account', 'mallory', '{{"role": "admin"}}', '', '{last}', '{digest}', '00')""",
    )
    assert verdict_of(logged) == ("head", 7)


def test_an_entry_forged_in_the_middle_is_found(logged: Path) -> None:
    tampered(
        logged,
        "UPDATE audit_log SET seq = seq + 100 WHERE seq > 3",
        "UPDATE audit_log SET seq = seq - 99 WHERE seq > 100",
        "INSERT INTO audit_log (seq, at, actor, action, target_kind, target_id, details, origin,"
        " prev_hash, hash) SELECT 4, at, 'mallory', action, target_kind, target_id, details,"
        " origin, hash, hash FROM audit_log WHERE seq = 3",
    )
    assert verdict_of(logged)[0] == "changed"


def test_atelier_audit_verify_exits_non_zero_naming_the_entry() -> None:
    """The issue's tampering test, end to end: the terminal's administrator acts, the file
    is edited with sqlite3, ``atelier audit verify`` says which entry."""
    assert atelier("team", "add", "Communication").exit_code == 0
    assert atelier("team", "add", "RH").exit_code == 0
    assert atelier("team", "add", "Juridique").exit_code == 0
    intact = atelier("audit", "verify")
    assert intact.exit_code == 0 and "Journal intact" in intact.stdout
    path = catalogue_path()
    tampered(path, 'UPDATE audit_log SET details = \'{"name": "Finance"}\' WHERE seq = 3')
    changed = atelier("audit", "verify")
    assert changed.exit_code == 1
    assert "l'entrée n° 3 a été modifiée" in changed.stderr
    tampered(path, "DELETE FROM audit_log WHERE seq = 2")
    removed = atelier("audit", "verify")
    assert removed.exit_code == 1 and "l'entrée n° 2 a été supprimée" in removed.stderr


# --- the operations write it, without content ---------------------------------------------


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, OLGA)
    enrol(installation._catalogue, ADMIN, role="admin")
    yield installation
    close_knowledge_stores()


def entries(installation: Installation, action: str) -> list[AuditEntry]:
    admin = installation.workspace(ADMIN)
    return admin.audit.entries(action=action, limit=1000)


def one(installation: Installation, action: str) -> AuditEntry:
    found = entries(installation, action)
    assert len(found) == 1, (action, found)
    return found[0]


def test_each_action_is_recorded_with_who_what_and_from_where(
    installation: Installation, tmp_path: Path
) -> None:
    web = "web 192.0.2.7"
    olga = Services.open(OLGA, shared=installation, origin=web)
    ws = olga.workspace
    agent = ws.create_agent(AgentSpec(name="Rédacteur", instructions=f"Dis {CANARY}."))
    ws.save_agent(agent.agent_id, AgentSpec(name="Rédacteur", instructions=f"{CANARY} !"))
    olga.run(agent.agent_id, f"Bonjour, je suis {CANARY}", model="offline")
    (conversation,) = ws.list_my_threads()
    ws.delete_thread(conversation.thread.id)
    kb = ws.create_kb("Procédures RH")
    docs = ws.add_documents(kb.id, [("conges.md", f"# Congés\n\n{CANARY} demande.\n".encode())])
    ws.wait_for_documents(kb.id, [d.id for d in docs], timeout=60)
    ws.delete_document(kb.id, docs[0].id)
    ws.delete_kb(kb.id)
    ws.set_secret("jeton", CANARY)
    ws.delete_secret("jeton")
    ws.export_mine()
    ws.delete_agent(agent.agent_id)

    admin = installation.workspace(ADMIN, origin="cli ada")
    people = admin.people
    people.add_account("leon@example.fr", "Léon", role="user")
    people.set_role("leon@example.fr", "creator")
    people.disable("leon@example.fr")
    people.enable("leon@example.fr")
    people.invitation("leon@example.fr")
    team = people.add_team("Équipe RH")
    people.add_member(team.id, "leon@example.fr")
    people.remove_member(team.id, "leon@example.fr")
    people.export_person("leon@example.fr")
    organisation = admin.organisation
    organisation.set_secret("cle-mistral", CANARY)
    organisation.update(
        lambda s: s.model_copy(
            update={
                "models": [
                    OrgModelSettings(
                        id="mistral-small",
                        provider="mistral",
                        name="mistral-small-latest",
                        display_name="Mistral Small",
                        credential="cle-mistral",
                    )
                ]
            }
        )
    )
    organisation.delete_secret("cle-mistral")

    expected = {  # action -> (actor, target kind, target id, origin)
        "agent.created": (OLGA, "agent", agent.agent_id, web),
        "agent.saved": (OLGA, "agent", agent.agent_id, web),
        "agent.deleted": (OLGA, "agent", agent.agent_id, web),
        "conversation.deleted": (OLGA, "conversation", conversation.thread.id, web),
        "kb.created": (OLGA, "kb", kb.id, web),
        "kb.documents_added": (OLGA, "kb", kb.id, web),
        "kb.document_deleted": (OLGA, "kb", kb.id, web),
        "kb.deleted": (OLGA, "kb", kb.id, web),
        "secret.saved": (OLGA, "secret", "jeton", web),
        "secret.deleted": (OLGA, "secret", "jeton", web),
        "account.created": (ADMIN, "account", "leon@example.fr", "cli ada"),
        "account.role_changed": (ADMIN, "account", "leon@example.fr", "cli ada"),
        "account.disabled": (ADMIN, "account", "leon@example.fr", "cli ada"),
        "account.enabled": (ADMIN, "account", "leon@example.fr", "cli ada"),
        "account.invited": (ADMIN, "account", "leon@example.fr", "cli ada"),
        "team.created": (ADMIN, "team", team.id, "cli ada"),
        "team.member_added": (ADMIN, "team", team.id, "cli ada"),
        "team.member_removed": (ADMIN, "team", team.id, "cli ada"),
        "admin.secret_saved": (ADMIN, "secret", "cle-mistral", "cli ada"),
        "admin.secret_deleted": (ADMIN, "secret", "cle-mistral", "cli ada"),
        "admin.settings_changed": (ADMIN, "settings", "", "cli ada"),
        "admin.model_added": (ADMIN, "model", "mistral-small", "cli ada"),
    }
    for action, (actor, kind, target, origin) in expected.items():
        entry = one(installation, action)
        assert (entry.actor, entry.target_kind, entry.target_id, entry.origin) == (
            actor,
            kind,
            target,
            origin,
        ), action
    assert one(installation, "agent.saved").details == {"name": "Rédacteur", "version": 2}
    assert one(installation, "account.role_changed").details == {
        "before": "user",
        "role": "creator",
    }
    added = one(installation, "kb.documents_added").details
    assert added["count"] == 1 and added["documents"] == "conges.md"
    assert one(installation, "admin.settings_changed").details == {"sections": "models"}
    exports = entries(installation, "data.exported")
    assert {(e.actor, e.target_id) for e in exports} == {
        (OLGA, OLGA),
        (ADMIN, "leon@example.fr"),
    }
    assert verify_chain(installation._catalogue).ok
    assert_no_canary(catalogue_path())


def assert_no_canary(path: Path) -> None:
    """Nothing said or written is in the log: not in any of its rows, as stored."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT * FROM audit_log").fetchall()
    conn.close()
    assert rows
    assert CANARY not in json.dumps(rows, ensure_ascii=False)


def test_sign_ins_are_recorded_failed_ones_with_the_login_tried(
    installation: Installation,
) -> None:
    admin = installation.workspace(ADMIN)
    admin.people.set_password(OLGA, PASSWORD)
    door = installation.front_door_from("web 198.51.100.4")
    with pytest.raises(SignInRefused):
        door.with_password("Olga@Example.fr", CANARY)  # a wrong password
    with pytest.raises(SignInRefused):
        door.with_password("personne@example.fr", PASSWORD)
    door.with_password(OLGA, PASSWORD)
    failed = entries(installation, "sign_in.failed")
    assert [(e.actor, e.origin, e.details["reason"]) for e in failed] == [
        ("personne@example.fr", "web 198.51.100.4", "sign_in.refused"),
        (OLGA, "web 198.51.100.4", "sign_in.refused"),
    ]
    succeeded = one(installation, "sign_in.succeeded")
    assert (succeeded.actor, succeeded.target_id, succeeded.origin) == (
        OLGA,
        OLGA,
        "web 198.51.100.4",
    )
    assert one(installation, "account.password_set").target_id == OLGA
    assert_no_canary(catalogue_path())


AGENT = """schema: atelier/agent@1
name: Prudent
tools:
  - id: calculator
    approval: always_ask
"""


def test_a_tool_call_decision_is_recorded_without_its_arguments(
    installation: Installation, tmp_path: Path
) -> None:
    olga = Services.open(OLGA, shared=installation, origin="web 203.0.113.9")
    agent = olga.create_agent(AgentSpec.from_yaml(AGENT)).agent_id
    (tmp_path / "call.yaml").write_text(
        f"- tool_calls: [{{name: calculator, args: {{expression: \"6*7 + len('{CANARY}')\"}}}}]\n"
    )
    paused = olga.run(agent, "6*7 ?", model=f"scripted:{tmp_path / 'call.yaml'}")
    (tmp_path / "done.yaml").write_text('- text: "42."\n')
    list(
        olga.approve(
            paused.thread,
            "reject",
            comment=f"non, {CANARY}",
            model=f"scripted:{tmp_path / 'done.yaml'}",
        )
    )
    decided = one(installation, "approval.decided")
    assert (decided.actor, decided.target_kind, decided.target_id, decided.origin) == (
        OLGA,
        "conversation",
        paused.thread,
        "web 203.0.113.9",
    )
    assert decided.details == {"tool": "calculator", "decision": "reject", "agent": agent}
    assert_no_canary(catalogue_path())


# --- reading it: administrators only ------------------------------------------------------


def test_only_administrators_read_verify_or_export_the_log(installation: Installation) -> None:
    olga = installation.workspace(OLGA)
    olga.create_agent(AgentSpec(name="Rédacteur", instructions="Réponds."))
    for use in (
        lambda: olga.audit.entries(),
        lambda: olga.audit.verify(),
        lambda: list(olga.audit.export("jsonl")),
    ):
        with pytest.raises(Refused):
            use()
    admin = installation.workspace(ADMIN)
    assert [e.action for e in admin.audit.entries()] == ["agent.created"]


def test_the_export_holds_every_field_and_is_recorded(installation: Installation) -> None:
    admin = installation.workspace(ADMIN, origin="cli ada")
    admin.people.add_team("Communication")
    with pytest.raises(SignInRefused):  # a login typed to become a spreadsheet formula
        installation.front_door_from("web ::1").with_password("=1+2", PASSWORD)
    rows = [json.loads(line) for line in admin.audit.export("jsonl")]
    assert [r["action"] for r in rows] == ["team.created", "sign_in.failed", "audit.exported"]
    assert set(rows[0]) == {
        "seq",
        "at",
        "actor",
        "action",
        "target_kind",
        "target_id",
        "details",
        "origin",
        "prev_hash",
        "hash",
        "salt",
        "sealed",
        "erased_by",
    }
    csv_lines = "".join(admin.audit.export("csv")).splitlines()
    assert csv_lines[0].startswith("seq,at,actor,action")
    assert ",'=1+2,sign_in.failed," in csv_lines[2]  # a text cell, never a formula
    with pytest.raises(UserError):
        list(admin.audit.export("xml"))
    now = datetime.now(UTC)
    with pytest.raises(UserError):
        admin.audit.entries(since=now, until=now - timedelta(days=1))


def test_the_cli_lists_filters_and_exports(tmp_path: Path) -> None:
    assert atelier("team", "add", "Communication").exit_code == 0
    assert atelier("user", "add", "bob@example.fr", "--role", "creator").exit_code == 0
    listed = atelier("audit", "list", "--action", "team")
    assert listed.exit_code == 0, listed.output
    assert "team.created" in listed.stdout and "account.created" not in listed.stdout
    assert "cli " in listed.stdout  # from where: the terminal's system user
    as_json = json.loads(atelier("audit", "list", "--actor", "alice", "--json").stdout)
    assert {row["action"] for row in as_json} >= {"team.created", "account.created"}
    today = datetime.now().strftime("%Y-%m-%d")
    assert atelier("audit", "list", "--since", today, "--until", today).exit_code == 0
    assert "team.created" not in atelier("audit", "list", "--until", "2001-01-01").stdout
    bad = atelier("audit", "list", "--since", "hier")
    assert bad.exit_code == 2 and "n'est pas une date" in bad.stderr
    out = tmp_path / "journal.csv"
    assert atelier("audit", "export", "--format", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("seq,at,actor,action")
    assert (out.stat().st_mode & 0o777) == 0o600
    jsonl = atelier("audit", "export", "--format", "jsonl")
    assert [json.loads(line)["seq"] for line in jsonl.stdout.splitlines()][:2] == [1, 2]


def test_the_cli_refuses_someone_who_is_not_an_administrator() -> None:
    assert atelier("user", "add", "bob@example.fr", "--role", "creator").exit_code == 0
    refused = atelier("--as", "bob@example.fr", "audit", "list")
    assert refused.exit_code == 2, refused.output
    catalogue = open_catalogue()
    assert all(e.actor != "bob@example.fr" for e in catalogue.audit_range(0, 100))


# --- erasing a person: out of the log, the chain still whole ---------------------------------


def files_holding(text: str) -> list[str]:
    home = catalogue_path().parent
    return sorted(
        p.name for p in home.rglob("*") if p.is_file() and text.encode() in p.read_bytes()
    )


def test_erasing_a_person_takes_them_out_of_the_log_and_the_chain_still_holds(
    installation: Installation,
) -> None:
    bob = "bob.martin@example.fr"
    admin = installation.workspace(ADMIN, origin="web 192.0.2.1")
    admin.people.add_account(bob, role="creator")
    team = admin.people.add_team("Communication")
    admin.people.add_member(team.id, bob)
    with pytest.raises(SignInRefused):
        installation.front_door_from("web 198.51.100.77").with_password(bob, PASSWORD)
    mine = installation.workspace(bob, origin="web 198.51.100.77")
    mine.create_kb(f"Base {CANARY}")
    admin.people.add_team("Juridique")  # names nobody: untouched
    before = len(installation._catalogue.audit_range(0, 1000))
    assert files_holding(bob) and files_holding(CANARY)

    admin.people.erase_person(bob, lambda ids: None)

    log = installation._catalogue.audit_range(0, 1000)
    assert len(log) == before + 1  # nothing removed: the erasure added its own entry
    erasure = log[-1]
    assert (erasure.action, erasure.actor, erasure.target_id) == ("data.erased", ADMIN, "")
    blanked = [e for e in log if e.erased_by == erasure.seq]
    assert [e.action for e in blanked] == [
        "account.created",  # by the administrator, of bob
        "team.member_added",  # bob, in the details
        "sign_in.failed",  # bob tried
        "kb.created",  # bob made it: its name is his
    ]
    assert erasure.details["erased_entries"] == 4
    assert all(e.actor == "" and e.origin == "" and not e.details for e in blanked)
    assert [e.action for e in log if e.details.get("name") == "Juridique"] == ["team.created"]
    assert verify_chain(installation._catalogue).ok
    assert files_holding(bob) == [] and files_holding(CANARY) == []
    assert files_holding("198.51.100.77") == []


def test_an_entry_blanked_outside_an_erasure_is_reported(installation: Installation) -> None:
    admin = installation.workspace(ADMIN)
    admin.people.add_team("Communication")
    admin.people.add_team("RH")
    admin.people.add_account("bob@example.fr")
    admin.people.erase_person("bob@example.fr", lambda ids: None)
    assert verify_chain(installation._catalogue).ok
    entry = installation._catalogue.audit_range(1, 1)[0]  # who made "RH", hidden as if erased
    sealed = blank_personal(entry, 4).sealed
    tampered(
        catalogue_path(),
        "UPDATE audit_log SET actor = '', details = '{}', origin = '', salt = '',"
        f" sealed = '{sealed}', erased_by = 4 WHERE seq = 2",
    )
    verdict = verify_chain(installation._catalogue)
    assert (verdict.problem, verdict.seq) == ("changed", 2)
