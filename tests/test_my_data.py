"""My data: a person downloads everything of theirs as readable files and erases all of it; an
administrator does both for a departing person. Canary words put in every kind of data (agent
instructions, a conversation, a knowledge base document, a file made by a tool, a draft, a
credential's value) are looked for in every byte of every file of the data directory (write-ahead
logs, Chroma's files included) after the erasure: found nowhere."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cli_driver import atelier
from people import enrol

from agents.errors import NotFound, Refused, UserError
from agents.runtime import Finished
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation, Services
from builder_ui.services.my_data import (
    erase_my_data,
    erase_person,
    export_my_data,
    export_person,
    my_data_summary,
)
from store.config import act_as, data_dir
from store.knowledge.service import close_knowledge_stores
from store.secrets import close_secret_stores
from store.sign_in import SignInRefused

BOB = "bob@example.fr"
CARLA = "carla@example.fr"
ADMIN = "alice"
PASSWORD = "un mot de passe assez long"


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, ADMIN, role="admin")
    enrol(installation._catalogue, BOB, CARLA, role="creator")
    yield installation
    close_knowledge_stores()
    close_secret_stores()


@pytest.fixture(autouse=True)
def _forget_acting_as() -> Iterator[None]:
    """``atelier --as`` sets whom this process acts as (a context variable the in-process
    runner shares with the tests): it must not outlive the test."""
    yield
    act_as(None)


def canary() -> str:
    return "CANARI" + secrets.token_hex(6).upper()


def files_holding(needle: str) -> list[str]:
    """Every file under the data directory whose bytes hold ``needle`` (as UTF-8)."""
    root = data_dir()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def where(paths: list[str]) -> list[str]:
    """``files_holding``'s answer with, for a file of Chroma's, whether its segment is live: a
    failure then says whether a dropped collection's folder came back or a live one holds it."""
    import sqlite3

    chroma = data_dir() / "chroma" / "chroma.sqlite3"
    live: set[str] = set()
    if chroma.is_file():
        with sqlite3.connect(chroma) as db:
            live = {row[0] for row in db.execute("SELECT id FROM segments")}
    return [
        f"{p} ({'live' if p.split('/')[1] in live else 'dropped'} segment)"
        if p.startswith("chroma/") and p.count("/") > 1
        else p
        for p in paths
    ]


def fill(installation: Installation, login: str, word: str, tmp_path: Path) -> Services:
    """One person with everything a person can have, each holding ``word``."""
    services = Services.open(login, shared=installation)
    spec = AgentSpec.from_yaml(
        f"""
schema: atelier/agent@1
name: Assistant de {login}
instructions: Réponds poliment. Mot de passe du jour {word}-INSTR.
tools:
  - id: create_document
"""
    )
    agent_id = services.create_agent(spec).agent_id
    script = tmp_path / f"script-{word}.yaml"
    script.write_text(
        "- tool_calls: [{name: create_document, args: "
        f'{{title: Note, content: "{word}-FILE", format: markdown}}}}]\n'
        f'- text: "Vous avez dit {word}-CHAT, c\'est noté."\n'
    )
    result = services.run(agent_id, f"Retenez {word}-CHAT", model=f"scripted:{script}")
    assert result.outcome == "ok", result
    preview = services.preview_thread_id("session")
    events = services.preview(spec, preview, f"Essai {word}-PREVIEW", "offline", agent_id)
    assert isinstance(list(events)[-1], Finished)

    kb = services.workspace.create_kb(f"Procédures {word}")
    text = f"# Règles\n\nLe code d'accès au local est {word}-KB, à ne pas divulguer.\n"
    docs = services.workspace.add_documents(kb.id, [("regles.md", text.encode())])
    (done,) = services.workspace.wait_for_documents(kb.id, [d.id for d in docs], timeout=60)
    assert done.status == "ready", done.error

    services.workspace.set_secret("jeton_api", f"{word}-SECRET")
    services.keep_draft(agent_id, 1, {"instructions": f"{word}-DRAFT"})
    installation._catalogue.sign_in.set_password(login, PASSWORD)  # type: ignore[attr-defined]
    return services


def entries(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def holding(found: dict[str, bytes], needle: str) -> list[str]:
    return sorted(name for name, data in found.items() if needle.encode() in data)


# --- export -------------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_data_in_readable_files_but_no_secret_value(
    installation: Installation, tmp_path: Path
) -> None:
    word = canary()
    bob = fill(installation, BOB, word, tmp_path)
    archive = export_my_data(bob, lang="fr")
    found = entries(archive)

    assert {"README.txt", "account.json", "secrets.txt"} <= set(found)
    assert "Vos données dans Atelier" in found["README.txt"].decode()
    assert holding(found, f"{word}-INSTR") == ["agents/assistant-de-bob-example-fr/v1.yaml"]
    chat = holding(found, f"{word}-CHAT")
    assert len(chat) == 1 and chat[0].startswith("conversations/th-")
    conversation = found[chat[0]].decode()
    assert "**Vous**" in conversation and "**Assistant**" in conversation
    assert "create_document" in conversation and f"content : {word}-FILE" in conversation
    assert any(n.startswith("conversations/preview-") for n in holding(found, f"{word}-PREVIEW"))
    assert holding(found, f"{word}-KB") == [f"knowledge/procedures-{word.lower()}/regles.md.md"]
    assert holding(found, f"{word}-FILE") == [
        chat[0],  # the tool's argument, in the conversation
        "files/Note.md",
    ]
    assert holding(found, f"{word}-DRAFT") == [next(n for n in found if n.startswith("drafts/"))]
    assert "jeton_api" in found["secrets.txt"].decode()
    assert f"{word}-SECRET".encode() not in archive
    assert holding(found, f"{word}-SECRET") == []
    assert b'"login": "bob@example.fr"' in found["account.json"]


def test_the_export_has_the_same_entries_each_time(
    installation: Installation, tmp_path: Path
) -> None:
    bob = fill(installation, BOB, canary(), tmp_path)
    first = entries(export_my_data(bob))
    second = entries(export_my_data(bob))
    assert list(first) == list(second)
    assert {k: v for k, v in first.items() if k != "README.txt"} == {
        k: v for k, v in second.items() if k != "README.txt"
    }


# --- erasure ------------------------------------------------------------------------------------


def test_erasing_my_data_leaves_nothing_in_any_file(
    installation: Installation, tmp_path: Path
) -> None:
    word, other = canary(), canary()
    bob = fill(installation, BOB, word, tmp_path)
    carla = fill(installation, CARLA, other, tmp_path)
    token = installation._catalogue.sign_in.start_session(BOB)  # type: ignore[attr-defined]
    assert files_holding(word)  # it is there before

    summary = erase_my_data(bob)

    assert (summary.agents, summary.conversations, summary.bases, summary.files) == (1, 1, 1, 1)
    assert (summary.secrets, summary.drafts) == (1, 1)
    assert where(files_holding(word)) == []
    assert files_holding(BOB) == []  # not even the address: the account row went last
    # The person cannot sign in, their open session is over, and they cannot act.
    sign_in = installation._catalogue.sign_in  # type: ignore[attr-defined]
    with pytest.raises(SignInRefused):
        sign_in.check(BOB, PASSWORD)
    assert sign_in.session_account(token, timedelta(hours=1)) is None
    with pytest.raises(Refused):
        bob.list_agents()
    with pytest.raises(NotFound):
        installation._catalogue.get_account(BOB)
    # Another person's data is untouched.
    assert files_holding(other)
    found = entries(export_my_data(carla))
    for part in ("INSTR", "CHAT", "KB", "FILE", "DRAFT"):
        assert holding(found, f"{other}-{part}"), part
    assert carla.workspace.secret_resolver()("jeton_api") == f"{other}-SECRET"
    assert sign_in.check(CARLA, PASSWORD) == CARLA


def test_the_address_is_free_again_after_an_erasure(
    installation: Installation, tmp_path: Path
) -> None:
    erase_my_data(fill(installation, BOB, canary(), tmp_path))
    admin = Services.open(ADMIN, shared=installation)
    admin.workspace.people.add_account(BOB, "Bob", "user")
    again = Services.open(BOB, shared=installation)
    assert again.list_agents() == [] and again.workspace.list_kbs() == []
    assert again.workspace.list_secrets() == []


def test_the_confirmation_counts_what_will_go(installation: Installation, tmp_path: Path) -> None:
    bob = fill(installation, BOB, canary(), tmp_path)
    summary = my_data_summary(bob)
    assert (summary.agents, summary.versions, summary.conversations) == (1, 1, 1)
    assert (summary.bases, summary.documents, summary.files, summary.secrets) == (1, 1, 1, 1)


def test_the_last_administrator_cannot_erase_themself(installation: Installation) -> None:
    admin = Services.open(ADMIN, shared=installation)
    with pytest.raises(UserError) as raised:
        erase_my_data(admin)
    assert raised.value.key == "account.last_admin"
    with pytest.raises(UserError):
        erase_person(admin, ADMIN)
    assert installation._catalogue.get_account(ADMIN).active
    # With a second administrator, one of them may go.
    admin.workspace.people.add_account("dora@example.fr", "Dora", "admin")
    erase_my_data(admin)
    with pytest.raises(NotFound):
        installation._catalogue.get_account(ADMIN)


# --- an administrator and a departing person ----------------------------------------------------


def test_an_administrator_exports_then_erases_a_departing_person(
    installation: Installation, tmp_path: Path
) -> None:
    word = canary()
    fill(installation, BOB, word, tmp_path)
    admin = Services.open(ADMIN, shared=installation)
    installation._catalogue.update_account(BOB, active=False)  # already disabled: still possible

    out = io.BytesIO()
    export_person(admin, BOB, out, lang="fr")
    found = entries(out.getvalue())
    for part in ("INSTR", "KB", "FILE", "DRAFT"):
        assert holding(found, f"{word}-{part}"), part
    # Conversations are private to the person who had them: not in an administrator's export.
    assert holding(found, f"{word}-CHAT") == [] and holding(found, f"{word}-PREVIEW") == []
    assert not any(name.startswith("conversations/") for name in found)
    assert "les conversations sont privées" in found["README.txt"].decode()
    assert f"{word}-SECRET".encode() not in out.getvalue()

    erase_person(admin, BOB)
    assert files_holding(word) == []
    with pytest.raises(NotFound):
        installation._catalogue.get_account(BOB)


def test_only_an_administrator_reaches_someone_else_s_data(
    installation: Installation, tmp_path: Path
) -> None:
    word = canary()
    fill(installation, CARLA, word, tmp_path)
    bob = Services.open(BOB, shared=installation)
    with pytest.raises(Refused):
        export_person(bob, CARLA, io.BytesIO())
    with pytest.raises(Refused):
        erase_person(bob, CARLA)
    admin = Services.open(ADMIN, shared=installation)
    with pytest.raises(NotFound):
        erase_person(admin, "nobody@example.fr")
    assert len(files_holding(word)) > 0
    assert installation._catalogue.get_account(CARLA).active


def test_a_disabled_person_cannot_export_or_erase_themself(
    installation: Installation, tmp_path: Path
) -> None:
    bob = fill(installation, BOB, canary(), tmp_path)
    installation._catalogue.update_account(BOB, active=False)
    with pytest.raises(Refused):
        export_my_data(bob)
    with pytest.raises(Refused):
        erase_my_data(bob)


# --- the command line ---------------------------------------------------------------------------


def test_the_cli_exports_and_erases_with_exit_codes(
    installation: Installation, tmp_path: Path
) -> None:
    word = canary()
    fill(installation, BOB, word, tmp_path)
    target = tmp_path / "mes-donnees.zip"

    done = atelier("--as", BOB, "me", "export", "-o", str(target))
    assert done.exit_code == 0, done.output
    assert holding(entries(target.read_bytes()), f"{word}-CHAT")
    assert (target.stat().st_mode & 0o077) == 0
    again = atelier("--as", BOB, "me", "export", "-o", str(target))
    assert again.exit_code == 2 and "existe déjà" in again.stderr

    refused = atelier("--as", BOB, "me", "erase")  # no terminal to confirm: --yes is needed
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert files_holding(word)

    erased = atelier("--as", BOB, "me", "erase", "--yes")
    assert erased.exit_code == 0, erased.output
    assert "effacés" in erased.stderr
    assert files_holding(word) == []
    gone = atelier("--as", BOB, "me", "export", "-o", str(tmp_path / "encore.zip"))
    assert gone.exit_code == 2 and not (tmp_path / "encore.zip").exists()


def test_the_cli_lets_an_administrator_export_and_erase_a_person(
    installation: Installation, tmp_path: Path
) -> None:
    word = canary()
    fill(installation, BOB, word, tmp_path)
    target = tmp_path / "bob.zip"

    by_creator = atelier("--as", CARLA, "user", "export", BOB, "-o", str(target))
    assert by_creator.exit_code == 2 and not target.exists()
    assert atelier("--as", CARLA, "user", "erase", BOB, "--yes").exit_code == 2
    assert atelier("--as", ADMIN, "user", "erase", "nobody@example.fr", "--yes").exit_code == 3

    done = atelier("--as", ADMIN, "user", "export", BOB, "-o", str(target))
    assert done.exit_code == 0, done.output
    assert holding(entries(target.read_bytes()), f"{word}-INSTR")

    assert atelier("--as", ADMIN, "user", "erase", BOB).exit_code == 2  # asks: --yes needed
    erased = atelier("--as", ADMIN, "user", "erase", BOB, "--yes")
    assert erased.exit_code == 0, erased.output
    assert files_holding(word) == []
    last = atelier("--as", ADMIN, "user", "erase", ADMIN, "--yes")
    assert last.exit_code == 2 and "dernier administrateur" in last.stderr


# --- the catalogue's part: removing an account ------------------------------------------------


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_deleting_an_account_removes_it_from_its_teams(backend: str, tmp_path: Path) -> None:
    """``Catalogue.delete_account`` on every backend (the contract of ``store.accounts``)."""
    from store.accounts import TeamRecord
    from store.database import utc_now
    from store.memory import MemoryCatalogue
    from store.records import Catalogue
    from store.sql_catalogue import SqlCatalogue

    catalogue: Catalogue = (
        MemoryCatalogue() if backend == "memory" else SqlCatalogue(tmp_path / "c.sqlite3")
    )
    enrol(catalogue, BOB, CARLA)
    team = TeamRecord("tm-0123456789", "Équipe RH", utc_now())
    catalogue.add_team(team)
    catalogue.add_member(team.id, BOB)
    catalogue.add_member(team.id, CARLA)

    catalogue.delete_account(BOB)

    with pytest.raises(NotFound):
        catalogue.get_account(BOB)
    assert [a.id for a in catalogue.team_members(team.id)] == [CARLA]
    assert catalogue.get_team(team.id).members == 1
    with pytest.raises(NotFound):
        catalogue.delete_account(BOB)
    enrol(catalogue, BOB)  # the address can be given to a new person
    assert catalogue.account_teams(BOB) == []


# --- the account page ---------------------------------------------------------------------------


def test_the_account_page_downloads_and_erases_after_a_confirmation_that_counts(
    installation: Installation, tmp_path: Path
) -> None:
    from web_driver import open_app

    word = canary()
    fill(installation, BOB, word, tmp_path)
    at = open_app(BOB, role="creator").switch_page("views/account.py").run()
    assert not at.exception
    downloads = at.get("download_button")
    assert len(downloads) == 1 and "Télécharger mes données" in str(downloads[0].proto)

    at = next(b for b in at.button if b.label == "Effacer toutes mes données").click().run()
    warning = " ".join(w.value for w in at.warning)
    assert "1 agent(s) avec leurs 1 version(s), 1 conversation(s)" in warning
    assert "1 base(s) de connaissances (1 document(s)), 1 fichier(s)" in warning
    assert files_holding(word)  # nothing is erased before the confirmation

    at = next(b for b in at.button if b.label == "Annuler").click().run()
    assert not at.warning and files_holding(word)

    at = next(b for b in at.button if b.label == "Effacer toutes mes données").click().run()
    at = next(b for b in at.button if b.label == "Oui, tout effacer").click().run()
    assert not at.exception
    assert "Connexion à Atelier" in [t.value for t in at.title]
    assert any("Vos données et votre compte ont été effacés" in i.value for i in at.info)
    assert where(files_holding(word)) == []
    with pytest.raises(NotFound):
        installation._catalogue.get_account(BOB)


def test_the_last_administrator_is_told_on_the_page(installation: Installation) -> None:
    from web_driver import open_app

    at = open_app(ADMIN, role="admin").switch_page("views/account.py").run()
    at = next(b for b in at.button if b.label == "Effacer toutes mes données").click().run()
    at = next(b for b in at.button if b.label == "Oui, tout effacer").click().run()
    assert not at.exception
    assert any("dernier administrateur" in e.value for e in at.error)
    assert installation._catalogue.get_account(ADMIN).active
