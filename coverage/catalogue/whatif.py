"""What-if edits of the catalogue: user sites added, moved or removed in memory, never in ``data/``.

Everything here treats its input as untrusted. A form (a mapping), an uploaded CSV in the
``data/sites.csv`` schema (optionally with a ``data/deployments.csv``-schema file) or an uploaded
GeoJSON of Point features goes through the same schemas as the bundled files
(:data:`coverage.catalogue.tables.SCHEMAS`, :func:`coverage.catalogue.schema.validate_frame` and
:func:`coverage.catalogue.tables.cross_check`), plus the limits of this module (size, rows, columns,
custom sites). The policy is stated in every :class:`WhatIfResult`:

* valid rows are kept and every rejected row is reported (file, line or feature, field, value,
  what is allowed);
* the whole upload is refused, and the catalogue returned unchanged, when the file is too large,
  unreadable, has too many rows or columns, lacks a required column, or has no valid row.

User sites are marked as custom everywhere: their ids are listed in
:attr:`~coverage.catalogue.tables.Catalogue.custom_site_ids`, their confidence is ``"User"`` and their
source text starts with ``"User what-if"`` (tooltips and exports show it). An id that collides with
one already in the catalogue is renamed (``deveselu`` becomes ``deveselu_user``) and the rename is
stated; a row identical to one already in the catalogue is skipped as unchanged, so a downloaded
edited set can be uploaded again. User deployments may only be attached to custom sites. Reset is
simply using the sourced catalogue again.

Every function is pure: it returns a new :class:`~coverage.catalogue.tables.Catalogue` (built with
:func:`dataclasses.replace`) and never mutates its argument, which may be shared between users.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from coverage.catalogue.schema import Column, DataProblem, validate_frame
from coverage.catalogue.tables import SCHEMAS, Catalogue, cross_check
from coverage.textsafe import FORMULA_START

__all__ = [
    "DEPLOYMENT_COLUMNS",
    "MAX_COLUMNS",
    "MAX_CUSTOM_SITES",
    "MAX_DEPLOYMENT_ROWS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "REGION_OF_INTEREST",
    "SHORTCUT_COLUMNS",
    "SITE_COLUMNS",
    "USER_CONFIDENCE",
    "USER_SOURCE_PREFIX",
    "WhatIfResult",
    "add_site",
    "apply_upload",
    "export_deployments_csv",
    "export_sites_csv",
    "far_note",
    "move_site",
    "remove_site",
    "sites_from_csv",
    "sites_from_geojson",
]

#: Largest uploaded file accepted, bytes.
MAX_UPLOAD_BYTES = 1_000_000
#: Most site rows (CSV lines or GeoJSON features) in one upload.
MAX_ROWS = 200
#: Most deployment rows in one uploaded deployments file.
MAX_DEPLOYMENT_ROWS = 1000
#: Most columns (or distinct GeoJSON properties) in one upload.
MAX_COLUMNS = 40
#: Most custom sites in one what-if catalogue.
MAX_CUSTOM_SITES = 200
#: Confidence of every user site and deployment, whatever the input says.
USER_CONFIDENCE = "User"
#: Start of the source text of every user site and deployment (shown in tooltips and exports).
USER_SOURCE_PREFIX = "User what-if"

_SITE_SCHEMA: tuple[Column, ...] = tuple(SCHEMAS["sites.csv"])
_DEP_SCHEMA: tuple[Column, ...] = tuple(SCHEMAS["deployments.csv"])
SITE_COLUMNS: tuple[str, ...] = tuple(c.name for c in _SITE_SCHEMA)
DEPLOYMENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _DEP_SCHEMA)
#: Optional columns of a sites upload (CSV or GeoJSON properties) that create one deployment per
#: system: ``system_id`` (one id, or several separated by commas), ``year`` (sets both
#: ``planned_from_year`` and ``built_from``) and the deployments.csv columns of the same name.
SHORTCUT_COLUMNS: tuple[str, ...] = (
    "system_id",
    "year",
    "planned_from_year",
    "planned_until_year",
    "built_from",
    "built_until",
    "boresight_deg",
    "interceptor_count",
    "presence",
)
_TEXT_COLUMNS = {
    "sites.csv": tuple(c.name for c in _SITE_SCHEMA if c.kind == "str"),
    "deployments.csv": tuple(c.name for c in _DEP_SCHEMA if c.kind == "str"),
}
_MAX_LEN = {c.name: c.max_length for c in (*_SITE_SCHEMA, *_DEP_SCHEMA)}
_ID_MAX = 48
_WHATIF_LABEL = "what-if (user edits)"
_CHECK_LABEL = "what-if"


@dataclass(frozen=True)
class WhatIfResult:
    """Outcome of one what-if edit.

    Attributes
    ----------
    catalogue
        The catalogue to use from now on: the edited one, or the input unchanged when refused.
    accepted
        Rows taken in: sites added, moved or removed, plus rows of an uploaded deployments file.
    rejected
        One :class:`~coverage.catalogue.schema.DataProblem` per problem found (file, line or feature,
        field, value, what is allowed). Rows named here were left out.
    refused
        Whether the whole edit was refused (nothing changed).
    message
        One or two sentences saying what happened, for the user.
    renamed
        Ids changed because they collided with ids already in the catalogue, old to new.
    note
        What the user should know about an accepted edit (a site far outside the region the
        dashboard is about: :func:`far_note`), ``""`` when nothing; not part of ``message``.
    """

    catalogue: Catalogue
    accepted: int
    rejected: list[DataProblem]
    refused: bool
    message: str
    renamed: Mapping[str, str] = field(default_factory=dict)
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Where a row came from: file lines, GeoJSON features or the form.


@dataclass(frozen=True)
class _Origin:
    """How rows of one input are named in problems (``unit`` ``line``, ``feature`` or ``form``)."""

    source: str
    unit: Literal["line", "feature", "form"]

    def where(self, number: int | None) -> tuple[str, int | None]:
        if self.unit == "line" or number is None:
            return self.source, number
        if self.unit == "feature":
            return f"{self.source}, feature {number}", None
        return self.source, None

    def relabel(
        self,
        problem: DataProblem,
        numbers: Sequence[int],
        column_alias: Mapping[int, Mapping[str, str]] | None = None,
    ) -> DataProblem:
        """Map a problem found at row position ``problem.line`` back to the user's numbering."""
        if problem.value is None:  # header problems: missing or unknown column
            return replace(problem, source=self.source, line=1 if self.unit == "line" else None)
        pos = problem.line if problem.line is not None else -1
        number = numbers[pos] if 0 <= pos < len(numbers) else None
        source, line = self.where(number)
        allowed = re.sub(
            r"already used on line (\d+)",
            lambda m: self._already(numbers, int(m.group(1))),
            problem.allowed,
        )
        column = problem.column
        if (
            column_alias
            and pos in column_alias
            and column is not None
            and column in column_alias[pos]
        ):
            column = column_alias[pos][column]
        return replace(problem, source=source, line=line, column=column, allowed=allowed)

    def _already(self, numbers: Sequence[int], pos: int) -> str:
        number = numbers[pos] if 0 <= pos < len(numbers) else pos
        if self.unit == "feature":
            return f"already used by feature {number}"
        return f"already used on line {number}"


def _problem(
    origin: _Origin, number: int | None, column: str | None, value: object, allowed: str
) -> DataProblem:
    source, line = origin.where(number)
    return DataProblem(source, line, column, None if value is None else _short(value), allowed)


def _short(value: object, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)[:limit]
    return text[:limit]


# ---------------------------------------------------------------------------------------------
# Public API: form, moves, removals.


def add_site(
    catalogue: Catalogue, site: Mapping[str, object], *, source: str = "form"
) -> WhatIfResult:
    """Add one site (and its deployments) from a form.

    Parameters
    ----------
    catalogue
        The catalogue to edit (not mutated).
    site
        ``data/sites.csv`` fields (``name``, ``kind``, ``lon_deg``, ``lat_deg``, ``elevation_m``,
        optionally ``site_id``, ``country_iso3``, ``role``, ``coord_source``, ``notes``) plus the
        :data:`SHORTCUT_COLUMNS` for its deployments (e.g. ``system_id="spy1d"``, ``year=2016``,
        ``boresight_deg=100``). Missing ``site_id`` is made from the name; missing ``role`` and
        ``coord_source`` get a user default.
    source
        Name of the input in messages.
    """
    origin = _Origin(_clean_name(source, "form"), "form")
    try:
        row = {str(k): _text(v) for k, v in site.items()}
    except (TypeError, ValueError) as exc:
        return _refuse(catalogue, f"Site refused: {exc}.", [])
    if len(row) > MAX_COLUMNS:
        return _refuse(catalogue, f"Site refused: more than {MAX_COLUMNS} fields.", [])
    raw = pd.DataFrame([row], dtype=object)
    return _apply(catalogue, raw, [1], origin)


def move_site(
    catalogue: Catalogue,
    site_id: str,
    *,
    lon_deg: float,
    lat_deg: float,
    elevation_m: float | None = None,
) -> WhatIfResult:
    """Move a site (sourced or custom) to a new position; the moved site becomes custom.

    The site keeps its id and deployments; its coordinate confidence and the confidence of its
    deployments become ``"User"``, and a moved sourced site notes its sourced position.
    Coordinates are checked against the ``data/sites.csv`` schema (lon -180..180, lat -90..90,
    elevation -500..9000 m).
    """
    origin = _Origin("move", "form")
    sites = catalogue.sites
    match = sites.index[sites.site_id == site_id]
    if len(match) == 0:
        problem = DataProblem(
            "move", None, "site_id", _short(str(site_id)), "one of the sites in the catalogue"
        )
        return _refuse(catalogue, "Move refused: no such site.", [problem])
    old = sites.loc[match[0]]
    row = {c: _text(old[c]) for c in SITE_COLUMNS}
    row.update(lon_deg=_text(lon_deg), lat_deg=_text(lat_deg))
    if elevation_m is not None:
        row["elevation_m"] = _text(elevation_m)
    was_custom = site_id in catalogue.custom_site_ids
    if not was_custom:
        note = (
            f"Moved by the user from the sourced position {float(old.lon_deg):g}, "
            f"{float(old.lat_deg):g}. "
        )
        row["notes"] = (note + row["notes"])[: _MAX_LEN["notes"]]
        row["coord_source"] = _user_source(f"moved ({row['coord_source']})")
    row["coord_confidence"] = USER_CONFIDENCE
    frame, problems = validate_frame(
        pd.DataFrame([row], dtype=object), _SITE_SCHEMA, origin.source, first_line=0
    )
    problems = [origin.relabel(p, [1]) for p in problems]
    if problems or frame.empty:
        return _refuse(
            catalogue, "Move refused: the new position is not allowed (see the problems).", problems
        )
    new_row = frame.drop(columns="_line").iloc[0]
    new_sites = sites.copy()
    for col in SITE_COLUMNS:
        new_sites.at[match[0], col] = new_row[col]
    deps = catalogue.deployments.copy()
    deps.loc[deps.site_id == site_id, "confidence"] = USER_CONFIDENCE
    edited = replace(
        catalogue,
        sites=new_sites,
        deployments=deps,
        label=_WHATIF_LABEL,
        custom_site_ids=catalogue.custom_site_ids | {site_id},
    )
    guard = _final_check(edited)
    if guard:
        return _refuse(
            catalogue, "Move refused: the edited catalogue would be inconsistent.", guard
        )
    return WhatIfResult(
        edited,
        1,
        [],
        False,
        f"Moved {site_id} to {float(new_row.lon_deg):g}, {float(new_row.lat_deg):g}.",
        note=far_note([(site_id, float(new_row.lon_deg), float(new_row.lat_deg))]),
    )


def remove_site(catalogue: Catalogue, site_id: str) -> WhatIfResult:
    """Remove a site (sourced or custom) and every deployment at it."""
    sites = catalogue.sites
    if not (sites.site_id == site_id).any():
        problem = DataProblem(
            "remove", None, "site_id", _short(str(site_id)), "one of the sites in the catalogue"
        )
        return _refuse(catalogue, "Remove refused: no such site.", [problem])
    deps = catalogue.deployments
    n_deps = int((deps.site_id == site_id).sum())
    edited = replace(
        catalogue,
        sites=sites[sites.site_id != site_id].reset_index(drop=True),
        deployments=deps[deps.site_id != site_id].reset_index(drop=True),
        alternatives=catalogue.alternatives[catalogue.alternatives.site_id != site_id]
        if not catalogue.alternatives.empty
        else catalogue.alternatives,
        label=_WHATIF_LABEL,
        custom_site_ids=catalogue.custom_site_ids - {site_id},
    )
    return WhatIfResult(edited, 1, [], False, f"Removed {site_id} and its {n_deps} deployments.")


# ---------------------------------------------------------------------------------------------
# Public API: uploads.


def apply_upload(
    catalogue: Catalogue,
    data: bytes | str,
    *,
    name: str,
    deployments: bytes | str | None = None,
    deployments_name: str = "deployments.csv",
) -> WhatIfResult:
    """Apply an uploaded sites file, CSV or GeoJSON (chosen by extension, else by content)."""
    lower = name.lower()
    is_json = lower.endswith((".geojson", ".json"))
    if not lower.endswith((".csv", ".geojson", ".json")):
        head = (
            data[:64].lstrip("\ufeff \t\r\n")
            if isinstance(data, str)
            else data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        )
        is_json = head[:1] in ("{", b"{")
    if is_json:
        if deployments is not None:
            problem = DataProblem(
                _clean_name(deployments_name, "deployments.csv"),
                None,
                None,
                None,
                "a deployments file goes with a sites CSV; "
                "in GeoJSON give system_id and year properties",
            )
            result = sites_from_geojson(catalogue, data, name=name)
            return replace(result, rejected=[problem, *result.rejected])
        return sites_from_geojson(catalogue, data, name=name)
    return sites_from_csv(
        catalogue, data, name=name, deployments=deployments, deployments_name=deployments_name
    )


def sites_from_csv(
    catalogue: Catalogue,
    data: bytes | str | None,
    *,
    name: str = "sites.csv",
    deployments: bytes | str | None = None,
    deployments_name: str = "deployments.csv",
) -> WhatIfResult:
    """Add the sites of an uploaded CSV (``data/sites.csv`` columns), optionally with deployments.

    Parameters
    ----------
    catalogue
        The catalogue to edit (not mutated).
    data
        The file's bytes (UTF-8, at most :data:`MAX_UPLOAD_BYTES`), or ``None`` for a
        deployments-only upload that adds deployments to custom sites already present.
    name
        File name shown in messages.
    deployments
        Optional ``data/deployments.csv``-schema file; its rows may refer to sites of this upload
        (by their id in the file, even when renamed) or to custom sites already present.
    deployments_name
        Its file name in messages.
    """
    origin = _Origin(_clean_name(name, "sites.csv"), "line")
    raw: pd.DataFrame | None = None
    if data is not None:
        raw, refusal = _read_csv(data, origin, MAX_ROWS)
        if raw is None:
            return _refuse(catalogue, refusal, [])
    deps_raw = deps_origin = None
    if deployments is not None:
        deps_origin = _Origin(_clean_name(deployments_name, "deployments.csv"), "line")
        deps_raw, refusal = _read_csv(deployments, deps_origin, MAX_DEPLOYMENT_ROWS)
        if deps_raw is None:
            return _refuse(catalogue, refusal, [])
    if raw is None:
        raw = pd.DataFrame(columns=list(SITE_COLUMNS), dtype=object)
    lines = [i + 2 for i in range(len(raw))]
    return _apply(catalogue, raw, lines, origin, deps_raw=deps_raw, deps_origin=deps_origin)


def sites_from_geojson(
    catalogue: Catalogue, data: bytes | str, *, name: str = "sites.geojson"
) -> WhatIfResult:
    """Add the sites of an uploaded GeoJSON FeatureCollection of Point features.

    Each feature's properties are ``data/sites.csv`` columns (``lon_deg``/``lat_deg`` come from
    the Point; a third coordinate is used as ``elevation_m`` when that property is absent), plus
    optional :data:`SHORTCUT_COLUMNS` (``system_id``, ``year`` or ``built_from``/
    ``planned_from_year``, ``boresight_deg``...) that create its deployments. Problems name the
    feature by its number, counted from 1.
    """
    origin = _Origin(_clean_name(name, "sites.geojson"), "feature")
    text, refusal = _decode(data, origin.source)
    if text is None:
        return _refuse(catalogue, refusal, [])
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        return _refuse(
            catalogue,
            f"Upload refused: {origin.source} is not readable JSON ({_short(str(exc), 120)}).",
            [],
        )
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features: Any = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
    else:
        return _refuse(
            catalogue,
            f"Upload refused: {origin.source} is not a GeoJSON Feature or FeatureCollection.",
            [],
        )
    if not isinstance(features, list):
        return _refuse(
            catalogue, f"Upload refused: the 'features' of {origin.source} is not a list.", []
        )
    if len(features) > MAX_ROWS:
        return _refuse(
            catalogue,
            f"Upload refused: {origin.source} has {len(features)} features; "
            f"the limit is {MAX_ROWS}.",
            [],
        )
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    pre: list[DataProblem] = []
    keys: dict[str, None] = {}
    for k, feature in enumerate(features, start=1):
        row, problem = _feature_row(feature, k, origin)
        if problem is not None:
            pre.append(problem)
            continue
        keys.update(dict.fromkeys(row))
        if len(keys) > MAX_COLUMNS:
            return _refuse(
                catalogue,
                f"Upload refused: {origin.source} has more than {MAX_COLUMNS} distinct properties.",
                [],
            )
        rows.append(row)
        numbers.append(k)
    if not rows:
        return _refuse(
            catalogue, f"Upload refused: {origin.source} has no usable Point feature.", pre
        )
    raw = pd.DataFrame([{key: r.get(key, "") for key in keys} for r in rows], dtype=object)
    return _apply(catalogue, raw, numbers, origin, earlier=pre)


# ---------------------------------------------------------------------------------------------
# Public API: exports.


def export_sites_csv(catalogue: Catalogue) -> str:
    """Return the edited set of sites as ``data/sites.csv``-schema CSV text.

    Custom sites carry ``coord_confidence = User`` and a source starting with ``User what-if``.
    Text cells that a spreadsheet would run as a formula (starting with ``= + - @``) get a
    leading apostrophe.
    """
    return _to_csv(catalogue.sites, SITE_COLUMNS, _TEXT_COLUMNS["sites.csv"])


def export_deployments_csv(catalogue: Catalogue) -> str:
    """Return the edited deployments as ``data/deployments.csv`` text (see ``export_sites_csv``)."""
    return _to_csv(catalogue.deployments, DEPLOYMENT_COLUMNS, _TEXT_COLUMNS["deployments.csv"])


def _to_csv(frame: pd.DataFrame, columns: Sequence[str], text_columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for values in frame[list(columns)].itertuples(index=False):
        cells = []
        for col, value in zip(columns, values, strict=True):
            cell = _text(value)
            if col in text_columns and cell.startswith(FORMULA_START):
                cell = "'" + cell
            cells.append(cell)
        writer.writerow(cells)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading untrusted bytes.


def _clean_name(name: object, default: str) -> str:
    """Make a file name safe to show: base name, printable, at most 80 characters."""
    text = str(name) if name is not None else ""
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:80] or default


def _decode(data: bytes | str, source: str) -> tuple[str | None, str]:
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_UPLOAD_BYTES:
        return (
            None,
            f"Upload refused: {source} is {size / 1e6:.1f} MB; "
            f"the limit is {MAX_UPLOAD_BYTES / 1e6:g} MB.",
        )
    if size == 0:
        return None, f"Upload refused: {source} is empty."
    if (isinstance(data, str) and "\x00" in data) or (isinstance(data, bytes) and b"\x00" in data):
        return None, f"Upload refused: {source} is a binary file, not text."
    if isinstance(data, str):
        return data, ""
    try:
        return bytes(data).decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, f"Upload refused: {source} is not UTF-8 text."


def _read_csv(data: bytes | str, origin: _Origin, max_rows: int) -> tuple[pd.DataFrame | None, str]:
    text, refusal = _decode(data, origin.source)
    if text is None:
        return None, refusal
    n_lines = text.count("\n")
    if n_lines > 4 * max_rows + 10:  # cheap guard before parsing; exact count below
        return (
            None,
            f"Upload refused: {origin.source} has about {n_lines} lines; "
            f"the limit is {max_rows} rows.",
        )
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        reason = _short(
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, 120
        )
        return None, f"Upload refused: {origin.source} is not a readable CSV file ({reason})."
    if len(raw.columns) > MAX_COLUMNS:
        return (
            None,
            f"Upload refused: {origin.source} has {len(raw.columns)} columns; "
            f"the limit is {MAX_COLUMNS}.",
        )
    if len(raw) > max_rows:
        return (
            None,
            f"Upload refused: {origin.source} has {len(raw)} rows; the limit is {max_rows}.",
        )
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.astype(object), ""


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in JSON")


def _feature_row(
    feature: object, number: int, origin: _Origin
) -> tuple[dict[str, str], DataProblem | None]:
    """Text row of one GeoJSON feature, or the problem that rules it out."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {}, _problem(origin, number, None, feature, "a GeoJSON Feature object")
    geom = feature.get("geometry")
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if (
        not isinstance(geom, dict)
        or geom.get("type") != "Point"
        or not isinstance(coords, list)
        or not 2 <= len(coords) <= 3
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
    ):
        return {}, _problem(
            origin,
            number,
            "geometry",
            geom,
            "a Point with coordinates [lon, lat] or [lon, lat, elevation]",
        )
    props = feature.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        return {}, _problem(
            origin, number, "properties", props, "an object of data/sites.csv columns"
        )
    row = {str(k).strip(): _text(v) for k, v in props.items()}
    for key, value in (("lon_deg", coords[0]), ("lat_deg", coords[1])):
        given = row.get(key, "")
        if given != "":
            try:
                same = math.isclose(float(given), float(value), abs_tol=1e-7)
            except ValueError:
                same = False
            if not same:
                return {}, _problem(
                    origin,
                    number,
                    key,
                    given,
                    f"must match the Point coordinate ({value!r}) or be left out",
                )
        row[key] = _text(value)
    if len(coords) == 3 and row.get("elevation_m", "") == "":
        row["elevation_m"] = _text(coords[2])
    return row, None


def _text(value: object) -> str:
    """Write a cell as schema text: None/NA empty, floats without ``.0``, containers as JSON."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(float(value))  # np.float64 is a float whose repr names numpy
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _text(value.item())
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=str)[:2000]
    return str(value)[:2000]


# ---------------------------------------------------------------------------------------------
# The pipeline shared by the form and the uploads.


def _apply(
    catalogue: Catalogue,
    raw: pd.DataFrame,
    numbers: Sequence[int],
    origin: _Origin,
    *,
    deps_raw: pd.DataFrame | None = None,
    deps_origin: _Origin | None = None,
    earlier: Sequence[DataProblem] = (),
) -> WhatIfResult:
    """Validate user site rows (and deployments) and merge the valid ones into the catalogue.

    ``numbers`` gives each row's line or feature number; ``earlier`` are problems already found
    (rows left out before this point).
    """
    problems: list[DataProblem] = list(earlier)
    given = len(raw)
    existing = catalogue.sites.set_index("site_id", drop=False)
    taken: set[str] = set(catalogue.sites.site_id) | set(catalogue.deployments.deployment_id)

    # 1. Rows identical to a site already in the catalogue are skipped (re-uploaded exports).
    unchanged = 0
    if len(raw) and "site_id" in raw.columns:
        same = [
            _s(row.get("site_id")) in existing.index
            and _same(
                row, existing.loc[_s(row.get("site_id"))], SITE_COLUMNS, ("coord_confidence",)
            )
            for row in raw.to_dict("records")
        ]
        unchanged = sum(same)
        if unchanged:
            numbers = [n for n, skip in zip(numbers, same, strict=True) if not skip]
            raw = raw[[not skip for skip in same]].reset_index(drop=True)

    # 2. Sites: defaults for what the user does not decide, then the sites.csv schema.
    shortcut = raw[[c for c in raw.columns if c in SHORTCUT_COLUMNS]]
    site_raw = _site_defaults(raw.drop(columns=list(shortcut.columns)), origin, taken)
    if given == 0 and deps_raw is not None:  # a deployments-only upload
        valid = pd.DataFrame(columns=[*SITE_COLUMNS, "_line"])
    else:
        valid, found = validate_frame(
            site_raw, _SITE_SCHEMA, origin.source, unique="site_id", first_line=0
        )
        problems += [origin.relabel(p, numbers) for p in found]
        if _lacks_columns(valid, found):
            return _refuse(
                catalogue,
                f"{_verb(origin)} refused: {origin.source} lacks required columns (listed below).",
                problems,
            )

    # 3. Each valid row is new, or renamed when its id is already in the catalogue.
    accepted_rows: list[dict[str, object]] = []
    renamed: dict[str, str] = {}
    room = MAX_CUSTOM_SITES - len(catalogue.custom_site_ids & set(catalogue.sites.site_id))
    upload_ids = set(valid.site_id)
    for rec in valid.to_dict("records"):
        pos = int(rec.pop("_line"))
        sid = str(rec["site_id"])
        if sid in existing.index:
            new_id = _free_id(sid, taken | upload_ids)
            renamed[sid] = new_id
            rec["site_id"] = new_id
        if room <= 0:
            problems.append(
                _problem(
                    origin,
                    numbers[pos],
                    "site_id",
                    sid,
                    f"at most {MAX_CUSTOM_SITES} custom sites in one what-if; remove some first",
                )
            )
            continue
        room -= 1
        taken.add(str(rec["site_id"]))
        rec["_pos"] = pos
        accepted_rows.append(rec)

    # 4. Deployments from the shortcut columns of each accepted row (a bad one rules out its row).
    short_deps, alias, short_pos = _shortcut_deployments(accepted_rows, shortcut, origin, taken)
    new_ids = {str(r["site_id"]) for r in accepted_rows}
    custom_ids = (catalogue.custom_site_ids & set(catalogue.sites.site_id)) | new_ids
    dep_frame = pd.DataFrame(columns=[*DEPLOYMENT_COLUMNS, "_line"])
    if short_deps is not None:
        valid_deps, found = validate_frame(
            short_deps, _DEP_SCHEMA, origin.source, unique="deployment_id", first_line=0
        )
        dep_numbers = [numbers[p] for p in short_pos]
        dep_problems = [origin.relabel(p, dep_numbers, alias) for p in found]
        bad_pos = {short_pos[p.line] for p in found if p.value is not None and p.line is not None}
        checked, more, bad = _cross_check(
            catalogue, accepted_rows, valid_deps, origin, dep_numbers, alias
        )
        dep_problems += more
        bad_pos |= {short_pos[i] for i in bad}
        problems += dep_problems
        accepted_rows = [r for r in accepted_rows if r["_pos"] not in bad_pos]
        keep_sites = {str(r["site_id"]) for r in accepted_rows}
        dep_frame = checked[checked.site_id.isin(keep_sites)]
        new_ids = keep_sites
        custom_ids = (catalogue.custom_site_ids & set(catalogue.sites.site_id)) | new_ids

    # 5. Rows of an uploaded deployments file (custom sites only; renamed sites followed).
    n_dep_rows = 0
    if deps_raw is not None and deps_origin is not None:
        file_deps, found, skipped = _file_deployments(
            catalogue, deps_raw, deps_origin, renamed, custom_ids, taken
        )
        problems += found
        if file_deps is None:
            return _refuse(
                catalogue,
                f"Upload refused: {deps_origin.source} lacks required columns (listed below).",
                problems,
            )
        unchanged += skipped
        dep_numbers = [int(x) for x in file_deps["_line"]]
        file_deps = file_deps.assign(_line=range(len(file_deps)))
        checked, more, _ = _cross_check(
            catalogue, accepted_rows, file_deps, deps_origin, dep_numbers, None
        )
        problems += more
        n_dep_rows = len(checked)
        dep_frame = (
            pd.concat([dep_frame, checked], ignore_index=True) if len(dep_frame) else checked
        )

    accepted = len(accepted_rows) + n_dep_rows
    if accepted == 0:
        if problems:
            return _refuse(
                catalogue,
                f"{_verb(origin)} refused: no valid row in {origin.source} "
                "(problems listed below).",
                problems,
            )
        if not unchanged:
            return _refuse(catalogue, f"{_verb(origin)} refused: {origin.source} has no rows.", [])
        text = f"Nothing changed: {_plural(unchanged, 'row')} already in the catalogue."
        return WhatIfResult(catalogue, 0, [], False, text, renamed)

    # 6. The new catalogue (new frames; the input is never mutated) and a final consistency guard.
    site_rows = pd.DataFrame(
        [
            {**{c: r[c] for c in SITE_COLUMNS}, "_line": numbers[int(str(r["_pos"]))] or 0}
            for r in accepted_rows
        ],
        columns=[*SITE_COLUMNS, "_line"],
    )
    sites = (
        pd.concat([catalogue.sites, site_rows], ignore_index=True)
        if len(site_rows)
        else catalogue.sites
    )
    deps = catalogue.deployments
    if len(dep_frame):
        deps = pd.concat([deps, _typed_deployments(dep_frame)], ignore_index=True)
    edited = replace(
        catalogue,
        sites=sites,
        deployments=deps,
        label=_WHATIF_LABEL,
        custom_site_ids=frozenset(custom_ids | new_ids),
    )
    guard = _final_check(edited)
    if guard:
        return _refuse(
            catalogue,
            "Upload refused: the edited catalogue would be inconsistent (see the problems).",
            guard,
        )
    n_sites = len(accepted_rows)
    n_deps = len(dep_frame)
    done = f"Added {_plural(n_sites, 'site')} with {_plural(n_deps, 'deployment')}"
    if unchanged:
        done += f" ({unchanged} rows already in the catalogue skipped)"
    final_renamed = {k: v for k, v in renamed.items() if v in edited.custom_site_ids}
    far = far_note(
        (str(r["site_id"]), float(str(r["lon_deg"])), float(str(r["lat_deg"])))
        for r in accepted_rows
    )
    return WhatIfResult(
        edited,
        accepted,
        problems,
        False,
        _summary(problems, final_renamed, done + "."),
        final_renamed,
        far,
    )


#: Where the dashboard's questions are asked, ``(west, south, east, north)`` degrees: Europe,
#: its Atlantic approaches and the Middle East (the launch areas, the Gulf sites of the
#: alternative architectures). A site outside is accepted, with a note: the map zooms out to
#: hold it, and the figures still count NATO Europe only.
REGION_OF_INTEREST = (-45.0, 10.0, 75.0, 85.0)


def far_note(sites: Iterable[tuple[str, float, float]]) -> str:
    """A note naming the sites ``(id, lon, lat)`` outside :data:`REGION_OF_INTEREST`, or ``""``."""
    west, south, east, north = REGION_OF_INTEREST
    far = [
        f"{sid} ({_lat_lon(lat, lon)})"
        for sid, lon, lat in sites
        if not (west <= lon <= east and south <= lat <= north)
    ]
    if not far:
        return ""
    where = "lies" if len(far) == 1 else "lie"
    return (
        f"{', '.join(far)} {where} outside Europe and the Middle East "
        f"({_lat_lon(south, west)} to {_lat_lon(north, east)}): the map zooms out to show it, "
        "and the figures still count NATO Europe only."
    )


def _lat_lon(lat: float, lon: float) -> str:
    """``"89.5°N 0°E"``."""
    return f"{abs(lat):g}°{'N' if lat >= 0 else 'S'} {abs(lon):g}°{'E' if lon >= 0 else 'W'}"


def _summary(problems: Sequence[DataProblem], renamed: Mapping[str, str], done: str) -> str:
    parts = [done.rstrip(".") + "."]
    left_out = {(p.source, p.line) for p in problems if p.value is not None}
    if left_out:
        parts.append(
            f"{_plural(len(left_out), 'row')} left out, the rest kept "
            "(every problem is listed with its file, line or feature, field and what is allowed)."
        )
    ignored = list(dict.fromkeys(str(p.column) for p in problems if p.value is None))
    if ignored:
        parts.append(f"Unknown columns ignored: {', '.join(ignored[:8])}.")
    if renamed:
        pairs = ", ".join(f"{a} → {b}" for a, b in list(renamed.items())[:5])
        more = f" and {len(renamed) - 5} more" if len(renamed) > 5 else ""
        parts.append(f"Ids already in the catalogue were renamed: {pairs}{more}.")
    return " ".join(parts)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _lacks_columns(valid: pd.DataFrame, found: Sequence[DataProblem]) -> bool:
    return valid.empty and any(
        p.value is None and p.allowed.startswith("missing column") for p in found
    )


def _verb(origin: _Origin) -> str:
    return "Site" if origin.unit == "form" else "Upload"


def _refuse(catalogue: Catalogue, message: str, problems: Sequence[DataProblem]) -> WhatIfResult:
    return WhatIfResult(catalogue, 0, list(problems), True, message + " Nothing was changed.")


def _site_defaults(frame: pd.DataFrame, origin: _Origin, taken: set[str]) -> pd.DataFrame:
    """Fill what a user does not decide: confidence, source prefix, empty optionals, ids."""
    out = frame.copy()
    n = len(out)
    for col in ("country_iso3", "notes", "role", "coord_source", "site_id"):
        if col not in out.columns:
            out[col] = [""] * n
    out["coord_confidence"] = [USER_CONFIDENCE] * n
    out["role"] = [_s(v) or "What-if site" for v in out["role"]]
    out["coord_source"] = [_user_source(_s(v) or f"{origin.source}") for v in out["coord_source"]]
    ids = [_s(v) for v in out["site_id"]]
    used = taken | {i for i in ids if i}
    names = out["name"] if "name" in out.columns else [""] * n
    for i, (sid, name) in enumerate(zip(ids, names, strict=True)):
        if not sid:
            ids[i] = _new_id(_s(name), used)
            used.add(ids[i])
    out["site_id"] = ids
    return out


def _s(value: object) -> str:
    return "" if value is None else str(value).strip()


def _user_source(text: str) -> str:
    text = text.strip()
    if not text.startswith(USER_SOURCE_PREFIX):
        text = f"{USER_SOURCE_PREFIX}: {text}"
    return text[: _MAX_LEN["coord_source"]]


def _new_id(name: str, used: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")
    base = (f"user_{slug}" if slug else "user_site")[:40].rstrip("_")
    return _free_id(base, used, first=base)


def _free_id(base: str, used: set[str], first: str | None = None) -> str:
    """Find an id not in ``used``: ``first`` if free, else ``<base>_user``, ``<base>_user2``..."""
    if first is not None and first not in used:
        return first
    for k in range(1, 10_000):
        suffix = "_user" if k == 1 else f"_user{k}"
        if first is not None:
            suffix = f"_{k + 1}"
        candidate = base[: _ID_MAX - len(suffix)] + suffix
        if candidate not in used:
            return candidate
    raise RuntimeError(
        "no free id"
    )  # pragma: no cover - 10,000 collisions cannot happen under the row limits


def _same(
    rec: Mapping[str, object], old: pd.Series, columns: Sequence[str], ignore: Sequence[str] = ()
) -> bool:
    for col in columns:
        if col in ignore:
            continue
        a, b = _text(rec.get(col)).strip(), _text(old.get(col)).strip()
        if a != b:
            try:
                if float(a) == float(b):
                    continue
            except ValueError:
                pass
            return False
    return True


def _shortcut_deployments(
    rows: Sequence[Mapping[str, object]], shortcut: pd.DataFrame, origin: _Origin, taken: set[str]
) -> tuple[pd.DataFrame | None, dict[int, dict[str, str]], list[int]]:
    """Build deployment rows (text) from the shortcut columns, with site positions and aliases."""
    if "system_id" not in shortcut.columns:
        return None, {}, []
    out: list[dict[str, str]] = []
    alias: dict[int, dict[str, str]] = {}
    positions: list[int] = []
    for rec in rows:
        pos = int(rec["_pos"])  # type: ignore[call-overload]
        extra = {c: _s(shortcut.iloc[pos][c]) for c in shortcut.columns}
        systems = [
            s.strip()
            for s in re.split(r"[,;]", extra.get("system_id", "").strip("[]").replace('"', ""))
        ]
        systems = list(dict.fromkeys(s for s in systems if s))
        year = extra.get("year", "")
        for system in systems:
            dep_id = _free_id(
                f"{rec['site_id']}_{system}"[:40],
                taken,
                first=f"{rec['site_id']}_{system}"[:_ID_MAX],
            )
            taken.add(dep_id)
            row = {c: "" for c in DEPLOYMENT_COLUMNS}
            row.update({c: extra.get(c, "") for c in SHORTCUT_COLUMNS if c in DEPLOYMENT_COLUMNS})
            row.update(
                deployment_id=dep_id,
                site_id=str(rec["site_id"]),
                system_id=system,
                presence=extra.get("presence", "") or "permanent",
                source=_user_source(
                    str(rec["coord_source"]).removeprefix(f"{USER_SOURCE_PREFIX}: ")
                ),
                confidence=USER_CONFIDENCE,
            )
            names: dict[str, str] = {}
            if year:
                for col in ("planned_from_year", "built_from"):
                    if not row[col]:
                        row[col] = year
                        names[col] = "year"
            alias[len(out)] = names
            out.append(row)
            positions.append(pos)
    if not out:
        return None, {}, []
    return pd.DataFrame(out, columns=list(DEPLOYMENT_COLUMNS), dtype=object), alias, positions


def _file_deployments(
    catalogue: Catalogue,
    raw: pd.DataFrame,
    origin: _Origin,
    renamed: Mapping[str, str],
    custom_ids: set[str] | frozenset[str],
    taken: set[str],
) -> tuple[pd.DataFrame | None, list[DataProblem], int]:
    """Check the rows of an uploaded deployments file (``_line`` = file line).

    Returns the valid rows, the problems and the number of unchanged rows skipped.

    The frame is ``None`` when the file lacks a required column (the upload is then refused).
    """
    out = raw.copy()
    n = len(out)
    for col in (
        "phase",
        "planned_from_year",
        "planned_until_year",
        "built_from",
        "built_until",
        "boresight_deg",
        "interceptor_count",
        "notes",
        "source",
    ):
        if col not in out.columns:
            out[col] = [""] * n
    if "presence" not in out.columns:
        out["presence"] = ["permanent"] * n
    out["confidence"] = [USER_CONFIDENCE] * n
    out["source"] = [_user_source(_s(v) or origin.source) for v in out["source"]]
    lines = [i + 2 for i in range(n)]
    valid, found = validate_frame(
        out, _DEP_SCHEMA, origin.source, unique="deployment_id", first_line=0
    )
    problems = [origin.relabel(p, lines) for p in found]
    if _lacks_columns(valid, found):
        return None, problems, 0
    existing = catalogue.deployments.set_index("deployment_id", drop=False)
    keep: list[dict[str, object]] = []
    unchanged = 0
    for rec in valid.to_dict("records"):
        line = lines[int(rec.pop("_line"))]
        did = str(rec["deployment_id"])
        ref = str(rec["site_id"])
        if (
            ref not in renamed  # a deployment of a renamed site is new, whatever its id
            and did in existing.index
            and _same(rec, existing.loc[did], DEPLOYMENT_COLUMNS, ("confidence", "source"))
        ):
            unchanged += 1
            continue
        site = renamed.get(ref, ref)
        if site not in custom_ids:
            problems.append(
                _problem(
                    origin,
                    line,
                    "site_id",
                    rec["site_id"],
                    "a custom site: one in the uploaded sites file or one added before "
                    "(sourced sites cannot get user deployments; move or copy the site instead)",
                )
            )
            continue
        rec["site_id"] = site
        if did in taken:
            rec["deployment_id"] = _free_id(did, taken)
        taken.add(str(rec["deployment_id"]))
        rec["_line"] = line
        keep.append(rec)
    return pd.DataFrame(keep, columns=[*DEPLOYMENT_COLUMNS, "_line"]), problems, unchanged


def _cross_check(
    catalogue: Catalogue,
    new_sites: Sequence[Mapping[str, object]],
    deps: pd.DataFrame,
    origin: _Origin,
    numbers: Sequence[int],
    alias: Mapping[int, Mapping[str, str]] | None,
) -> tuple[pd.DataFrame, list[DataProblem], set[int]]:
    """Run :func:`cross_check` on new deployments (``_line`` = position); keep the clean ones."""
    if deps.empty:
        return deps, [], set()
    site_ids = pd.DataFrame(
        {"site_id": [*catalogue.sites.site_id, *(str(r["site_id"]) for r in new_sites)]}
    )
    tables = {
        "sites.csv": site_ids,
        "systems.csv": catalogue.systems,
        "parameters.csv": catalogue.parameters,
        "deployments.csv": deps,
    }
    found = [p for p in _run_cross_check(tables) if p.source == f"{_CHECK_LABEL}/deployments.csv"]
    problems = [origin.relabel(replace(p, source=origin.source), numbers, alias) for p in found]
    bad = {int(p.line) for p in found if p.line is not None}
    return deps[~deps["_line"].isin(bad)], problems, bad


def _typed_deployments(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the column types :func:`coverage.catalogue.tables.load_catalogue` gives its deployments."""
    out = frame.copy()
    for col in ("phase", "planned_from_year", "planned_until_year", "interceptor_count"):
        out[col] = pd.array(
            [None if v is None or pd.isna(v) else int(v) for v in out[col]], dtype="Int64"
        )
    out["boresight_deg"] = pd.to_numeric(out["boresight_deg"])
    out["_line"] = [int(v) for v in out["_line"]]
    return out


def _final_check(catalogue: Catalogue) -> list[DataProblem]:
    """Cross-check the whole edited catalogue (a guard: user rows were checked already)."""
    tables = {
        "sites.csv": catalogue.sites,
        "systems.csv": catalogue.systems,
        "parameters.csv": catalogue.parameters,
        "deployments.csv": catalogue.deployments,
    }
    return _run_cross_check(tables)


def _run_cross_check(tables: Mapping[str, pd.DataFrame]) -> list[DataProblem]:
    return cross_check(tables, label=_CHECK_LABEL)
