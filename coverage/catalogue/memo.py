"""Results derived from a catalogue, computed once per catalogue and inputs (``functools.lru_cache``).

A :class:`~coverage.catalogue.tables.Catalogue` is read-only and hashed by identity, so a
function of (catalogue, hashable inputs) can keep its results: a what-if catalogue is another
object, hence other entries. Frames are returned as copies, so a caller that adds a column
never changes what the next caller gets. The caches hold their catalogues alive, so they are
bounded (``maxsize`` entries each).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["shared_result"]

F = TypeVar("F", bound=Callable[..., Any])


def shared_result(maxsize: int = 64) -> Callable[[F], F]:
    """Decorator: keep up to ``maxsize`` results; frames (anything with ``.copy()``) are copied."""

    def decorate(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = cached(*args, **kwargs)
            copy = getattr(value, "copy", None)
            return copy() if callable(copy) else value

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
