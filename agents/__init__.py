"""Agents: the spec, model providers, the compiler to LangGraph and the runtime."""

import os

# Checkpoints are read back from disk: allow only the types LangGraph knows, before it is imported.
os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
