"""What a search returns since issue 12: one result per document (its best passage, the others
beside it), titles and headings as a signal of their own, never a title record as a passage,
and title vectors erased and re-indexed with their document. Real SQLite and embedded Chroma."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.knowledge import ranking
from store.knowledge.ingestion import chunk_ids
from store.knowledge.records import Chunk
from store.knowledge.service import KnowledgeStore
from store.knowledge.titles import HEADING, TITLE, title_records
from tests.test_knowledge_store import _hashing, open_store, ready  # noqa: F401

# A long guide: many passages say "badge", under two headings.
GUIDE = (
    "# Guide de l'accueil\n\n## Badges\n\n"
    + "\n\n".join(f"Le badge numéro {i} ouvre les portes du bâtiment {i}. " * 6 for i in range(6))
    + "\n\n## Visiteurs\n\n"
    + "Un visiteur reçoit un badge temporaire à l'accueil. " * 6
).encode()
FAQ = {
    "faq-1.txt": "Que faire si j'ai perdu mon badge ?\n\nPrévenez l'accueil : il sera désactivé.",
    "faq-2.txt": "Comment réserver une salle de réunion ?\n\nPassez par l'agenda partagé.",
    "faq-3.txt": "Où garer mon vélo ?\n\nUn local fermé se trouve au sous-sol, badge requis.",
}


@pytest.fixture
def store() -> Iterator[KnowledgeStore]:
    opened = open_store()
    yield opened
    opened.close()


def _base(store: KnowledgeStore) -> str:
    kb = store.create_kb("Accueil", "alice")
    files = [("guide.md", GUIDE), *((name, text.encode()) for name, text in FAQ.items())]
    ready(store, store.add_documents(kb.id, files))
    return kb.id


def test_one_result_per_document_with_its_other_passages(store: KnowledgeStore) -> None:
    kb = _base(store)
    found = store.search([kb], "badge", k=4)
    assert len({p.document_id for p in found}) == len(found) == 4
    guide = next(p for p in found if p.document == "guide.md")
    assert guide.others and all(o.document_id == guide.document_id for o in guide.others)
    assert guide.chunk_id not in {o.chunk_id for o in guide.others}
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)

    passages = store.search([kb], "badge", k=4, per_document=False)
    assert len({p.document_id for p in passages}) < 4, "the guide's passages side by side"
    assert all(not p.others for p in passages)


def test_titles_come_from_the_content_and_label_the_results(store: KnowledgeStore) -> None:
    kb = _base(store)
    (lost,) = store.search([kb], "perdu mon badge", k=1)
    assert lost.document == "faq-1.txt"
    assert lost.title == "Que faire si j'ai perdu mon badge ?" == lost.label
    assert lost.heading_path == ("Que faire si j'ai perdu mon badge ?",)
    assert "faq-1" not in lost.label


def test_titles_are_a_ranked_list_of_their_own_in_hybrid_search(store: KnowledgeStore) -> None:
    kb = _base(store)
    state = store._db.kb_state(kb)
    assert state is not None
    lists, _, _, _ = store._retrieve([state], "réserver une salle de réunion", "hybrid", 50)
    assert [r.name for r in lists] == ["bm25", "dense", "titles"]
    faq2 = next(d for d in store.list_documents(kb) if d.filename == "faq-2.txt")
    assert lists[2].ids[0] == chunk_ids(faq2.id, 1)[0]  # its title leads to its passage
    dense_only, _, _, _ = store._retrieve([state], "réunion", "dense", 50)
    assert [r.name for r in dense_only] == ["dense"]


def test_title_records_never_come_back_as_passages(store: KnowledgeStore) -> None:
    kb = _base(store)
    for mode in ("hybrid", "dense", "bm25"):
        for per_document in (True, False):
            found = store.search(
                [kb], "badge salle vélo accueil", k=20, mode=mode, per_document=per_document
            )  # type: ignore[arg-type]
            ids = [p.chunk_id for p in found] + [o.chunk_id for p in found for o in p.others]
            assert ids and not any(i.endswith((TITLE, HEADING)) for i in ids)


def test_title_vectors_are_erased_and_reindexed_with_their_document(
    store: KnowledgeStore,
) -> None:
    kb = _base(store)
    documents = {d.filename: d for d in store.list_documents(kb)}
    vectors = store._vectors  # the collection's records, as Chroma holds them
    collection = store._db.kb_state(kb).collection  # type: ignore[union-attr]
    first = chunk_ids(documents["faq-1.txt"].id, 1)[0]
    assert {first, first + TITLE} <= vectors.ids(collection)
    guide = chunk_ids(documents["guide.md"].id, documents["guide.md"].chunks)
    assert {guide[0] + TITLE} <= vectors.ids(collection)
    assert (
        sum(i.startswith(guide[0][:-5]) and i.endswith(HEADING) for i in vectors.ids(collection))
        >= 2
    )

    store.delete_document(documents["faq-1.txt"].id)
    collection = store._db.kb_state(kb).collection  # type: ignore[union-attr]
    assert not {i for i in vectors.ids(collection) if i.startswith(first[:-5])}

    store.set_embedder(kb, "hashing-small")
    collection = store._db.kb_state(kb).collection  # type: ignore[union-attr]
    assert chunk_ids(documents["faq-2.txt"].id, 1)[0] + TITLE in vectors.ids(collection)
    (found,) = store.search([kb], "réserver réunion", k=1)
    assert found.document == "faq-2.txt"


def test_title_records_of_a_document() -> None:
    chunks = [
        Chunk(0, "a", None, ("Guide",), 0, 1),
        Chunk(1, "b", None, ("Guide", "Badges"), 2, 3),
        Chunk(2, "c", None, ("Guide", "Badges"), 4, 5),
        Chunk(3, "d", None, ("Guide", "Visiteurs"), 6, 7),
    ]
    ids = ["c0", "c1", "c2", "c3"]
    assert title_records(ids, chunks, "Guide") == [
        ("c0:t", "Guide"),
        ("c1:h", "Guide > Badges"),
        ("c3:h", "Guide > Visiteurs"),
    ]
    assert title_records(ids[:1], chunks[:1], "") == [("c0:h", "Guide")]


def test_documents_are_ranked_by_their_best_passage_in_each_list() -> None:
    lists = [
        ranking.Ranked("dense", ["a1", "a2", "a3", "b1"], 1.0),
        ranking.Ranked("bm25", ["b1", "a2"], 1.0),
        ranking.Ranked("titles", ["b1"], 1.0),
    ]
    owner = {"a1": "A", "a2": "A", "a3": "A", "b1": "B"}
    hits = ranking.documents(lists, 10, owner)
    assert [h.document_id for h in hits] == ["B", "A"]  # first in two lists of three
    assert hits[1].passages == ["a2", "a1", "a3"]  # a2 is found by two lists
    assert ranking.documents(lists, 10, {"a1": "A"})[0].passages == ["a1"]


def test_a_citation_is_headed_by_its_document_title() -> None:
    from agents.knowledge import citation_from_passage
    from store.knowledge.records import Passage

    bare = Passage("c", "kb", "d", "page-88.html", "Texte.", 1.0, title="Refaire une carte")
    assert citation_from_passage(bare).heading_path == ("Refaire une carte",)
    under = Passage("c", "kb", "d", "g.md", "Texte.", 1.0, heading_path=("Guide", "Badges"))
    assert citation_from_passage(under).heading_path == ("Guide", "Badges")
    titled = Passage("c", "kb", "d", "g.md", "T.", 1.0, heading_path=("Guide", "B"), title="Guide")
    assert citation_from_passage(titled).heading_path == ("Guide", "B")  # not twice


def test_tied_titles_share_a_rank_and_lead_no_passage_of_theirs_above_the_others() -> None:
    assert ranking.tied_ranks([0.9, 0.8, 0.8, 0.8, 0.5]) == [1, 2, 2, 2, 5]
    # Three sections of one article share its title: the title list does not choose among
    # them, the passages' own lists do.
    lists = [
        ranking.Ranked("dense", ["s3", "s1", "s2"], 1.0),
        ranking.Ranked("titles", ["s1", "s2", "s3"], 1.0, [1, 1, 1]),
    ]
    assert ranking.passages(lists, 10)[0][0] == "s3"
    kept = ranking.kept(lists[1], {"s2", "s3"})
    assert (kept.ids, kept.ranks) == (["s2", "s3"], [1, 1])
