"""Who else may use or edit an agent or a knowledge base: grants, and the part of the catalogue
that keeps them.

A grant gives one resource (an agent, a knowledge base) to one grantee (an account, a team, or
the whole organisation) with one permission: ``use`` (chat with the agent's published version;
name the base in one's own agents) or ``edit`` (change the agent's draft and publish it; list,
add and remove the base's documents). Only the owner shares, unshares and deletes. Rights are
worked out from grants in ``store.workspace``, the one place they are checked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from agents.errors import UserError

if TYPE_CHECKING:
    from store.records import AgentRecord

Permission = Literal["use", "edit"]
PERMISSIONS: tuple[Permission, ...] = ("use", "edit")
GranteeKind = Literal["account", "team", "organisation"]
ResourceKind = Literal["agent", "kb"]
Access = Literal["owner", "edit", "use"]  # what a person may do with an agent or a base
ORGANISATION = "*"  # the grantee id of a grant to the whole organisation


def stronger(a: Access | None, b: Access | None) -> Access | None:
    """The wider of two accesses."""
    order = {None: 0, "use": 1, "edit": 2, "owner": 3}
    return a if order[a] >= order[b] else b


def check_permission(permission: str) -> Permission:
    if permission not in PERMISSIONS:
        raise UserError("share.bad_permission", permission=permission)
    return "edit" if permission == "edit" else "use"


@dataclass(frozen=True)
class Grant:
    resource_kind: ResourceKind
    resource_id: str
    grantee_kind: GranteeKind
    grantee_id: str  # an account id, a team id, or ORGANISATION
    permission: Permission
    granted_by: str
    created_at: datetime


@dataclass(frozen=True)
class OpenAgent:
    """An agent a person may reach, and how far: theirs, or shared with them."""

    agent: AgentRecord
    access: Access


class Sharing(Protocol):
    """The grants part of the catalogue (``store.records.Catalogue``); unscoped."""

    def set_grant(self, grant: Grant) -> None:
        """Adds the grant, or changes the permission of the one the grantee has already."""
        ...

    def remove_grant(
        self, resource_kind: ResourceKind, resource_id: str, grantee_kind: str, grantee_id: str
    ) -> bool:
        """False when there was none."""
        ...

    def remove_grants(self, resource_kind: ResourceKind, resource_id: str) -> None:
        """Every grant of the resource (it is being deleted)."""
        ...

    def list_grants(self, resource_kind: ResourceKind, resource_id: str) -> list[Grant]:
        """Oldest first."""
        ...

    def permission_on(
        self,
        resource_kind: ResourceKind,
        resource_id: str,
        account_id: str,
        team_ids: Collection[str],
    ) -> Permission | None:
        """The widest permission granted to the account, one of its teams or the whole
        organisation; None without any."""
        ...

    def granted_to(
        self, resource_kind: ResourceKind, account_id: str, team_ids: Collection[str]
    ) -> dict[str, Permission]:
        """Every resource of the kind granted to the account, its teams or the organisation,
        with the widest permission, by resource id."""
        ...

    def open_agents(self, account_id: str, team_ids: Collection[str]) -> list[OpenAgent]:
        """The person's own agents and those granted to them, most recently updated first."""
        ...

    def set_published_version(self, agent_id: str, number: int) -> AgentRecord:
        """The version people who use the agent get (0: none); raises ``NotFound`` for an
        unknown agent or version."""
        ...
