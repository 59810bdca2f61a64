"""Values built from objects that maps share, kept per object (by identity) and key.

Maps that differ only in their engagement choices share their footprint and site frames
(:func:`coverage.products.mapdata.compute_map`), so a new delay need not convert the same rings
to GeoJSON again, list the same sites or cut the same outlines. Frames and GeoJSON collections
are not hashable, and equal content is not what makes them shareable: the key is the object
itself. The renderer (:mod:`coverage.render.layers`) and the outlines
(:mod:`coverage.render.outlines`) keep theirs in a :class:`KeptBy` each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["KeptBy"]

_T = TypeVar("_T")


class KeptBy:
    """``build()`` results kept per source object (by identity) and key; an LRU of ``size``.

    An entry holds its source alive, so the source's ``id`` cannot be reused while the entry is
    kept. Thread-safe (sessions run their scripts in threads); a value is built outside the
    lock (two sessions may build the same one once each). Kept values are read-only: callers
    must not change them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[object, ...], tuple[object, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: object, key: tuple[object, ...], build: Callable[[], _T]) -> _T:
        """``build()`` of ``source`` under ``key``, built once while kept."""
        k = (id(source), *key)
        with self._lock:
            hit = self._items.get(k)
            if hit is not None and hit[0] is source:
                self._items.move_to_end(k)
                found: _T = hit[1]
                return found
        value = build()
        with self._lock:
            self._items[k] = (source, value)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def holds(self, value: object) -> bool:
        """Whether ``value`` is one of the kept values (by identity)."""
        with self._lock:
            return any(kept is value for _, kept in self._items.values())

    def clear(self) -> None:
        """Forget every kept value."""
        with self._lock:
            self._items.clear()
