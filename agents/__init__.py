"""Agents: the spec, model providers, the compiler to LangGraph and the runtime."""
