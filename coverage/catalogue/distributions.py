"""Parameter distributions for the Monte-Carlo sweep: data/distributions.csv, validated.

One row per sampled *variable*: the distribution built from its low / nominal / high
(``pert``, ``triangular`` or ``uniform``), its source and confidence, and the parameters it
applies to (``applies_to``, space-separated). A variable that applies to several parameters
gives them one shared draw: a stated rank correlation of 1 (the same booster's SM-3 IA and IB).

Targets are ``parameters.csv:<system_id>/<parameter>``, ``detection.csv:<parameter>`` or
``query:<field>`` (an engagement assumption with no data file: the track + C2 delay). For the
first two, the row's numbers must equal the referenced row's, so the sweep and the
low/nominal/high cases can never drift apart; and every banded parameter (low ≠ high) of
parameters.csv and detection.csv must belong to exactly one variable, except a stage's burn
time, which scales with its system's drawn total burn time (its band must be the total's,
scaled).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coverage.catalogue.analysis import read_analysis_table
from coverage.catalogue.schema import Column, DataError, DataProblem, read_validated
from coverage.catalogue.tables import CONFIDENCES, DATA_DIR, read_table

__all__ = [
    "DISTRIBUTION_KINDS",
    "DISTRIBUTIONS_FILE",
    "QUERY_FIELDS",
    "Target",
    "load_distributions",
    "parse_targets",
    "read_distributions",
]

DISTRIBUTIONS_FILE = "distributions.csv"
#: ``pert``: Beta-PERT (λ = 4) on [min, max] with its mode at nominal; ``triangular``: low, mode,
#: high; ``uniform``: flat between low and high (nominal ignored for the shape).
DISTRIBUTION_KINDS = ("pert", "triangular", "uniform")
#: Engagement assumptions a ``query:`` target may name, with their allowed range.
QUERY_FIELDS: Mapping[str, tuple[str, float, float]] = {
    "delay_s": ("s", 0.0, 1200.0),
    "sls_interval_s": ("s", 1.0, 600.0),
}
_TEXT = 400
#: The stage burn-time rows of parameters.csv, which scale with their system's drawn total.
_STAGE_TIME = re.compile(r"stage[0-9]+_burn_time_s")
SCHEMA: tuple[Column, ...] = (
    Column("variable", "id", description="Name of the sampled variable"),
    Column(
        "applies_to",
        "str",
        max_length=_TEXT,
        description="Space-separated targets: parameters.csv:SYSTEM/PARAMETER, "
        "detection.csv:PARAMETER or query:FIELD",
    ),
    Column("distribution", "choice", choices=DISTRIBUTION_KINDS),
    Column("unit", "str", required=False, max_length=12),
    Column("low", "float", minimum=0, maximum=1e6),
    Column("nominal", "float", minimum=0, maximum=1e6),
    Column("high", "float", minimum=0, maximum=1e6),
    Column("source", "str", max_length=_TEXT),
    Column("confidence", "choice", choices=CONFIDENCES),
    Column("note", "str", required=False, max_length=_TEXT),
)


@dataclass(frozen=True)
class Target:
    """One parameter a variable sets: ``table`` is parameters.csv, detection.csv or query."""

    table: str
    system_id: str
    parameter: str

    def __str__(self) -> str:
        if self.table == "parameters.csv":
            return f"{self.table}:{self.system_id}/{self.parameter}"
        return f"{self.table}:{self.parameter}"


def parse_targets(text: str) -> tuple[Target, ...]:
    """Targets of an ``applies_to`` value; ``ValueError`` names the bad token and the forms."""
    out = []
    for token in str(text).split():
        table, sep, rest = token.partition(":")
        if not sep or not rest:
            raise ValueError(f"{token!r} is not TABLE:NAME")
        if table == "parameters.csv":
            system_id, slash, parameter = rest.partition("/")
            if not slash or not system_id or not parameter:
                raise ValueError(f"{token!r}: parameters.csv targets are SYSTEM/PARAMETER")
            out.append(Target(table, system_id, parameter))
        elif table in ("detection.csv", "query"):
            out.append(Target(table, "", rest))
        else:
            raise ValueError(f"{token!r}: the table must be parameters.csv, detection.csv or query")
    if not out:
        raise ValueError("no target given")
    return tuple(out)


def read_distributions(
    *, text: str | None = None, data_dir: Path = DATA_DIR
) -> tuple[pd.DataFrame, list[DataProblem]]:
    """Read and cross-check data/distributions.csv; returns the table and every problem."""
    label = f"data/{DISTRIBUTIONS_FILE}"
    frame, problems = read_validated(
        label,
        SCHEMA,
        path=data_dir / DISTRIBUTIONS_FILE,
        text=text,
        unique="variable",
        min_rows=1,
    )
    if frame.empty:
        return frame, problems
    params, p_problems = read_table("parameters.csv", data_dir=data_dir)
    detection, d_problems = read_analysis_table("detection.csv", data_dir=data_dir)
    if p_problems or d_problems:
        return frame, problems  # those files report their own problems
    reference: dict[Target, tuple[float, float, float]] = {}
    for r in params.itertuples(index=False):
        reference[Target("parameters.csv", r.system_id, r.parameter)] = (r.low, r.nominal, r.high)
    for r in detection.itertuples(index=False):
        reference[Target("detection.csv", "", r.parameter)] = (r.low, r.nominal, r.high)
    seen: dict[Target, str] = {}
    for row in frame.to_dict(orient="records"):
        line, numbers = int(row["_line"]), (row["low"], row["nominal"], row["high"])
        lo, nom, hi = numbers
        if not (lo <= nom <= hi or lo >= nom >= hi) or lo == hi:
            problems.append(
                DataProblem(
                    label,
                    line,
                    "nominal",
                    f"{nom:g}",
                    f"must lie between low ({lo:g}) and high ({hi:g}), which must differ",
                )
            )
        try:
            targets = parse_targets(row["applies_to"])
        except ValueError as exc:
            problems.append(DataProblem(label, line, "applies_to", row["applies_to"], str(exc)))
            continue
        for target in targets:
            if target in seen:
                problems.append(
                    DataProblem(
                        label,
                        line,
                        "applies_to",
                        str(target),
                        f"already drawn by variable {seen[target]!r}; a parameter has one variable",
                    )
                )
            seen[target] = row["variable"]
            if target.table == "query":
                if target.parameter not in QUERY_FIELDS:
                    problems.append(
                        DataProblem(
                            label,
                            line,
                            "applies_to",
                            str(target),
                            "query fields allowed: " + ", ".join(QUERY_FIELDS),
                        )
                    )
                    continue
                unit, vmin, vmax = QUERY_FIELDS[target.parameter]
                if not all(vmin <= v <= vmax for v in numbers):
                    problems.append(
                        DataProblem(
                            label, line, "low", f"{lo:g}", f"{vmin:g} to {vmax:g} {unit} for each"
                        )
                    )
                continue
            ref = reference.get(target)
            if ref is None:
                problems.append(
                    DataProblem(
                        label, line, "applies_to", str(target), f"no such row in {target.table}"
                    )
                )
            elif tuple(float(v) for v in ref) != tuple(float(v) for v in numbers):
                problems.append(
                    DataProblem(
                        label,
                        line,
                        "low",
                        f"{lo:g}/{nom:g}/{hi:g}",
                        f"low/nominal/high must equal {target.table}'s "
                        f"{ref[0]:g}/{ref[1]:g}/{ref[2]:g} for {target}",
                    )
                )
    for target, (lo, nom, hi) in reference.items():
        total = _stage_total(target, reference)
        if total is not None and total in seen:
            # A stage's burn time follows its system's drawn total: each stage keeps its share.
            t_lo, t_nom, t_hi = reference[total]
            if not (math.isclose(lo * t_nom, nom * t_lo) and math.isclose(hi * t_nom, nom * t_hi)):
                problems.append(
                    DataProblem(
                        "data/parameters.csv",
                        None,
                        "low",
                        f"{lo:g}/{nom:g}/{hi:g}",
                        f"{target} must scale with {total} ({t_lo:g}/{t_nom:g}/{t_hi:g}): "
                        f"{nom * t_lo / t_nom:g}/{nom:g}/{nom * t_hi / t_nom:g}",
                    )
                )
            continue
        if lo != hi and target not in seen:
            problems.append(
                DataProblem(
                    label,
                    None,
                    "applies_to",
                    str(target),
                    f"a banded parameter ({lo:g} to {hi:g}) needs a distribution row",
                )
            )
    return frame, problems


def _stage_total(
    target: Target, reference: Mapping[Target, tuple[float, float, float]]
) -> Target | None:
    """For a ``stage<i>_burn_time_s`` row, its system's ``burn_time_s`` row (``None`` otherwise).

    A stage's burn time is not drawn by itself: it scales with its system's drawn total
    (:func:`coverage.products.draws.apply_draw`), so its band must be the total's, scaled.
    """
    if target.table != "parameters.csv" or not _STAGE_TIME.fullmatch(target.parameter):
        return None
    total = Target("parameters.csv", target.system_id, "burn_time_s")
    return total if total in reference else None


@functools.lru_cache(maxsize=4)
def _load(data_dir: Path) -> pd.DataFrame:
    frame, problems = read_distributions(data_dir=data_dir)
    if problems:
        raise DataError(problems)
    return frame.drop(columns="_line")


def load_distributions(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The validated data/distributions.csv (a copy); ``DataError`` lists every problem."""
    return _load(data_dir).copy()
