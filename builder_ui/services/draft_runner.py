"""Writing one draft: a one-shot run of the agent on a message, and the background threads
that draft batches in the builder.

The run happens in a conversation of its own (``draft-<id>-<attempt>``) that is erased as soon
as the text is kept: the draft record holds what counts, the checkpointer keeps nothing. The
run is recorded for usage, without a conversation. A run that does not end with an answer (a
model failure, a tool waiting for a person's approval: nobody is there in a batch, and no tool
with effects runs on a draft nobody approved) makes the draft ``failed``, with the reason in
plain words.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from agents.errors import AtelierError
from agents.i18n import t

if TYPE_CHECKING:
    from builder_ui.services.installation import Services
    from store.reply_draft_records import DraftRecord

log = logging.getLogger(__name__)
MAX_ERROR: Final = 500


def prompt_of(draft: DraftRecord, lang: str | None = None) -> str:
    """What the agent is asked: the message, the row's other chosen columns, and, for a draft
    sent back, the previous draft and the reviewer's instruction."""
    parts = [draft.message.strip()]
    if draft.context:
        lines = [f"- {name} : {value}" for name, value in draft.context.items() if value]
        if lines:
            parts.append(t("drafting.prompt.context", lang) + "\n" + "\n".join(lines))
    if draft.instruction:
        if draft.draft:
            parts.append(t("drafting.prompt.previous", lang) + "\n" + draft.draft.strip())
        parts.append(t("drafting.prompt.instruction", lang) + "\n" + draft.instruction.strip())
    return "\n\n".join(parts)


def write_draft(services: Services, draft: DraftRecord) -> DraftRecord:
    """Runs the agent for ``draft`` (claimed: ``drafting``) and keeps its text, or marks it
    failed. Errors of the run never escape, except the quota's (``QuotaExceeded``-like
    ``UserError`` raised before any model call): the caller stops there."""
    from agents.call_journal import forget_thread
    from agents.checkpoints import erase_threads
    from agents.runtime import Finished

    doors = services.workspace.reply_drafts
    services.workspace.usage.check_quota()  # over a quota: no model is called, the row waits
    thread = f"draft-{draft.id}-{draft.attempts}"
    try:
        from builder_ui.services.drafting import with_oversight

        version = doors.draft_version(draft.id)
        spec = with_oversight(version.spec, services.tools)
        runtime = services.runtime(spec, agent_id=draft.agent_id)
        result = None
        for event in runtime.stream(thread, prompt_of(draft), tokens=False):
            if isinstance(event, Finished):
                result = event.result
        if result is None:
            return doors.failed(draft.id, t("drafting.err.no_answer"))
        services._record(draft.agent_id, version.number, replace(result, thread=""))
        if result.outcome == "ok" and result.answer.strip():
            return doors.drafted(draft.id, result.answer.strip())
        return doors.failed(draft.id, _reason(result.outcome, result.error))
    except AtelierError as exc:
        return doors.failed(draft.id, exc.message()[:MAX_ERROR])
    except Exception as exc:  # a row's failure must not stop the others
        log.exception("drafting %s failed", draft.id)
        return doors.failed(draft.id, t("drafting.err.unexpected", kind=type(exc).__name__))
    finally:
        try:
            erase_threads(services.checkpointer, [thread])
            forget_thread(services.checkpointer, thread)
        except Exception:  # pragma: no cover - erasing a conversation that never began
            log.warning("could not erase the drafting conversation %s", thread, exc_info=True)


def _reason(outcome: str, error: str) -> str:
    if outcome == "awaiting_approval":
        return t("drafting.err.approval")
    if outcome == "ok":
        return t("drafting.err.empty_answer")
    return (error or t("drafting.err.no_answer"))[:MAX_ERROR]


class Runners:
    """Background threads of this process, one at most per key (a batch, or a draft sent
    back): starting one that runs is a no-op, so a page that reruns starts nothing twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self.errors: dict[str, str] = {}

    def start(self, key: str, work: Callable[[], object]) -> bool:
        with self._lock:
            running = self._threads.get(key)
            if running is not None and running.is_alive():
                return False

            def run() -> None:
                try:
                    work()
                    self.errors.pop(key, None)
                except AtelierError as exc:
                    self.errors[key] = exc.message()
                except Exception as exc:
                    log.exception("background drafting %s failed", key)
                    self.errors[key] = type(exc).__name__
                finally:
                    with self._lock:
                        if self._threads.get(key) is threading.current_thread():
                            del self._threads[key]

            thread = threading.Thread(target=run, name=f"atelier-drafting-{key}", daemon=True)
            self._threads[key] = thread
            thread.start()
            return True

    def running(self, key: str) -> bool:
        with self._lock:
            found = self._threads.get(key)
            return found is not None and found.is_alive()

    def join(self, key: str, timeout: float | None = None) -> None:
        with self._lock:
            found = self._threads.get(key)
        if found is not None:
            found.join(timeout)


RUNNERS = Runners()
