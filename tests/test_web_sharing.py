"""The editor's "Partager" panel, the home page's "Partagés avec vous" and the chat page's agents
shared with the person, driven with ``AppTest`` as several people."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.state import keys

CLAIRE, KARIM, OSCAR = "claire@exemple.fr", "karim@exemple.fr", "oscar@exemple.fr"


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def claire_in_her_editor(agent_id: str) -> AppTest:
    at = open_app(CLAIRE, "creator")
    run(at.switch_page("views/home.py"))
    at.button(key=state.home_open_key(agent_id)).click()
    run(at)
    return run(at.switch_page("views/editor.py"))


def share(at: AppTest, kind: str, who: str, can: str) -> AppTest:
    at.radio(key=keys.SHARE_KIND).set_value(kind)
    at.text_input(key=keys.SHARE_WHO).input(who)
    at.radio(key=keys.SHARE_CAN).set_value(can)
    at.button(key=f"FormSubmitter:{keys.SHARE_FORM}-Partager").click()
    return run(at)


def test_a_creator_shares_from_the_editor_and_her_team_finds_the_agent() -> None:
    open_app(KARIM, "user")  # the accounts exist once their person has signed in
    open_app(OSCAR, "creator")
    open_app("alice", "admin")
    open_app(CLAIRE, "creator")
    admin = Services.open("alice").workspace.people
    team = admin.add_team("Communication")
    admin.add_member(team.id, KARIM)
    claire = Services.open(CLAIRE)
    agent = claire.create_agent(AgentSpec(name="Relecteur", instructions="v1")).agent_id

    at = claire_in_her_editor(agent)
    assert "partagé avec personne" in texts(at)
    at = share(at, "team", "Communication", "use")
    assert "Partagé avec Communication, qui peut l'utiliser." in texts(at)
    assert "l'équipe Communication · peut utiliser" in texts(at)
    at = share(at, "user", "inconnu@exemple.fr", "use")
    assert "aucun compte" in texts(at) and "inconnu@exemple.fr" in texts(at)
    at = share(at, "user", OSCAR, "edit")

    karim = open_app(KARIM, "user")  # a user lands on Discuter, where the agent is
    assert [o for o in karim.selectbox(key=keys.CHAT_AGENT).options] == ["🤖 Relecteur"]
    oscar = run(open_app(OSCAR, "creator").switch_page("views/home.py"))
    assert "Partagés avec vous" in [h.value for h in oscar.header]
    assert "vous pouvez le modifier" in texts(oscar)
    oscar.button(key=state.home_open_key(agent))  # he opens it in the editor

    claire.save_agent(agent, AgentSpec(name="Relecteur", instructions="v2"))
    at = run(claire_in_her_editor(agent))
    at.button(key=keys.SHARE_RELEASE).click()
    run(at)
    assert "La version 2 est maintenant celle" in texts(at)
    assert Services.open(KARIM).version(agent).spec.instructions == "v2"
    at.button(key=keys.share_remove_key("team:Communication")).click()
    run(at)
    assert Services.open(KARIM).open_agents() == []


def test_a_base_is_shared_from_the_knowledge_page() -> None:
    open_app(OSCAR, "creator")
    open_app(CLAIRE, "creator")
    claire = Services.open(CLAIRE)
    kb = claire.workspace.create_kb("Procédures")
    at = run(open_app(CLAIRE, "creator").switch_page("views/knowledge.py"))
    assert "Cette base n'est partagée avec personne." in texts(at)
    at = share(at, "user", OSCAR, "use")
    assert f"Partagé avec `{OSCAR}`, qui peut l'utiliser." in texts(at)

    oscar = run(open_app(OSCAR, "creator").switch_page("views/knowledge.py"))
    assert [o for o in oscar.selectbox(key=state.KB_PICKER).options] == ["Procédures"]
    assert any("pour que vous la rattachiez à vos agents" in i.value for i in oscar.info)
    assert not [b for b in oscar.button if b.key == keys.share_remove_key(f"user:{OSCAR}")]

    claire.share_kb(kb.id, f"user:{OSCAR}", "edit")
    oscar = run(open_app(OSCAR, "creator").switch_page("views/knowledge.py"))
    assert "Seul l'auteur de la base choisit avec qui elle est partagée." in texts(oscar)
    assert not any("rattachiez" in i.value for i in oscar.info)  # its documents are his to see
