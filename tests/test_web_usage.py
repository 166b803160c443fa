"""The "Utilisation" page (``streamlit.testing``): an administrator reads a month by agent,
team, person or model, with the figures of every chart in a table and a CSV download, and sets
and removes quotas; a creator sees her own agents only, never who used them; a user sees her
own use and where she stands against her quotas."""

from __future__ import annotations

from pathlib import Path

from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.spec import AgentSpec, ModelSettings
from builder_ui.web.state import keys
from store.records import RunRecord
from store.sql_catalogue import open_catalogue
from store.usage import run_team
from store.workspace import Workspace

PAGE = "views/usage.py"
OLGA, URSULA, CARL = "olga@example.fr", "ursula@example.fr", "carl@example.fr"


def a_month_of_use() -> dict[str, str]:
    catalogue = open_catalogue()
    enrol(catalogue, "alice", role="admin")
    enrol(catalogue, OLGA, CARL)
    enrol(catalogue, URSULA, role="user")
    admin = Workspace("alice", catalogue).people
    team = admin.add_team("Communication")
    admin.add_member(team.id, URSULA)
    olga = Workspace(OLGA, catalogue).create_agent(AgentSpec(name="Rédacteur")).agent_id
    carl = Workspace(CARL, catalogue).create_agent(AgentSpec(name="Secret de Carl")).agent_id
    spent = [(OLGA, olga, 300, 1.5), (URSULA, olga, 100, 0.5), (CARL, carl, 50, 0.25)]
    for n, (who, agent, tokens, cost) in enumerate(spent):
        catalogue.record_run(
            RunRecord(
                f"run-{n}", agent, 1, "", who, "openai:albert", "ok", tokens, 0,
                team=run_team(catalogue, who), cost=cost,
            )
        )  # fmt: skip
    catalogue.close()
    return {"olga": olga, "carl": carl, "team": team.id}


def usage_page(login: str = "alice", role: str = "admin") -> AppTest:
    at = open_app(login, role=role)  # type: ignore[arg-type]
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Utilisation"]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, index: int) -> list[dict[str, object]]:
    return at.dataframe[index].value.reset_index().to_dict("records")


def texts(at: AppTest) -> str:
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    parts += [s.value for s in at.success] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_the_administrator_reads_the_month_by_every_dimension() -> None:
    things = a_month_of_use()
    at = usage_page()
    assert metrics(at) == {
        "Exécutions": "3",
        "Jetons": "450",
        "Coût (€)": "2.25",
        "Personnes actives": "3",
    }
    days = table(at, 0)
    assert sum(int(str(d["Exécutions"])) for d in days) == 3 and len(days) >= 28
    by_agent = table(at, 1)
    assert [(r["Nom"], r["Personnes actives"]) for r in by_agent] == [
        ("Rédacteur", 2),
        ("Secret de Carl", 1),
    ]
    assert by_agent[0]["Identifiant"] == things["olga"]
    at.selectbox(key=keys.USAGE_BY).set_value("team").run()
    assert not at.exception
    assert {r["Nom"]: r["Jetons"] for r in table(at, 1)} == {
        "(sans équipe)": 350,
        "Communication": 100,
    }
    at.selectbox(key=keys.USAGE_BY).set_value("person").run()
    assert [r["Identifiant"] for r in table(at, 1)] == [OLGA, URSULA, CARL]
    [download] = at.get("download_button")
    assert download.proto.label == "Télécharger en CSV"


def test_the_administrator_sets_and_removes_a_quota() -> None:
    a_month_of_use()
    at = usage_page()
    assert "Aucun quota n'est fixé." in texts(at)
    at.radio(key=keys.USAGE_QUOTA_KIND).set_value("team")
    at.text_input(key=keys.USAGE_QUOTA_WHO).input("communication")
    at.number_input(key=keys.USAGE_QUOTA_LIMIT).set_value(80)
    at.button(key=keys.USAGE_QUOTA_SAVE).click()
    at.run()
    assert not at.exception, at.exception
    assert "Quota fixé pour « Communication »." in texts(at)
    [row] = table(at, 2)
    assert (row["Pour"], row["Limite par mois"], row["Utilisé ce mois-ci"], row["État"]) == (
        "équipe",
        80,
        100,
        "atteint",
    )
    at.text_input(key=keys.USAGE_QUOTA_WHO).input("Inconnue")
    at.button(key=keys.USAGE_QUOTA_SAVE).click()
    at.run()
    assert "Inconnue" in "\n".join(str(e.value) for e in at.error)
    at.button(key=keys.USAGE_QUOTA_REMOVE).click()
    at.run()
    assert "Quota retiré pour « Communication »." in texts(at)
    assert "Aucun quota n'est fixé." in texts(at)


def test_a_creator_sees_her_agents_and_a_user_her_own_use() -> None:
    things = a_month_of_use()
    at = usage_page(OLGA, "creator")
    assert not [b for b in at.selectbox if b.key == keys.USAGE_BY]
    assert metrics(at)["Personnes actives"] == "2"
    [line] = table(at, 1)
    assert (line["Nom"], line["Exécutions"], line["Personnes actives"]) == ("Rédacteur", 2, 2)
    everything = str([d.value.to_dict() for d in at.dataframe]) + texts(at)
    assert things["carl"] not in everything and URSULA not in everything
    assert "Quotas" not in [s.value for s in at.subheader]  # the administrator's only
    catalogue = open_catalogue()
    Workspace("alice", catalogue).usage.set_quota("team", "Communication", "euros", 0.5)
    catalogue.close()
    at = usage_page(URSULA, "user")
    assert metrics(at)["Jetons"] == "100"
    [quota] = table(at, 1)
    assert (quota["Pour"], quota["Nom"], quota["État"]) == ("équipe", "Communication", "atteint")


def test_over_quota_the_chat_page_says_so_and_no_model_answers(tmp_path: Path) -> None:
    """A quota of 0 tokens: the message says which quota and when it resets; the scripted
    model's answer never appears."""
    script = tmp_path / "replies.yaml"
    script.write_text("- text: Réponse du modèle.\n", "utf-8")
    catalogue = open_catalogue()
    enrol(catalogue, "alice", role="admin")
    spec = AgentSpec(name="Rédacteur", model=ModelSettings(provider="scripted", name=str(script)))
    alice = Workspace("alice", catalogue)
    alice.create_agent(spec)
    alice.usage.set_quota("person", "alice", "tokens", 0)
    catalogue.close()
    at = open_app()
    at.switch_page("views/chat.py").run()
    at.chat_input(key=keys.CHAT_INPUT_BOX).set_value("Bonjour").run()
    assert not at.exception, at.exception
    shown = "\n".join(str(m.value) for m in at.markdown) + "\n".join(str(e.value) for e in at.error)
    assert "Votre quota mensuel est atteint" in shown and "repart de zéro le" in shown
    assert "Réponse du modèle" not in shown
