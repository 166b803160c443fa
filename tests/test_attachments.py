"""Files attached to a conversation (issue 9, item 5): read like a knowledge base's documents,
searched in that conversation only, private to the person, erased with the conversation, its
agent, or the person's data (a canary from the file is then in no file of the data directory,
write-ahead logs and Chroma's files included). Real SQLite, real Chroma, the ``hashing``
embedder; the offline model quotes the passages it is given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.errors import NotFound
from agents.spec import AgentSpec, KnowledgeSettings, ModelSettings
from builder_ui.services.installation import Installation, Services
from store.config import data_dir
from store.knowledge.service import close_knowledge_stores
from store.secrets import close_secret_stores

CANARY = "CANARIPIECEJOINTE7Q"
NAME_CANARY = "canari-nom-4x2"
QUESTION = "Quelle est la consigne du local velos ?"
NOTE = (
    "# Consigne du local velos\n\n"
    f"La consigne du local velos est {CANARY} pour ouvrir le local velos.\n"
).encode()
OTHER = b"# Cantine\n\nLa cantine ouvre a midi et ferme a quatorze heures.\n"


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    yield installation
    close_knowledge_stores()
    close_secret_stores()


def person(shared: Installation, name: str = "alice", role: str = "creator") -> Services:
    enrol(shared._catalogue, name, role=role)  # type: ignore[arg-type]
    return Services.open(name, shared=shared)


def agent(services: Services, name: str = "Assistant", **changes: object) -> str:
    spec = AgentSpec(
        name=name, instructions="Réponds.", model=ModelSettings(provider="offline", name="")
    ).model_copy(update=changes)
    return services.create_agent(spec).agent_id


def files_holding(needle: str) -> list[str]:
    root = data_dir()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def attach(services: Services, thread: str, *files: tuple[str, bytes]) -> list[str]:
    done = services.attach_to_conversation(thread, list(files), timeout=60)
    assert [d.status for d in done] == ["ready"] * len(files), [d.error for d in done]
    return [d.id for d in done]


def conversation_with_note(services: Services, agent_id: str) -> str:
    thread = services.start_conversation(agent_id).id
    attach(services, thread, (f"{NAME_CANARY}.md", NOTE))
    return thread


# --- searched in that conversation only ----------------------------------------------------------


def test_a_turn_finds_the_attached_file_and_cites_it(shared: Installation) -> None:
    alice = person(shared)
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    result = alice.run(faq, QUESTION, thread=thread)
    assert result.outcome == "ok", result.error
    assert [c.document for c in result.citations][:1] == [f"{NAME_CANARY}.md"]
    assert CANARY in result.citations[0].passage
    assert CANARY in result.answer  # the offline model quotes what it was given
    assert alice.conversation_citations(thread)[0].document == f"{NAME_CANARY}.md"
    # the conversation, started by attaching, is named by its first message
    assert alice.workspace.get_thread(thread).title == QUESTION


def test_another_conversation_of_the_same_agent_does_not_see_it(shared: Installation) -> None:
    alice = person(shared)
    faq = agent(alice)
    conversation_with_note(alice, faq)
    other = alice.run(faq, QUESTION)
    assert other.citations == []
    assert CANARY not in other.answer
    assert alice.attachments(other.thread) == []


def test_with_the_agents_own_bases_both_are_searched(shared: Installation) -> None:
    alice = person(shared)
    kb = alice.workspace.create_kb("Cantine")
    docs = alice.workspace.add_documents(kb.id, [("cantine.md", OTHER)])
    alice.workspace.wait_for_documents(kb.id, [d.id for d in docs], timeout=60)
    knowledge = KnowledgeSettings(bases=["Cantine"], min_score=0.0, top_k=5)
    faq = agent(alice, knowledge=knowledge)
    thread = conversation_with_note(alice, faq)
    result = alice.run(faq, QUESTION, thread=thread)
    assert {"cantine.md", f"{NAME_CANARY}.md"} <= {c.document for c in result.citations}
    assert result.citations[0].document == f"{NAME_CANARY}.md"
    # the agent's other conversations search its base only
    assert {c.document for c in alice.run(faq, QUESTION).citations} == {"cantine.md"}


def test_a_removed_file_is_no_longer_searched(shared: Installation) -> None:
    alice = person(shared)
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    (doc,) = [d.id for d in alice.attachments(thread)]
    alice.remove_attachment(thread, doc)
    assert alice.attachments(thread) == []
    assert alice.run(faq, QUESTION, thread=thread).citations == []


# --- refused files -------------------------------------------------------------------------------


def test_a_refused_file_says_why_and_the_conversation_keeps_working(
    shared: Installation,
) -> None:
    alice = person(shared)
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    done = alice.attach_to_conversation(thread, [("photo.exe", b"MZ\x90\x00binaire")], timeout=60)
    assert [d.status for d in done] == ["failed"]
    assert "photo.exe" in done[0].error and ".md" in done[0].error  # what is read instead
    result = alice.run(faq, QUESTION, thread=thread)
    assert result.outcome == "ok" and result.citations[0].document == f"{NAME_CANARY}.md"
    statuses = sorted(d.status for d in alice.attachments(thread))
    assert statuses == ["failed", "ready"]


# --- private -------------------------------------------------------------------------------------


def test_someone_else_finds_nothing_of_the_conversation(shared: Installation) -> None:
    alice, bob = person(shared), person(shared, "bob@example.fr")
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    (doc,) = [d.id for d in alice.attachments(thread)]
    ghost = "th-0000000000000000"
    for attempt in (
        lambda t: bob.attach_to_conversation(t, [("x.md", OTHER)], timeout=5),
        lambda t: bob.attachments(t),
        lambda t: bob.remove_attachment(t, doc),
        lambda t: bob.workspace.search([], QUESTION, thread=t),
    ):
        with pytest.raises(NotFound) as theirs:
            attempt(thread)
        with pytest.raises(NotFound) as missing:
            attempt(ghost)
        assert theirs.value.key == missing.value.key == "thread.not_found"
    # a document id of the conversation, through a conversation of one's own: nothing
    own = bob.start_conversation(agent(bob)).id
    with pytest.raises(NotFound):
        bob.remove_attachment(own, doc)
    assert [d.id for d in alice.attachments(thread)] == [doc]


def test_the_base_is_listed_nowhere_and_no_spec_can_name_it(shared: Installation) -> None:
    alice = person(shared)
    thread = conversation_with_note(alice, agent(alice))
    assert alice.workspace.list_kbs() == []
    (document,) = alice.attachments(thread)
    with pytest.raises(NotFound):
        alice.workspace.get_kb(document.kb_id)
    with pytest.raises(NotFound):
        alice.workspace.search([document.kb_id], QUESTION)
    spec = AgentSpec(name="Curieux", knowledge=KnowledgeSettings(bases=[document.kb_id]))
    with pytest.raises(NotFound):
        alice.retriever(spec)


def test_a_user_attaches_files_to_their_own_conversations(shared: Installation) -> None:
    """A ``user`` builds nothing but chats: attaching is not building. (Her conversation
    with a colleague's agent is written to the catalogue as sharing, next issue, will.)"""
    from store.database import utc_now
    from store.records import ThreadRecord

    alice = person(shared)
    ursula = person(shared, "ursula@example.fr", role="user")
    thread = ThreadRecord("th-00000000000000aa", agent(alice), ursula.principal, "", utc_now())
    shared._catalogue.add_thread(thread)
    attach(ursula, thread.id, ("note.md", NOTE))
    assert [d.filename for d in ursula.attachments(thread.id)] == ["note.md"]
    assert ursula.workspace.list_kbs() == []
    found = ursula.workspace.search([], QUESTION, thread=thread.id)
    assert CANARY in found[0].text
    with pytest.raises(NotFound):
        alice.attachments(thread.id)  # the agent's creator reads nothing of it
    ursula.delete_conversation(thread.id)
    settled(ursula)
    close_knowledge_stores()
    assert files_holding(CANARY) == []


# --- erased with the conversation ----------------------------------------------------------------


def settled(services: Services) -> None:
    services.workspace.settle_knowledge(timeout=60)


def test_deleting_the_conversation_erases_the_files_from_every_file(
    shared: Installation,
) -> None:
    alice = person(shared)
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    alice.run(faq, QUESTION, thread=thread)
    kept = conversation_with_note(alice, faq)  # the same file in another conversation: kept
    alice.delete_conversation(thread)
    settled(alice)
    assert [d.filename for d in alice.attachments(kept)] == [f"{NAME_CANARY}.md"]
    alice.delete_conversation(kept)
    settled(alice)
    close_knowledge_stores()
    assert files_holding(CANARY) == []
    assert files_holding(NAME_CANARY) == []


def test_deleting_the_agent_erases_its_conversations_files(shared: Installation) -> None:
    alice = person(shared)
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    alice.run(faq, QUESTION, thread=thread)
    alice.delete_agent(faq)
    settled(alice)
    close_knowledge_stores()
    assert files_holding(CANARY) == []
    assert files_holding(NAME_CANARY) == []


def test_erasing_the_persons_data_erases_their_attachments(shared: Installation) -> None:
    person(shared, "root", role="admin")  # someone must still administer the installation
    alice = person(shared)
    faq = agent(alice)
    thread = conversation_with_note(alice, faq)
    alice.run(faq, QUESTION, thread=thread)
    summary = alice.workspace.export_mine().bases()
    assert [kb.thread_id for kb in summary] == [thread]  # exported with the conversations
    alice.workspace.erase_mine(alice._erase_conversations)
    close_knowledge_stores()
    assert files_holding(CANARY) == []
    assert files_holding(NAME_CANARY) == []


def test_a_second_attachment_goes_to_the_same_base(shared: Installation, tmp_path: Path) -> None:
    alice = person(shared)
    thread = conversation_with_note(alice, agent(alice))
    attach(alice, thread, ("cantine.md", OTHER))
    found = alice.attachments(thread)
    assert [d.filename for d in found] == [f"{NAME_CANARY}.md", "cantine.md"]
    assert len({d.kb_id for d in found}) == 1


# --- the chat page -----------------------------------------------------------------------------


def open_chat(login: str = "alice") -> AppTest:
    at = open_app(login, "creator")
    assert not at.exception, at.exception
    at = at.switch_page("views/chat.py").run()
    assert not at.exception, at.exception
    return at


def sources(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if e.label.startswith("[")]


def test_the_chat_page_attaches_a_file_shows_it_and_cites_it(shared: Installation) -> None:
    alice = person(shared)
    faq = agent(alice, name="Accueil")
    at = open_chat()
    box = at.chat_input[0]
    box.upload(f"{NAME_CANARY}.md", NOTE, "text/markdown").set_value(QUESTION).run()
    assert not at.exception, at.exception
    assert any("Fichiers joints à la conversation : 1" in s.value for s in at.success)
    (files,) = [e for e in at.expander if e.label.startswith("Fichiers joints")]
    assert files.label == "Fichiers joints (1)"
    assert NAME_CANARY in "\n".join(m.value for m in files.markdown)
    assert [b.label for b in files.button] == ["Retirer"]
    (source,) = sources(at)
    assert "canari\\-nom\\-4x2" in source and source.endswith("· pièce jointe")
    (thread,) = [c.thread for c in alice.conversations()]
    assert thread.agent_id == faq and thread.title == QUESTION
    assert [d.filename for d in alice.attachments(thread.id)] == [f"{NAME_CANARY}.md"]
    # removed from the page: erased
    files.button[0].click().run()
    assert not at.exception, at.exception
    assert alice.attachments(thread.id) == []
    assert any("retiré" in s.value for s in at.success)


def test_files_alone_start_the_conversation_and_a_refused_one_says_why(
    shared: Installation,
) -> None:
    alice = person(shared)
    agent(alice, name="Accueil")
    at = open_chat()
    hostile = "**gras** <img src=x onerror=alert(1)>.md"  # a name is the person's: inert
    at.chat_input[0].upload("photo.exe", b"MZ\x90\x00binaire").upload(
        hostile, NOTE, "text/markdown"
    ).run()
    assert not at.exception, at.exception
    (warning,) = at.warning
    assert warning.value.startswith("Fichier non joint.") and "photo.exe" in warning.value
    (thread,) = [c.thread for c in alice.conversations()]
    assert sorted(d.status for d in alice.attachments(thread.id)) == ["failed", "ready"]
    (files,) = [e for e in at.expander if e.label.startswith("Fichiers joints")]
    names = [m.value for m in files.markdown]
    assert "\\*\\*gras\\*\\* \\<img src=x onerror=alert(1)>.md" in names, names
    assert len(files.button) == 2 and len(files.error) == 1  # the refused one, and why
    at.chat_input[0].set_value(QUESTION).run()  # the conversation keeps working
    assert not at.exception, at.exception
    assert [s for s in sources(at) if s.endswith("· pièce jointe")]
    assert [c.thread.id for c in alice.conversations()] == [thread.id]


# --- the knowledge page and the terminal ---------------------------------------------------------


def test_the_knowledge_page_and_kb_list_do_not_show_the_base(shared: Installation) -> None:
    from cli_driver import as_json, ok

    alice = person(shared)
    alice.workspace.create_kb("Procédures")
    thread = conversation_with_note(alice, agent(alice))
    assert [b["name"] for b in as_json("kb", "list")] == ["Procédures"]
    assert thread not in ok("kb", "list").stdout
    at = open_app("alice", "creator").switch_page("views/knowledge.py").run()
    assert not at.exception, at.exception
    shown = "\n".join(
        [e.label for e in at.expander]
        + [m.value for m in at.markdown]
        + [str(s.options) for s in at.selectbox]
    )
    assert "Proc" in shown and thread not in shown and "conversation" not in shown


def test_atelier_chat_attach_reads_the_files_before_the_first_message(
    shared: Installation, tmp_path: Path
) -> None:
    from cli_driver import atelier, ok

    alice = person(shared)
    faq = agent(alice)
    note = tmp_path / f"{NAME_CANARY}.md"
    note.write_bytes(NOTE)
    odd = tmp_path / "photo.exe"
    odd.write_bytes(b"MZ\x90\x00binaire")
    result = ok("chat", faq, "--attach", str(note), "--attach", str(odd), input=f"{QUESTION}\n")
    assert f"Fichier joint : {NAME_CANARY}.md" in result.stderr
    assert "Fichier non joint : le format de photo.exe" in result.stderr
    assert CANARY in result.stdout  # the offline model quotes the attached file
    (conversation,) = alice.conversations()
    assert conversation.thread.title == QUESTION
    missing = atelier("chat", faq, "--attach", str(tmp_path / "absent.md"), input="\n")
    assert missing.exit_code == 2 and "absent.md" in missing.stderr
    assert len(alice.conversations()) == 1  # nothing started for a file that is not there
