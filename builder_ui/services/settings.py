"""The installation's settings (network access of tools, web search), changed the same way by
``atelier admin`` and by the administration page, through the administrator's
``Workspace.organisation`` (refused there to anyone else).

Each change is applied to the settings as stored at the moment of writing
(``store.admin_settings.update_admin_settings``), one section at a time: two administrators
changing different sections at once both keep their change. A change that does not validate
raises ``InvalidSettings``, whose problems name their field path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from store.admin_settings import AdminSettings, parse_admin_settings
from store.organisation import Organisation

Section = Literal["egress", "web_search"]
SectionChange = Callable[[dict[str, Any]], dict[str, Any]]
WEB_SEARCH_BACKENDS = ("none", "searxng")


def change_section(org: Organisation, section: Section, change: SectionChange) -> AdminSettings:
    """Apply ``change`` to one section as stored now; the other sections stay as they are."""

    def apply(current: AdminSettings) -> AdminSettings:
        whole = current.model_dump()
        whole[section] = change(whole[section])
        return parse_admin_settings(whole)

    return org.update(apply)


def replace_section(org: Organisation, section: Section, data: dict[str, Any]) -> AdminSettings:
    """Replace one section whole (a form that shows every field of it)."""
    return change_section(org, section, lambda _current: dict(data))


def update_egress(org: Organisation, changes: dict[str, Any]) -> AdminSettings:
    """Change some fields of the network rules; the fields not named keep their value.
    ``atelier admin set-egress`` and the page's network form both save through it, so a field
    one of them does not show (``ask_for_unknown_urls`` once was left off the form) keeps
    what the other set."""
    return change_section(org, "egress", lambda current: {**current, **changes})


def set_web_search(org: Organisation, backend: str, base_url: str | None) -> AdminSettings:
    """Choose the web search service. ``base_url`` None keeps the stored address; turning the
    service off ("none") keeps it too, so that turning it back on loses nothing (it is used
    only while the backend is "searxng")."""

    def change(current: dict[str, Any]) -> dict[str, Any]:
        kept = str(current.get("base_url") or "")
        address = kept if base_url is None else base_url.strip()
        return {"backend": backend, "base_url": address}

    return change_section(org, "web_search", change)
