"""The "Catalogue" page and the chat page's thumbs, driven with ``AppTest``: everyone finds the
agents published to the organisation, "Utiliser" opens the chat page on one, "Dupliquer" (for
builders only) copies it; each answer has its thumbs, and the exchange goes with the feedback
only when the box is ticked."""

from __future__ import annotations

from pathlib import Path

from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.spec import AgentSpec, ModelSettings
from builder_ui.services.installation import Services
from builder_ui.web.state import keys
from store.database import utc_now
from store.sharing import ORGANISATION, Grant
from store.sql_catalogue import open_catalogue

CATALOGUE, CHAT = "views/catalogue.py", "views/chat.py"
OLGA = "olga@example.fr"


def ran(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def published(tmp_path: Path, name: str = "Posts", script: str = '- text: "Voici."\n') -> str:
    catalogue = open_catalogue()
    enrol(catalogue, OLGA)
    path = tmp_path / "script.yaml"
    path.write_text(script, "utf-8")
    spec = AgentSpec(
        name=name,
        description="Un post par réseau social",
        category="Communication",
        model=ModelSettings(provider="scripted", name=str(path)),
    )
    agent = Services.open(OLGA).create_agent(spec).agent_id
    catalogue.set_grant(Grant("agent", agent, "organisation", ORGANISATION, "use", OLGA, utc_now()))
    catalogue.set_published_version(agent, 1)
    return agent


def test_a_user_finds_an_agent_and_uses_it(tmp_path: Path) -> None:
    agent = published(tmp_path)
    at = ran(open_app("ursula@example.fr", role="user"))
    at = ran(at.switch_page(CATALOGUE).run())
    at.text_input(key=keys.CATALOGUE_TEXT).set_value("réseaux")
    ran(at.run())
    assert any("Posts" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.key == keys.catalogue_fork_key(agent)]  # a user
    at.button(key=keys.catalogue_use_key(agent)).click()
    ran(at.run())
    at = ran(at.switch_page(CHAT).run())  # st.switch_page's navigation, which AppTest skips
    assert at.session_state[keys.CHAT_AGENT] == agent
    assert any("Posts" in m.value for m in at.markdown)
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("Un post ?")
    ran(at.run())
    shown = (
        [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    )
    assert any("Voici." in m for m in shown), shown


def test_nothing_found_is_said(tmp_path: Path) -> None:
    published(tmp_path)
    at = ran(open_app("ursula@example.fr", role="user"))
    at = ran(at.switch_page(CATALOGUE).run())
    at.text_input(key=keys.CATALOGUE_TEXT).set_value("congés")
    ran(at.run())
    assert any("Aucun agent" in i.value for i in at.info)


def test_a_builder_duplicates_an_agent(tmp_path: Path) -> None:
    agent = published(tmp_path)
    at = ran(open_app("carl@example.fr", role="creator"))
    at = ran(at.switch_page(CATALOGUE).run())
    at.button(key=keys.catalogue_fork_key(agent)).click()
    ran(at.run())
    assert any("vos agents" in s.value for s in at.success)
    (mine,) = Services.open("carl@example.fr").list_agents()
    assert mine.name == "Posts"
    assert any("1 dérivés" in c.value for c in at.caption)  # counted on the original


def test_thumbs_under_an_answer_and_the_exchange_only_when_given(tmp_path: Path) -> None:
    agent = published(tmp_path, script='- text: "Premier."\n- text: "Second."\n')
    at = ran(open_app("ursula@example.fr", role="user"))
    at.session_state[keys.CHAT_OPEN_AGENT] = agent
    at = ran(at.switch_page(CHAT).run())
    for question in ("Question un", "Question deux"):
        at.chat_input(key=keys.CHAT_INPUT_BOX).set_value(question)
        ran(at.run())
    ran(at.run())
    assert len(at.feedback) == 2
    at.feedback[0].set_value(1)
    ran(at.run())
    share = [c for c in at.checkbox if c.key.endswith(".share")]
    assert [c.value for c in share] == [False]  # off by default
    assert any("verront votre nom" in c.value for c in at.caption)
    next(b for b in at.button if b.key.endswith(".send")).click()
    ran(at.run())
    ran(at.run())
    assert len(at.feedback) == 1  # the first one is sent: "Merci" in its place
    at.feedback[0].set_value(0)
    ran(at.run())
    next(c for c in at.checkbox if c.key.endswith(".share")).check()
    next(b for b in at.button if b.key.endswith(".send")).click()
    ran(at.run())
    found = Services.open(OLGA).agent_feedback(agent)
    assert sorted((f.rating, f.exchange) for f in found) == [
        ("down", "Question deux\n\nSecond."),
        ("up", ""),
    ]
