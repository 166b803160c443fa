"""S1: a person who has the id of another's knowledge base, agent, conversation, file or
pending approval reaches nothing through any interface: the services raise ``NotFound``, the
``atelier`` command exits with 3, and the builder shows nothing of it. Every answer is worded
exactly as for an id that does not exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from cli_driver import atelier
from people import enrol
from web_driver import open_app

from agents.errors import NotFound
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation, Services
from store.files import personal_files
from store.knowledge.service import close_knowledge_stores

ALICE, BOB = "alice@example.fr", "bob@example.fr"
AGENT = """schema: atelier/agent@1
name: Agent CANARI-NOM
description: CANARI-DESCRIPTION
instructions: CANARI-INSTRUCTIONS
tools:
  - id: calculator
    approval: always_ask
"""
CALL = '- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n'
DOC = b"# Paie\n\nCANARI-DOCUMENT : la prime est versee en juin.\n"
CANARIES = ("CANARI-NOM", "CANARI-DESCRIPTION", "CANARI-INSTRUCTIONS", "CANARI-DOCUMENT")
CANARIES += ("Base CANARI", "paie-canari.md")
BOB_SPEC = AgentSpec(name="Agent de Bob", instructions="Réponds.")


@dataclass(frozen=True)
class Ids:
    agent: str
    thread: str  # a conversation waiting for an approval
    kb: str
    doc: str
    file: str


GHOSTS = Ids(
    "ag-0123456789ab", "th-0123456789abcdef", "kb-0123456789ab", "doc-0123456789ab", "0" * 24
)


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, ALICE, BOB)
    yield installation
    close_knowledge_stores()


def alices_things(installation: Installation, tmp_path: Path) -> Ids:
    alice = Services.open(ALICE, shared=installation)
    agent = alice.create_agent(AgentSpec.from_yaml(AGENT)).agent_id
    (tmp_path / "call.yaml").write_text(CALL)
    paused = alice.run(agent, "6*7 ?", model=f"scripted:{tmp_path / 'call.yaml'}")
    assert paused.outcome == "awaiting_approval"
    kb = alice.workspace.create_kb("Base CANARI")
    (doc,) = alice.workspace.add_documents(kb.id, [("paie-canari.md", DOC)])
    (done,) = alice.workspace.wait_for_documents(kb.id, [doc.id], timeout=60)
    assert done.status == "ready", done.error
    made = personal_files(ALICE).save("bulletin.txt", b"CANARI-FICHIER", "text/plain")
    return Ids(agent, paused.thread, kb.id, doc.id, made["file_id"])


def masked(message: str, ids: Ids) -> str:
    for f in fields(ids):
        message = message.replace(getattr(ids, f.name), f"<{f.name}>")
    return message


def assert_untouched(installation: Installation, ids: Ids) -> None:
    alice = Services.open(ALICE, shared=installation)
    assert len(alice.versions(ids.agent)) == 1
    assert alice.pending_approval(ids.thread) is not None
    assert [d.id for d in alice.workspace.list_documents(ids.kb)] == [ids.doc]
    assert alice.file(ids.file)[1] == b"CANARI-FICHIER"


def with_base(kb: str) -> AgentSpec:
    return AgentSpec.from_data({**BOB_SPEC.to_data(), "knowledge": {"bases": [kb]}})


# --- the services ----------------------------------------------------------------------------

Reach = Callable[[Services, Ids], Any]
SERVICES: dict[str, Reach] = {
    "find_agent": lambda s, i: s.find_agent(i.agent),
    "version": lambda s, i: s.version(i.agent, 1),
    "versions": lambda s, i: s.versions(i.agent),
    "export_agent": lambda s, i: s.export_agent(i.agent),
    "duplicate_agent": lambda s, i: s.duplicate_agent(i.agent),
    "fork_agent": lambda s, i: s.fork_agent(i.agent),
    "lineage": lambda s, i: s.lineage(i.agent),
    "give_feedback on her agent": lambda s, i: s.give_feedback(i.agent, i.thread, "up"),
    "agent_feedback": lambda s, i: s.agent_feedback(i.agent),
    "deletion": lambda s, i: s.deletion(i.agent),
    "delete_agent": lambda s, i: s.delete_agent(i.agent),
    "save_agent over hers": lambda s, i: s.save_agent(i.agent, BOB_SPEC),
    "chat with her agent": lambda s, i: list(s.chat(i.agent, "Bonjour", model="offline")),
    "history": lambda s, i: s.history(i.thread),
    "chat in her conversation": lambda s, i: list(
        s.chat("Agent de Bob", "Bonjour", thread=i.thread, model="offline")
    ),
    "pending_approval": lambda s, i: s.pending_approval(i.thread),
    "approve": lambda s, i: list(s.approve(i.thread, "approve", model="offline")),
    "retriever of a spec naming her base": lambda s, i: s.retriever(with_base(i.kb)),
    "run of a spec naming her base": lambda s, i: s.runtime(with_base(i.kb), "offline"),
    "search her base": lambda s, i: s.workspace.search([i.kb], "prime"),
    "her documents": lambda s, i: s.workspace.list_documents(i.kb),
    "her document's passages": lambda s, i: s.workspace.document_passages(i.kb, i.doc),
    "file": lambda s, i: s.file(i.file),
}


def test_through_the_services_nothing_of_hers_is_reached(
    installation: Installation, tmp_path: Path
) -> None:
    ids = alices_things(installation, tmp_path)
    bob = Services.open(BOB, shared=installation)
    bob.create_agent(BOB_SPEC)
    wrong = []
    for name, reach in SERVICES.items():
        found: list[NotFound] = []
        for target in (ids, GHOSTS):
            try:
                reach(bob, target)
            except NotFound as exc:
                found.append(exc)
            else:
                wrong.append(f"{name}: reached {target}")
        if len(found) == 2:
            theirs, none = found
            if theirs.key != none.key or masked(theirs.message(), ids) != masked(
                none.message(), GHOSTS
            ):
                wrong.append(f"{name}: {theirs.message()!r} vs {none.message()!r}")
    assert wrong == []
    assert_untouched(installation, ids)


def test_a_preview_token_never_reaches_someone_elses_conversation(
    installation: Installation, tmp_path: Path
) -> None:
    """The preview's conversation is derived from the account and the token: whatever token
    Bob sends (her conversation's id, her preview's token), he gets his own preview."""
    ids = alices_things(installation, tmp_path)
    alice = Services.open(ALICE, shared=installation)
    list(alice.preview(BOB_SPEC, "onglet-alice", "Secret d'Alice", model="offline"))
    bob = Services.open(BOB, shared=installation)
    for token in (ids.thread, "onglet-alice", alice.preview_thread_id("onglet-alice")):
        assert bob.preview_history(BOB_SPEC, token) == []
        assert bob.preview_pending(BOB_SPEC, token, "offline") is None
        list(bob.preview(BOB_SPEC, token, "Bonjour", model="offline"))
        assert "Secret d'Alice" not in str(bob.preview_history(BOB_SPEC, token))
    assert "Secret d'Alice" in str(alice.preview_history(BOB_SPEC, "onglet-alice"))
    assert_untouched(installation, ids)


# --- the command line ------------------------------------------------------------------------

COMMANDS: dict[str, Callable[[Ids], list[str]]] = {
    "agent export": lambda i: ["agent", "export", i.agent],
    "agent versions": lambda i: ["agent", "versions", i.agent],
    "agent rm": lambda i: ["agent", "rm", i.agent, "--yes"],
    "run her agent": lambda i: ["run", i.agent, "-m", "Bonjour", "--model", "offline"],
    "run in her conversation": lambda i: [
        *("run", "Agent de Bob", "-m", "Bonjour", "--thread", i.thread, "--model", "offline")
    ],
    "approve her call": lambda i: ["approve", i.thread, "--decision", "approve"],
    "kb docs": lambda i: ["kb", "docs", i.kb],
    "kb show": lambda i: ["kb", "show", i.kb, i.doc],
    "kb search": lambda i: ["kb", "search", i.kb, "prime"],
    "kb reindex": lambda i: ["kb", "reindex", i.kb],
    "kb rm": lambda i: ["kb", "rm", i.kb, "--yes"],
}


def test_through_the_command_line_nothing_of_hers_is_reached(
    installation: Installation, tmp_path: Path
) -> None:
    ids = alices_things(installation, tmp_path)
    Services.open(BOB, shared=installation).create_agent(BOB_SPEC)
    wrong = []
    for name, command in COMMANDS.items():
        theirs = atelier("--as", BOB, *command(ids))
        none = atelier("--as", BOB, *command(GHOSTS))
        if (theirs.exit_code, none.exit_code) != (3, 3):
            wrong.append(f"{name}: exit {theirs.exit_code} / {none.exit_code} {theirs.output}")
        elif masked(theirs.stderr, ids) != masked(none.stderr, GHOSTS):
            wrong.append(f"{name}: {theirs.stderr!r} vs {none.stderr!r}")
        if any(canary in theirs.output for canary in CANARIES):
            wrong.append(f"{name}: shows {theirs.output!r}")
    assert wrong == []
    assert_untouched(installation, ids)


# --- the builder -----------------------------------------------------------------------------


def everything_shown(at: Any) -> str:
    parts: list[object] = []
    for kind in ("markdown", "caption", "title", "subheader", "header", "error", "warning"):
        parts += [e.value for e in getattr(at, kind)]
    for kind in ("info", "success", "code", "text", "json"):
        parts += [e.value for e in getattr(at, kind)]
    parts += [w.value for w in at.text_input] + [w.value for w in at.text_area]
    for kind in ("selectbox", "multiselect", "radio"):
        parts += [str(w.options) for w in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_in_the_builder_her_agent_id_in_the_editor_shows_and_saves_nothing(
    installation: Installation, tmp_path: Path
) -> None:
    ids = alices_things(installation, tmp_path)
    at = open_app(BOB, role="creator")
    at.session_state["editor.agent_id"] = ids.agent
    at.session_state["editor.loaded_version"] = 1
    at.switch_page("views/editor.py").run()
    assert not at.exception, at.exception
    shown = everything_shown(at)
    assert not [c for c in CANARIES if c in shown]
    at.button(key="editor.save").click().run()  # saving over her agent
    assert not at.exception, at.exception
    assert not [c for c in CANARIES if c in everything_shown(at)]
    assert_untouched(installation, ids)


def test_in_the_builder_her_base_id_on_the_knowledge_page_shows_nothing(
    installation: Installation, tmp_path: Path
) -> None:
    ids = alices_things(installation, tmp_path)
    at = open_app(BOB, role="creator")
    at.session_state["kb.selected"] = ids.kb
    at.session_state["kb.passages"] = ids.doc
    at.switch_page("views/knowledge.py").run()
    assert not at.exception, at.exception
    shown = everything_shown(at)
    assert not [c for c in CANARIES if c in shown]
    assert_untouched(installation, ids)
