"""Tools of MCP servers (Model Context Protocol) that an administrator registered.

- ``servers``: the registered servers as plain data, handed to tools in ``ToolContext.mcp``;
- ``client``: listing and calling tools with the official SDK, synchronously, within time
  limits, through the egress guard (streamable HTTP) or the admin's command (stdio);
- ``pinning``: fingerprints of the approved tools, and what changed since;
- ``toolset``: the ``mcp`` toolset an agent spec enables by server name.

A spec never carries an address or a command: only the name of a server the administrator
registered. Opening, importing or checking an agent starts no process.
"""

from tools.mcp.servers import McpAccess, McpServer

__all__ = ["McpAccess", "McpServer"]
