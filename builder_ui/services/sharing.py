"""Sharing agents and knowledge bases, and publishing the version people get: the part of
``Services`` every interface calls (``atelier agent share``, the editor's "Partager").
Who may do what is decided inside the workspace (``store.access``, ``store.shares``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.i18n import t
from store.records import AgentRecord
from store.sharing import Access, Grant, OpenAgent
from store.workspace import Workspace


@dataclass(frozen=True)
class ShareLine:
    """One grant as a person reads it: with whom, and what they may do."""

    grantee: str  # user:EMAIL, team:NAME or organisation: what ``unshare`` takes back
    label: str  # in the person's language
    permission: str  # use | edit

    def permission_label(self, lang: str | None = None) -> str:
        return t(f"share.permission.{self.permission}", lang)


class SharingServices:
    """Mixed into ``Services`` (which provides ``workspace`` and ``find_agent``)."""

    workspace: Workspace

    if TYPE_CHECKING:  # ``AgentServices``'

        def find_agent(self, ref: str) -> AgentRecord: ...

    def open_agents(self) -> list[OpenAgent]:
        """The person's own agents and those shared with them: what they may chat with."""
        return self.workspace.open_agents()

    def access(self, ref: str) -> Access:
        return self.workspace.agent_access(self.find_agent(ref).id)

    def share(self, ref: str, grantee: str, permission: str) -> Grant:
        return self.workspace.sharing.share_agent(self.find_agent(ref).id, grantee, permission)

    def unshare(self, ref: str, grantee: str) -> None:
        self.workspace.sharing.unshare_agent(self.find_agent(ref).id, grantee)

    def shares(self, ref: str, lang: str | None = None) -> list[ShareLine]:
        sharing = self.workspace.sharing
        return [self._line(grant, lang) for grant in sharing.agent_shares(self.find_agent(ref).id)]

    def release(self, ref: str, number: int | None = None) -> AgentRecord:
        """Make the draft (or version ``number``) what the people it is shared with get."""
        return self.workspace.sharing.publish(self.find_agent(ref).id, number)

    def share_kb(self, ref: str, grantee: str, permission: str) -> Grant:
        return self.workspace.sharing.share_kb(ref, grantee, permission)

    def unshare_kb(self, ref: str, grantee: str) -> None:
        self.workspace.sharing.unshare_kb(ref, grantee)

    def kb_shares(self, ref: str, lang: str | None = None) -> list[ShareLine]:
        return [self._line(grant, lang) for grant in self.workspace.sharing.kb_shares(ref)]

    def _line(self, grant: Grant, lang: str | None) -> ShareLine:
        grantee = self.workspace.sharing.grantee_label(grant)
        if grant.grantee_kind == "organisation":
            label = t("share.organisation", lang)
        else:
            label = grantee.split(":", 1)[1]
            label = t(f"share.grantee.{grant.grantee_kind}", lang, name=label)
        return ShareLine(grantee, label, grant.permission)
