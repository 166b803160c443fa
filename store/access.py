"""How far a person reaches an agent or a knowledge base: the rule ``store.workspace`` applies.

- An agent is its owner's; a grant gives it to an account, a team or the whole organisation to
  ``use`` (its published version: nothing before one is published) or to ``edit`` (its draft,
  every version, publishing). Only builders edit: a ``user`` granted ``edit`` uses.
- A knowledge base likewise: ``use`` lets a person name it in their own agents (passages in
  answers), ``edit`` lets them list, open, add and remove its documents.
- Whoever reaches nothing is told the thing does not exist, exactly as for a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.errors import NotFound
from store.memory import agent_not_found
from store.sharing import Access

if TYPE_CHECKING:
    from store.accounts import Principal
    from store.knowledge.records import KnowledgeBaseRecord
    from store.knowledge.service import KnowledgeStore
    from store.records import AgentRecord, Catalogue


def agent_access(catalogue: Catalogue, me: Principal, agent_id: str) -> tuple[AgentRecord, Access]:
    """The agent and how far ``me`` reaches it; ``NotFound`` when not at all."""
    try:
        agent = catalogue.get_agent(agent_id)
    except NotFound:
        raise agent_not_found(agent_id) from None
    if agent.owner == me.id:
        return agent, "owner"
    permission = catalogue.permission_on("agent", agent.id, me.id, me.teams)
    if permission == "edit" and me.can_build:
        return agent, "edit"
    if permission is not None and agent.published_version:
        return agent, "use"
    raise agent_not_found(agent_id)


def kb_not_found(ref: str) -> NotFound:
    return NotFound("kb.not_found", ref=ref)


def kb_access(
    catalogue: Catalogue, knowledge: KnowledgeStore, me: Principal, kb_id: str
) -> tuple[KnowledgeBaseRecord, Access]:
    """The base and how far ``me`` reaches it; ``NotFound`` when not at all. A
    conversation's attached files are that conversation's: no spec names them."""
    try:
        kb = knowledge.get_kb(kb_id)
    except NotFound:
        kb = None
    if kb is None or kb.thread_id:
        raise kb_not_found(kb_id)
    if kb.owner == me.id:
        return kb, "owner"
    permission = catalogue.permission_on("kb", kb.id, me.id, me.teams)
    if permission == "edit" and me.can_build:
        return kb, "edit"
    if permission is not None:
        return kb, "use"
    raise kb_not_found(kb_id)


def bases_reached(
    catalogue: Catalogue, knowledge: KnowledgeStore, account_id: str, team_ids: frozenset[str]
) -> list[KnowledgeBaseRecord]:
    """The account's own bases, then those granted to it, each once."""
    own = knowledge.list_kbs(owner=account_id)
    seen = {kb.id for kb in own}
    shared = []
    for kb_id in catalogue.granted_to("kb", account_id, team_ids):
        if kb_id in seen:
            continue
        try:
            kb = knowledge.get_kb(kb_id)
        except NotFound:
            continue
        if kb is not None and not kb.thread_id:
            shared.append(kb)
    return own + sorted(shared, key=lambda kb: kb.name.casefold())
