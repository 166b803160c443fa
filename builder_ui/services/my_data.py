"""My data: everything a person has, downloaded as a ZIP of readable files, or erased for good.

The checks happen in the store (``Workspace.export_mine`` / ``erase_mine`` for oneself,
``People.export_person`` / ``erase_person`` for an administrator and a departing person); this
module turns what they hand out into files, and gives the erasure the checkpointer's part (the
messages of every conversation, out of every file).

The ZIP (same entries in the same order for the same data)::

    README.txt                        what is inside, in the reader's language
    account.json                      login, name, role, teams
    agents/<agent>/v<N>.yaml          every version of every agent
    conversations/<thread id>.md      each conversation, previews included (not in an
                                      administrator's export: conversations are private)
    knowledge/<base>/<document>.md    the text read from each document (originals are not kept)
    files/<name>                      files tools made for the person
    drafts/<key>.json                 unsaved edits of agents
    secrets.txt                       credentials' names and dates, never a value

It is written entry by entry into any binary stream (a file for the CLI, memory for the
page); files are copied in blocks, so memory stays bounded by the largest single entry, not
the whole export (files are at most ``store.files.MAX_FILE_BYTES``).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from agents.call_journal import forget_thread
from agents.checkpoints import erase_threads, thread_messages
from agents.i18n import current_language, t
from agents.inert_text import HostPolicy, inert_markdown
from store.files import safe_filename

if TYPE_CHECKING:
    from datetime import datetime

    from langchain_core.messages import BaseMessage
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from builder_ui.services.installation import Services
    from store.knowledge.records import Chunk
    from store.person_data import PersonData, Summary
    from tools.privacy.pseudonyms import Pseudonyms

BLOCK = 1024 * 1024
Revealer = Callable[[str], "Pseudonyms | None"]


def _nothing(thread_id: str) -> None:
    return None


# --- what the interfaces call -----------------------------------------------------------------


def export_my_data(services: Services, lang: str | None = None) -> bytes:
    """Everything of the person's, as a ZIP."""
    out = io.BytesIO()
    write_my_data(services, out, lang)
    return out.getvalue()


def write_my_data(services: Services, out: IO[bytes], lang: str | None = None) -> None:
    """The person's own: their conversations read with the personal data behind their
    placeholders (``builder_ui.services.privacy``); an administrator's export keeps them."""
    from builder_ui.services.privacy import safe_revealer

    person = services.workspace.export_mine()
    write_export(person, services.checkpointer, out, lang, reveal=safe_revealer(services.workspace))


def export_person(services: Services, login: str, out: IO[bytes], lang: str | None = None) -> None:
    """An administrator's export of a departing person's data (without their conversations)."""
    person = services.workspace.people.export_person(login)
    write_export(person, services.checkpointer, out, lang, by=services.principal)


def my_data_summary(services: Services) -> Summary:
    """What erasing would erase: said before it is done."""
    return services.workspace.export_mine().summary()


def person_summary(services: Services, login: str) -> Summary:
    return services.workspace.people.export_person(login).summary()


def erase_my_data(services: Services) -> Summary:
    """Everything of the person's, their account last: they cannot sign in any more."""
    return services.workspace.erase_mine(_thread_eraser(services.checkpointer))


def erase_person(services: Services, login: str) -> Summary:
    """An administrator erases a departing person's data and account."""
    return services.workspace.people.erase_person(login, _thread_eraser(services.checkpointer))


def _thread_eraser(checkpointer: BaseCheckpointSaver[Any]) -> Callable[[list[str]], None]:
    def erase(thread_ids: list[str]) -> None:
        """Messages, the tool-call journal and the write-ahead log, as deleting an agent does."""
        erase_threads(checkpointer, thread_ids)
        for thread_id in thread_ids:
            forget_thread(checkpointer, thread_id)

    return erase


# --- the ZIP -----------------------------------------------------------------------------------


def write_export(
    person: PersonData,
    checkpointer: BaseCheckpointSaver[Any],
    out: IO[bytes],
    lang: str | None = None,
    by: str | None = None,
    reveal: Revealer | None = None,
) -> None:
    """``by``: the administrator exporting someone else's data (said in the README).
    ``reveal``: a conversation's placeholders by its id, to put its personal data back (the
    person's own export). Messages are written inert: links and images live only to the
    hosts the administrator allows."""
    lang = lang or current_language()
    account = person.account()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        readme = t("my_data.readme", lang, login=account.id, when=_when(_now()))
        if by is not None and by != account.id:
            readme += t("my_data.readme_admin", lang, admin=by)
        archive.writestr("README.txt", readme)
        teams = [team.name for team in person.teams()]
        data = {
            "login": account.id,
            "name": account.name,
            "role": account.role,
            "teams": teams,
            "created_at": account.created_at.isoformat(),
        }
        archive.writestr("account.json", _json(data))
        _write_agents(archive, person)
        _write_conversations(archive, person, checkpointer, lang, reveal or _nothing)
        _write_knowledge(archive, person, lang)
        _write_files(archive, person)
        for draft in person.drafts():
            record = {"version": draft.version, "saved_at": draft.saved_at.isoformat()}
            archive.writestr(f"drafts/{draft.key}.json", _json({**record, "data": draft.data}))
        replies = [_reply_draft(d) for d in person.reply_drafts()]
        if replies:  # one JSON object a line: message, draft, final, status, who decided
            archive.writestr("reply_drafts.jsonl", "".join(_json_line(r) for r in replies))
        archive.writestr("secrets.txt", _secrets_text(person, lang))


def _write_agents(archive: zipfile.ZipFile, person: PersonData) -> None:
    folders = _Unique()
    for agent in person.agents():
        folder = folders.take(slug(agent.name, "agent"))
        for version in person.versions(agent.id):
            archive.writestr(f"agents/{folder}/v{version.number}.yaml", version.spec.to_yaml())


def _write_conversations(
    archive: zipfile.ZipFile,
    person: PersonData,
    checkpointer: BaseCheckpointSaver[Any],
    lang: str,
    reveal: Revealer,
) -> None:
    from agents.privacy_guard import reveal_message
    from builder_ui.services.links import shown_hosts

    hosts = shown_hosts()
    for agent in person.agents():
        for thread in person.threads(agent.id):
            messages = thread_messages(checkpointer, thread.id)
            found = reveal(thread.id)
            title = thread.title.strip() or t("my_data.untitled", lang)
            if found is not None:
                messages = [reveal_message(found, m) for m in messages]
                title = found.reveal(title)
            text = conversation_markdown(
                title, agent.name, thread.id, thread.created_at, messages, lang, hosts
            )
            archive.writestr(f"conversations/{_file_part(thread.id)}.md", text)
        for preview_id in person.previews(agent.id):
            messages = thread_messages(checkpointer, preview_id)
            if not messages:
                continue
            found = reveal(preview_id)
            if found is not None:
                messages = [reveal_message(found, m) for m in messages]
            title = t("my_data.preview_title", lang)
            text = conversation_markdown(title, agent.name, preview_id, None, messages, lang, hosts)
            archive.writestr(f"conversations/{_file_part(preview_id)}.md", text)


def _write_knowledge(archive: zipfile.ZipFile, person: PersonData, lang: str) -> None:
    folders = _Unique()
    for kb in person.bases():
        folder = folders.take(slug(kb.name, "base"))
        names = _Unique()
        for document in person.documents(kb.id):
            name = names.take(f"{safe_filename(document.filename)}.md")
            text = document_markdown(document.filename, kb.name, person.passages(document.id), lang)
            archive.writestr(f"knowledge/{folder}/{name}", text)


def _write_files(archive: zipfile.ZipFile, person: PersonData) -> None:
    names = _Unique()
    for stored in person.files():
        name = names.take(safe_filename(stored.filename))
        data = person.read_file(stored.file_id)
        with archive.open(f"files/{name}", "w") as entry:
            for start in range(0, len(data), BLOCK):
                entry.write(data[start : start + BLOCK])


def _secrets_text(person: PersonData, lang: str) -> str:
    secrets = person.secrets()
    lines = [t("my_data.secrets_header", lang), ""]
    if not secrets:
        lines.append(t("my_data.secrets_none", lang))
    for info in secrets:
        lines.append(
            t(
                "my_data.secret_line",
                lang,
                name=info.name,
                created=_when(info.created_at),
                updated=_when(info.updated_at),
            )
        )
    return "\n".join(lines) + "\n"


# --- readable texts ----------------------------------------------------------------------------


def conversation_markdown(
    title: str,
    agent: str,
    thread_id: str,
    started: datetime | None,
    messages: Iterable[BaseMessage],
    lang: str,
    hosts: HostPolicy | None = None,
) -> str:
    """A conversation as a person reads it: who said what, and which tools were called. What
    was said is written inert (``agents.inert_text``): no image is fetched when the file is
    viewed, no link leads to a host ``hosts`` does not permit."""
    lines = [f"# {_one_line(title)}", "", f"- {t('my_data.conversation_agent', lang, agent=agent)}"]
    if started is not None:
        lines.append(f"- {t('my_data.conversation_date', lang, when=_when(started))}")
    lines += [f"- {t('my_data.conversation_id', lang, id=thread_id)}", ""]
    names: dict[str, str] = {}  # tool call id -> tool name
    for message in messages:
        kind = message.type
        text = inert_markdown(content_text(message.content).strip(), hosts).markdown
        if kind == "human":
            lines += ["---", "", f"**{t('my_data.you', lang)}**", "", text, ""]
        elif kind == "ai":
            lines += ["---", "", f"**{t('my_data.assistant', lang)}**", ""]
            if text:
                lines += [text, ""]
            for call in getattr(message, "tool_calls", None) or []:
                names[str(call.get("id", ""))] = str(call.get("name", ""))
                args = call.get("args") or {}
                lines += _tool_call_lines(str(call.get("name", "")), args, lang, hosts)
        elif kind == "tool":
            call_id = str(getattr(message, "tool_call_id", ""))
            tool = names.get(call_id) or str(getattr(message, "name", "") or "?")
            lines += [f"*{t('my_data.tool_result', lang, tool=tool)}*", "", _quoted(text), ""]
    return "\n".join(lines).rstrip() + "\n"


def _tool_call_lines(
    tool: str, args: dict[str, Any], lang: str, hosts: HostPolicy | None = None
) -> list[str]:
    lines = [f"*{t('my_data.tool_call', lang, tool=tool)}*", ""]
    if not args:
        lines.append(f"> {t('my_data.no_arguments', lang)}")
    for key, value in args.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        shown = inert_markdown(str(shown), hosts).markdown  # the model wrote it
        first, *rest = str(shown).splitlines() or [""]
        lines.append(f"> - {inert_markdown(str(key)).markdown} : {first}")
        lines += [f">   {line}" for line in rest]
    return [*lines, ""]


def document_markdown(filename: str, base: str, passages: list[Chunk], lang: str) -> str:
    """The document's text as it was read, rebuilt from its passages (which overlap)."""
    header = [
        f"# {_one_line(filename)}",
        "",
        f"*{t('my_data.document_note', lang, name=filename, base=base)}*",
        "",
    ]
    if not passages:
        return "\n".join([*header, t("my_data.document_empty", lang)]) + "\n"
    return "\n".join(header) + "\n" + document_text(passages).strip() + "\n"


def document_text(passages: list[Chunk]) -> str:
    """Passages placed at their offsets in the document's text: overlaps once, gaps as a
    paragraph break. Passages without consistent offsets are simply joined."""
    ordered = sorted(passages, key=lambda c: (c.start, c.ordinal))
    if any(len(c.text) != c.end - c.start for c in ordered):
        return "\n\n".join(c.text for c in sorted(passages, key=lambda c: c.ordinal))
    parts: list[str] = []
    position = 0
    for chunk in ordered:
        if chunk.end <= position:
            continue
        if chunk.start > position and parts:
            parts.append("\n\n")
        parts.append(chunk.text[max(0, position - chunk.start) :])
        position = chunk.end
    return "".join(parts)


def content_text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])
        return "\n".join(parts)
    return str(content)


# --- names -------------------------------------------------------------------------------------


def slug(name: str, default: str) -> str:
    """``Procédures RH`` -> ``procedures-rh``: a folder name on every system."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or default


class _Unique:
    """Names taken once in a folder: ``x``, then ``x-2``, ``x-3`` (before the extension)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, name: str) -> str:
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        candidate, number = name, 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = f"{stem}-{number}{'.' + suffix if suffix else ''}"
        self._taken.add(candidate.casefold())
        return candidate


def _file_part(thread_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", thread_id)[:100] or "conversation"


def _reply_draft(draft: Any) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in _REPLY_DRAFT_FIELDS}


_REPLY_DRAFT_FIELDS = (
    *("id", "agent_id", "batch_id", "row", "thread_id", "message", "context", "draft"),
    *("final", "status", "reason", "instruction", "decided_by", "decided_at", "created_at"),
)


def _json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str) + "\n"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in (text or "").splitlines()) or ">"


def _now() -> datetime:
    from store.database import utc_now

    return utc_now()


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
