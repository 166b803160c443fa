"""How a turn of an agent ended: one closed set of words, decided by the runtime
(``agents.runtime.RunResult``) and kept with each run by the store (``store.records.RunRecord``).

It is part of the kernel, so both may use it: the store never imports the runtime.
"""

from __future__ import annotations

from typing import Literal, get_args

Outcome = Literal["ok", "awaiting_approval", "model_error", "tool_limit", "tool_not_enabled"]
"""How a turn ended: ``ok`` (answered), ``awaiting_approval`` (paused on a person's decision,
see ``RunResult.pending_approval``), or a failure Atelier wrote a note for: ``model_error`` (the
model failed), ``tool_limit`` (the tool loop hit its limit), ``tool_not_enabled`` (the model
asked for a tool the agent does not have)."""
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
