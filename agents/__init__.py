"""Agents: the spec, model providers, the compiler to LangGraph and the runtime."""

import os
import sys

# Checkpoints are read back from disk: allow only the types LangGraph knows. Forced, not a
# default: "false" in the environment would let a tampered checkpoint import and call anything.
# LangGraph reads the variable once, when ``langgraph.checkpoint.serde._msgpack`` is imported;
# if something imported it before us, its flags are set too (``agents.checkpoints`` also gives
# every checkpointer a strict serialiser of its own).
os.environ["LANGGRAPH_STRICT_MSGPACK"] = "true"
for _name in ("langgraph.checkpoint.serde._msgpack", "langgraph._internal._serde"):
    if _name in sys.modules:
        setattr(sys.modules[_name], "STRICT_MSGPACK_ENABLED", True)  # noqa: B010
