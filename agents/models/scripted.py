"""The scripted chat model: replays a list of replies, for tests and demos.

A script is a YAML or JSON list, consumed in order, one item per model call::

    - tool_calls: [{name: calculator, args: {expression: "6*7"}}]
    - text: "6 fois 7 font 42."
    - error: rate_limit          # or server_error, timeout, malformed_tool_call
    - {text: "Bonjour <PERSONNE_1>.", repeat: true}   # given again once the script is over

With a ``record`` file (``ATELIER_SCRIPTED_RECORD`` for the ``scripted:`` provider), every
call's messages are appended to it as one JSON line: a test checks what reached the model even
when the model runs in another process (the builder under a real browser).
It binds tools (``bind_tools`` returns itself), streams text word by word, and reports token
usage, so it drives the whole runtime the way a real provider would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from agents.errors import UserError
from agents.spec import describe_validation_error, parse_yaml

ERROR_KINDS = ("rate_limit", "server_error", "timeout", "malformed_tool_call")


class ScriptedToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class ScriptedReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = ""
    tool_calls: list[ScriptedToolCall] = Field(default_factory=list)
    error: str | None = Field(default=None, pattern="^(" + "|".join(ERROR_KINDS) + ")$")
    repeat: bool = False


class ScriptedModelError(Exception):
    """A provider failure played by the script; ``status_code`` mimics the HTTP status."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.status_code = {"rate_limit": 429, "server_error": 503}.get(kind)
        super().__init__(f"scripted {kind}")


class ScriptedTimeout(ScriptedModelError, TimeoutError):
    pass


def load_script(path: str | Path) -> list[ScriptedReply]:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError:
        raise UserError("model.scripted.no_file", path=str(path)) from None
    data = json.loads(text) if path.suffix == ".json" else parse_yaml(text, str(path))
    if not isinstance(data, list):
        raise UserError("model.scripted.not_list", path=str(path))
    replies = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            item = {"text": item}
        try:
            replies.append(ScriptedReply.model_validate(item))
        except ValidationError as exc:
            where, problem = describe_validation_error(exc)[0]
            raise UserError(
                "model.scripted.bad_reply", path=str(path), index=i, field=where, problem=problem
            ) from None
    return replies


class ScriptedChatModel(BaseChatModel):
    replies: list[ScriptedReply]
    exhausted_text: str = "(Le script de réponses est épuisé.)"
    record: Path | None = None
    _position: int = PrivateAttr(default=0)
    _prompts: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "atelier-scripted"

    @property
    def calls(self) -> int:
        return self._position

    @property
    def prompts(self) -> list[list[BaseMessage]]:
        """What the model was sent, call by call: tests check what reaches a model."""
        return self._prompts

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        return self

    def _next(self, messages: list[BaseMessage]) -> ScriptedReply:
        with self._lock:
            self._prompts.append(list(messages))
            i = self._position
            self._position += 1
            if self.record is not None:
                line = json.dumps([m.text for m in messages], ensure_ascii=False)
                with self.record.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")
        if i >= len(self.replies):
            repeated = [r for r in self.replies if r.repeat]
            return repeated[-1] if repeated else ScriptedReply(text=self.exhausted_text)
        return self.replies[i]

    def _message(self, reply: ScriptedReply, messages: list[BaseMessage]) -> AIMessage:
        if reply.error == "timeout":
            raise ScriptedTimeout("timeout")
        if reply.error in ("rate_limit", "server_error"):
            raise ScriptedModelError(reply.error)
        usage = _usage(messages, reply)
        if reply.error == "malformed_tool_call":
            return AIMessage(
                content="",
                invalid_tool_calls=[
                    {
                        "name": "?",
                        "args": "{not json",
                        "id": f"call_{uuid4().hex[:12]}",
                        "error": "bad json",
                    }
                ],
                usage_metadata=usage,
            )
        calls = [
            {"name": c.name, "args": c.args, "id": _call_id(), "type": "tool_call"}
            for c in reply.tool_calls
        ]
        return AIMessage(content=reply.text, tool_calls=calls, usage_metadata=usage)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._message(self._next(messages), messages)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._message(self._next(messages), messages)
        words = message.text.split(" ") if message.text else []
        for i, word in enumerate(words):
            piece = word if i == len(words) - 1 else word + " "
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        last = AIMessageChunk(
            content="",
            tool_call_chunks=[
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": j}
                for j, c in enumerate(message.tool_calls)
            ],
            invalid_tool_calls=message.invalid_tool_calls,
            usage_metadata=message.usage_metadata,
            chunk_position="last",
        )
        yield ChatGenerationChunk(message=last)


def _usage(messages: list[BaseMessage], reply: ScriptedReply) -> Any:
    """A rough count (four characters a token) so that usage accounting is exercised."""
    prompt = sum(len(m.text) for m in messages)
    output = len(reply.text) + sum(len(json.dumps(c.args)) + len(c.name) for c in reply.tool_calls)
    i, o = max(1, prompt // 4), max(1, output // 4)
    return {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}


def _call_id() -> str:
    """Unique across processes: a conversation resumed by another process must never see two
    calls with one id."""
    return f"call_{uuid4().hex[:12]}"
