"""``create_document`` and the person's files: a Word or Markdown file from the model's Markdown,
kept under the data directory, reachable by its owner only."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from people import enrol

from agents.errors import NotFound, UserError
from builder_ui.services.installation import Services
from builder_ui.services.links import ShownHosts
from builder_ui.services.tool_context import tool_context
from store.config import data_dir
from store.files import FileStore, PersonalFiles, safe_filename
from store.sql_catalogue import open_catalogue
from tools.documents import DOCX_TYPE, inline_runs, markdown_file, parse_markdown
from tools.registry import ToolContext, ToolRegistry, default_registry

JOB_AD = """\
# Chargé·e de communication

Nous recherchons une personne **rigoureuse** et *créative*
pour animer nos réseaux.

## Missions

- Rédiger les publications
- Suivre les **statistiques**
  - chaque mois

## Profil

1. Bac+3 en communication
2. Deux ans d'expérience

| Contrat | Lieu |
| --- | --- |
| CDI | Lyon |
"""


@pytest.fixture
def registry() -> ToolRegistry:
    return default_registry()


@pytest.fixture
def files(tmp_path: Path) -> PersonalFiles:
    return FileStore(tmp_path / "files").for_principal("alice")


def make(registry: ToolRegistry, files: PersonalFiles | None, **args: str) -> dict:
    result = registry.run("create_document", args, {}, ToolContext(files=files))
    assert result.ok, result.error
    assert isinstance(result.output, dict)
    return result.output


def test_docx_has_the_title_headings_lists_paragraphs_and_table(
    registry: ToolRegistry, files: PersonalFiles
) -> None:
    out = make(registry, files, title="Offre d'emploi : chargé·e de com", content=JOB_AD)
    assert out["media_type"] == DOCX_TYPE
    assert out["filename"] == "Offre d'emploi chargé·e de com.docx"  # ":" is not for file names
    assert "prêt" in out["download"] and out["filename"] in out["download"]
    data = files.read(out["file_id"])
    assert out["size"] == len(data)

    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "Offre d'emploi : chargé·e de com"
    assert document.core_properties.author == "Atelier"
    lines = [(p.style.name, p.text) for p in document.paragraphs]
    assert lines[0] == ("Title", "Offre d'emploi : chargé·e de com")
    assert ("Heading 1", "Chargé·e de communication") in lines
    assert ("Heading 2", "Missions") in lines
    assert ("List Bullet", "Rédiger les publications") in lines
    assert ("List Bullet 2", "chaque mois") in lines
    assert ("List", "2. Deux ans d'expérience") in lines
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Nous recherchons"))
    assert paragraph.text == (
        "Nous recherchons une personne rigoureuse et créative pour animer nos réseaux."
    )
    assert [r.text for r in paragraph.runs if r.bold] == ["rigoureuse"]
    assert [r.text for r in paragraph.runs if r.italic] == ["créative"]
    table = document.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Contrat", "Lieu"],
        ["CDI", "Lyon"],
    ]


def test_the_title_is_not_repeated_when_the_content_starts_with_it(
    registry: ToolRegistry, files: PersonalFiles
) -> None:
    out = make(registry, files, title="Chargé·e de communication", content=JOB_AD)
    document = docx.Document(io.BytesIO(files.read(out["file_id"])))
    texts = [p.text for p in document.paragraphs]
    assert texts.count("Chargé·e de communication") == 1


def test_nothing_in_the_text_is_run_or_fetched(
    registry: ToolRegistry, files: PersonalFiles
) -> None:
    content = (
        "Voir [le site](https://example.org) ![logo](http://10.0.0.1/x.png)\n\n"
        "<script>alert(1)</script> \x00\x07fin"
    )
    out = make(registry, files, title="Liens", content=content)
    document = docx.Document(io.BytesIO(files.read(out["file_id"])))
    body = [p.text for p in document.paragraphs][1:]
    assert body == [
        "Voir le site [lien retiré : example.org] logo [image retirée : 10.0.0.1]",
        "<script>alert(1)</script> fin",
    ]
    # a host the administrator allows keeps its address, as text
    allowed = ToolContext(files=files, link_hosts=ShownHosts(("example.org",)))
    out = registry.run("create_document", {"title": "L", "content": content}, {}, allowed).output
    document = docx.Document(io.BytesIO(files.read(out["file_id"])))
    assert document.paragraphs[1].text == (
        "Voir le site (https://example.org) logo [image retirée : 10.0.0.1]"
    )


def test_markdown_file_keeps_the_text_under_its_title(
    registry: ToolRegistry, files: PersonalFiles
) -> None:
    out = make(registry, files, title="Compte rendu", content="- un\n- deux", format="markdown")
    assert out["filename"] == "Compte rendu.md"
    assert out["media_type"] == "text/markdown"
    assert files.read(out["file_id"]).decode("utf-8") == "# Compte rendu\n\n- un\n- deux\n"
    assert markdown_file("X", "# Déjà titré\r\ntexte") == "# Déjà titré\n\ntexte\n".encode()


def test_markdown_blocks_and_inline_marks() -> None:
    kinds = [type(b).__name__ for b in parse_markdown(JOB_AD)]
    assert kinds == [
        "Heading",
        "Paragraph",
        "Heading",
        "ListItem",
        "ListItem",
        "ListItem",
        "Heading",
        "ListItem",
        "ListItem",
        "Table",
    ]
    runs = inline_runs("a **b *c*** snake_case `x*y` \\*z\\*")
    assert [(r.text, r.bold, r.italic, r.code) for r in runs] == [
        ("a ", False, False, False),
        ("b ", True, False, False),
        ("c", True, True, False),
        (" snake_case ", False, False, False),
        ("x*y", False, False, True),
        (" ", False, False, False),
        ("*", False, False, False),
        ("z", False, False, False),
        ("*", False, False, False),
    ]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("  .cache  ", "cache"),
        ("a/b:c*d?.docx", "b c d.docx"),
        ("CON.docx", "document.CON.docx"),
        ("", "document"),
        ("..", "document"),
        ("x" * 300 + ".docx", "x" * 115 + ".docx"),
        ("Offre d'emploi — RH.docx", "Offre d'emploi — RH.docx"),
    ],
)
def test_file_names_are_only_names(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_a_saved_file_stays_inside_the_person_folder(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    saved = store.save("alice", "../../../evil.sh", b"echo", "text/plain")
    assert saved.filename == "evil.sh"
    written = [p for p in (tmp_path / "files").rglob("evil.sh")]
    assert len(written) == 1
    assert written[0].resolve().is_relative_to((tmp_path / "files").resolve())
    assert written[0].parent.name == saved.file_id
    assert store.save("alice", "x", b"", "bad type").media_type == "application/octet-stream"


def test_size_limit(tmp_path: Path, registry: ToolRegistry) -> None:
    store = FileStore(tmp_path / "files", max_bytes=1000)
    with pytest.raises(UserError) as caught:
        store.save("alice", "gros.md", b"x" * 1001, "text/markdown")
    assert caught.value.key == "files.too_large"
    assert list((tmp_path / "files").rglob("gros.md")) == []

    result = registry.run(
        "create_document",
        {"title": "Gros", "content": "x" * 5000, "format": "markdown"},
        {},
        ToolContext(files=store.for_principal("alice")),
    )
    assert not result.ok and result.refused
    assert "au-delà de la limite" in result.error


def test_another_person_cannot_reach_the_file(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    alice, bob = store.for_principal("alice"), store.for_principal("bob")
    saved = alice.save("note.md", b"secret", "text/markdown")
    assert alice.read(saved["file_id"]) == b"secret"
    for action in (bob.get, bob.read, bob.delete):
        with pytest.raises(NotFound):
            action(saved["file_id"])
    assert bob.list() == []
    assert [f.file_id for f in alice.list()] == [saved["file_id"]]
    for bad in ("../alice", "..", "", saved["file_id"] + "/..", "0" * 24):
        with pytest.raises(NotFound):
            alice.get(bad)
    alice.delete(saved["file_id"])
    assert alice.list() == []
    with pytest.raises(NotFound):
        alice.read(saved["file_id"])


def test_services_give_a_file_to_its_owner_only() -> None:
    enrol(open_catalogue(), "alice", "bob")
    context = tool_context(None, "alice")
    assert context.files is not None
    saved = context.files.save("offre.md", b"# Offre", "text/markdown")
    info, data = Services.open("alice").file(saved["file_id"])
    assert (info.filename, data) == ("offre.md", b"# Offre")
    with pytest.raises(NotFound):
        Services.open("bob").file(saved["file_id"])
    assert all(p.is_relative_to(data_dir()) for p in (data_dir() / "files").rglob("offre.md"))


def test_without_a_files_sink_the_tool_says_so(registry: ToolRegistry) -> None:
    result = registry.run("create_document", {"title": "X", "content": "y"}, {}, ToolContext())
    assert not result.ok and result.refused
    assert "ne peut pas enregistrer de fichier" in result.error


def test_document_language_is_a_setting(registry: ToolRegistry, files: PersonalFiles) -> None:
    result = registry.run(
        "create_document",
        {"title": "Job", "content": "Text"},
        {"language": "en-GB"},
        ToolContext(files=files),
    )
    assert result.ok, result.error
    document = docx.Document(io.BytesIO(files.read(result.output["file_id"])))
    assert document.core_properties.language == "en-GB"
    with pytest.raises(UserError):
        registry.run("create_document", {"title": "J", "content": "T"}, {"language": "<x>"})
