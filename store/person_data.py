"""Everything one person has in an installation, read for an export or erased for good.

``PersonData`` is handed out only after a check: by ``Workspace.export_mine`` to the person
themself, and by ``People.export_person`` to an administrator (for a departing colleague).
Erasing goes through ``Workspace.erase_mine`` and ``People.erase_person``, which check who acts
and refuse to erase the last active administrator, then call ``erase_person_data`` here.

What a person has: their account (name, role, teams), their agents with every version, their
conversations (records here, messages in the checkpointer: the caller reads or erases those, it
holds the checkpointer), their knowledge bases with documents and passages, the files tools made
for them, their unsaved drafts, their credentials (names and dates only: a value never leaves
the secret store), their password and browser sessions.

Erasure removes the account row itself rather than keeping an anonymised one. A row kept
"anonymised" would still carry a login (the key every ``owner`` column holds) or need a fake
one, and would block the same address from being invited again as a new person; removing it is
both cleaner and what "erase" means to the person. It is safe because every row the person
owns is deleted first, in this order:

1. the account is disabled and its browser sessions ended, so an open page or a terminal of the
   person is refused while the rest goes (and an erasure cut short leaves a disabled account
   that an administrator erases again: every step is idempotent);
2. each agent with its versions, runs, conversations and previews (``Catalogue.delete_agent``),
   after their messages are erased from the checkpointer by the caller's ``erase_threads``;
3. knowledge bases (chunk rows overwritten, Chroma collections dropped and purged);
4. personal files and drafts (their folders);
5. credentials (``SecretStore.delete_all``);
6. the account, with its password, one-time links, failed sign-ins, team memberships and
   grants (``Catalogue.delete_account``).

Every SQLite database involved overwrites deleted rows and empties its write-ahead log after an
erasure (``store.database``), so nothing of the person stays in any file; checked with canary
words in ``tests/test_my_data.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from store.drafts import Draft, DraftStore
from store.files import FileStore, StoredFile, principal_folder

if TYPE_CHECKING:
    from store.accounts import AccountRecord, TeamRecord
    from store.knowledge.records import Chunk, DocumentRecord, KnowledgeBaseRecord
    from store.knowledge.service import KnowledgeStore
    from store.records import AgentRecord, Catalogue, ThreadRecord, VersionRecord
    from store.reply_draft_records import DraftRecord
    from store.secrets import SecretInfo, SecretStore

EraseThreads = Callable[[list[str]], None]
INGESTION_WAIT_S = 600.0  # how long an erasure waits for a document being indexed


@dataclass(frozen=True)
class Summary:
    """How much a person has: what an erasure announces before it is done."""

    agents: int
    versions: int
    conversations: int
    bases: int
    documents: int
    files: int
    secrets: int
    drafts: int


class PersonData:
    """One person's data, read-only. ``conversations`` is False when an administrator reads a
    colleague's: conversations are private to the person who had them, and are then neither
    listed nor read (the person exports them before leaving)."""

    def __init__(
        self,
        account_id: str,
        catalogue: Catalogue,
        knowledge: Callable[[], KnowledgeStore],
        secrets: Callable[[], SecretStore],
        *,
        conversations: bool = True,
    ) -> None:
        self.account_id = account_id
        self.conversations = conversations
        self._catalogue = catalogue
        self._knowledge = knowledge
        self._secrets = secrets

    # --- the account ------------------------------------------------------------------------

    def account(self) -> AccountRecord:
        return self._catalogue.get_account(self.account_id)

    def teams(self) -> list[TeamRecord]:
        return self._catalogue.account_teams(self.account_id)

    # --- agents and conversations ------------------------------------------------------------

    def agents(self) -> list[AgentRecord]:
        """Oldest first, so that an export lists them in a stable order."""
        found = self._catalogue.list_agents(owner=self.account_id)
        return sorted(found, key=lambda a: (a.created_at, a.id))

    def versions(self, agent_id: str) -> list[VersionRecord]:
        """Oldest first."""
        return sorted(self._catalogue.list_versions(agent_id), key=lambda v: v.number)

    def threads(self, agent_id: str) -> list[ThreadRecord]:
        """The person's conversations with the agent, oldest first (none for an administrator
        reading a colleague's data)."""
        if not self.conversations:
            return []
        found = self._catalogue.list_threads(agent_id, self.account_id)
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def previews(self, agent_id: str) -> list[str]:
        """The ids of the editor's preview conversations with the agent."""
        if not self.conversations:
            return []
        listed = {t.id for t in self._catalogue.list_threads(agent_id, self.account_id)}
        return [i for i in self._catalogue.conversation_ids(agent_id) if i not in listed]

    # --- knowledge ----------------------------------------------------------------------------

    def bases(self) -> list[KnowledgeBaseRecord]:
        """With the conversations, the bases of the files attached to them (``thread_id``)."""
        found = self._knowledge().list_kbs(owner=self.account_id, attachments=self.conversations)
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def documents(self, kb_id: str) -> list[DocumentRecord]:
        return sorted(self._knowledge().list_documents(kb_id), key=lambda d: (d.created_at, d.id))

    def passages(self, doc_id: str) -> list[Chunk]:
        return self._knowledge().document_passages(doc_id)

    # --- files, drafts, credentials -----------------------------------------------------------

    def files(self) -> list[StoredFile]:
        """Oldest first."""
        found = FileStore().for_principal(self.account_id).list()
        return sorted(found, key=lambda f: (f.created_at, f.file_id))

    def read_file(self, file_id: str) -> bytes:
        return FileStore().for_principal(self.account_id).read(file_id)

    def drafts(self) -> list[Draft]:
        return DraftStore(self.account_id).list()

    def reply_drafts(self) -> list[DraftRecord]:
        """Supervised drafts made for the person, oldest first: their batches' rows, and,
        with the conversations, their answers under review (those are conversations too)."""
        found = self._catalogue.list_drafts(requester=self.account_id)
        if not self.conversations:
            found = [d for d in found if d.batch_id]
        return sorted(found, key=lambda d: (d.created_at, d.batch_id or "", d.row, d.id))

    def secrets(self) -> list[SecretInfo]:
        """Names and dates only."""
        return self._secrets().list(self.account_id)

    def summary(self) -> Summary:
        agents = self.agents()
        bases = self.bases()
        owner = self.account_id
        return Summary(
            agents=len(agents),
            versions=sum(a.latest_version for a in agents),
            conversations=sum(len(self._catalogue.list_threads(a.id, owner)) for a in agents),
            bases=len(bases),
            documents=sum(k.documents for k in bases),
            files=len(self.files()),
            secrets=len(self.secrets()),
            drafts=len(self.drafts()),
        )


def erase_person_data(person: PersonData, erase_threads: EraseThreads) -> Summary:
    """Everything of the person, then the account (see the module's doc for the order).
    ``erase_threads`` erases conversations' messages from the checkpointer. Returns what was
    there. Only ``Workspace.erase_mine`` and ``People.erase_person`` call this."""
    catalogue = person._catalogue
    account_id = person.account_id
    summary = person.summary()
    catalogue.update_account(account_id, active=False)
    sign_in = getattr(catalogue, "sign_in", None)
    if sign_in is not None:
        sign_in.end_sessions(account_id)

    for agent in catalogue.list_agents(owner=account_id):
        erase_threads(catalogue.conversation_ids(agent.id))
        catalogue.delete_agent(agent.id)
    # SEAM (conversations): today agents are their owner's only, so every conversation of the
    # person is one of their own agents'. When people can chat with agents open to them,
    # erase here the person's conversations with other people's agents (the catalogue's list of
    # a person's conversations), their previews and runs: erase_threads(ids), then the records.

    knowledge = person._knowledge()
    # Files attached to the person's conversations are kept as knowledge bases of those
    # conversations, owned by the person: ``attachments=True`` lists them, and they go below.
    bases = knowledge.list_kbs(owner=account_id, attachments=True)
    _wait_for_indexing(knowledge, [kb.id for kb in bases])
    for kb in bases:
        knowledge.delete_kb(kb.id)

    files = FileStore()
    shutil.rmtree(files.root / principal_folder(account_id), ignore_errors=True)
    DraftStore(account_id).delete_all()
    # Supervised drafts made for the person (their batches, on anyone's agent): with the
    # messages of the conversations batch drafting used.
    mine = catalogue.list_drafts(requester=account_id)
    erase_threads(sorted({d.thread_id for d in mine if d.thread_id and d.batch_id}))
    catalogue.delete_drafts([d.id for d in mine])
    person._secrets().delete_all(account_id)
    catalogue.forget_usage_of(account_id)  # their own totals and quotas; the spending stays
    catalogue.erase_feedback_of(account_id)  # their thumbs, comments and exchanges given
    catalogue.erase_pseudonyms_of(account_id)  # their previews' too, saved agent or not
    catalogue.delete_account(account_id)
    return summary


def keep_an_admin(catalogue: Catalogue, account: AccountRecord) -> None:
    """Someone must still be able to administer the installation after an erasure."""
    from agents.errors import UserError

    if account.role == "admin" and account.active and catalogue.count_active_admins() <= 1:
        raise UserError("account.last_admin", login=account.id)


def _wait_for_indexing(knowledge: KnowledgeStore, kb_ids: Sequence[str]) -> None:
    """A document being indexed would write its passages after its base is deleted: wait for
    the worker to finish with the person's documents first."""
    busy = [
        d.id
        for kb_id in kb_ids
        for d in knowledge.list_documents(kb_id)
        if d.status in ("queued", "indexing")
    ]
    if busy:
        knowledge.wait(busy, timeout=INGESTION_WAIT_S)
