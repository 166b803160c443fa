"""The BM25 half of hybrid retrieval, with an analysis suited to French.

Words are compared the way a French reader would search: case and accents do not matter
("l'Été" finds "ete"), elided articles and pronouns are dropped ("l'", "d'", "qu'", "jusqu'"…),
common function words are ignored, and the Snowball French stemmer joins inflected forms
("formations" finds "formation"). The stemmer runs on the accented word (it uses accents to
find suffixes) and the stem is folded afterwards, so a query typed without accents still meets
the same stem in most cases.

The index is bm25s (sparse matrices in numpy). It cannot grow in place: a knowledge base
rebuilds it from its chunks when they change, or loads a saved copy (``save``/``load``). Build
time is measured by ``bench/retrieval.py`` (about 100,000 chunks in well under a minute here).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from store.knowledge.folding import LIGATURES, fold

# Snowball's French list (as bm25s ships it) plus question words; minus "été" and its forms,
# which are also a season ("l'été 1976") and so carry meaning. Matched before and after
# accent folding ("où" and "ou" alike).
_STOP_WORD_TEXT = """
    ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez auriez aurions
    aurons auront aux avaient avais avait avec avez aviez avions avons ayant ayante ayantes
    ayants ayez ayons c ce ces d dans de des du elle en es est et eu eue eues eurent eus eusse
    eussent eusses eussiez eussions eut eux eûmes eût eûtes furent fus fusse fussent fusses
    fussiez fussions fut fûmes fût fûtes il ils j je l la le les leur lui m ma mais me mes moi
    mon même n ne nos notre nous on ont ou où par pas pour qu que qui s sa se sera serai
    seraient serais serait seras serez seriez serions serons seront ses soient sois soit sommes
    son sont soyez soyons suis sur t ta te tes toi ton tu un une vos votre vous y à a étaient
    étais était étant étante étantes étants étiez étions êtes
    cet cette quel quelle quels quelles lequel laquelle lesquels lesquelles combien comment
    pourquoi quand quoi dont
"""
_STOP_WORDS_ACCENTED = _STOP_WORD_TEXT.split()

# "l'", "d'", "qu'", "jusqu'"… at the start of a word, with a straight or a typographic apostrophe.
_ELISION = re.compile(r"\b(?:qu|jusqu|lorsqu|puisqu|quoiqu|presqu|[cdjlmnst])['’]", re.IGNORECASE)
_WORD = re.compile(r"\w+")


_STOP_WORDS = frozenset(_STOP_WORDS_ACCENTED) | frozenset(map(fold, _STOP_WORDS_ACCENTED))


class FrenchAnalyzer:
    """Text -> index terms. One instance per process is enough; PyStemmer objects are not
    thread-safe, so each thread gets its own stemmer."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _stemmer(self) -> Any:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            import Stemmer

            stemmer = Stemmer.Stemmer("french")
            stemmer.maxCacheSize = 100_000
            self._local.stemmer = stemmer
        return stemmer

    def __call__(self, text: str) -> list[str]:
        words = _WORD.findall(_ELISION.sub(" ", text.lower().translate(LIGATURES)))
        kept = [w for w in words if w not in _STOP_WORDS and (len(w) > 1 or w.isdigit())]
        if not kept:
            return []
        stems = self._stemmer().stemWords(kept)
        return fold(" ".join(stems)).split()


analyze = FrenchAnalyzer()

# Names the analysis above. Terms are stored with it (``stored_terms``); change it whenever the
# analysis changes, and terms stored by the old one are analysed again from the text.
ANALYZER = "fr-snowball@2"  # @2: the title and headings count twice (lexical_text)


def stored_terms(text: str) -> str:
    """``text``'s terms as a chunk row keeps them: the analyser's name, a tab, the terms."""
    return f"{ANALYZER}\t{' '.join(analyze(text))}"


def terms_from_storage(stored: str) -> list[str] | None:
    """The terms kept by ``stored_terms``; ``None`` if absent or from another analyser."""
    name, tab, terms = stored.partition("\t")
    if not tab or name != ANALYZER:
        return None
    return terms.split()


class Bm25Index:
    """BM25 over one knowledge base's chunks. Ids are the chunks' ids (strings)."""

    FORMAT = "atelier-bm25@1"

    def __init__(self, ids: list[str], model: Any) -> None:
        self.ids = ids
        self._model = model

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        texts: Iterable[str],
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> Bm25Index:
        return cls.from_terms(ids, (analyze(text) for text in texts), k1=k1, b=b)

    @classmethod
    def from_terms(
        cls,
        ids: Sequence[str],
        terms: Iterable[Sequence[str]],
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> Bm25Index:
        """The index of chunks already analysed (``analyze``): a few times faster than
        ``build``, whose cost is mostly the analysis."""
        import bm25s
        from bm25s.tokenization import Tokenized

        ids = list(ids)
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        vocab: dict[str, int] = {}
        corpus: list[list[int]] = []
        for chunk_terms in terms:
            corpus.append([vocab.setdefault(term, len(vocab)) for term in chunk_terms])
        if len(corpus) != len(ids):
            raise ValueError(f"{len(ids)} ids for {len(corpus)} texts")
        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        if corpus:
            model.index(Tokenized(ids=corpus, vocab=vocab), show_progress=False)
        return cls(ids, model if corpus else None)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``query`` as ``(id, score)``, best first. Chunks that share
        no term with the query are left out, so the list may be shorter than ``k``."""
        if self._model is None or k <= 0:
            return []
        term_ids = self._model.get_tokens_ids(analyze(query))
        if not term_ids:
            return []
        scores = self._model.get_scores_from_ids(term_ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: str | Path) -> None:
        """Write the index to ``folder`` (numpy arrays and JSON; nothing pickled)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(folder), show_progress=False)
        meta = {"format": self.FORMAT, "ids": self.ids, "empty": self._model is None}
        (folder / "atelier.json").write_text(json.dumps(meta), "utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> Bm25Index:
        folder = Path(folder)
        meta = json.loads((folder / "atelier.json").read_text("utf-8"))
        if meta.get("format") != cls.FORMAT:
            raise ValueError(f"{folder} does not hold a {cls.FORMAT} index; rebuild it")
        if meta["empty"]:
            return cls([], None)
        import bm25s

        model = bm25s.BM25.load(str(folder), show_progress=False, allow_pickle=False)
        return cls(list(meta["ids"]), model)
