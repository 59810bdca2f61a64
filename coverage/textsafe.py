"""Text made safe for its sink: spreadsheets (CSV) and deck.gl's JSON converter.

Names and labels can come from users (what-if sites) or from data files; each sink reads some
text as code. Every writer of that sink passes its text through the function here, so the rule
lives in one place (matplotlib's mathtext is switched off where the images are drawn,
``coverage.render.export``). Imports nothing from the package (any wing may use it).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_START", "csv_text", "deck_text", "spreadsheet_safe"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Prefix a quote to text a spreadsheet would evaluate (``=1+1``, ``@SUM``); numbers pass.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("-12.5"), spreadsheet_safe("Rota")
    ("'=HYPERLINK(1)", '-12.5', 'Rota')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def csv_text(table: pd.DataFrame, *, index: bool = False) -> str:
    """CSV text of ``table`` with every text cell made :func:`spreadsheet_safe`."""
    safe = table.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(spreadsheet_safe)
    return safe.to_csv(index=index, lineterminator="\n")


def deck_text(value: Any) -> Any:
    """Text deck.gl's JSON converter will not read as code.

    deck.gl's JSON converter reads a string starting with ``@@`` as an expression, a constant or
    a function reference (``@@=``, ``@@#``, ``@@function``). A leading ``@`` is replaced by the
    look-alike, inert ``＠`` (full-width commercial at), so the text still reads the same and no
    string reaches the converter starting with ``@@``. Other values pass unchanged.

    >>> deck_text("@@=evil"), deck_text("Deveselu")
    ('＠@=evil', 'Deveselu')
    """
    if isinstance(value, str) and value.startswith("@"):
        return "＠" + value[1:]
    return value
