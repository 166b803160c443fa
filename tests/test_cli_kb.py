"""``atelier kb``, driven in-process with Typer's runner over a real knowledge store (SQLite and
embedded Chroma in the test's data directory) and the deterministic ``hashing`` embedder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_driver import as_json, atelier, ok

from builder_ui.cli import agent as cli_agents
from store.knowledge.service import close_knowledge_stores

CONGES = """# Congés

## Report des congés

Les congés non pris peuvent être reportés jusqu'au 31 mars de l'année suivante,
avec l'accord écrit du responsable.

## Télétravail

Le télétravail est possible deux jours par semaine après la période d'essai.
"""

CANTINE = "La cantine ouvre à midi. Le parking du personnel est gratuit le samedi.\n"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_DEBUG", raising=False)
    yield
    close_knowledge_stores()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "conges.md").write_text(CONGES, "utf-8")
    (folder / "cantine.txt").write_text(CANTINE, "utf-8")
    (folder / "vide.txt").write_bytes(b"")
    (folder / "scan.pdf").write_text("Ceci n'est pas un PDF.", "utf-8")
    return folder


@pytest.fixture
def kb(docs: Path) -> str:
    """A base holding conges.md and cantine.txt, both indexed."""
    created = as_json("kb", "create", "RH", "--description", "Ressources humaines")
    ok("kb", "add", "RH", str(docs / "conges.md"), str(docs / "cantine.txt"))
    return str(created["id"])


def test_create_prints_the_id() -> None:
    result = ok("kb", "create", "Juridique")
    kb_id = result.stdout.strip()
    assert kb_id.startswith("kb-") and "Juridique" in result.stderr
    created = as_json("kb", "create", "Achats", "--embedder", "hashing")
    assert created["name"] == "Achats" and created["embedder"] == "hashing"
    taken = atelier("kb", "create", "juridique")
    assert taken.exit_code == 2 and kb_id in taken.stderr


def test_add_waits_until_the_documents_are_ready(docs: Path) -> None:
    ok("kb", "create", "RH")
    result = ok("kb", "add", "RH", str(docs / "conges.md"), str(docs / "cantine.txt"))
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert "conges.md" in lines[0] and "prêt" in lines[0] and "passage" in lines[0]
    assert "cantine.txt" in lines[1] and "prêt" in lines[1]
    assert not any(t.name == "atelier-ingestion" for t in threading.enumerate())  # closed


def test_add_reports_each_failure_with_its_reason(docs: Path) -> None:
    ok("kb", "create", "RH")
    result = atelier(
        "kb", "add", "RH", str(docs / "vide.txt"), str(docs / "scan.pdf"), str(docs / "conges.md")
    )
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "vide.txt : le fichier vide.txt est vide" in result.stderr
    assert "scan.pdf : l'extension .pdf ne correspond pas au contenu" in result.stderr
    assert "2 document(s) sur 3" in result.stderr
    ready = [line for line in result.stdout.splitlines() if "conges.md" in line]
    assert ready and "prêt" in ready[0]
    documents = {d["filename"]: d for d in as_json("kb", "docs", "RH")}
    assert documents["conges.md"]["status"] == "ready" and documents["conges.md"]["chunks"] > 0
    assert documents["vide.txt"]["status"] == "failed" and documents["vide.txt"]["error"]


def test_add_json_and_duplicates(kb: str, docs: Path) -> None:
    copy = docs / "copie.md"
    copy.write_text(CONGES, "utf-8")
    result = atelier("kb", "add", kb, str(copy), str(docs / "scan.pdf"), "--json")
    assert result.exit_code == 2
    found = json.loads(result.stdout)["documents"]
    assert [d["filename"] for d in found] == ["copie.md", "scan.pdf"]
    assert found[0]["duplicate"] and found[0]["status"] == "ready" and found[0]["chunks"] > 0
    assert found[1]["status"] == "failed" and "extension" in found[1]["error"]
    assert set(found[0]) >= {"id", "filename", "status", "chunks", "pages", "error"}
    again = ok("kb", "add", kb, str(copy))
    assert "déjà dans la base" in again.stdout and "conges.md" in again.stdout
    assert len(as_json("kb", "docs", kb)) == 3  # conges.md, cantine.txt, scan.pdf


def test_a_missing_file_adds_nothing(kb: str, docs: Path) -> None:
    result = atelier("kb", "add", kb, str(docs / "cantine.txt"), str(docs / "absent.md"))
    assert result.exit_code == 2 and "absent.md" in result.stderr
    new = docs / "nouveau.txt"
    new.write_text("Un texte tout neuf sur les badges d'accès.", "utf-8")
    assert atelier("kb", "add", kb, str(new), str(docs / "absent.md")).exit_code == 2
    assert len(as_json("kb", "docs", kb)) == 2


def test_list_and_docs(kb: str) -> None:
    bases = as_json("kb", "list")
    assert [(b["id"], b["name"], b["documents"], b["embedder"]) for b in bases] == [
        (kb, "RH", 2, "hashing")
    ]
    assert bases[0]["chunks"] >= 2
    table = ok("kb", "list").stdout
    assert kb in table and "RH" in table and "hashing" in table
    documents = as_json("kb", "docs", kb)
    assert {d["filename"] for d in documents} == {"conges.md", "cantine.txt"}
    for d in documents:
        assert d["status"] == "ready" and d["progress"] == 1.0 and d["error"] == ""
        assert set(d) >= {"id", "filename", "status", "progress", "chunks", "pages", "error"}
    assert "cantine.txt" in ok("kb", "docs", "rh").stdout  # a name, in any case


def test_search_finds_the_right_document(kb: str) -> None:
    found = as_json("kb", "search", kb, "Jusqu'à quand reporter mes congés ?", "--k", "2")
    assert found["query"] == "Jusqu'à quand reporter mes congés ?"
    top = found["hits"][0]
    assert top["document"] == "conges.md" and "31 mars" in top["text"]
    assert {"dense", "bm25"} <= set(top["scores"]) and top["chunk_id"] and top["document_id"]
    assert top["heading_path"][0] == "Congés"
    bm25 = as_json("kb", "search", "RH", "parking", "--mode", "bm25")
    assert [h["document"] for h in bm25["hits"]] == ["cantine.txt"]
    table = ok("kb", "search", "RH", "Le parking est-il gratuit ?").stdout.splitlines()
    assert table[0].split()[:2] == ["RANG", "DOCUMENT"]
    assert table[1].split()[:2] == ["1", "cantine.txt"] and "parking" in table[1]
    assert atelier("kb", "search", "RH", "x", "--mode", "magic").exit_code == 2


def test_search_gives_one_result_per_document_unless_passages_are_asked(kb: str) -> None:
    found = as_json("kb", "search", kb, "congés télétravail parking", "--k", "5")
    documents = [h["document"] for h in found["hits"]]
    assert len(documents) == len(set(documents)) == 2  # conges.md once, its other passage aside
    conges = next(h for h in found["hits"] if h["document"] == "conges.md")
    assert conges["title"] == "Congés" and len(conges["others"]) == 1
    passages = as_json("kb", "search", kb, "congés télétravail parking", "--k", "5", "--passages")
    assert [h["document"] for h in passages["hits"]].count("conges.md") == 2
    assert all(h["others"] == [] for h in passages["hits"])
    table = ok("kb", "search", kb, "Jusqu'à quand reporter mes congés ?").stdout.splitlines()
    assert "Congés (conges.md)" in table[1]  # its title, then its file


def test_search_a_file_of_queries(kb: str, tmp_path: Path) -> None:
    queries = tmp_path / "questions.txt"
    queries.write_text("report des congés\n\n  parking gratuit  \ntélétravail par semaine\n")
    result = ok("kb", "search", kb, "--queries", str(queries), "--json", "--k", "1")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == [
        "report des congés",
        "parking gratuit",
        "télétravail par semaine",
    ]
    assert [line["hits"][0]["document"] for line in lines] == [
        "conges.md",
        "cantine.txt",
        "conges.md",
    ]
    assert all(len(line["hits"]) == 1 for line in lines)
    assert atelier("kb", "search", kb, "--queries", str(queries)).exit_code == 2  # no --json
    both = atelier("kb", "search", kb, "parking", "--queries", str(queries), "--json")
    assert both.exit_code == 2
    assert atelier("kb", "search", kb).exit_code == 2  # neither
    assert atelier("kb", "search", kb, "--queries", str(tmp_path / "x"), "--json").exit_code == 2


def test_rm_a_document_then_the_base(kb: str) -> None:
    needs_yes = atelier("kb", "rm", kb, "cantine.txt")
    assert needs_yes.exit_code == 2 and "--yes" in needs_yes.stderr
    ok("kb", "rm", kb, "cantine.txt", "--yes")  # by its file name
    assert [d["filename"] for d in as_json("kb", "docs", kb)] == ["conges.md"]
    found = as_json("kb", "search", kb, "parking gratuit le samedi")
    assert all(h["document"] != "cantine.txt" for h in found["hits"])
    conges = as_json("kb", "docs", kb)[0]["id"]
    assert atelier("kb", "rm", kb, "doc-absent", "--yes").exit_code == 3
    ok("kb", "rm", kb, conges, "--yes")  # by its id
    assert as_json("kb", "docs", kb) == []
    ok("kb", "rm", "RH", "--yes")
    assert as_json("kb", "list") == []
    assert atelier("kb", "docs", kb).exit_code == 3


def test_rm_confirms_at_a_terminal(kb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_agents, "interactive", lambda: True)
    kept = atelier("kb", "rm", kb, input="n\n")
    assert kept.exit_code == 1 and "Annulé" in kept.stderr and "[o/N]" in kept.stderr
    assert len(as_json("kb", "list")) == 1
    unsure = atelier("kb", "rm", kb, input="peut-être\n")  # asked again, then end of input
    assert unsure.exit_code == 1 and "Répondez « o » (oui)" in unsure.stderr
    assert "Aborted" not in unsure.stderr and "Annulé" in unsure.stderr
    assert len(as_json("kb", "list")) == 1
    ok("kb", "rm", kb, input="oui\n")
    assert as_json("kb", "list") == []


@pytest.mark.parametrize(
    "args",
    [
        ("kb", "docs", "inconnue"),
        ("kb", "search", "inconnue", "congés"),
        ("kb", "rm", "inconnue", "--yes"),
        ("kb", "add", "inconnue"),
    ],
)
def test_an_unknown_base_is_not_found(args: tuple[str, ...], docs: Path) -> None:
    if args[1] == "add":
        args = (*args, str(docs / "cantine.txt"))
    result = atelier(*args)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "introuvable" in result.stderr


def test_help_lists_the_kb_commands() -> None:
    result = ok("kb", "--help")
    for command in ("create", "add", "list", "docs", "search", "rm"):
        assert command in result.stdout


def test_show_prints_what_was_read_passage_by_passage(kb: str) -> None:
    shown = ok("kb", "show", "RH", "conges.md").stdout
    assert "[1] · Congés › Report des congés" in shown
    assert "reportés jusqu'au 31 mars" in shown
    as_data = as_json("kb", "show", "RH", "conges.md")
    assert as_data["filename"] == "conges.md" and as_data["status"] == "ready"
    texts = [p["text"] for p in as_data["passages"]]
    assert any("deux jours par semaine" in text for text in texts)
    assert [p["ordinal"] for p in as_data["passages"]] == list(range(len(texts)))
    missing = atelier("kb", "show", "RH", "absent.md")
    assert missing.exit_code == 3 and "absent.md" in missing.stderr


def test_search_shows_the_similarity_that_min_score_filters(kb: str) -> None:
    table = ok("kb", "search", "RH", "reporter les congés").stdout
    assert "PROXIMITÉ" in table.splitlines()[0]
    out_of_range = atelier("kb", "search", "RH", "congés", "--min-score", "1.5")
    assert out_of_range.exit_code == 2


def test_a_base_is_reached_by_its_name_written_as_a_spec_would(docs: Path) -> None:
    ok("kb", "create", "Procédures RH")
    ok("kb", "add", "procedures-rh", str(docs / "conges.md"))
    assert as_json("kb", "docs", "PROCÉDURES RH")[0]["filename"] == "conges.md"
    missing = atelier("kb", "docs", "procedures")
    assert missing.exit_code == 3


def test_missing_files_are_named_in_plain_words(kb: str, tmp_path: Path) -> None:
    absent = str(tmp_path / "absent.pdf")
    added = atelier("kb", "add", "RH", absent)
    assert added.exit_code == 2 and "ce fichier n'existe pas" in added.stderr
    queries = atelier("kb", "search", "RH", "--queries", absent, "--json")
    assert queries.exit_code == 2 and "fichier de questions" in queries.stderr
    assert "rien n'a été ajouté" not in queries.stderr


def test_rm_of_a_base_names_the_agents_that_use_it(kb: str, tmp_path: Path) -> None:
    spec = tmp_path / "faq.yaml"
    spec.write_text(
        "schema: atelier/agent@1\nname: FAQ RH\ninstructions: Réponds.\n"
        "knowledge:\n  bases: [rh]\n",
        "utf-8",
    )
    ok("agent", "import", str(spec))
    removed = ok("kb", "rm", "RH", "--yes")
    assert "« FAQ RH »" in removed.stderr and "introuvable" in removed.stderr
