"""The editor's catalogue parts: the category field, the "dérivé de" line of a fork, and the
feedback people left on the agent, read by its creator (driven with ``AppTest``)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web import state

CLAIRE, KARIM, OSCAR = "claire@exemple.fr", "karim@exemple.fr", "oscar@exemple.fr"


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def in_editor(login: str, agent_id: str) -> AppTest:
    at = run(open_app(login, "creator").switch_page("views/home.py"))
    at.button(key=state.home_open_key(agent_id)).click()
    run(at)
    return run(at.switch_page("views/editor.py"))


def test_a_creator_sets_the_category_and_reads_the_feedback_on_her_agent() -> None:
    open_app(CLAIRE, "creator")
    open_app(KARIM, "user")
    claire, karim = Services.open(CLAIRE), Services.open(KARIM)
    agent = claire.create_agent(AgentSpec(name="Communiqués", instructions="Sois bref.")).agent_id
    claire.share(agent, f"user:{KARIM}", "use")
    useful = karim.run(agent, "Un communiqué ?", model="offline")
    karim.give_feedback(agent, useful.thread, "up", "Très utile", "Un communiqué ?\n\nVoici.")
    karim.give_feedback(agent, useful.thread, "down", "Trop long", "")

    at = in_editor(CLAIRE, agent)
    shown = "\n".join(str(e.value) for e in [*at.markdown, *at.caption, *at.text])
    lines = [str(m.value) for m in at.markdown]
    assert any(line.startswith("👍") and KARIM in line for line in lines)
    assert any(line.startswith("👎") and KARIM in line for line in lines)
    assert "Très utile" in shown and "Trop long" in shown
    assert "Un communiqué ?\n\nVoici." in shown  # given with the first, not the second
    at.text_input(key=state.W_CATEGORY).input("Communication")
    run(at)
    at.button(key=state.SAVE).click()
    run(at)
    assert claire.version(agent).spec.category == "Communication"


def test_a_fork_says_where_it_comes_from() -> None:
    open_app(CLAIRE, "creator")
    open_app(OSCAR, "creator")
    claire = Services.open(CLAIRE)
    agent = claire.create_agent(AgentSpec(name="Communiqués", instructions="v1")).agent_id
    claire.share(agent, f"user:{OSCAR}", "use")
    fork = Services.open(OSCAR).fork_agent(agent)
    at = in_editor(OSCAR, fork.version.agent_id)
    assert "Dérivé de Communiqués v1" in [str(c.value) for c in at.caption]
    # Feedback on the original stays the original's: his copy has none.
    assert "Avis des utilisateurs (0)" in [str(e.label) for e in at.expander]
