"""HTTP actions from OpenAPI documents: import a Swagger 2.0 or OpenAPI 3.x document, list its
operations, and let an agent call the ones its creator ticked (the ``http_action`` toolset).

- ``loader``: read a document (inline text, file, URL through the egress guard), bounded;
  ``fetch_document(url, policy)`` is how a person's import by URL is fetched;
- ``normalise`` and ``refs``: both formats into one model of operations, ``$ref`` resolved;
- ``arguments``: an operation's parameters and body as a pydantic arguments model;
- ``request``: one call, through the egress guard, with the credential kept out of sight;
- ``actions``: the toolset, its config and its expansion into tools.
"""

from tools.openapi.actions import DEFINITION, TOOL_ID, expand, operation_tools
from tools.openapi.config import HttpActionConfig, HttpAuth
from tools.openapi.loader import (
    FetchedDocument,
    fetch_document,
    load_bytes,
    load_document,
    load_file,
    load_url,
)
from tools.openapi.model import ApiDocument, OpenApiError, Operation, Parameter, RequestBody

__all__ = [
    "DEFINITION",
    "TOOL_ID",
    "ApiDocument",
    "FetchedDocument",
    "HttpActionConfig",
    "HttpAuth",
    "OpenApiError",
    "Operation",
    "Parameter",
    "RequestBody",
    "expand",
    "fetch_document",
    "load_bytes",
    "load_document",
    "load_file",
    "load_url",
    "operation_tools",
]
