"""The chat page ("Discuter") driven with ``AppTest``: choose an agent, its starters, a turn with
a scripted model, resume, rename and delete a conversation, and decide a call left waiting in the
CLI. The agents are created through ``Services`` (as the editor would save them), their model
scripted in their spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.spec import AgentSpec, ModelSettings, ToolUse
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.state import keys
from store.knowledge.service import close_knowledge_stores

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
CHAT = "views/chat.py"
TIMEOUT_S = 60
CALL = '- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n'


def ran(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def open_chat() -> AppTest:
    at = ran(signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run())
    return ran(at.switch_page(CHAT).run())


def make_agent(tmp_path: Path, name: str, script: str, **changes: object) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(script, "utf-8")
    spec = AgentSpec(
        name=name,
        instructions="Réponds.",
        model=ModelSettings(provider="scripted", name=str(path)),
    ).model_copy(update=changes)
    return Services.open().create_agent(spec).agent_id


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def chat_messages(at: AppTest) -> list[tuple[str, str]]:
    return [
        (m.name, "\n".join(x.value for x in m.markdown))
        for m in at.get("chat_message")  # type: ignore[attr-defined]
    ]


def list_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.sidebar.button if b.key.startswith("chat.open.")]


# --- no agent ------------------------------------------------------------------------------------


def test_without_an_agent_the_page_says_so_and_points_to_the_editor() -> None:
    at = open_chat()
    assert [t.value for t in at.title] == ["Discuter"]
    assert any("aucun agent" in i.value for i in at.info)
    assert not at.chat_input


# --- choosing an agent, starters, a turn ---------------------------------------------------------


def test_the_agents_are_listed_with_description_and_starters(tmp_path: Path) -> None:
    make_agent(tmp_path, "Juriste", '- text: "Bonjour"\n', description="Droit du travail")
    make_agent(
        tmp_path,
        "RH",
        '- text: "Vous avez 25 jours de congés."\n',
        description="Questions **RH** <img src=x onerror=alert(1)>",
        conversation_starters=["Combien de congés ?", "Qui contacter ?"],
    )
    at = open_chat()
    picker = at.selectbox(key=keys.CHAT_AGENT)
    assert sorted(picker.options) == ["🤖 Juriste", "🤖 RH"]
    picker.select(next(o for o in picker.options if "RH" in o))
    ran(at.run())
    shown = texts(at)
    assert "Questions **RH** \\<img src=x" in shown  # inert: the HTML is shown as text
    starters = [b.label for b in at.button if b.key.startswith("chat.starter.")]
    assert starters == ["Combien de congés ?", "Qui contacter ?"]

    at.button(key=keys.chat_starter_key(0)).click()
    ran(at.run())
    assert chat_messages(at) == [
        ("user", "Combien de congés ?"),
        ("assistant", "Vous avez 25 jours de congés."),
    ]
    assert list_buttons(at) == ["Combien de congés ?"]
    assert at.session_state[keys.CHAT_THREAD] is not None


def test_a_typed_message_gets_the_streamed_answer_and_continues(tmp_path: Path) -> None:
    make_agent(tmp_path, "Écho", '- text: "Première réponse."\n- text: "Deuxième réponse."\n')
    at = open_chat()
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("Bonjour")
    ran(at.run())
    thread = at.session_state[keys.CHAT_THREAD]
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("Et ensuite ?")
    ran(at.run())
    assert [text for _, text in chat_messages(at)] == [
        "Bonjour",
        "Première réponse.",
        "Et ensuite ?",
        "Deuxième réponse.",
    ]
    assert at.session_state[keys.CHAT_THREAD] == thread  # the same conversation
    assert len(Services.open().conversations()) == 1


# --- the list: new, resume, rename, delete -------------------------------------------------------


def test_resume_rename_and_delete_a_conversation(tmp_path: Path) -> None:
    agent_id = make_agent(tmp_path, "Mémoire", "- text: Noté.\n")
    services = Services.open()
    services.run(agent_id, "Première conversation", model="offline")
    services.run(agent_id, "Seconde conversation", model="offline")
    at = open_chat()
    assert list_buttons(at) == ["Seconde conversation", "Première conversation"]

    first = services.conversations()[1].thread.id
    at.button(key=keys.chat_open_key(first)).click()
    ran(at.run())
    assert chat_messages(at)[0] == ("user", "Première conversation")
    assert at.session_state[keys.CHAT_THREAD] == first

    at.text_input(key=keys.CHAT_RENAME_TITLE).input("Congés d'été")
    at.button(key=keys.CHAT_RENAME).click()
    ran(at.run())
    assert "Congés d'été" in list_buttons(at)
    assert services.workspace.get_thread(first).title == "Congés d'été"
    assert any("renommée" in s.value for s in at.success)

    at.button(key=keys.CHAT_DELETE).click()
    ran(at.run())
    assert any("définitivement" in w.value for w in at.warning)
    at.button(key=keys.CHAT_DELETE_NO).click()
    ran(at.run())
    assert "Congés d'été" in list_buttons(at)  # kept

    at.button(key=keys.CHAT_DELETE).click()
    ran(at.run())
    at.button(key=keys.CHAT_DELETE_YES).click()
    ran(at.run())
    assert list_buttons(at) == ["Seconde conversation"]
    assert [c.thread.title for c in services.conversations()] == ["Seconde conversation"]
    assert at.session_state[keys.CHAT_THREAD] is None
    assert chat_messages(at) == []

    at.button(key=keys.CHAT_NEW).click()
    ran(at.run())
    assert at.session_state[keys.CHAT_THREAD] is None


# --- approvals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_conversation_left_waiting_in_the_cli_is_decided_here(
    tmp_path: Path, decision: str
) -> None:
    answer = "6 fois 7 font 42." if decision == "approve" else "Entendu, je ne calcule pas."
    agent_id = make_agent(
        tmp_path,
        "Calculette",
        CALL,
        tools=[ToolUse(id="calculator", approval="always_ask")],
    )
    paused = Services.open().run(agent_id, "Combien font 6 fois 7 ?")  # as `atelier run` does
    assert paused.outcome == "awaiting_approval"
    # The page's session has a model of its own, read from the script when first used: what
    # the agent says once the call is decided.
    (tmp_path / "Calculette.yaml").write_text(f'- text: "{answer}"\n', "utf-8")

    at = open_chat()
    assert any("attendent votre décision" in c.value for c in at.sidebar.caption)
    at.button(key=keys.chat_open_key(paused.thread)).click()
    ran(at.run())
    call_id = at.session_state[keys.CHAT_TRANSCRIPT][-1].pending["call_id"]
    assert at.chat_input(key=keys.CHAT_INPUT_BOX).disabled
    assert any("attend votre décision" in i.value for i in at.info)

    if decision == "approve":
        at.button(key=state.approval_key(call_id, "approve")).click()
        ran(at.run())
    else:
        at.button(key=state.approval_key(call_id, "reject")).click()
        ran(at.run())
        at.text_input(key=state.approval_key(call_id, "reason")).input("Pas maintenant")
        at.button(key=state.approval_key(call_id, "reject_submit")).click()
        ran(at.run())
    assert answer in texts(at)
    assert not at.chat_input(key=keys.CHAT_INPUT_BOX).disabled
    assert Services.open().waiting_conversations() == []


def test_a_call_asked_in_the_page_shows_its_card(tmp_path: Path) -> None:
    make_agent(
        tmp_path,
        "Calculette",
        CALL + '- text: "42."\n',
        tools=[ToolUse(id="calculator", approval="always_ask")],
    )
    at = open_chat()
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("6*7 ?")
    ran(at.run())
    turn = at.session_state[keys.CHAT_TRANSCRIPT][-1]
    assert turn.awaiting
    call_id = turn.pending["call_id"]
    assert at.chat_input(key=keys.CHAT_INPUT_BOX).disabled
    at.button(key=state.approval_key(call_id, "approve")).click()
    ran(at.run())
    assert "42." in texts(at)


# --- files made by tools -------------------------------------------------------------------------


def test_a_file_made_by_a_tool_is_downloadable_also_after_resuming(tmp_path: Path) -> None:
    args = '{title: "Offre", content: "# Offre\\n\\nPoste à pourvoir", format: markdown}'
    make_agent(
        tmp_path,
        "Rédacteur",
        f'- tool_calls: [{{name: create_document, args: {args}}}]\n- text: "Voici le document."\n',
        tools=[ToolUse(id="create_document")],
    )
    at = open_chat()
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("Une offre d'emploi")
    ran(at.run())
    assert "Voici le document." in texts(at)

    def downloads(at: AppTest) -> list[str]:
        return [
            d.proto.label
            for d in at.get("download_button")  # type: ignore[attr-defined]
            if "fiche" not in d.proto.label  # the agent's transparency sheet, always there
        ]

    assert downloads(at) == ["Télécharger « Offre.md »"]
    thread = at.session_state[keys.CHAT_THREAD]
    at.button(key=keys.CHAT_NEW).click()
    ran(at.run())
    assert downloads(at) == []
    at.button(key=keys.chat_open_key(thread)).click()
    ran(at.run())
    assert downloads(at) == ["Télécharger « Offre.md »"]


def test_the_page_speaks_english_on_request(tmp_path: Path) -> None:
    make_agent(tmp_path, "Helper", '- text: "Hello."\n', conversation_starters=["Say hi"])
    at = ran(signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run())
    at.selectbox(key=state.LANGUAGE_PICKER).select("en").run()
    ran(at.switch_page(CHAT).run())
    assert [t.value for t in at.title] == ["Chat"]
    assert at.sidebar.button(key=keys.CHAT_NEW).label == "New conversation"
    assert any("suggestions" in c.value for c in at.caption)


# --- sources -------------------------------------------------------------------------------------


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    yield
    close_knowledge_stores()


def test_an_answer_lists_its_sources_each_opening_on_its_passage(hashing: None) -> None:
    services = Services.open()
    kb = services.workspace.create_kb("Procédures RH")
    text = "# Télétravail\n\nLe télétravail est possible deux jours par semaine.\n"
    docs = services.workspace.add_documents(kb.id, [("conges.md", text.encode())])
    (done,) = services.workspace.wait_for_documents(kb.id, [d.id for d in docs], timeout=60)
    assert done.status == "ready", done.error
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: FAQ RH\ninstructions: Réponds.\n"
        "knowledge:\n  bases: [Procédures RH]\n  top_k: 1\n"
    )
    services.create_agent(spec)

    def sources(at: AppTest) -> list[tuple[str, str]]:
        return [
            (e.label, "\n".join(m.value for m in e.markdown))
            for e in at.expander
            if "conges" in e.label
        ]

    at = open_chat()
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("Combien de jours de télétravail ?")
    ran(at.run())
    ((label, passage),) = sources(at)
    assert label.startswith("[1]") and "deux jours par semaine" in passage
    thread = at.session_state[keys.CHAT_THREAD]
    at.button(key=keys.CHAT_NEW).click()
    ran(at.run())
    assert sources(at) == []
    at.button(key=keys.chat_open_key(thread)).click()
    ran(at.run())
    assert [s[0] for s in sources(at)] == [label]  # the last answer's sources, resumed
