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
    RetentionSettings,
    delete_installation_secret,
    list_installation_secrets,
    load_admin_settings,
    parse_admin_settings,
    set_installation_secret,
    update_admin_settings,
)

if TYPE_CHECKING:
    from datetime import datetime

    from store.files import FileStore
    from store.retention import SweepReport, ThreadEraser
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
        """Read, change and write in one transaction (``update_admin_settings``); what
        changed goes to the audit log (the sections, and the models added or removed)."""
        seen: list[AdminSettings] = []

        def noted(current: AdminSettings) -> AdminSettings:
            seen.append(current)
            return change(current)

        after = update_admin_settings(noted, self.by, self._store)
        if seen:
            note_settings_change(self._workspace, seen[-1], after)
        return after

    # --- retention (``store.retention``) ------------------------------------------------

    def retention(self) -> RetentionSettings:
        """How many days conversations, drafts and uploads are kept (None: until deleted)."""
        return self.settings().retention

    def set_retention(
        self, conversations: int | None, drafts: int | None, uploads: int | None
    ) -> RetentionSettings:
        """Every number at once (None: kept until deleted); the change goes to the audit log
        with the settings' others, and with its numbers."""
        days = {"conversations_days": conversations, "drafts_days": drafts, "uploads_days": uploads}
        before = self.retention()

        def change(current: AdminSettings) -> AdminSettings:
            whole = current.model_dump()
            whole["retention"] = days
            return parse_admin_settings(whole)

        after = self.update(change).retention
        if after != before:
            saved = after.model_dump().items()
            shown = {k.removesuffix("_days"): "—" if v is None else v for k, v in saved}
            self._workspace._audit("retention.changed", "settings", "", **shown)
        return after

    def apply_retention(
        self, eraser: ThreadEraser, now: datetime | None = None, *, files: FileStore | None = None
    ) -> SweepReport:
        """Erase now whatever is past its time (``store.retention.sweep``); recorded in the
        audit log with the counts. ``eraser`` erases conversations from the checkpointer."""
        from store.retention import expirers, record_sweep, sweep

        rules = self.retention()
        workspace = self._workspace
        catalogue = workspace._catalogue
        kinds = expirers(catalogue, lambda: workspace._knowledge_store, eraser, files)
        report = sweep(kinds, rules, now)
        record_sweep(catalogue, report, workspace.principal, workspace.origin)
        return report

    def secrets(self) -> list[SecretInfo]:
        """The organisation's credentials: names and dates only."""
        self._workspace.require_admin()
        return list_installation_secrets(self._store)

    def set_secret(self, name: str, value: str) -> SecretInfo:
        info = set_installation_secret(name, value, self.by, self._store)
        self._workspace._audit("admin.secret_saved", "secret", info.name)  # never its value
        return info

    def delete_secret(self, name: str) -> None:
        delete_installation_secret(name, self.by, self._store)
        self._workspace._audit("admin.secret_deleted", "secret", name)

    # --- credentials the agents' tools may use ----------------------------------------------
    # A team's (for its members) or the organisation's (for everyone), by name: a run uses
    # the person's own credential first, then one of their teams', then the organisation's
    # (``Workspace.secret_resolver``); never the agent creator's personal one. Kept apart from
    # the installation's own (model keys, MCP servers, single sign-on), which no tool reads.

    def set_shared_secret(self, name: str, value: str, team: str | None = None) -> SecretInfo:
        info = self._secrets().set(self._holder(team), name, value)
        self._workspace._audit("admin.secret_saved", "secret", name, team=team or "")
        return info

    def shared_secrets(self, team: str | None = None) -> list[SecretInfo]:
        """Names and dates only."""
        return self._secrets().list(self._holder(team))

    def delete_shared_secret(self, name: str, team: str | None = None) -> None:
        self._secrets().delete(self._holder(team), name)
        self._workspace._audit("admin.secret_deleted", "secret", name, team=team or "")

    def _holder(self, team: str | None) -> str:
        self._workspace.require_admin()
        if team is None:
            return ORGANISATION_CREDENTIALS
        return team_credentials(self._workspace.people.get_team(team).id)

    def _secrets(self) -> SecretStore:
        from store.secrets import open_secret_store

        return self._store or open_secret_store()


ORGANISATION_CREDENTIALS = "@organisation"  # no login starts with "@"


def team_credentials(team_id: str) -> str:
    """Who holds a team's credentials in the secret store."""
    return f"@team/{team_id}"


def note_settings_change(workspace: Workspace, before: AdminSettings, after: AdminSettings) -> None:
    """One entry naming the sections that changed, and one per model added or removed."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    sections = sorted(key for key in new if old.get(key) != new.get(key))
    if not sections:
        return
    workspace._audit("admin.settings_changed", "settings", "", sections=", ".join(sections))
    was = {m.id: m for m in before.models}
    now = {m.id: m for m in after.models}
    for model_id in sorted(now.keys() - was.keys()):
        model = now[model_id]
        workspace._audit("admin.model_added", "model", model_id, model=model.ref)
    for model_id in sorted(was.keys() - now.keys()):
        workspace._audit("admin.model_removed", "model", model_id, model=was[model_id].ref)
    for model_id in sorted(now.keys() & was.keys()):
        if now[model_id] != was[model_id]:
            workspace._audit("admin.model_changed", "model", model_id, model=now[model_id].ref)
