"""S11: an agent's name, description, starters and instructions holding HTML, an
``<img onerror>`` and Markdown links and images are shown as text on every page that shows
them (home, editor, Discuter), and a person's or a team's name likewise (My account, people).
Checked on what the pages hand to the browser's Markdown renderer: no live tag, link or image
is left in it."""

from __future__ import annotations

import re

from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import APP, TIMEOUT_S, signed_in

from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.state import keys
from store.sql_catalogue import open_catalogue

HOSTILE = (
    "<img src=x onerror=alert(1)> [piège](http://evil.example/) ![](http://evil.example/x.png)"
)
LIVE = [
    re.compile(r"(?<!\\)<img", re.I),  # a tag the renderer would honour
    re.compile(r"(?<!\\)\]\(http"),  # a Markdown link or image
    re.compile(r"(?<!\\)!\[\]"),
]


def live_parts(at: AppTest) -> list[str]:
    """Every Markdown or HTML value on the page that still holds a live part of HOSTILE."""
    values = [m.value for m in at.markdown] + [c.value for c in at.caption]
    values += [str(h.proto.body) for h in at.get("html")]  # type: ignore[attr-defined]
    return [v for v in values if "evil.example" in v and any(p.search(v) for p in LIVE)]


def hostile_agent() -> str:
    spec = AgentSpec(
        name="Agent <b>gras</b> [lien](http://evil.example/)",
        description=f"Description {HOSTILE}",
        instructions=f"Consignes {HOSTILE}",
        conversation_starters=[f"Départ {HOSTILE}"],
    )
    return Services.open().create_agent(spec).agent_id


def app() -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    assert not at.exception, at.exception
    return at


def test_home_editor_and_chat_show_a_hostile_agent_as_text() -> None:
    agent_id = hostile_agent()
    at = app()  # home: the agent's card
    assert any("gras" in m.value for m in at.markdown), "the card is shown"
    assert live_parts(at) == []

    at.button(key=state.home_open_key(agent_id)).click().run()  # the editor, with its preview
    assert not at.exception, at.exception
    assert live_parts(at) == []

    at.switch_page("views/chat.py").run()
    assert not at.exception, at.exception
    assert any("Description" in m.value for m in at.markdown), "the description is shown"
    assert live_parts(at) == []
    starters = [b for b in at.button if (b.key or "").startswith("chat.starter.")]
    assert starters and starters[0].label.startswith("Départ")  # a button label: plain text
    assert at.selectbox(key=keys.CHAT_AGENT).value is not None


def test_a_hostile_person_or_team_name_is_text_on_my_account_and_the_people_page() -> None:
    catalogue = open_catalogue()
    enrol(catalogue, "alice", role="admin")
    catalogue.update_account("alice", name=f"Alice {HOSTILE}")
    at = app()
    at.switch_page("views/account.py").run()
    assert not at.exception, at.exception
    assert any("Alice" in m.value for m in [*at.markdown, *at.sidebar.caption])
    assert live_parts(at) == []
    at.switch_page("views/people.py").run()
    assert not at.exception, at.exception
    assert live_parts(at) == []
