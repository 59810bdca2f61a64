"""Column schemas and validation of tabular inputs (bundled data files and user uploads).

Every value is read as text and checked against its column: type, range, allowed values and
length. Problems are collected, not raised one at a time, so a user sees everything that is wrong
with a file at once; each problem names the file, the line, the column, the value and what is
allowed.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

__all__ = [
    "Column",
    "DataError",
    "DataProblem",
    "parse_date",
    "read_csv_as_text",
    "read_validated",
    "validate_frame",
]

Kind = Literal["str", "id", "float", "int", "date", "bool", "choice"]
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_MAX_PROBLEMS_SHOWN = 25


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong with one value of an input table."""

    source: str
    line: int | None
    column: str | None
    value: str | None
    allowed: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f": value {self.value[:80]!r}"
        return f"{where}{shown} — {self.allowed}"


class DataError(ValueError):
    """Raised when an input table has problems; ``problems`` lists every one found."""

    def __init__(self, problems: Sequence[DataProblem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:_MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > _MAX_PROBLEMS_SHOWN:
            lines.append(f"... and {len(self.problems) - _MAX_PROBLEMS_SHOWN} more problems")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Column:
    """Schema of one column.

    Attributes
    ----------
    name
        Column name as it appears in the header (units in the name, e.g. ``range_km``).
    kind
        ``str`` free text, ``id`` lower-case identifier, ``float``, ``int``, ``date`` (YYYY,
        YYYY-MM or YYYY-MM-DD), ``bool`` (true/false) or ``choice`` (one of ``choices``).
    required
        Whether an empty value is a problem.
    minimum, maximum
        Inclusive numeric range for ``float``/``int``; year range for ``date``.
    choices
        Allowed values for ``choice``.
    max_length
        Longest text accepted.
    description
        One line for the data dictionary and error messages.
    """

    name: str
    kind: Kind = "str"
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    max_length: int = 400
    description: str = ""

    def allowed(self) -> str:
        """Human description of what the column accepts."""
        if self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind in ("float", "int"):
            noun = "a number" if self.kind == "float" else "a whole number"
            text = f"{noun} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        elif self.kind == "date":
            text = "a date YYYY, YYYY-MM or YYYY-MM-DD"
            if self.minimum is not None:
                text += f" in {int(self.minimum)}..{int(self.maximum or 9999)}"
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "id":
            text = (
                "an identifier: lower-case letters, digits and _ (max 48), starting with a letter"
            )
        else:
            text = f"text of at most {self.max_length} characters"
        return text + ("" if self.required else " (or empty)")


def _fmt(v: float | None) -> str:
    if v is None:
        return "any"
    return f"{v:g}"


def parse_date(text: str) -> dt.date:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD to the first day it denotes; ``ValueError`` otherwise."""
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a date YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    return dt.date(year, month, day)


def _convert(col: Column, text: str) -> object:
    """Convert one non-empty text value; raise ``ValueError`` when it is not allowed."""
    if len(text) > col.max_length:
        raise ValueError
    if col.kind == "str":
        if any(ord(ch) < 32 and ch not in "\t" for ch in text):
            raise ValueError
        return text
    if col.kind == "id":
        if not _ID_RE.match(text):
            raise ValueError
        return text
    if col.kind == "choice":
        if text not in col.choices:
            raise ValueError
        return text
    if col.kind == "bool":
        low = text.lower()
        if low not in ("true", "false"):
            raise ValueError
        return low == "true"
    if col.kind == "date":
        d = parse_date(text)
        if col.minimum is not None and d.year < col.minimum:
            raise ValueError
        if col.maximum is not None and d.year > col.maximum:
            raise ValueError
        return text
    value = float(text)
    if not math.isfinite(value):
        raise ValueError
    if col.minimum is not None and value < col.minimum:
        raise ValueError
    if col.maximum is not None and value > col.maximum:
        raise ValueError
    if col.kind == "int":
        if value != int(value):
            raise ValueError
        return int(value)
    return value


def validate_frame(
    raw: pd.DataFrame,
    columns: Iterable[Column],
    source: str,
    *,
    unique: str | None = None,
    first_line: int = 2,
) -> tuple[pd.DataFrame, list[DataProblem]]:
    """Check and convert a table read as text.

    Parameters
    ----------
    raw
        Table with every cell as a string (``pd.read_csv(..., dtype=str, keep_default_na=False)``).
    columns
        The schema; extra columns in ``raw`` are a problem, so typos do not pass silently.
    source
        File name used in messages.
    unique
        Column whose values must be unique.
    first_line
        File line number of the first row (2 for a CSV with a header line).

    Returns
    -------
    DataFrame, list of DataProblem
        The converted table (rows with problems dropped) and every problem found.
    """
    cols = list(columns)
    problems: list[DataProblem] = []
    names = [c.name for c in cols]
    missing = [n for n in names if n not in raw.columns]
    for n in missing:
        spec = next(c for c in cols if c.name == n)
        problems.append(
            DataProblem(source, 1, n, None, f"missing column (expected: {spec.allowed()})")
        )
    for extra in [c for c in raw.columns if c not in names]:
        problems.append(
            DataProblem(
                source, 1, str(extra), None, "unknown column; allowed columns: " + ", ".join(names)
            )
        )
    if missing:
        return pd.DataFrame(columns=names), problems

    out_rows: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for i, (_, row) in enumerate(raw.iterrows()):
        line = first_line + i
        converted: dict[str, object] = {}
        ok = True
        for col in cols:
            text = "" if pd.isna(row[col.name]) else str(row[col.name]).strip()
            if text == "":
                if col.required:
                    problems.append(
                        DataProblem(
                            source, line, col.name, text, "a value is required: " + col.allowed()
                        )
                    )
                    ok = False
                converted[col.name] = None
                continue
            try:
                converted[col.name] = _convert(col, text)
            except (ValueError, OverflowError):
                problems.append(DataProblem(source, line, col.name, text, col.allowed()))
                ok = False
        if ok and unique is not None:
            key = converted[unique]
            if key in seen:
                problems.append(
                    DataProblem(
                        source,
                        line,
                        unique,
                        str(key),
                        f"must be unique; already used on line {seen[key]}",
                    )
                )
                ok = False
            else:
                seen[key] = line
        if ok:
            converted["_line"] = line
            out_rows.append(converted)
    frame = pd.DataFrame(out_rows, columns=[*names, "_line"])
    return frame, problems


def read_csv_as_text(
    label: str, *, path: Path | None = None, text: str | None = None
) -> tuple[pd.DataFrame | None, list[DataProblem]]:
    """Read a CSV file (``path``) or CSV text with every cell as a string, for :func:`validate_frame`.

    Returns ``(None, [problem])`` when the file is missing or not readable UTF-8 CSV.
    """
    try:
        if text is None:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        else:
            raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except FileNotFoundError:
        return None, [DataProblem(label, None, None, None, "file not found")]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return None, [
            DataProblem(label, None, None, None, f"not a readable UTF-8 CSV file ({exc})")
        ]
    return raw, []


def read_validated(
    label: str,
    columns: Iterable[Column],
    *,
    path: Path | None = None,
    text: str | None = None,
    unique: str | None = None,
) -> tuple[pd.DataFrame, list[DataProblem]]:
    """Read a CSV file or text and validate it against ``columns`` (the one table reader).

    Returns the converted table (with a ``_line`` column) and every problem found; a file that
    cannot be read gives an empty table and one problem.
    """
    raw, problems = read_csv_as_text(label, path=path, text=text)
    if raw is None:
        return pd.DataFrame(), problems
    return validate_frame(raw, columns, label, unique=unique)
