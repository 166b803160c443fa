"""What every embedder shares: the vector type, normalisation and the errors.

A leaf module (numpy only) so that the registry in ``store.knowledge.embedders`` and the
embedders it registers can all import it without importing one another.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class EmbedderError(Exception):
    """Base of the embedders' errors. The message says what to do; the knowledge service turns
    it into a person-facing error."""


class UnknownEmbedder(EmbedderError, LookupError):
    pass


class EmbedderUnavailable(EmbedderError):
    """The embedder cannot run: missing configuration, endpoint down, bad answer."""


def model_of(embedder: object) -> str:
    """What identifies the vectors an embedder makes: its ``model_id`` when its model is
    configurable (a remote service: the model may change under the same embedder id), else its
    id (local embedders pin their model with the package version)."""
    return str(getattr(embedder, "model_id", "") or getattr(embedder, "id", ""))


def normalise(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)
