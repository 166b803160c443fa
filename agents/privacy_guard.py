"""Personal data kept from the model: the spec's ``guardrails.pii`` in a run.

With ``pii: pseudonymise`` every text that reaches the model passes ``ConversationPrivacy.hide``
first, with the conversation's own placeholders (``tools.privacy.pseudonyms.Pseudonyms``): the
person's message (before the graph sees it, so the checkpoint holds placeholders only),
passages retrieved from knowledge bases and attached files, tool results. What the model writes
stays in placeholders inside the conversation; it is revealed only where a person reads it
(streamed tokens, the answer, the history, approval cards, citations) and where a tool acts on
it (``reveal_data`` of the call's arguments, just before the call). ``reveal`` never puts a
value back inside a web address: a placeholder the model wrote into a link stays one.

With ``pii: block`` a message holding personal data is refused before anything is sent
(``check``), saying which kinds were found, never the values; what else reaches the model
(passages, tool results) is pseudonymised as above.

The mapping is kept, encrypted, by a ``PseudonymVault`` (the person's workspace) and erased
with the conversation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agents.errors import UserError
from agents.i18n import t
from agents.knowledge import Citation
from tools.privacy.pseudonyms import ENTITY_TYPES, Detector, Pseudonyms
from tools.registry import ToolResult

DetectorFactory = Callable[[], Detector]


class PseudonymVault(Protocol):
    """Where a conversation's placeholders and values are kept (encrypted) between turns."""

    def load(self, thread_id: str) -> dict[str, str]: ...

    def keep(self, thread_id: str, values: dict[str, str]) -> None: ...


class MemoryVault:
    """A vault in memory, for tests and for runs that keep nothing."""

    def __init__(self) -> None:
        self.kept: dict[str, dict[str, str]] = {}

    def load(self, thread_id: str) -> dict[str, str]:
        return dict(self.kept.get(thread_id, {}))

    def keep(self, thread_id: str, values: dict[str, str]) -> None:
        self.kept[thread_id] = dict(values)


class PrivacyGuard:
    """One agent's policy (``pseudonymise`` or ``block``), its detector and its vault."""

    def __init__(self, policy: str, detector: Detector, vault: PseudonymVault) -> None:
        self.policy = policy
        self.detector = detector
        self.vault = vault

    @property
    def blocks(self) -> bool:
        return self.policy == "block"

    def check(self, text: str) -> None:
        """Under ``block``: refuse a text holding personal data (``privacy.blocked``), saying
        which kinds were found, never the values. Nothing is kept."""
        if self.blocks:
            kinds = kinds_in(Pseudonyms(self.detector), text)
            if kinds:
                raise UserError("privacy.blocked", kinds=kinds)

    def open(self, thread_id: str) -> ConversationPrivacy:
        values = self.vault.load(thread_id)
        pseudonyms = Pseudonyms.from_data(self.detector, values)
        return ConversationPrivacy(self, thread_id, pseudonyms)


class ConversationPrivacy:
    """The placeholders of one conversation, during a turn."""

    def __init__(self, guard: PrivacyGuard, thread_id: str, pseudonyms: Pseudonyms) -> None:
        self.guard = guard
        self.thread_id = thread_id
        self.pseudonyms = pseudonyms
        self._saved = pseudonyms.to_data()
        self._placeholders_of: dict[str, str] = {}
        self._placeholders: dict[str, str] = {}  # a value, case-folded -> its placeholder
        self._pattern: re.Pattern[str] | None = None

    # --- towards the model -----------------------------------------------------------------

    def check(self, text: str) -> None:
        self.guard.check(text)

    def hide(self, text: str) -> str:
        """Personal data replaced by placeholders: what the detector finds, and every value
        this conversation already hides wherever it appears again (a name found once in a
        sentence is hidden too where the detector would miss it alone)."""
        if not text:
            return text
        hidden = self.pseudonyms.hide(text)
        known = self._known()
        if known is None:
            return hidden
        return known.sub(lambda m: self._placeholders.get(m.group(0).casefold(), m[0]), hidden)

    def _known(self) -> re.Pattern[str] | None:
        values = self.pseudonyms.to_data()
        if len(values) != len(self._placeholders_of):
            self._placeholders_of = dict(values)
            self._placeholders = {v.casefold(): p for p, v in values.items() if len(v) >= 3}
            words = sorted(self._placeholders, key=len, reverse=True)
            self._pattern = (
                re.compile(
                    r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                    re.IGNORECASE,
                )
                if words
                else None
            )
        return self._pattern

    def hide_data(self, value: Any) -> Any:
        """``hide`` through the strings of plain data (a tool's output, edited arguments)."""
        if isinstance(value, str):
            return self.hide(value)
        if isinstance(value, dict):
            return {k: self.hide_data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.hide_data(v) for v in value]
        return value

    def hide_result(self, result: ToolResult) -> ToolResult:
        """A tool's result as the conversation keeps it and the model reads it."""
        return replace(
            result,
            args=self.hide_data(result.args),
            output=self.hide_data(result.output),
            error=self.hide(result.error),
            citations=[self.hide_citation(c) for c in result.citations],
        )

    def hide_citation(self, citation: Citation) -> Citation:
        """A passage as the model reads it: its text, its document's name and headings."""
        return replace(
            citation,
            passage=self.hide(citation.passage),
            document=self.hide(citation.document),
            heading_path=tuple(self.hide(h) for h in citation.heading_path),
        )

    # --- towards the person ----------------------------------------------------------------

    def reveal(self, text: str) -> str:
        return self.pseudonyms.reveal(text)

    def reveal_data(self, value: Any) -> Any:
        return self.pseudonyms.reveal_data(value)

    def reveal_citation(self, citation: Citation) -> Citation:
        return replace(
            citation,
            passage=self.reveal(citation.passage),
            document=self.reveal(citation.document),
            heading_path=tuple(self.reveal(h) for h in citation.heading_path),
        )

    def reveal_message(self, message: BaseMessage) -> BaseMessage:
        return reveal_message(self.pseudonyms, message)

    def stream(self) -> RevealingStream:
        return RevealingStream(self.pseudonyms)

    # --- kept between turns ----------------------------------------------------------------

    def save(self) -> None:
        """Keep the mapping if it grew (before the checkpoint holds its placeholders)."""
        values = self.pseudonyms.to_data()
        if values != self._saved:
            self.guard.vault.keep(self.thread_id, values)
            self._saved = values


def kinds_in(pseudonyms: Pseudonyms, text: str) -> str:
    """The kinds of personal data in ``text``, in words ("un nom de personne, un numéro de
    téléphone"); "" when there is none."""
    found = {e.type for e in pseudonyms.found(text)}
    return ", ".join(t(f"privacy.kind.{k}") for k in ENTITY_TYPES if k in found)


def reveal_message(pseudonyms: Pseudonyms, message: BaseMessage) -> BaseMessage:
    """A copy of ``message`` as the person reads it: text, tool calls and results revealed."""
    update: dict[str, Any] = {}
    if isinstance(message.content, str):
        update["content"] = pseudonyms.reveal(message.content)
    else:
        update["content"] = pseudonyms.reveal_data(message.content)
    if isinstance(message, AIMessage) and message.tool_calls:
        update["tool_calls"] = [
            {**call, "args": pseudonyms.reveal_data(call["args"])} for call in message.tool_calls
        ]
    if isinstance(message, ToolMessage) and message.artifact is not None:
        update["artifact"] = pseudonyms.reveal_data(message.artifact)
    return message.model_copy(update=update)


# A word in progress may still become an address or a placeholder; an unclosed "](" may still
# become a link's target: revealing either before it ends could put a value inside an address.
_OPEN_TARGET = re.compile(r"\]\([^)]*$")


class RevealingStream:
    """Streamed text revealed as it comes: a placeholder split across tokens (``<PERS`` then
    ``ONNE_1>``) or a web address still being written is held until it is whole, so what is
    shown is always a prefix of the revealed answer."""

    def __init__(self, pseudonyms: Pseudonyms) -> None:
        self.pseudonyms = pseudonyms
        self._raw = ""
        self._shown = ""

    def feed(self, piece: str) -> str:
        self._raw += piece
        return self._emit(_settled(self._raw))

    def flush(self) -> str:
        return self._emit(len(self._raw))

    def _emit(self, cut: int) -> str:
        revealed = self.pseudonyms.reveal(self._raw[:cut])
        if not revealed.startswith(self._shown) or len(revealed) <= len(self._shown):
            return ""
        new = revealed[len(self._shown) :]
        self._shown = revealed
        return new


def _settled(raw: str) -> int:
    """Where the text that cannot change any more ends: at the last white space, and before
    an unclosed link target."""
    cut = max(raw.rfind(c) for c in " \n\t") + 1 if raw and not raw[-1].isspace() else len(raw)
    target = _OPEN_TARGET.search(raw)
    if target is not None:
        cut = min(cut, target.start())
    return cut
