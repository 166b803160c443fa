"""A person's conversations across their agents (the chat page's list): listed newest first,
renamed, deleted for real (a canary said in the conversation is in no file of the data directory
afterwards, write-ahead logs included), private to the person, and those waiting for an approval
are found and decided. Real SQLite catalogue and checkpointer under ``ATELIER_HOME``."""

from __future__ import annotations

from pathlib import Path

import pytest
from people import enrol

from agents.errors import NotFound, UserError
from agents.runtime import Finished
from agents.spec import AgentSpec, ModelSettings, ToolUse
from builder_ui.services.installation import Installation, Services
from store.config import data_dir

CANARY = "CANARI-conversation-93b1e7"
CALL = '- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n'


@pytest.fixture
def shared() -> Installation:
    return Installation.open()


def person(shared: Installation, name: str = "alice") -> Services:
    enrol(shared._catalogue, name)
    return Services.open(name, shared=shared)


def files_holding(needle: str) -> list[str]:
    root = data_dir()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def agent(services: Services, name: str = "Assistant", **changes: object) -> str:
    spec = AgentSpec(name=name, instructions="Réponds.").model_copy(update=changes)
    return services.create_agent(spec).agent_id


def scripted(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, "utf-8")
    return f"scripted:{tmp_path / name}"


# --- the list ------------------------------------------------------------------------------------


def test_conversations_across_agents_newest_activity_first(shared: Installation) -> None:
    alice = person(shared)
    faq, rh = agent(alice, "FAQ"), agent(alice, "RH")
    first = alice.run(faq, "Première question", model="offline").thread
    second = alice.run(rh, "Congés", model="offline").thread
    assert [c.thread.id for c in alice.conversations()] == [second, first]
    alice.run(faq, "Et encore", thread=first, model="offline")  # used again: first again

    listed = alice.conversations()
    assert [c.thread.id for c in listed] == [first, second]
    assert [(c.agent_name, c.thread.title) for c in listed] == [
        ("FAQ", "Première question"),
        ("RH", "Congés"),
    ]
    assert listed[0].last_activity > listed[1].last_activity
    assert [c.thread.id for c in alice.conversations(limit=1)] == [first]
    # someone else's conversations are not in the list
    assert person(shared, "bob").conversations() == []


def test_rename_a_conversation(shared: Installation) -> None:
    alice = person(shared)
    thread = alice.run(agent(alice), "Bonjour", model="offline").thread
    renamed = alice.rename_conversation(thread, "  Demande   de congés  ")
    assert renamed.title == "Demande de congés"
    assert alice.conversations()[0].thread.title == "Demande de congés"
    with pytest.raises(UserError) as caught:
        alice.rename_conversation(thread, "   ")
    assert caught.value.key == "thread.title_empty"


# --- deletion ------------------------------------------------------------------------------------


def test_deleting_a_conversation_erases_it_from_every_file(shared: Installation) -> None:
    alice = person(shared)
    agent_id = agent(alice)
    doomed = alice.run(agent_id, f"Mon numéro est {CANARY}", model="offline").thread
    alice.run(agent_id, f"Encore {CANARY}", thread=doomed, model="offline")
    kept = alice.run(agent_id, "Une autre conversation", model="offline").thread
    holding = files_holding(CANARY)
    assert any(name.startswith("threads.sqlite3") for name in holding), holding
    assert any(name.startswith("catalogue.sqlite3") for name in holding), holding  # its title

    alice.delete_conversation(doomed)

    assert files_holding(CANARY) == []
    assert [c.thread.id for c in alice.conversations()] == [kept]
    with pytest.raises(NotFound):
        alice.history(doomed)
    assert alice.history(kept)[0].text == "Une autre conversation"
    # the agent's usage is kept, no longer linked to the conversation
    assert {r.thread_id for r in alice.workspace.list_runs(agent_id)} == {"", kept}


def test_deleting_a_conversation_waiting_for_approval_erases_its_call(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    agent_id = agent(alice, tools=[ToolUse(id="calculator", approval="always_ask")])
    model = scripted(tmp_path, "a.yaml", CALL.replace("6*7", f"6*7 # {CANARY}"))
    paused = alice.run(agent_id, "Calcule", model=model)
    assert paused.outcome == "awaiting_approval"
    assert files_holding(CANARY)
    alice.delete_conversation(paused.thread)
    assert files_holding(CANARY) == []
    assert alice.waiting_conversations() == []


# --- privacy -------------------------------------------------------------------------------------


def test_another_person_gets_not_found_exactly_like_a_missing_one(shared: Installation) -> None:
    alice, bob = person(shared), person(shared, "bob")
    thread = alice.run(agent(alice), f"Privé {CANARY}", model="offline").thread

    def refusal(action: object) -> str:
        with pytest.raises(NotFound) as caught:
            action()  # type: ignore[operator]
        return f"{caught.value.key}|{caught.value.message()}"

    missing = "th-0000000000000000"
    for name, action in {
        "history": lambda t: bob.history(t),
        "rename": lambda t: bob.rename_conversation(t, "Volé"),
        "delete": lambda t: bob.delete_conversation(t),
        "pending": lambda t: bob.pending_approval(t),
        "approve": lambda t: list(bob.approve(t, "approve")),
    }.items():
        theirs = refusal(lambda a=action: a(thread)).replace(thread, "ID")
        absent = refusal(lambda a=action: a(missing)).replace(missing, "ID")
        assert theirs == absent, name
    # nothing was changed, and the conversation is whole
    assert alice.conversations()[0].thread.title == f"Privé {CANARY}"
    assert alice.history(thread)[0].text == f"Privé {CANARY}"


# --- waiting for an approval ---------------------------------------------------------------------


def test_a_conversation_left_waiting_is_listed_and_decided(
    shared: Installation, tmp_path: Path
) -> None:
    """As ``atelier run`` leaves it: the chat page finds it and the person decides there."""
    alice = person(shared)
    agent_id = agent(
        alice,
        tools=[ToolUse(id="calculator", approval="always_ask")],
        model=ModelSettings(provider="scripted", name=str(tmp_path / "a.yaml")),
    )
    scripted(tmp_path, "a.yaml", CALL + '- text: "6 fois 7 font 42."\n')
    paused = alice.run(agent_id, "Combien font 6 fois 7 ?")
    calm = alice.run(agent_id, "Autre chose", model="offline")
    assert [c.thread.id for c in alice.waiting_conversations()] == [paused.thread]
    assert calm.thread not in {c.thread.id for c in alice.waiting_conversations()}

    request = alice.pending_approval(paused.thread)
    assert request is not None and request["tool"] == "calculator"
    events = list(alice.approve(paused.thread, "approve"))
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.result.outcome == "ok"
    assert finished.result.answer == "6 fois 7 font 42."
    assert alice.waiting_conversations() == []
    assert alice.pending_approval(paused.thread) is None


# --- a saved conversation read back as the page's turns ------------------------------------------


def test_saved_messages_become_the_pages_turns() -> None:
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from agents.knowledge import Citation
    from builder_ui.web.models.conversation import turns_from_messages
    from builder_ui.web.models.transcript import TextPart, ToolPart

    call = {"id": "c1", "name": "calculator", "args": {"expression": "6*7"}}
    artifact = {"ok": True, "output": 42, "args": {"expression": "6*7"}, "approval": None}
    messages = [
        HumanMessage("Combien ?"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("42", tool_call_id="c1", name="calculator", artifact=artifact),
        AIMessage("42."),
        HumanMessage("Et 6*8 ?"),
    ]
    citation = Citation(document="doc.pdf", passage="texte", score=1.0, n=1)
    pending = {"call_id": "c2", "tool": "calculator", "args": {"expression": "6*8"}}
    turns = turns_from_messages(messages, [citation], pending)
    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"]
    answer = turns[1]
    tool = answer.parts[0]
    assert isinstance(tool, ToolPart) and (tool.ok, tool.result) == (True, 42)
    assert answer.parts[1] == TextPart("42.")
    # the call waited on goes on a turn after the last message, with the last sources
    assert turns[-1].awaiting and turns[-1].pending == pending
    assert turns[-1].citations == [citation]
    assert turns_from_messages([HumanMessage("Bonjour")]) == [turns[0].user("Bonjour")]
