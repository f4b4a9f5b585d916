"""Declared schemas for nkecon's CSV files, and the validator that reads them.

The data folder holds one ``datapackage.json`` (the Frictionless Data Package standard) and
one CSV file per resource. The package is the single description of the data: each
resource's title, producer, citation, dates and licence, and its Table Schema (fields with
``type``, ``description``, ``unit`` and ``constraints``, ``primaryKey``, ``foreignKeys``).
Tools outside Python read it as it is (``frictionless validate data/datapackage.json``);
nkecon reads it into :class:`Schema` and validates with messages that name the file, line,
column and value and say what was expected.

Field types and the pandas dtype the loader gives them:

============  =====================================  ======================================
kind          what the CSV holds                     dtype
============  =====================================  ======================================
``integer``   whole numbers, ASCII digits only       ``int64`` (``Int64`` if not required)
``number``    decimal numbers with ``.``, no ``%``   ``float64``
``date``      ISO dates ``YYYY-MM-DD``               ``datetime64``
``category``  a ``string`` with ``constraints.enum``  ``category``
``tags``      ``;``-separated values of the field's  ``string``
              ``nkecon:tags`` list (a ``string``)
``string``    free text (optional ``pattern``)       ``string``
============  =====================================  ======================================

Constraints: ``required`` (no empty cells), ``minimum`` / ``maximum`` (inclusive), ``enum``,
``pattern`` (a regular expression the whole value must match); ``foreignKeys`` name the
resource whose key must contain a value (checked when ``known`` is given). Dates lie between
1677-09-22 and 2262-04-11, the dates a ``datetime64[ns]`` column can hold.

A column that holds several measures (``weather.value`` holds millimetres and degrees) takes
its plausible range per measure from the resource's ``nkecon:ranges``: a list of
``{"field": "value", "when": {"measure": "precipitation_mm", "season": "jja"}, "minimum": 0,
"maximum": 3000, "unit": "mm"}``; a row matching every ``when`` cell must hold a value in the
range (:func:`check_ranges`).

The validator never stops at the first problem. It runs in passes, each a function:
:func:`read_bytes`, :func:`decode`, :func:`split_rows`, :func:`check_header`,
:func:`check_cells`, :func:`check_keys`, :func:`check_ranges`; :func:`read_table` chains
them and returns the frame with every :class:`~nkecon.errors.Problem` found. Checks across
files live in :mod:`nkecon.checks`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .errors import Problem

__all__ = ["Column", "Range", "Schema", "SchemaError", "read_table", "DATE_MIN", "DATE_MAX"]

FIELD_TYPES = ("integer", "number", "date", "string")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_NUM_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONSTRAINTS = {"required", "minimum", "maximum", "enum", "pattern"}
#: The dates a ``datetime64[ns]`` column holds (pandas.Timestamp.min and .max, whole days).
DATE_MIN, DATE_MAX = date(1677, 9, 22), date(2262, 4, 11)


class SchemaError(ValueError):
    """The package's description of a resource is itself malformed (one line each)."""


@dataclass(frozen=True)
class Column:
    """One declared column: its kind, meaning, unit and constraints."""

    name: str
    type: str
    description: str
    unit: str = ""
    short_unit: str = ""
    required: bool = False
    min: float | None = None
    max: float | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    references: str | None = None

    @classmethod
    def from_field(cls, spec: Mapping[str, Any], *, where: str = "") -> "Column":
        """A column from a Table Schema field; :class:`SchemaError` if the field is malformed."""
        if not isinstance(spec, Mapping):
            raise SchemaError(f"{where}: a field must be an object, not {type(spec).__name__}")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise SchemaError(f"{where}: a field has no name")
        where = f"{where}, field {name!r}"
        ftype = spec.get("type", "string")
        if ftype not in FIELD_TYPES:
            raise SchemaError(f"{where}: type {ftype!r} is not supported; expected one of {', '.join(FIELD_TYPES)}")
        cons = spec.get("constraints") or {}
        if not isinstance(cons, Mapping) or set(cons) - _CONSTRAINTS:
            raise SchemaError(f"{where}: constraints must be an object with keys among {sorted(_CONSTRAINTS)}")
        bounds = {}
        for key in ("minimum", "maximum"):
            value = cons.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise SchemaError(f"{where}: constraint {key!r} is {value!r}; expected a number")
            if value is not None and ftype not in ("integer", "number"):
                raise SchemaError(f"{where}: constraint {key!r} applies only to integer or number fields")
            bounds[key] = value
        pattern = cons.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                raise SchemaError(f"{where}: pattern {pattern!r} is not a valid regular expression ({exc})") from None
        kind, enum = ftype, cons.get("enum")
        tags = spec.get("nkecon:tags")
        if tags is not None:
            kind, enum = "tags", tags
        elif enum is not None:
            kind = "category"
        if enum is not None and (not isinstance(enum, list) or not all(isinstance(v, str) for v in enum) or not enum):
            raise SchemaError(f"{where}: enum must be a non-empty list of text values")
        return cls(
            name=name,
            type=kind,
            description=str(spec.get("description", "")),
            unit=str(spec.get("unit", "")),
            short_unit=str(spec.get("short_unit", "")),
            required=bool(cons.get("required", False)),
            min=bounds["minimum"],
            max=bounds["maximum"],
            enum=tuple(enum) if enum is not None else None,
            pattern=pattern,
        )

    def expected(self) -> str:
        """A phrase saying what a valid cell of this column looks like."""
        if self.type == "integer":
            return "a whole number such as 2020"
        if self.type == "number":
            return "a plain decimal number such as -4.5 (no thousands separator, no %)"
        if self.type == "date":
            return "an ISO date YYYY-MM-DD such as 2020-01-30"
        if self.type == "category":
            return "one of " + ", ".join(self.enum or ())
        if self.type == "tags":
            return "tags separated by ';', each one of " + ", ".join(self.enum or ())
        return f"text matching {self.pattern!r}" if self.pattern else "text"

    def bounds(self) -> str:
        """The declared range in words, with the unit."""
        unit = f" {self.short_unit or self.unit}".rstrip()
        if self.min is not None and self.max is not None:
            return f"between {self.min:g} and {self.max:g}{unit}"
        if self.min is not None:
            return f"at least {self.min:g}{unit}"
        return f"at most {self.max:g}{unit}"


@dataclass(frozen=True)
class Range:
    """The plausible range of ``field`` in the rows whose cells equal ``when``."""

    field: str
    when: tuple[tuple[str, str], ...]
    min: float | None
    max: float | None
    unit: str = ""

    def describe(self) -> str:
        unit = f" {self.unit}".rstrip()
        rows = ", ".join(f"{k}={v}" for k, v in self.when)
        lo = "" if self.min is None else f"{self.min:g}"
        hi = "" if self.max is None else f"{self.max:g}"
        if self.min is not None and self.max is not None:
            return f"between {lo} and {hi}{unit} where {rows}"
        return (f"at least {lo}{unit}" if self.min is not None else f"at most {hi}{unit}") + f" where {rows}"


def _ranges(spec: Any, names: list[str], where: str) -> tuple[Range, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise SchemaError(f"{where}: 'nkecon:ranges' must be a list of ranges")
    out = []
    for i, r in enumerate(spec, 1):
        here = f"{where}, nkecon:ranges item {i}"
        if not isinstance(r, Mapping) or set(r) - {"field", "when", "minimum", "maximum", "unit"}:
            raise SchemaError(f"{here}: expected an object with field, when, minimum, maximum and unit")
        when = r.get("when")
        if r.get("field") not in names or not isinstance(when, Mapping) or not when \
                or any(k not in names or not isinstance(v, str) for k, v in when.items()):
            raise SchemaError(f"{here}: 'field' and the keys of 'when' must name declared fields, 'when' text values")
        bounds = [r.get("minimum"), r.get("maximum")]
        if all(b is None for b in bounds) or any(b is not None and (isinstance(b, bool) or not isinstance(b, (int, float)))
                                                 for b in bounds):
            raise SchemaError(f"{here}: 'minimum' and 'maximum' must be numbers (at least one)")
        out.append(Range(r["field"], tuple(sorted(when.items())), bounds[0], bounds[1], str(r.get("unit", ""))))
    return tuple(out)


@dataclass(frozen=True)
class Schema:
    """The columns of one CSV file, the key that identifies its rows and its foreign keys."""

    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    ranges: tuple[Range, ...] = ()
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))

    @classmethod
    def from_resource(cls, resource: Mapping[str, Any]) -> "Schema":
        """The schema of one Data Package resource; :class:`SchemaError` names what is wrong."""
        where = f"resource {resource.get('name')!r}"
        spec = resource.get("schema")
        if not isinstance(spec, Mapping):
            raise SchemaError(f"{where}: has no 'schema' object")
        fields = spec.get("fields")
        if not isinstance(fields, list) or not fields:
            raise SchemaError(f"{where}: schema has no fields; expected a list of columns")
        columns = [Column.from_field(f, where=where) for f in fields]
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise SchemaError(f"{where}: field names repeat: {sorted({n for n in names if names.count(n) > 1})}")
        key = spec.get("primaryKey")
        key = [key] if isinstance(key, str) else key
        if not isinstance(key, list) or not key or any(k not in names for k in key):
            raise SchemaError(f"{where}: primaryKey {spec.get('primaryKey')!r} must name declared fields {names}")
        refs: dict[str, str] = {}
        fks = spec.get("foreignKeys", []) or []
        if not isinstance(fks, list):
            raise SchemaError(f"{where}: foreignKeys must be a list")
        for fk in fks:
            try:
                col, target = fk["fields"], fk["reference"]["resource"]
            except (TypeError, KeyError):
                raise SchemaError(f"{where}: a foreignKey must give 'fields' and 'reference.resource'") from None
            if not isinstance(col, str) or col not in names or not isinstance(target, str):
                raise SchemaError(f"{where}: foreignKey field {col!r} is not a declared field")
            refs[col] = target
        columns = [Column(**{**c.__dict__, "references": refs.get(c.name)}) for c in columns]
        ranges = _ranges(resource.get("nkecon:ranges"), names, where)
        return cls(columns=tuple(columns), primary_key=tuple(key), ranges=ranges)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


# ---------------------------------------------------------------------------- passes


def read_bytes(path: Path, fname: str) -> tuple[bytes | None, list[Problem]]:
    """Pass 0: the file's bytes, refusing what is not a regular file (a folder, a FIFO)."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return None, [Problem(fname, "file not found")]
    except OSError as exc:
        return None, [Problem(fname, f"cannot be read: {exc.strerror}")]
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        return None, [Problem(fname, f"is {what}; expected a CSV file")]
    try:
        return Path(path).read_bytes(), []
    except OSError as exc:
        return None, [Problem(fname, f"cannot be read: {exc.strerror}")]


def decode(raw: bytes, fname: str) -> tuple[str | None, list[Problem]]:
    """Pass 1: UTF-8 text (a byte-order mark is dropped; UTF-16 and Latin-1 are refused)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(fname, "the file is UTF-16; expected UTF-8 (save it as 'CSV UTF-8')")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1]
        return None, [
            Problem(
                fname,
                f"byte {bad!r} is not UTF-8; expected a UTF-8 file (it looks saved in "
                "another encoding such as Latin-1 or Windows-1252: save it as 'CSV UTF-8')",
                line=line,
            )
        ]


def split_rows(text: str, fname: str, schema: Schema) -> tuple[list[tuple[int, list[str]]] | None, list[Problem]]:
    """Pass 2: the non-blank CSV records with their first physical line numbers."""
    empty = Problem(fname, "the file is empty; expected a header row: " + ",".join(schema.names))
    if not text.strip():
        return None, [empty]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if record and any(cell.strip() for cell in record):
                rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        return None, [
            Problem(fname, f"cannot be parsed as CSV ({exc}); check for an unclosed quote "
                    "(the file may be truncated)", line=start)
        ]
    if not rows:
        return None, [empty]
    if len(rows) == 1:
        return None, [Problem(fname, "has a header but no data rows; expected at least one row", line=rows[0][0])]
    return rows, []


def check_header(header_line: int, header: list[str], schema: Schema, fname: str) -> tuple[dict[str, int] | None, list[Problem]]:
    """Pass 3: every declared column once, nothing else; returns column -> position."""
    header = [h.strip() for h in header]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    dupes = sorted({h for h in header if header.count(h) > 1})
    missing = [n for n in schema.names if n not in header]
    unexpected = [h for h in header if h not in schema.names]
    if not (dupes or missing or unexpected):
        return {name: header.index(name) for name in schema.names}, []
    parts = []
    if missing:
        parts.append("missing column(s) " + ", ".join(map(repr, missing)))
    if unexpected:
        parts.append("unexpected column(s) " + ", ".join(map(repr, unexpected)))
    if dupes:
        parts.append("repeated column(s) " + ", ".join(map(repr, dupes)))
    hint = " (renamed?)" if missing and unexpected else ""
    return None, [
        Problem(fname, "; ".join(parts) + hint + "; expected the header " + ",".join(schema.names), line=header_line)
    ]


def parse_cell(col: Column, text: str) -> tuple[Any, str | None]:
    """Parse one non-empty cell; return (value, None) or (None, what was expected)."""
    t = col.type
    if t == "integer":
        if _INT_RE.fullmatch(text):
            return int(text), None
        hint = ""
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text):
            hint = " (remove the thousands separator)"
        elif re.fullmatch(r"[+-]?[0-9]+\.0*", text):
            hint = " (write it without decimals)"
        elif re.fullmatch(r"[+-]?\d+", text):
            hint = " (use ASCII digits 0-9)"
        return None, f"expected {col.expected()}{hint}"
    if t == "number":
        if _NUM_RE.fullmatch(text):
            value = float(text)
            if math.isfinite(value):
                return value, None
            return None, f"expected {col.expected()}; the number is too large"
        hint = ""
        if text.endswith("%"):
            hint = " (write percentages without the % sign)"
        elif re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", text):
            hint = " (remove the thousands separator)"
        elif re.fullmatch(r"[+-]?[0-9]+,[0-9]+", text):
            hint = " (use '.' as the decimal mark)"
        elif "\u2212" in text:
            hint = " (use an ASCII minus sign '-')"
        elif "_" in text:
            hint = " (remove the underscore)"
        elif text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            hint = "; leave the cell empty when it is missing"
        elif re.fullmatch(r"[+-]?[\d.]+", text):
            hint = " (use ASCII digits 0-9)"
        return None, f"expected {col.expected()}{hint}"
    if t == "date":
        if _DATE_RE.fullmatch(text):
            try:
                value = date.fromisoformat(text)
            except ValueError:
                return None, "not a real calendar date; expected YYYY-MM-DD"
            if not DATE_MIN <= value <= DATE_MAX:
                return None, f"out of range: expected a date between {DATE_MIN} and {DATE_MAX}"
            return value, None
        return None, f"expected {col.expected()}"
    if t == "category":
        if col.enum is not None and text not in col.enum:
            return None, f"expected {col.expected()}"
        return text, None
    if t == "tags":
        tags = [tag.strip() for tag in text.split(";")]
        bad = [tag for tag in tags if col.enum is not None and tag not in col.enum]
        if bad or "" in tags:
            return None, f"unknown or empty tag {bad[0] if bad else ''!r}; expected {col.expected()}"
        return ";".join(tags), None
    if col.pattern and not re.fullmatch(col.pattern, text):
        return None, f"expected {col.expected()}"
    return text, None


@dataclass
class _Cells:
    values: dict[str, list[Any]]
    lines: list[int]
    bad_key: list[bool]


def check_cells(
    rows: list[tuple[int, list[str]]],
    width: int,
    index: dict[str, int],
    schema: Schema,
    fname: str,
    known: Mapping[str, set[str]] | None,
) -> tuple[_Cells, list[Problem]]:
    """Pass 4: every cell parsed by its column's type and checked against its constraints."""
    problems: list[Problem] = []
    cells = _Cells({name: [] for name in schema.names}, [], [])
    for line, record in rows:
        if len(record) != width:
            problems.append(
                Problem(
                    fname,
                    f"the row has {len(record)} field(s) but the header has {width}; "
                    "the file may be truncated, or a comma inside a value is not quoted",
                    line=line,
                )
            )
            continue
        cells.lines.append(line)
        bad_key = False
        for col in schema.columns:
            cell = record[index[col.name]].strip()
            value, problem = None, None
            if cell == "":
                if col.required:
                    problem = Problem(fname, f"the cell is empty; expected {col.expected()}", line, col.name)
            else:
                value, expected = parse_cell(col, cell)
                if expected is not None:
                    problem = Problem(fname, expected, line, col.name, cell)
                elif col.type in ("integer", "number") and (
                    (col.min is not None and value < col.min) or (col.max is not None and value > col.max)
                ):
                    problem = Problem(fname, f"out of range: expected {col.bounds()}", line, col.name, cell)
                    value = None
                elif col.references and known is not None and col.references in known:
                    if value not in known[col.references]:
                        problem = Problem(
                            fname,
                            f"no such id in {col.references}.csv; expected the id of a "
                            f"row of {col.references}.csv (add it there first)",
                            line,
                            col.name,
                            cell,
                        )
            if problem is not None:
                problems.append(problem)
                bad_key = bad_key or col.name in schema.primary_key
            cells.values[col.name].append(value)
        cells.bad_key.append(bad_key)
    return cells, problems


def check_keys(cells: _Cells, schema: Schema, fname: str) -> list[Problem]:
    """Pass 5: the primary key identifies each row once. An empty key cell is a value of
    its own (two annual rows with an empty month collide), not a pass."""
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    for i, line in enumerate(cells.lines):
        if cells.bad_key[i]:
            continue
        key = tuple(cells.values[k][i] for k in schema.primary_key)
        if key in seen:
            shown = ", ".join(f"{k}={'(empty)' if v is None else v}" for k, v in zip(schema.primary_key, key))
            problems.append(
                Problem(
                    fname,
                    f"duplicate key ({shown}), already on line {seen[key]}; expected each "
                    f"({', '.join(schema.primary_key)}) once",
                    line,
                    schema.primary_key[0] if len(schema.primary_key) == 1 else None,
                )
            )
        else:
            seen[key] = line
    return problems


def check_ranges(cells: _Cells, schema: Schema, fname: str) -> list[Problem]:
    """Pass 6: each value within the plausible range of its row's measure (``nkecon:ranges``)."""
    problems: list[Problem] = []
    for rng in schema.ranges:
        values = cells.values[rng.field]
        conds = [(cells.values[k], v) for k, v in rng.when]
        for i, line in enumerate(cells.lines):
            value = values[i]
            if value is None or not all(col[i] == v for col, v in conds):
                continue
            if (rng.min is not None and value < rng.min) or (rng.max is not None and value > rng.max):
                problems.append(Problem(fname, f"out of range: expected {rng.describe()}", line, rng.field, f"{value:g}"))
    return problems


def _to_series(col: Column, values: list[Any]) -> pd.Series:
    t = col.type
    if t == "integer":
        if col.required and all(v is not None for v in values):
            return pd.Series(values, dtype="int64", name=col.name)
        return pd.Series(pd.array([pd.NA if v is None else v for v in values], dtype="Int64"), name=col.name)
    if t == "number":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64", name=col.name)
    if t == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), name=col.name).astype("datetime64[ns]")
    if t == "category":
        cats = list(col.enum) if col.enum is not None else sorted({v for v in values if v is not None})
        return pd.Series(pd.Categorical(values, categories=cats), name=col.name)
    return pd.Series(pd.array(values, dtype="string"), name=col.name)


def read_table(
    path: Path,
    schema: Schema,
    *,
    label: str | None = None,
    known: Mapping[str, set[str]] | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate one CSV file against its schema.

    ``known`` maps a referenced resource name to the set of its keys; a column with a
    foreign key must hold one of them. Returns the typed frame (sorted by its key) and the
    list of problems; the frame is ``None`` when the file could not be read at all.
    """
    fname = label or str(path)
    raw, problems = read_bytes(Path(path), fname)
    if raw is None:
        return None, problems
    text, problems = decode(raw, fname)
    if text is None:
        return None, problems
    rows, problems = split_rows(text, fname, schema)
    if rows is None:
        return None, problems
    (header_line, header), body = rows[0], rows[1:]
    index, problems = check_header(header_line, header, schema, fname)
    if index is None:
        return None, problems
    cells, problems = check_cells(body, len(header), index, schema, fname, known)
    problems += check_keys(cells, schema, fname)
    problems += check_ranges(cells, schema, fname)
    frame = pd.DataFrame({col.name: _to_series(col, cells.values[col.name]) for col in schema.columns})
    if not problems:
        frame = frame.sort_values(list(schema.primary_key), kind="stable").reset_index(drop=True)
    return frame, problems
