"""Somewhere to keep computed arrays between processes: the protocol the physics asks for.

The physics builds things that are pure functions of their inputs and costly enough to keep
(threat tracks, interceptor reachability tables); it makes the keys, from everything the arrays
depend on and the source of the code that computes them. The store (a disk cache, in
:mod:`coverage.products.diskcache`) adds what it must (the data version) and never hands back
arrays it cannot vouch for; a missing or damaged entry is ``None`` and the caller rebuilds.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["ArrayStore"]


class ArrayStore(Protocol):
    """Arrays kept under string keys (may silently fail to save: it is only a cache)."""

    def load(self, key: str) -> dict[str, NDArray[np.generic]] | None:
        """The arrays saved under ``key``, or ``None``."""

    def save(self, key: str, arrays: dict[str, NDArray[np.generic]]) -> None:
        """Keep ``arrays`` under ``key``."""
