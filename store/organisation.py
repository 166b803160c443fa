"""The installation's settings and credentials as an administrator reaches them: the one door
for the administration page, ``atelier admin`` and installation credentials. Every method asks
the workspace first, so anyone else is refused here (``Refused``), whatever the interface.

The runtime still reads the settings it applies (the egress rules, MCP servers, the credentials
named there) through ``store.admin_settings`` for every run: applying a rule is not reading it
back to a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from store.admin_settings import (
    AdminSettings,
    delete_installation_secret,
    list_installation_secrets,
    load_admin_settings,
    set_installation_secret,
    update_admin_settings,
)

if TYPE_CHECKING:
    from store.secrets import SecretInfo, SecretStore
    from store.workspace import Workspace


class Organisation:
    def __init__(self, workspace: Workspace, store: SecretStore | None = None) -> None:
        self._workspace = workspace
        self._store = store

    @property
    def by(self) -> str:
        """The administrator acting (refused for anyone else)."""
        return self._workspace.require_admin().id

    def settings(self) -> AdminSettings:
        self._workspace.require_admin()
        return load_admin_settings(self._store)

    def update(self, change: Callable[[AdminSettings], AdminSettings]) -> AdminSettings:
        """Read, change and write in one transaction (``update_admin_settings``)."""
        return update_admin_settings(change, self.by, self._store)

    def secrets(self) -> list[SecretInfo]:
        """The organisation's credentials: names and dates only."""
        self._workspace.require_admin()
        return list_installation_secrets(self._store)

    def set_secret(self, name: str, value: str) -> SecretInfo:
        return set_installation_secret(name, value, self.by, self._store)

    def delete_secret(self, name: str) -> None:
        delete_installation_secret(name, self.by, self._store)
