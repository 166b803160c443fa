"""Untrusted YAML read within bounds: size, nesting depth and alias expansion.

PyYAML's safe loader builds no arbitrary objects, but it does not bound what a small file can
cost. Nine lines of nested aliases ("billion laughs") describe a value of a billion strings: the
loader shares them, and the first code that walks the value (pydantic, ``json.dumps`` in an error
message) expands it and exhausts memory. A thousand nested brackets end in ``RecursionError``.

``load_bounded`` refuses all three while composing, before any Python value is built:

- a text longer than ``max_bytes`` is refused before parsing;
- a node nested deeper than ``max_depth`` stops the composer at that depth (aliases count: an
  alias inside a collection adds the depth of the node it names);
- every node carries its expanded size (a scalar: its length; a collection: the sum of its
  children, each alias counted as the whole node it names), so a document whose aliases expand
  past ``max_expanded`` is refused as soon as that size is reached, and an alias naming one of
  its own ancestors (a loop) is refused outright.

Cost is linear in the text: each node's size is computed once, from its children's. The refusals
are ``YamlLimit`` errors (a ``UserError``: exit code 2) whose messages come from the catalogue.
"""

from __future__ import annotations

from typing import Any, Final

import yaml
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode

from agents.errors import UserError

MAX_SPEC_BYTES: Final = 1_000_000
"""The largest spec accepted. Instructions are capped at 20,000 characters; 1 MB is ample."""
MAX_DEPTH: Final = 50
"""The deepest nesting accepted; a spec's own structure is about 5 levels deep."""


class YamlLimit(UserError):
    """A YAML text refused for its size, depth or alias expansion (before it was built)."""


def load_bounded(
    text: str,
    *,
    max_bytes: int = MAX_SPEC_BYTES,
    max_depth: int = MAX_DEPTH,
    max_expanded: int | None = None,
) -> Any:
    """The value of ``text`` (one YAML document, safe tags only), or ``YamlLimit``.

    ``max_expanded`` bounds the size of the value once aliases are expanded (default: twice
    ``max_bytes``, so that a file without aliases never reaches it). Syntax errors are raised
    as PyYAML's ``YAMLError``, for the caller to place in its own message."""
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        raise YamlLimit("yaml.too_large", limit=_megabytes(max_bytes))
    loader = _BoundedLoader(text, max_depth, max_expanded or 2 * max_bytes)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}"


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, with every composed node's expanded size and depth tracked."""

    def __init__(self, text: str, max_depth: int, max_expanded: int) -> None:
        super().__init__(text)
        self._max_depth = max_depth
        self._max_expanded = max_expanded
        self._open = 0  # collections being composed: the composer's own recursion depth
        # id(node) -> (expanded size, expanded depth), for every node composed so far. Nodes
        # are kept alive by the document, so their ids stay unique while the loader runs.
        self._measures: dict[int, tuple[int, int]] = {}

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # The scanner looks up to 1,024 characters ahead for a possible key, at a cost that
        # grows with the number of open brackets: stop at the bound rather than at the composer.
        if self.flow_level >= self._max_depth:
            raise YamlLimit("yaml.too_deep", limit=self._max_depth)
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._open += 1
        try:
            if self._open > self._max_depth:
                raise YamlLimit("yaml.too_deep", limit=self._max_depth)
            node = super().compose_node(parent, index)
        finally:
            self._open -= 1
        if node is not None and id(node) not in self._measures:
            if not _is_complete(node, self._measures):
                # An alias to a collection still being composed: one of its own ancestors.
                raise YamlLimit("yaml.alias_loop")
            self._measure(node)
        return node

    def _measure(self, node: Node) -> None:
        """Size and depth of a node whose children are all measured."""
        if isinstance(node, ScalarNode):
            size, depth = len(node.value) + 1, 1
        else:
            children = _children(node)
            size = 1 + sum(self._measures[id(c)][0] for c in children)
            depth = 1 + max((self._measures[id(c)][1] for c in children), default=0)
        if size > self._max_expanded:
            raise YamlLimit("yaml.aliases_too_large", limit=_megabytes(self._max_expanded))
        if depth > self._max_depth:
            raise YamlLimit("yaml.too_deep", limit=self._max_depth)
        self._measures[id(node)] = (size, depth)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    assert isinstance(node, CollectionNode)
    return list(node.value)


def _is_complete(node: Node, measures: dict[int, tuple[int, int]]) -> bool:
    """A node returned unmeasured is either newly composed (its children are all measured) or
    an alias to an ancestor still being composed (some child is not, or it is not finished)."""
    if isinstance(node, ScalarNode):
        return True
    return node.end_mark is not None and all(id(c) in measures for c in _children(node))
