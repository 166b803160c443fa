"""The addresses of one-time links (invitation, new password, first set-up), as printed by the
CLI and opened in the builder: ``{public URL}/?{purpose}={token}``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.sign_in import SignInLink

DEFAULT_PORT = 8501
# The query parameter of each kind of link, read by the builder's sign-in page.
LINK_PARAMETERS = {"invitation": "invitation", "reset": "reset", "setup": "setup"}


def public_url(port: int | None = None) -> str:
    """``ATELIER_PUBLIC_URL`` (the address people reach the builder at, behind a proxy), else
    this machine's."""
    configured = os.environ.get("ATELIER_PUBLIC_URL", "").strip().rstrip("/")
    return configured or f"http://127.0.0.1:{port or DEFAULT_PORT}"


def link_url(link: SignInLink, port: int | None = None) -> str:
    return f"{public_url(port)}/?{LINK_PARAMETERS[link.purpose]}={link.token}"
