"""A pseudonymised conversation through the services, on the real SQLite catalogue and
checkpointer (issue 11, item 2): the name a person types is in no file of the data directory in
clear while the conversation exists (its mapping is sealed with the installation's key), the
person reads it back everywhere (answer, history, title, citations of attached files), nobody
else reads the mapping, and the mapping is erased with the conversation, the agent, the preview
and the person's data. ``pii: block`` refuses a message or an attached file holding personal
data, and leaves no conversation behind."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from people import enrol
from pii_fakes import PHONE, NamesDetector

from agents.errors import NotFound, UserError
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation, Services
from builder_ui.services.my_data import erase_my_data
from store.config import data_dir
from store.knowledge.service import close_knowledge_stores
from store.secrets import close_secret_stores

CANARY_NAME = "Philomène Canarinette"
MESSAGE = f"Bonjour, je suis {CANARY_NAME}, joignable au {PHONE}."


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    detector = NamesDetector(CANARY_NAME)
    installation = dataclasses.replace(Installation.open(), detector=lambda: detector)
    yield installation
    close_knowledge_stores()
    close_secret_stores()


def person(shared: Installation, name: str = "alice") -> Services:
    enrol(shared._catalogue, name)
    return Services.open(name, shared=shared)


def agent(services: Services, pii: str = "pseudonymise", name: str = "Usagers") -> str:
    spec = AgentSpec.from_yaml(
        f"schema: atelier/agent@1\nname: {name}\ninstructions: Réponds.\n"
        f"guardrails: {{pii: {pii}}}\n"
    )
    return services.create_agent(spec).agent_id


def scripted(tmp_path: Path, text: str, name: str = "script.yaml") -> str:
    (tmp_path / name).write_text(f'- {{text: "{text}", repeat: true}}\n', "utf-8")
    return f"scripted:{tmp_path / name}"


def files_holding(needle: str) -> list[str]:
    root = data_dir()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def sent_to_model(services: Services, model: str) -> str:
    chat = services.model(services.model_settings(AgentSpec(name="x"), model))
    return "\n".join(m.text for prompt in chat.prompts for m in prompt)  # type: ignore[attr-defined]


def test_the_name_is_sealed_while_the_conversation_lives_and_gone_after(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    agent_id = agent(alice)
    model = scripted(tmp_path, "Bonjour <PERSONNE_1>, nous vous rappelons.")
    result = alice.run(agent_id, MESSAGE, model=model)

    assert result.answer == f"Bonjour {CANARY_NAME}, nous vous rappelons."
    assert CANARY_NAME not in sent_to_model(alice, model)
    assert PHONE not in sent_to_model(alice, model)
    # while it lives: sealed, in no file in clear (checkpoints, catalogue, their -wal files)
    assert files_holding(CANARY_NAME) == []
    assert files_holding(PHONE) == []
    sealed = shared._catalogue.sealed_pseudonyms(result.thread)
    assert sealed is not None and CANARY_NAME not in sealed.ciphertext
    # ... and its owner reads it everywhere
    history = alice.history(result.thread)
    assert history[0].text == MESSAGE
    assert history[-1].text == result.answer
    assert alice.conversations()[0].thread.title == MESSAGE[:80]
    assert alice.workspace.get_thread(result.thread).title.startswith(
        "Bonjour, je suis <PERSONNE_1>"
    )

    renamed = alice.rename_conversation(result.thread, f"Demande de {CANARY_NAME}")
    assert renamed.title == f"Demande de {CANARY_NAME}"
    assert alice.workspace.get_thread(result.thread).title == "Demande de <PERSONNE_1>"
    assert files_holding(CANARY_NAME) == []

    alice.delete_conversation(result.thread)
    assert shared._catalogue.sealed_pseudonyms(result.thread) is None
    assert files_holding(CANARY_NAME) == []
    assert files_holding("<PERSONNE_1>") == []


def test_nobody_else_reads_the_mapping(shared: Installation, tmp_path: Path) -> None:
    alice, bob = person(shared), person(shared, "bob")
    thread = alice.run(agent(alice), MESSAGE, model=scripted(tmp_path, "Noté.")).thread
    assert alice.workspace.conversation_pseudonyms(thread)["<PERSONNE_1>"] == CANARY_NAME
    with pytest.raises(NotFound) as missing:
        bob.workspace.conversation_pseudonyms(thread)
    with pytest.raises(NotFound) as unknown:
        bob.workspace.conversation_pseudonyms("th-0000000000000000")
    assert str(missing.value).replace(thread, "?") == str(unknown.value).replace(
        "th-0000000000000000", "?"
    )
    with pytest.raises(NotFound):
        bob.workspace.keep_conversation_pseudonyms(thread, {"<PERSONNE_1>": "X"})
    assert alice.workspace.conversation_pseudonyms(thread)["<PERSONNE_1>"] == CANARY_NAME


def test_a_mapping_copied_to_another_conversation_is_refused(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    agent_id = agent(alice)
    first = alice.run(agent_id, MESSAGE, model=scripted(tmp_path, "Noté.")).thread
    second = alice.run(agent_id, "Autre chose", model=scripted(tmp_path, "Noté.")).thread
    sealed = shared._catalogue.sealed_pseudonyms(first)
    assert sealed is not None
    shared._catalogue.keep_sealed_pseudonyms(dataclasses.replace(sealed, thread_id=second))
    assert alice.workspace.conversation_pseudonyms(second) == {}


def test_erased_with_the_agent_the_preview_and_the_persons_data(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    model = scripted(tmp_path, "Noté <PERSONNE_1>.")
    doomed = agent(alice, name="Condamné")
    thread = alice.run(doomed, MESSAGE, model=model).thread
    alice.delete_agent(doomed)
    assert shared._catalogue.sealed_pseudonyms(thread) is None

    spec = alice.version(agent(alice)).spec
    list(alice.preview(spec, "jeton", MESSAGE, model=model))
    preview = alice.preview_thread_id("jeton")
    assert "Philomène" in alice.preview_history(spec, "jeton")[0].text
    assert shared._catalogue.sealed_pseudonyms(preview) is not None
    alice.forget_preview("jeton")
    assert shared._catalogue.sealed_pseudonyms(preview) is None

    list(alice.preview(spec, "autre", MESSAGE, model=model))  # an unsaved agent's, say
    kept = alice.run(alice.find_agent("Usagers").id, MESSAGE, model=model).thread
    assert files_holding(CANARY_NAME) == []
    erase_my_data(alice)
    assert shared._catalogue.sealed_pseudonyms(kept) is None
    assert shared._catalogue.sealed_pseudonyms(alice.preview_thread_id("autre")) is None
    assert files_holding(CANARY_NAME) == []


def test_block_refuses_the_message_and_leaves_no_conversation(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    agent_id = agent(alice, pii="block")
    model = scripted(tmp_path, "Bien reçu.")
    with pytest.raises(UserError) as refused:
        alice.run(agent_id, MESSAGE, model=model)
    assert refused.value.key == "privacy.blocked"
    text = refused.value.message("fr")
    assert "un nom de personne" in text and "un numéro de téléphone" in text
    assert CANARY_NAME not in text
    assert alice.conversations() == []
    assert files_holding(CANARY_NAME) == []
    assert alice.run(agent_id, "Quels sont vos horaires ?", model=model).answer == "Bien reçu."


def test_block_refuses_an_attached_file_holding_personal_data(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    thread = alice.start_conversation(agent(alice, pii="block")).id
    files = [
        ("courrier.md", f"# Courrier\n\nMadame {CANARY_NAME} demande un rendez-vous.\n".encode()),
        ("horaires.md", b"# Horaires\n\nLe guichet ouvre de 9 h a 17 h.\n"),
    ]
    done = alice.attach_to_conversation(thread, files, timeout=60)
    assert [d.status for d in done] == ["failed", "ready"]
    assert "courrier.md" in done[0].error and "un nom de personne" in done[0].error
    assert CANARY_NAME not in done[0].error
    assert [d.filename for d in alice.attachments(thread)] == ["horaires.md"]


def test_an_attached_file_is_pseudonymised_before_the_model_and_cited_with_values(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    thread = alice.start_conversation(agent(alice)).id
    note = f"# Dossier\n\nLe dossier de {CANARY_NAME} est complet depuis mardi.\n"
    alice.attach_to_conversation(thread, [("dossier.md", note.encode())], timeout=60)
    model = scripted(tmp_path, "Le dossier de <PERSONNE_1> est complet [1].")
    result = alice.run(
        alice.find_agent("Usagers").id, "Où en est le dossier ?", thread=thread, model=model
    )
    read = sent_to_model(alice, model)
    assert "<PERSONNE_1>" in read and CANARY_NAME not in read
    assert result.answer == f"Le dossier de {CANARY_NAME} est complet [1]."
    assert CANARY_NAME in result.citations[0].passage
    assert CANARY_NAME in alice.conversation_citations(thread)[0].passage


def test_erased_when_retention_sweeps_the_conversation(
    shared: Installation, tmp_path: Path
) -> None:
    from datetime import timedelta

    from store.database import utc_now

    alice = person(shared)
    enrol(shared._catalogue, "ada", role="admin")
    ada = Services.open("ada", shared=shared)
    thread = alice.run(agent(alice), MESSAGE, model=scripted(tmp_path, "Noté.")).thread
    assert shared._catalogue.sealed_pseudonyms(thread) is not None
    ada.set_retention(conversations=1, drafts=None, uploads=None)
    assert ada.apply_retention(now=utc_now() + timedelta(days=2)).counts == {"conversations": 1}
    assert shared._catalogue.sealed_pseudonyms(thread) is None


def test_feedback_shares_the_exchange_with_placeholders(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    agent_id = agent(alice)
    result = alice.run(agent_id, MESSAGE, model=scripted(tmp_path, "Bonjour <PERSONNE_1>."))
    shown = f"{MESSAGE}\n\n{result.answer}"  # what the page shows, and the person shares
    given = alice.give_feedback(agent_id, result.thread, "down", f"{CANARY_NAME} ?", shown)
    assert CANARY_NAME not in given.exchange and "<PERSONNE_1>" in given.exchange
    assert CANARY_NAME not in given.comment
    assert files_holding(CANARY_NAME) == []


def test_under_review_the_draft_kept_in_the_catalogue_holds_placeholders(
    shared: Installation, tmp_path: Path
) -> None:
    alice = person(shared)
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Relu\ninstructions: Réponds.\n"
        "guardrails: {pii: pseudonymise}\noversight: review\n"
    )
    agent_id = alice.create_agent(spec).agent_id
    result = alice.run(agent_id, MESSAGE, model=scripted(tmp_path, "Bonjour <PERSONNE_1>."))
    assert result.answer == f"Bonjour {CANARY_NAME}."  # the person reads it...
    (draft,) = alice.review_queue()
    assert draft.thread_id == result.thread
    assert "<PERSONNE_1>" in draft.message and "<PERSONNE_1>" in draft.draft
    assert files_holding(CANARY_NAME) == []  # ... and no file holds it in clear
