"""The "À relire" page (``streamlit.testing``): a reviewer reads a waiting request (the agent,
the message, the instructions' diff, the tools and what they do), publishes it or sends it back
with a comment, and the creator finds the outcome on her home page; an administrator withdraws
and deprecates; nobody else gets the queue."""

from __future__ import annotations

from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.spec import AgentSpec, ToolUse
from builder_ui.web.state import keys
from store.sql_catalogue import open_catalogue
from store.workspace import Workspace

PAGE = "views/review.py"
OLGA, RITA, ADA, CARL = "olga@example.fr", "rita@example.fr", "ada@example.fr", "carl@example.fr"
HOSTILE = "<img src=x onerror=alert(1)> Rédacteur"


def asked(name: str = "Rédacteur RH") -> str:
    catalogue = open_catalogue()
    enrol(catalogue, OLGA, CARL)
    olga = Workspace(OLGA, catalogue)
    spec = AgentSpec(
        name=name,
        description="Répond aux questions RH",
        instructions="Réponds poliment.\nCite le règlement.",
        tools=[ToolUse(id="calculator")],
    )
    agent = olga.create_agent(spec).agent_id
    olga.reviews.request_publication(agent, "Prêt pour toute la maison")
    return agent


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.success] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [c.value for c in at.code]
    return "\n".join(str(p) for p in parts)


def review_page(login: str = RITA, role: str = "reviewer") -> AppTest:
    at = open_app(login, role=role)  # type: ignore[arg-type]
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_a_reviewer_reads_and_publishes_a_request() -> None:
    agent = asked()
    at = review_page()
    assert "À relire" in [t.value for t in at.title]
    text = page_text(at)
    assert "Rédacteur RH" in text and "Prêt pour toute la maison" in text
    assert "olga@example.fr" in text and "Première publication" in text
    assert "+ Cite le règlement." in text
    assert "Calcule" in text  # what the calculator's calls do
    at.button(key=keys.review_approve_key(agent)).click()
    at = at.run()
    assert not at.exception
    assert "est publié pour toute l'organisation" in page_text(at)
    assert "Aucune demande n'attend" in page_text(at)
    carl = Workspace(CARL, open_catalogue())
    assert agent in {o.agent.id for o in carl.open_agents()}


def test_a_new_version_is_compared_with_the_published_one_in_the_readers_words() -> None:
    agent = asked()
    review_page().button(key=keys.review_approve_key(agent)).click().run()
    olga = Workspace(OLGA, open_catalogue())
    spec = olga.get_version(agent).spec.model_copy(
        update={
            "instructions": "Réponds poliment.\nCite l'article exact.",
            "tools": [ToolUse(id="calculator", approval="always_ask")],
        }
    )
    olga.save_agent(agent, spec)
    olga.reviews.request_publication(agent)
    text = page_text(review_page())
    assert "Par rapport à la version publiée 1" in text
    assert "- Cite le règlement.\n+ Cite l'article exact." in text
    assert "« + » marque une ligne ajoutée" in text  # the signs, said in words
    assert "Outils › Calculatrice › Validation avant utilisation" in text
    assert "Version publiée 1" in text and "Version demandée 2" in text
    assert "Toujours demander" in text
    assert "tools." not in text and "instructions:" not in text  # labels, never field paths


def test_sending_back_needs_a_comment_and_the_creator_reads_it_on_her_home_page() -> None:
    agent = asked()
    at = review_page()
    at.button(key=keys.review_reject_key(agent)).click()
    at = at.run()
    assert "pourquoi vous renvoyez" in page_text(at)
    at.text_area(key=keys.review_comment_key(agent)).input("Citez l'article exact")
    at.button(key=keys.review_reject_key(agent)).click()
    at = at.run()
    assert "est renvoyée" in page_text(at)

    home = open_app(OLGA, role="creator")
    assert not home.exception
    assert "a été renvoyée : Citez l'article exact" in page_text(home)
    home = home.run()  # read: still shown in this session until hidden
    assert "Citez l'article exact" in page_text(home)
    home.button(key=keys.NOTIFICATIONS_CLOSE).click()
    home = home.run()
    assert "Citez l'article exact" not in page_text(home)
    assert "Citez l'article exact" not in page_text(open_app(OLGA, role="creator"))


def test_names_are_shown_as_text_and_ones_own_request_cannot_be_decided() -> None:
    asked(HOSTILE)
    at = review_page()
    shown = [m.value for m in at.markdown if "onerror" in m.value]
    assert shown and all("<img" not in value.replace("\\<img", "") for value in shown), shown
    catalogue = open_catalogue()
    rita = Workspace(RITA, catalogue)
    own = rita.create_agent(AgentSpec(name="Agent de Rita")).agent_id
    rita.reviews.request_publication(own)
    at = review_page()
    assert "un autre relecteur doit la traiter" in page_text(at)
    assert not [b for b in at.button if b.key == keys.review_approve_key(own)]


def test_an_administrator_withdraws_and_deprecates_a_published_agent() -> None:
    agent = asked()
    review_page().button(key=keys.review_approve_key(agent)).click().run()
    at = review_page(ADA, "admin")
    assert "Rédacteur RH" in page_text(at)
    at.button(key=keys.review_deprecate_key(agent)).click()
    at = at.run()
    assert open_catalogue().get_agent(agent).deprecated is True
    assert "Obsolète" in page_text(at)
    at.button(key=keys.review_unpublish_key(agent)).click()
    at = at.run()
    assert "n'est plus publié" in page_text(at)
    carl = Workspace(CARL, open_catalogue())
    assert agent not in {o.agent.id for o in carl.open_agents()}


def test_the_page_follows_the_role() -> None:
    import pytest

    asked()
    creator = open_app(CARL, role="creator")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        creator.switch_page(PAGE)
    reviewer = open_app(RITA, role="reviewer")
    reviewer.switch_page(PAGE).run()  # offered to reviewers
    assert not reviewer.exception
