"""Tools agents may call: the registry and the built-in tools."""
