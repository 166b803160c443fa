"""Bounded retries of model calls, and the plain-words report when they run out.

What is worth retrying: rate limits (429), server errors (5xx), time-outs, dropped connections
and malformed tool calls. Anything else (a bad key, a bad request) is reported at once: retrying
would only make the person wait for the same error. Either way the failure reaches the person as
``ModelUnavailable`` with a reason in plain words; the details go to the log.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from agents.errors import ModelUnavailable
from agents.i18n import t

log = logging.getLogger(__name__)
T = TypeVar("T")


class MalformedToolCall(Exception):
    """The model asked for a tool in a form that cannot be parsed."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so that many clients do not retry in step."""
        raw = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return raw * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography


def transient_kind(exc: BaseException) -> str | None:
    """Why a failure is worth retrying (``rate_limit``...), or None when it is not."""
    if isinstance(exc, MalformedToolCall):
        return "malformed_tool_call"
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    if status == 429:
        return "rate_limit"
    if isinstance(status, int) and 500 <= status < 600:
        return "server_error"
    name = type(exc).__name__.lower()
    if isinstance(exc, TimeoutError) or "timeout" in name:
        return "timeout"
    if "ratelimit" in name:
        return "rate_limit"
    if "connection" in name or isinstance(exc, ConnectionError):
        return "connection"
    return None


def _refusal_reason(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    if status in (401, 403) or "authentication" in type(exc).__name__.lower():
        return "model.reason.auth"
    return "model.reason.rejected"


def call_with_retry(call: Callable[[], T], policy: RetryPolicy, model_label: str) -> T:
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except Exception as exc:
            kind = transient_kind(exc)
            if kind is None:
                log.warning("model %s refused the request: %r", model_label, exc)
                raise ModelUnavailable(
                    "model.rejected",
                    model=model_label,
                    kind="rejected",
                    reason=t(_refusal_reason(exc)),
                ) from exc
            log.warning(
                "model %s failed (%s), attempt %d/%d", model_label, kind, attempt, policy.attempts
            )
            if attempt == policy.attempts:
                raise ModelUnavailable(
                    "model.unavailable",
                    model=model_label,
                    kind=kind,
                    reason=t(f"model.reason.{kind}"),
                    attempts=policy.attempts,
                ) from exc
            policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable")
