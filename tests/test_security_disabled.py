"""S15: a disabled account is refused everywhere, on its own things too: every service raises
``Refused``, every ``atelier`` command group exits with 2 and says so, and the builder signs the
person out whatever page is open. (The workspace's own operations are in
``test_access_matrix.py``.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_driver import atelier
from people import enrol
from test_web_sign_in import texts
from web_driver import open_app

from agents.errors import Refused
from agents.spec import AgentSpec, ModelSettings
from builder_ui.services.installation import Installation, Services
from store.files import personal_files
from store.knowledge.service import close_knowledge_stores
from store.sql_catalogue import open_catalogue

OLGA = "olga@example.fr"
AGENT = """schema: atelier/agent@1
name: Prudent
tools:
  - id: calculator
    approval: always_ask
"""
CALL = '- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n'
SPEC = AgentSpec(name="Essai", instructions="Réponds.")


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, OLGA)
    enrol(installation._catalogue, "ada@example.fr", role="admin")
    yield installation
    close_knowledge_stores()


def olgas_things(installation: Installation, tmp_path: Path) -> dict[str, str]:
    """Her agent with a conversation waiting for an approval, a base, a secret, a file and a
    draft: all hers, and all out of her reach once she is disabled."""
    olga = Services.open(OLGA, shared=installation)
    agent = olga.create_agent(AgentSpec.from_yaml(AGENT)).agent_id
    (tmp_path / "call.yaml").write_text(CALL)
    paused = olga.run(agent, "6*7 ?", model=f"scripted:{tmp_path / 'call.yaml'}")
    kb = olga.workspace.create_kb("Procédures")
    olga.workspace.set_secret("jeton", "s3cret")
    made = personal_files(OLGA).save("note.txt", b"texte", "text/plain")
    olga.keep_draft(agent, 1, {"name": "brouillon"})
    preview = "onglet"
    for _ in olga.preview(SPEC, preview, "Bonjour", model="offline"):
        pass
    installation._catalogue.update_account(OLGA, active=False)
    return {
        "agent": agent,
        "thread": paused.thread,
        "kb": kb.id,
        "file": made["file_id"],
        "preview": preview,
    }


Use = Callable[[Services, dict[str, str]], Any]
SERVICES: dict[str, Use] = {
    "approve": lambda s, i: list(s.approve(i["thread"], "approve", model="offline")),
    "chat": lambda s, i: list(s.chat(i["agent"], "Bonjour", model="offline")),
    "conversations": lambda s, i: s.conversations(),
    "start_conversation": lambda s, i: s.start_conversation(i["agent"]),
    "attach_to_conversation": lambda s, i: s.attach_to_conversation(
        i["thread"], [("note.md", b"texte")]
    ),
    "attachments": lambda s, i: s.attachments(i["thread"]),
    "remove_attachment": lambda s, i: s.remove_attachment(i["thread"], "doc-0123456789ab"),
    "waiting_conversations": lambda s, i: s.waiting_conversations(),
    "rename_conversation": lambda s, i: s.rename_conversation(i["thread"], "Autre titre"),
    "delete_conversation": lambda s, i: s.delete_conversation(i["thread"]),
    "conversation_citations": lambda s, i: s.conversation_citations(i["thread"]),
    "create_agent": lambda s, i: s.create_agent(SPEC),
    "compare_versions": lambda s, i: s.compare_versions(i["agent"], 1, 1),
    "restore_version": lambda s, i: s.restore_version(i["agent"], 1),
    "delete_agent": lambda s, i: s.delete_agent(i["agent"]),
    "deletion": lambda s, i: s.deletion(i["agent"]),
    "draft": lambda s, i: s.draft(i["agent"]),
    "drafts": lambda s, i: s.drafts(),
    "duplicate_agent": lambda s, i: s.duplicate_agent(i["agent"]),
    "catalogue_search": lambda s, i: s.catalogue_search("essai"),
    "catalogue_facets": lambda s, i: s.catalogue_facets(),
    "fork_agent": lambda s, i: s.fork_agent(i["agent"]),
    "lineage": lambda s, i: s.lineage(i["agent"]),
    "give_feedback": lambda s, i: s.give_feedback(i["agent"], i["thread"], "up"),
    "agent_feedback": lambda s, i: s.agent_feedback(i["agent"]),
    "export_agent": lambda s, i: s.export_agent(i["agent"]),
    "file": lambda s, i: s.file(i["file"]),
    "find_agent": lambda s, i: s.find_agent(i["agent"]),
    "forget_draft": lambda s, i: s.forget_draft(i["agent"]),
    "forget_preview": lambda s, i: s.forget_preview("onglet"),
    "history": lambda s, i: s.history(i["thread"]),
    "keep_draft": lambda s, i: s.keep_draft(i["agent"], 1, {"name": "autre"}),
    "list_agents": lambda s, i: s.list_agents(),
    "model": lambda s, i: s.model(ModelSettings(provider="offline", name="offline")),
    "pending_approval": lambda s, i: s.pending_approval(i["thread"]),
    "preview": lambda s, i: list(s.preview(SPEC, i["preview"], "Encore", model="offline")),
    "preview_approve": lambda s, i: list(
        s.preview_approve(SPEC, i["preview"], "approve", model="offline")
    ),
    "preview_history": lambda s, i: s.preview_history(SPEC, i["preview"]),
    "preview_pending": lambda s, i: s.preview_pending(SPEC, i["preview"], "offline"),
    "retriever": lambda s, i: s.retriever(
        AgentSpec.from_data({**SPEC.to_data(), "knowledge": {"bases": [i["kb"]]}})
    ),
    "run": lambda s, i: s.run(i["agent"], "Bonjour", model="offline"),
    "run_tool": lambda s, i: s.run_tool("calculator", {"expression": "2+2"}),
    "runtime": lambda s, i: s.runtime(SPEC, "offline"),
    "save_agent": lambda s, i: s.save_agent(i["agent"], SPEC),
    "tool_context": lambda s, i: s.tool_context(),
    "version": lambda s, i: s.version(i["agent"]),
    "versions": lambda s, i: s.versions(i["agent"]),
    "open_agents": lambda s, i: s.open_agents(),
    "access": lambda s, i: s.access(i["agent"]),
    "share": lambda s, i: s.share(i["agent"], "user:root@example.fr", "use"),
    "unshare": lambda s, i: s.unshare(i["agent"], "user:root@example.fr"),
    "shares": lambda s, i: s.shares(i["agent"]),
    "release": lambda s, i: s.release(i["agent"]),
    "share_kb": lambda s, i: s.share_kb(i["kb"], "user:root@example.fr", "use"),
    "unshare_kb": lambda s, i: s.unshare_kb(i["kb"], "user:root@example.fr"),
    "kb_shares": lambda s, i: s.kb_shares(i["kb"]),
    "retention_rules": lambda s, i: s.retention_rules(),
    "set_retention": lambda s, i: s.set_retention(90, None, None),
    "apply_retention": lambda s, i: s.apply_retention(),
    # supervised drafting (ids of nothing: the account is refused before any lookup)
    "batch_columns": lambda s, i: s.batch_columns("avis.csv", b"message\nBonjour\n"),
    "batch_rows": lambda s, i: s.batch_rows("avis.csv", b"message\nBonjour\n"),
    "start_batch": lambda s, i: s.start_batch(i["agent"], "a.csv", b"message\nx\n", "message"),
    "draft_batch": lambda s, i: s.draft_batch("lot-0000000000"),
    "retry_failed_rows": lambda s, i: s.retry_failed_rows("lot-0000000000"),
    "start_background_drafting": lambda s, i: s.start_background_drafting("lot-0000000000"),
    "drafting_now": lambda s, i: s.drafting_now("lot-0000000000"),
    "batches": lambda s, i: s.batches(),
    "batch": lambda s, i: s.batch("lot-0000000000"),
    "batch_drafts": lambda s, i: s.batch_drafts("lot-0000000000"),
    "review_queue": lambda s, i: s.review_queue(),
    "drafts_waiting": lambda s, i: s.drafts_waiting(),
    "reply_draft": lambda s, i: s.reply_draft("dr-0000000000000000"),
    "may_decide_draft": lambda s, i: s.may_decide_draft("dr-0000000000000000"),
    "approve_draft": lambda s, i: s.approve_draft("dr-0000000000000000"),
    "reject_draft": lambda s, i: s.reject_draft("dr-0000000000000000", "Non"),
    "send_back_draft": lambda s, i: s.send_back_draft("dr-0000000000000000", "Court"),
    "export_batch": lambda s, i: s.export_batch("lot-0000000000"),
    "oversight_measures": lambda s, i: s.oversight_measures(),
    "draft_pairs": lambda s, i: s.draft_pairs(i["agent"]),
    "conversation_drafts": lambda s, i: s.conversation_drafts(i["thread"]),
    "erase_batch": lambda s, i: s.erase_batch("lot-0000000000"),
    # which data may go to which model
    "check_data_route": lambda s, i: s.check_data_route(AgentSpec(name="Essai")),
    "check_base_route": lambda s, i: s.check_base_route(i["kb"]),
    "set_kb_class": lambda s, i: s.set_kb_class(i["kb"], "sensitive"),
}

# Public names of ``Services`` that reach nobody's data and run nothing, and why.
NEITHER_DATA_NOR_RUN = {
    "check": "validates a spec against the installed tools: reads nobody's data",
    "parse_spec": "check, from text",
    "read_spec": "check, from an uploaded file's bytes",
    "load_spec_file": "check, from a file of the person's own machine",
    "model_choices": "the installation's providers, as configured",
    "model_settings": "a spec's model settings, computed",
    "preview_thread_id": "a hash of the account and a token: no data",
    "open": "opens the services; every use checks the account",
    "principal": "the account id the services were opened for",
    "env": "the environment the services read",
    "retry": "the retry policy of model calls",
    "detector": "what finds personal data (guardrails.pii), shared by the installation",
}


def test_every_service_is_checked_or_said_to_reach_nothing() -> None:
    public = {n for n in dir(Services) if not n.startswith("_")}
    public |= {n for n in Services.__dataclass_fields__ if not n.startswith("_")}
    public -= {"workspace", "tools", "providers", "checkpointer"}  # shared, never a person's
    assert public == set(SERVICES) | set(NEITHER_DATA_NOR_RUN)


def test_every_service_refuses_a_disabled_account(
    installation: Installation, tmp_path: Path
) -> None:
    things = olgas_things(installation, tmp_path)
    olga = Services.open(OLGA, shared=installation)
    reached = []
    for name, use in SERVICES.items():
        try:
            use(olga, things)
        except Refused as exc:
            assert exc.key == "access.disabled", (name, exc.key)
        else:
            reached.append(name)
    assert reached == []
    installation._catalogue.update_account(OLGA, active=True)  # nothing was lost meanwhile
    assert olga.pending_approval(things["thread"]) is not None
    assert olga.draft(things["agent"]) is not None
    assert olga.preview_history(SPEC, things["preview"])


def test_an_open_services_session_is_refused_from_the_moment_the_account_is_disabled(
    installation: Installation,
) -> None:
    olga = Services.open(OLGA, shared=installation)
    agent = olga.create_agent(SPEC).agent_id
    olga.run(agent, "Bonjour", model="offline")  # the runtime is kept for the next turn
    installation._catalogue.update_account(OLGA, active=False)
    with pytest.raises(Refused):
        olga.run(agent, "Encore", model="offline")
    with pytest.raises(Refused):
        list(olga.preview(SPEC, "t", "Bonjour", model="offline"))


COMMANDS = {
    "agent list": ["agent", "list"],
    "agent export": ["agent", "export", "Prudent"],
    "run": ["run", "Prudent", "-m", "Bonjour", "--model", "offline"],
    "chat": ["chat", "Prudent", "--model", "offline"],
    "approve": ["approve", "{thread}", "--decision", "approve"],
    "kb list": ["kb", "list"],
    "kb search": ["kb", "search", "Procédures", "congés"],
    "secret list": ["secret", "list"],
    "secret set": ["secret", "set", "autre"],
    "tool run": ["tool", "run", "calculator", "--args", '{"expression": "2+2"}'],
    "user list": ["user", "list"],
    "team list": ["team", "list"],
    "review list": ["review", "list"],
    "agent publish": ["agent", "publish", "Prudent"],
    "me notifications": ["me", "notifications"],
    "usage": ["usage"],
    "quota mine": ["quota", "mine"],
}


def test_every_command_group_refuses_a_disabled_account_with_2(
    installation: Installation, tmp_path: Path
) -> None:
    things = olgas_things(installation, tmp_path)
    wrong = []
    for name, command in COMMANDS.items():
        args = [a.replace("{thread}", things["thread"]) for a in command]
        result = atelier("--as", OLGA, *args, input="Bonjour\nvaleur\n")
        if result.exit_code != 2 or "est désactivé" not in result.stderr:
            wrong.append(f"{name}: {result.exit_code} {result.output!r}")
    assert wrong == []


@pytest.mark.parametrize("page", ["views/editor.py", "views/knowledge.py"])
def test_the_builder_signs_a_disabled_account_out_of_any_page(page: str) -> None:
    at = open_app(OLGA, role="creator")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    catalogue = open_catalogue()
    try:
        catalogue.update_account(OLGA, active=False)
    finally:
        catalogue.close()
    at.run()
    assert not at.exception, at.exception
    assert "Connexion à Atelier" in texts(at) and "a pris fin" in texts(at)
