"""Declared schemas for nkecon's CSV files, and the validator that reads them.

Each dataset ``NAME`` is two files in the data folder: ``NAME.csv`` and ``NAME.json``. The
JSON holds the dataset's metadata (title, producer, citation, ...) and its schema: a list of
columns, each with a ``type``, a ``description`` and a ``unit``, and optional constraints.

Column types and the pandas dtype the loader gives them:

============  =====================================  ======================================
type          what the CSV holds                     dtype
============  =====================================  ======================================
``integer``   whole numbers, no separators           ``int64`` (``Int64`` if not required)
``number``    decimal numbers with ``.``, no ``%``   ``float64``
``date``      ISO dates ``YYYY-MM-DD``               ``datetime64``
``category``  one of the declared ``enum`` values    ``category``
``tags``      ``;``-separated ``enum`` values        ``string``
``string``    free text (optional ``pattern``)       ``string``
============  =====================================  ======================================

Constraints: ``required`` (no empty cells), ``min`` / ``max`` (inclusive), ``enum``,
``pattern`` (a regular expression the whole value must match), ``references`` (a dataset
whose key must contain the value; checked by :mod:`nkecon.datasets`).

The validator never stops at the first problem: :func:`read_table` returns the frame and
every :class:`~nkecon.errors.Problem` it found, each naming the file, line, column, value and
what was expected.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem

__all__ = ["Column", "Schema", "read_table"]

TYPES = ("integer", "number", "date", "category", "tags", "string")
_INT_RE = re.compile(r"[+-]?\d+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Column:
    """One declared column: its type, meaning, unit and constraints."""

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
    def from_dict(cls, spec: dict[str, Any]) -> "Column":
        spec = dict(spec)
        if spec.get("type") not in TYPES:
            raise ValueError(
                f"column {spec.get('name')!r} has type {spec.get('type')!r}; "
                f"expected one of {', '.join(TYPES)}"
            )
        if spec.get("enum") is not None:
            spec["enum"] = tuple(spec["enum"])
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"column {spec.get('name')!r} has unknown keys {sorted(unknown)}")
        return cls(**spec)

    def expected(self) -> str:
        """A phrase saying what a valid cell of this column looks like."""
        if self.type == "integer":
            what = "a whole number such as 2020"
        elif self.type == "number":
            what = "a plain decimal number such as -4.5 (no thousands separator, no %)"
        elif self.type == "date":
            what = "an ISO date YYYY-MM-DD such as 2020-01-30"
        elif self.type == "category":
            what = "one of " + ", ".join(self.enum or ())
        elif self.type == "tags":
            what = "tags separated by ';', each one of " + ", ".join(self.enum or ())
        else:
            what = f"text matching {self.pattern!r}" if self.pattern else "text"
        return what


@dataclass(frozen=True)
class Schema:
    """The columns of one CSV file and the key that identifies its rows."""

    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))
        missing = [k for k in self.primary_key if k not in self.names]
        if missing:
            raise ValueError(f"primary key column(s) {missing} are not declared columns")

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> "Schema":
        return cls(
            columns=tuple(Column.from_dict(c) for c in spec["columns"]),
            primary_key=tuple(spec["primary_key"]),
        )

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _decode(raw: bytes, fname: str) -> tuple[str | None, list[Problem]]:
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


def _parse_cell(col: Column, text: str) -> tuple[Any, str | None]:
    """Parse one non-empty cell; return (value, None) or (None, what was expected)."""
    t = col.type
    if t == "integer":
        if _INT_RE.fullmatch(text):
            return int(text), None
        hint = ""
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text):
            hint = " (remove the thousands separator)"
        elif re.fullmatch(r"[+-]?\d+\.0*", text):
            hint = " (write it without decimals)"
        return None, f"expected {col.expected()}{hint}"
    if t == "number":
        try:
            value = float(text)
        except ValueError:
            hint = ""
            if text.endswith("%"):
                hint = " (write percentages without the % sign)"
            elif re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
                hint = " (remove the thousands separator)"
            elif re.fullmatch(r"[+-]?\d+,\d+", text):
                hint = " (use '.' as the decimal mark)"
            elif text.replace("\u2212", "-") != text:
                hint = " (use an ASCII minus sign '-')"
            return None, f"expected {col.expected()}{hint}"
        if not math.isfinite(value):
            return None, f"expected {col.expected()}; leave the cell empty when it is missing"
        return value, None
    if t == "date":
        if _DATE_RE.fullmatch(text):
            try:
                return date.fromisoformat(text), None
            except ValueError:
                return None, "not a real calendar date; expected YYYY-MM-DD"
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
    known: dict[str, set[str]] | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and validate one CSV file against its schema.

    ``known`` maps a referenced dataset name to the set of its keys; a column declaring
    ``references`` must hold one of them. Returns the typed frame (sorted by its key) and
    the list of problems; the frame is ``None`` when the file could not be read at all.
    """
    fname = label or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None, [Problem(fname, "file not found")]
    except OSError as exc:
        return None, [Problem(fname, f"cannot be read: {exc.strerror}")]
    text, problems = _decode(raw, fname)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Problem(fname, "the file is empty; expected a header row: " + ",".join(schema.names))]

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
        return None, [Problem(fname, "the file is empty; expected a header row: " + ",".join(schema.names))]

    header_line, header = rows[0]
    header = [h.strip() for h in header]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    dupes = sorted({h for h in header if header.count(h) > 1})
    missing = [n for n in schema.names if n not in header]
    unexpected = [h for h in header if h not in schema.names]
    if dupes or missing or unexpected:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(map(repr, missing)))
        if unexpected:
            parts.append("unexpected column(s) " + ", ".join(map(repr, unexpected)))
        if dupes:
            parts.append("repeated column(s) " + ", ".join(map(repr, dupes)))
        hint = " (renamed?)" if missing and unexpected else ""
        return None, [
            Problem(
                fname,
                "; ".join(parts) + hint + "; expected the header " + ",".join(schema.names),
                line=header_line,
            )
        ]

    index = {name: header.index(name) for name in schema.names}
    values: dict[str, list[Any]] = {name: [] for name in schema.names}
    lines: list[int] = []
    for line, record in rows[1:]:
        if len(record) != len(header):
            problems.append(
                Problem(
                    fname,
                    f"the row has {len(record)} field(s) but the header has {len(header)}; "
                    "the file may be truncated, or a comma inside a value is not quoted",
                    line=line,
                )
            )
            continue
        lines.append(line)
        for col in schema.columns:
            cell = record[index[col.name]].strip()
            value = None
            if cell == "":
                if col.required:
                    problems.append(
                        Problem(fname, f"the cell is empty; expected {col.expected()}", line, col.name)
                    )
            else:
                value, expected = _parse_cell(col, cell)
                if expected is not None:
                    problems.append(Problem(fname, expected, line, col.name, cell))
                elif col.type in ("integer", "number") and (
                    (col.min is not None and value < col.min) or (col.max is not None and value > col.max)
                ):
                    unit = f" {col.short_unit or col.unit}".rstrip()
                    problems.append(
                        Problem(
                            fname,
                            f"out of range: expected between {col.min:g} and {col.max:g}{unit}",
                            line,
                            col.name,
                            cell,
                        )
                    )
                    value = None
                elif col.references and known is not None and col.references in known:
                    if value not in known[col.references]:
                        problems.append(
                            Problem(
                                fname,
                                f"no such id in {col.references}.csv; expected the id of a "
                                f"row of {col.references}.csv (add the source there first)",
                                line,
                                col.name,
                                cell,
                            )
                        )
            values[col.name].append(value)

    seen: dict[tuple, int] = {}
    for i, line in enumerate(lines):
        key = tuple(values[k][i] for k in schema.primary_key)
        if any(v is None for v in key):
            continue
        if key in seen:
            shown = ", ".join(f"{k}={v}" for k, v in zip(schema.primary_key, key))
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

    frame = pd.DataFrame({col.name: _to_series(col, values[col.name]) for col in schema.columns})
    if not problems:
        frame = frame.sort_values(list(schema.primary_key), kind="stable").reset_index(drop=True)
    return frame, problems
