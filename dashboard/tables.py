"""Tables shown with readable numbers: shares as percentages with one decimal, counts grouped.

Streamlit's ``"percent"`` format shows up to two decimals and drops trailing zeros ("93%" beside
"97.29%" in one column); counts had no thousands separators ("2866376"). The shown frame is a
copy (shares × 100); what is downloaded is written from the model's own 0..1 tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

__all__ = ["readable"]


def readable(
    frame: pd.DataFrame, *, percent: Iterable[str] = (), counts: Iterable[str] = ()
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` to show, and its column configs.

    ``percent`` columns (0..1) read "93.0 %", ``counts`` whole numbers with thousands
    separators; columns not in ``frame`` are skipped.
    """
    shown = frame.copy()
    config: dict[str, Any] = {}
    for col in (c for c in percent if c in shown.columns):
        shown[col] = pd.to_numeric(shown[col], errors="coerce") * 100.0
        config[col] = st.column_config.NumberColumn(col, format="%.1f %%")
    for col in (c for c in counts if c in shown.columns):
        shown[col] = pd.to_numeric(shown[col], errors="coerce").round()
        config[col] = st.column_config.NumberColumn(col, format="%,.0f")
    return shown, config
