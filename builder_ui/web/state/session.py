"""Typed access to ``st.session_state``, the few shapes every page's accessors take: one value
(``Slot``), a counter that renews a widget (``Counter``), messages shown once (``Notices``), a
value per item (``PerItem``). The keys themselves live in ``builder_ui.web.state.keys``.

The pure helpers take a mapping that stands for ``st.session_state``, so tests can call them.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, Generic, TypeVar, cast

import streamlit as st

T = TypeVar("T")

# --- pure helpers (a mapping stands for st.session_state) ----------------------------------------


def seed_missing(session: MutableMapping[str, Any], wanted: dict[str, Any]) -> None:
    for key, value in wanted.items():
        if key not in session:
            session[key] = value


def drop_prefixed(session: MutableMapping[str, Any], prefix: str) -> None:
    for key in [k for k in session if isinstance(k, str) and k.startswith(prefix)]:
        del session[key]


# --- the session ---------------------------------------------------------------------------------


def session() -> MutableMapping[str, Any]:
    return cast("MutableMapping[str, Any]", st.session_state)


def seed_widgets(wanted: dict[str, Any]) -> None:
    """Give generated forms (the card's, a tester's) their first values."""
    seed_missing(session(), wanted)


def set_widgets(values: dict[str, Any]) -> None:
    """Give widgets these values, over what they hold (before they are drawn). Forgetting a
    widget's key is not enough: the browser would keep showing what was typed."""
    st.session_state.update(values)


class Slot(Generic[T]):
    """One value kept under ``key``; ``default()`` stands for it while it is unset (or None)."""

    def __init__(self, key: str, default: Callable[[], T]) -> None:
        self.key = key
        self.default = default

    def get(self) -> T:
        return self._or_default(st.session_state.get(self.key))

    def set(self, value: T) -> None:
        st.session_state[self.key] = value

    def take(self) -> T:
        """The value, forgotten: what is shown or sent once."""
        return self._or_default(st.session_state.pop(self.key, None))

    def forget(self) -> None:
        st.session_state.pop(self.key, None)

    def kept(self) -> T:
        """The value, stored first if unset: what the page then changes in place stays."""
        if self.key not in st.session_state:
            st.session_state[self.key] = self.default()
        return cast("T", st.session_state[self.key])

    def _or_default(self, value: Any) -> T:
        return self.default() if value is None else cast("T", value)


def optional(key: str) -> Slot[Any]:
    """A value that is None while unset; annotate the slot with its type."""
    return Slot(key, lambda: None)


class Counter(Slot[int]):
    """A number that renews a widget (a file picker, a message field): a widget with a new key
    is drawn empty."""

    def __init__(self, key: str) -> None:
        super().__init__(key, int)

    def renew(self) -> None:
        self.set(self.get() + 1)


class Notices(Slot[list[tuple[str, str]]]):
    """Messages ``(kind, text)`` (``success``, ``info``, ``warning``) shown once, after the next
    rerun; ``take`` hands them over."""

    def __init__(self, key: str) -> None:
        super().__init__(key, list)

    def add(self, kind: str, message: str) -> None:
        st.session_state.setdefault(self.key, []).append((kind, message))


class PerItem(Generic[T]):
    """A value for each item (a tool call, a tool), kept together under one key."""

    def __init__(self, key: str, default: T) -> None:
        self.key = key
        self.default = default

    def get(self, item: str) -> T:
        values: dict[str, T] = st.session_state.get(self.key) or {}
        return values.get(item, self.default)

    def set(self, item: str, value: T) -> None:
        st.session_state.setdefault(self.key, {})[item] = value
