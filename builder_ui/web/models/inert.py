"""Untrusted text made inert before a page renders it as Markdown: the writer lives in
``agents.inert_text`` so that the CLI, the services and the tools that write documents use the
same one (``agents.safe_text`` for plain text)."""

from __future__ import annotations

from agents.inert_text import (
    ADDRESS_SHOWN,
    HostPolicy,
    InertText,
    NoHosts,
    Note,
    NoteKind,
    address_host,
    inert_markdown,
    literal,
    plain_text,
    safe_address,
)

__all__ = [
    "ADDRESS_SHOWN",
    "HostPolicy",
    "InertText",
    "NoHosts",
    "Note",
    "NoteKind",
    "address_host",
    "inert_markdown",
    "literal",
    "plain_text",
    "safe_address",
]
