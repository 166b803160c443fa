"""What the runtime knows of knowledge bases: citations, and a retriever to ask.

The runtime never opens a knowledge base itself. The interface that runs an agent hands it a
``Retriever`` already bound to that person's workspace and to the agent's bases and settings,
so access is checked once, in the access layer, and a base id alone reaches nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from agents.i18n import t

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
