"""A conversation's pseudonyms, sealed at rest.

The mapping from placeholders to the personal data they stand for (``<PERSONNE_1>`` -> "Marie
Dupont") is kept beside the conversation, encrypted with the installation's key (the one that
encrypts stored credentials, ``store.secrets.installation_fernet``). Each token seals the
conversation and its owner with the values, so a row copied to another conversation or person
in the database file is refused rather than used. Only ``Workspace`` reads or writes one, for
the conversation's owner (``conversation_pseudonyms``, ``keep_conversation_pseudonyms``).
"""

from __future__ import annotations

import json
import logging

from cryptography.fernet import InvalidToken

from store.pseudonym_records import SealedPseudonyms
from store.secrets import installation_fernet

log = logging.getLogger(__name__)


def seal(thread_id: str, owner: str, values: dict[str, str]) -> SealedPseudonyms:
    data = json.dumps({"thread": thread_id, "owner": owner, "values": values})
    token = installation_fernet().encrypt(data.encode("utf-8"))
    return SealedPseudonyms(thread_id, owner, token.decode("ascii"))


def unseal(sealed: SealedPseudonyms) -> dict[str, str]:
    """The values, if the token was made for this conversation and owner; else none (the
    placeholders then stay as they are: nothing is revealed, nothing breaks)."""
    try:
        plain = installation_fernet().decrypt(sealed.ciphertext.encode("ascii"))
        data = json.loads(plain)
    except (InvalidToken, ValueError, UnicodeError):
        log.warning("conversation %s: its pseudonyms cannot be read", sealed.thread_id)
        return {}
    if (
        not isinstance(data, dict)
        or data.get("thread") != sealed.thread_id
        or data.get("owner") != sealed.owner
        or not isinstance(data.get("values"), dict)
    ):
        log.warning("conversation %s: its pseudonyms were not sealed for it", sealed.thread_id)
        return {}
    return {str(k): str(v) for k, v in data["values"].items() if isinstance(v, str)}
