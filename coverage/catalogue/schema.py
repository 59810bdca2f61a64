"""Column schemas and validation of tabular inputs (bundled data files and user uploads).

Every value is read as text and checked against its column: type, range, allowed values and
length. Problems are collected, not raised one at a time, so a user sees everything that is wrong
with a file at once; each problem names the file, the line, the column, the value and what is
allowed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from coverage.catalogue.cachedir import (
    cache_folder,
    derived_caches_on,
    prune,
    source_version,
    write_atomic,
)

__all__ = [
    "Column",
    "DataError",
    "DataProblem",
    "invisible_characters",
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


def invisible_characters(text: str) -> list[str]:
    """Control and format characters in ``text`` (as ``U+XXXX`` names), tab excepted.

    Refused in every text value: C0/C1 controls (line breaks inside a cell, escape codes) and
    Unicode format characters, among them the direction overrides and isolates (U+202A-U+202E,
    U+2066-U+2069) that display text reversed, and zero-width characters that hide it.
    """
    found = []
    for ch in text:
        if ch == "\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf"):
            found.append(f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')})")
    return found


#: The only control characters an ASCII text can hold (tab excepted), for a fast first check.
_ASCII_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _convert(col: Column, text: str) -> object:
    """Convert one non-empty text value; raise ``ValueError`` when it is not allowed."""
    # ASCII text (almost every cell) needs only the regex; other text is checked per character.
    if not text.isascii() or _ASCII_CONTROL_RE.search(text):
        found = invisible_characters(text)
        if found:
            raise _InvisibleCharactersError(found)
    if len(text) > col.max_length:
        raise ValueError
    if col.kind == "str":
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


class _InvisibleCharactersError(ValueError):
    """A text value holding control or format characters (listed in ``args[0]``)."""


def validate_frame(
    raw: pd.DataFrame,
    columns: Iterable[Column],
    source: str,
    *,
    unique: str | tuple[str, ...] | None = None,
    first_line: int = 2,
    min_rows: int = 0,
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
        Column (or columns, jointly) whose values must be unique.
    first_line
        File line number of the first row (2 for a CSV with a header line).
    min_rows
        Fewest data rows accepted (1 for a table the tool cannot work without).

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
    if len(raw) < min_rows:
        problems.append(
            DataProblem(
                source, None, None, None, f"has {len(raw)} data rows; at least {min_rows} needed"
            )
        )
    keys = (unique,) if isinstance(unique, str) else tuple(unique or ())

    out_rows: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    # Plain tuples, not iterrows(): a Series per row costs ~20x more on the 3,000-row cities file.
    for i, values in enumerate(raw[names].itertuples(index=False, name=None)):
        line = first_line + i
        converted: dict[str, object] = {}
        ok = True
        for col, cell in zip(cols, values, strict=True):
            text = "" if pd.isna(cell) else str(cell).strip()
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
            except _InvisibleCharactersError as exc:
                problems.append(
                    DataProblem(
                        source,
                        line,
                        col.name,
                        text.encode("unicode_escape").decode("ascii"),
                        "control or invisible format characters are not allowed: "
                        + ", ".join(exc.args[0]),
                    )
                )
                ok = False
            except (ValueError, OverflowError):
                problems.append(DataProblem(source, line, col.name, text, col.allowed()))
                ok = False
        if ok and keys:
            key = tuple(converted[k] for k in keys)
            if key in seen:
                what = "" if len(keys) == 1 else " + ".join(keys) + " "
                problems.append(
                    DataProblem(
                        source,
                        line,
                        keys[-1],
                        ", ".join(str(k) for k in key),
                        f"{what}must be unique; already used on line {seen[key]}",
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
    unique: str | tuple[str, ...] | None = None,
    min_rows: int = 0,
) -> tuple[pd.DataFrame, list[DataProblem]]:
    """Read a CSV file or text and validate it against ``columns`` (the one table reader).

    Returns the converted table (with a ``_line`` column) and every problem found; a file that
    cannot be read gives an empty table and one problem.
    """
    cols = list(columns)
    names = [*(c.name for c in cols), "_line"]
    key, data = "", b""
    if text is None and path is not None and derived_caches_on():
        with contextlib.suppress(OSError):
            data = path.read_bytes()
            key = _table_key(data, label, cols, unique, min_rows)
            cached = _load_table(key, names)
            if cached is not None:
                return cached, []
    raw, problems = read_csv_as_text(label, path=path, text=text)
    if raw is None:
        return pd.DataFrame(), problems
    frame, problems = validate_frame(raw, cols, label, unique=unique, min_rows=min_rows)
    if key and not problems and path is not None:
        # Kept only if the file still holds the bytes of the key (an edit between the two
        # reads would otherwise be stored under the old bytes).
        with contextlib.suppress(OSError):
            if path.read_bytes() == data:
                _save_table(key, frame)
    return frame, problems


#: Validated tables kept on disk (``…/epaa-coverage/tables``); data/ holds about 25.
TABLE_CACHE_FILES = 64
_TABLE_FORMAT = 1


@functools.lru_cache(maxsize=1)
def _schema_source() -> str:
    return source_version(Path(__file__))


def _table_key(
    data: bytes,
    label: str,
    cols: list[Column],
    unique: str | tuple[str, ...] | None,
    min_rows: int,
) -> str:
    """Key of a validated file: its bytes, the schema it was checked against, this code."""
    h = hashlib.sha256(data)
    h.update(repr((_TABLE_FORMAT, label, cols, unique, min_rows)).encode())
    h.update(_schema_source().encode())
    return h.hexdigest()[:32]


def _load_table(key: str, names: list[str]) -> pd.DataFrame | None:
    """A table :func:`_save_table` wrote with these columns, or ``None``.

    ``None`` also when the entry is missing, unreadable or of another form, and when the cache
    folder cannot be used.
    """
    try:
        stored = json.loads((cache_folder("tables") / f"{key}.json").read_text("utf-8"))
        rows = stored["rows"]
        if stored["columns"] != names or not isinstance(rows, list):
            return None
        if not all(isinstance(r, list) and len(r) == len(names) for r in rows):
            return None
        # Built as validate_frame builds it (Python values, then one DataFrame), so the
        # columns' types are the ones a fresh validation gives.
        return pd.DataFrame(rows, columns=names)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None


def _save_table(key: str, frame: pd.DataFrame) -> None:
    """Keep a validated table (no problems) as JSON: text, numbers, flags and nulls only."""
    split = frame.to_dict(orient="split")
    data = json.dumps({"columns": split["columns"], "rows": split["data"]}, ensure_ascii=False)
    try:
        folder = cache_folder("tables")
    except (ValueError, RuntimeError):
        return  # a cache folder inside data/, or no home folder: only the cache is lost
    write_atomic(folder / f"{key}.json", data.encode("utf-8"))
    prune(folder, "*.json", TABLE_CACHE_FILES)
