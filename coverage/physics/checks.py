"""Range checks for the self-validating inputs of the physics and the scenario."""

from __future__ import annotations

import math

__all__ = ["check_range"]


def check_range(name: str, value: object, lo: float, hi: float, unit: str = "") -> None:
    """Raise ``ValueError`` naming ``name``, the value and the allowed range unless lo <= value <= hi.

    Booleans, NaN and infinities are refused.
    """
    if not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and lo <= value <= hi
    ):
        raise ValueError(f"{name}={value!r} is outside the allowed range {lo:g}..{hi:g}{unit}")
