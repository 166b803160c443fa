"""A conversation's pseudonyms, for one principal (mixed into ``Workspace``).

A conversation is its owner's: nobody else reads the personal data behind its placeholders,
not the agent's creator, not an administrator (someone else's conversation is reported exactly
like a missing one). The editor's preview conversations are the builder's own: their ids are
derived from the account (``Services.preview_thread_id``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.memory import thread_not_found

if TYPE_CHECKING:
    from store.accounts import Principal
    from store.records import Catalogue, ThreadRecord
    from store.reply_drafts import ReplyDrafts

PREVIEW_PREFIX = "preview-"
DRAFT_PREFIX = "draft-"  # a batch row's drafting conversation: ``draft-<draft id>``


class ConversationPseudonymRooms:
    principal: str
    _catalogue: Catalogue

    if TYPE_CHECKING:  # ``Workspace``'s

        def get_thread(self, thread_id: str) -> ThreadRecord: ...
        @property
        def reply_drafts(self) -> ReplyDrafts: ...
        def require_builder(self) -> Principal: ...

    def conversation_pseudonyms(self, thread_id: str, *, preview: bool = False) -> dict[str, str]:
        """The placeholders of the principal's conversation and the values they stand for
        (``preview``: of their own preview conversation in the editor); {} when it has none."""
        from store.conversation_pseudonyms import unseal

        owner = self._pseudonyms_owner(thread_id, preview)
        sealed = self._catalogue.sealed_pseudonyms(thread_id)
        if sealed is None:
            return {}
        if sealed.owner != owner:
            raise thread_not_found(thread_id)
        return unseal(sealed)

    def keep_conversation_pseudonyms(
        self, thread_id: str, values: dict[str, str], *, preview: bool = False
    ) -> None:
        """Keep (encrypted) the conversation's placeholders and values; empty: erase them."""
        from store.conversation_pseudonyms import seal

        owner = self._pseudonyms_owner(thread_id, preview)
        sealed = self._catalogue.sealed_pseudonyms(thread_id)
        if sealed is not None and sealed.owner != owner:
            raise thread_not_found(thread_id)
        if not values:
            if sealed is not None:
                self._catalogue.erase_pseudonyms([thread_id])
            return
        self._catalogue.keep_sealed_pseudonyms(seal(thread_id, owner, dict(values)))

    def _pseudonyms_owner(self, thread_id: str, preview: bool) -> str:
        if thread_id.startswith(DRAFT_PREFIX) and not preview:
            # A row of a batch is drafted in a conversation of its own, its requester's; whoever
            # may decide the draft (and so draft it again) uses its placeholders too.
            draft = self.reply_drafts.draft(thread_id.removeprefix(DRAFT_PREFIX))
            if draft.thread_id != thread_id:
                raise thread_not_found(thread_id)
            return draft.requester
        if preview:
            self.require_builder()
            if not thread_id.startswith(PREVIEW_PREFIX):
                raise thread_not_found(thread_id)
            return self.principal
        return self.get_thread(thread_id).owner
