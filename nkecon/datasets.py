"""Loaders for nkecon's curated data: typed pandas frames, validated on every load.

Every dataset ``NAME`` is ``NAME.csv`` plus ``NAME.json`` (its metadata and declared schema)
in the data folder. The schema is always nkecon's own (the shipped JSON); an analyst's copy
of the data (``data_dir=`` or ``$NKECON_DATA_DIR``) must have the same layout and is
validated exactly like the shipped files.

>>> import nkecon as nk
>>> gdp = nk.load_gdp()
>>> float(gdp.loc[gdp.year == 2020, "growth_pct"].iloc[0])
-4.5
>>> nk.get_metadata("gdp").producer
'Bank of Korea'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from .errors import DataError, Problem, UnknownDatasetError
from .registry import DATASETS, data_files
from .schema import Column, Schema, read_table

__all__ = [
    "DATASETS",
    "DatasetMetadata",
    "list_datasets",
    "get_metadata",
    "load",
    "load_gdp",
    "load_sectors",
    "load_trade",
    "load_export_composition",
    "load_food",
    "load_sanctions",
    "load_events",
    "load_sources",
    "validate",
    "data_files",
]


_REQUIRED_META = (
    "title",
    "description",
    "producer",
    "citation",
    "url",
    "date_published",
    "date_accessed",
    "licence",
)


@dataclass(frozen=True)
class DatasetMetadata:
    """What a dataset is, who made it, and what each column means and measures."""

    name: str
    title: str
    description: str
    producer: str
    citation: str
    url: str
    date_published: str
    date_accessed: str
    licence: str
    period_column: str | None
    schema: Schema
    notes: str = ""

    @property
    def columns(self) -> dict[str, Column]:
        """Column name -> :class:`~nkecon.schema.Column` (description, unit, type)."""
        return {c.name: c for c in self.schema.columns}

    def label(self, column: str) -> str:
        """An axis label for ``column``: its description and unit, from the metadata."""
        col = self.columns[column]
        unit = col.short_unit or col.unit
        return f"{col.description} ({unit})" if unit else col.description

    def to_dict(self) -> dict[str, Any]:
        """The metadata as plain JSON-ready values."""
        out = {k: getattr(self, k) for k in ("name", "title", "description", "producer", "citation",
                                              "url", "date_published", "date_accessed", "licence",
                                              "period_column", "notes")}
        out["primary_key"] = list(self.schema.primary_key)
        out["columns"] = [
            {k: v for k, v in c.__dict__.items() if v not in (None, "", False)} for c in self.schema.columns
        ]
        return out


def _check_name(name: str) -> str:
    if name not in DATASETS:
        import difflib

        close = difflib.get_close_matches(name, DATASETS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownDatasetError(
            f"No dataset named {name!r}; see nkecon.list_datasets() (known: {', '.join(DATASETS)}).{hint}"
        )
    return name


_META_CACHE: dict[tuple, DatasetMetadata] = {}
_FRAME_CACHE: dict[tuple, pd.DataFrame] = {}


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


def _read_meta(path: Path, name: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    label = f"{name}.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem(label, f"file not found in {path.parent}; every dataset needs its metadata file")]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return None, [Problem(label, f"is not valid UTF-8 JSON ({exc})", line=line)]
    problems = [
        Problem(label, f"metadata field {key!r} is missing or empty; expected text")
        for key in _REQUIRED_META
        if not str(meta.get(key) or "").strip()
    ]
    return meta, problems


def get_metadata(name: str, *, data_dir: str | os.PathLike | None = None) -> DatasetMetadata:
    """The metadata of dataset ``name``: producer, citation, URL, dates, licence, columns.

    The descriptive fields come from the data folder in use; the schema is nkecon's own.

    >>> meta = get_metadata("gdp")
    >>> meta.columns["growth_pct"].unit
    'percent'
    """
    _check_name(name)
    folder = paths.data_dir(data_dir)
    shipped = paths.shipped_data_dir()
    key = (_stamp(folder / f"{name}.json"), _stamp(shipped / f"{name}.json"))
    if key in _META_CACHE:
        return _META_CACHE[key]
    meta, problems = _read_meta(folder / f"{name}.json", name)
    if problems:
        raise DataError(problems)
    own = meta if folder.resolve() == shipped.resolve() else json.loads(
        (shipped / f"{name}.json").read_text(encoding="utf-8")
    )
    result = DatasetMetadata(
        name=name,
        title=meta["title"],
        description=meta["description"],
        producer=meta["producer"],
        citation=meta["citation"],
        url=meta["url"],
        date_published=meta["date_published"],
        date_accessed=meta["date_accessed"],
        licence=meta["licence"],
        period_column=own.get("period_column"),
        schema=Schema.from_dict(own),
        notes=meta.get("notes", ""),
    )
    _META_CACHE[key] = result
    return result


def _load_checked(name: str, folder: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one dataset from ``folder`` and return it with every problem found."""
    try:
        meta = get_metadata(name, data_dir=folder)
    except DataError as exc:
        return None, exc.problems
    known = None
    problems: list[Problem] = []
    refs = {c.references for c in meta.schema.columns if c.references}
    if refs:
        known = {}
        for ref in refs:
            frame, ref_problems = _load_checked(ref, folder)
            if frame is None or ref_problems:
                problems.append(Problem(f"{name}.csv", f"cannot check its ids: {ref}.csv is invalid"))
                return frame, problems + ref_problems
            key = get_metadata(ref, data_dir=folder).schema.primary_key[0]
            known[ref] = set(frame[key].astype(str))
    csv_path = folder / f"{name}.csv"
    stamp = (_stamp(csv_path), _stamp(folder / f"{name}.json"), tuple(sorted(_stamp(folder / f"{r}.csv") for r in refs)))
    if stamp in _FRAME_CACHE:
        return _FRAME_CACHE[stamp], []
    frame, problems = read_table(csv_path, meta.schema, label=str(csv_path), known=known)
    if frame is not None and not problems:
        _FRAME_CACHE[stamp] = frame
    return frame, problems


def load(name: str, *, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load dataset ``name`` as a typed, validated frame sorted by its key.

    Raises :class:`~nkecon.errors.DataError` naming the file, line, column and value of the
    first problem when the file does not match its schema.
    """
    _check_name(name)
    frame, problems = _load_checked(name, paths.data_dir(data_dir))
    if problems:
        raise DataError(problems)
    return frame.copy()


def _loader(name: str, doc: str):
    def loader(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
        return load(name, data_dir=data_dir)

    loader.__name__ = loader.__qualname__ = f"load_{name}"
    loader.__doc__ = doc + "\n\n    See ``get_metadata(%r)`` for sources, columns and units.\n" % name
    return loader


load_sources = _loader("sources", "Every source cited by a row of any dataset: publisher, title, URL, dates.")
load_gdp = _loader("gdp", "Bank of Korea estimates of North Korea's real GDP growth and GNI, one row per year.")
load_sectors = _loader("sectors", "Bank of Korea growth and GDP shares by industry, one row per year and sector.")
load_trade = _loader("trade", "North Korea's external trade (KOTRA, BOK) and China customs trade, annual and monthly.")
load_export_composition = _loader("export_composition", "North Korea's exports by product in a base year.")
load_food = _loader("food", "Grain production (RDA) and food-need and food-gap estimates (FAO/WFP, NIS).")
load_sanctions = _loader("sanctions", "UN Security Council resolutions and unilateral sanctions, with tagged categories.")
load_events = _loader("events", "Shocks and context: nuclear tests, border and lockdown steps, weather, diplomacy.")


def _period(frame: pd.DataFrame, column: str | None) -> str:
    if column is None or column not in frame or frame[column].dropna().empty:
        return ""
    values = frame[column].dropna()
    if pd.api.types.is_datetime64_any_dtype(values):
        return f"{values.min():%Y-%m-%d} to {values.max():%Y-%m-%d}"
    return f"{int(values.min())}-{int(values.max())}"


def list_datasets(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per dataset: name, title, producer, period covered and row count.

    >>> "gdp" in set(list_datasets()["name"])
    True
    """
    rows = []
    for name in DATASETS:
        meta = get_metadata(name, data_dir=data_dir)
        frame = load(name, data_dir=data_dir)
        rows.append(
            {
                "name": name,
                "title": meta.title,
                "producer": meta.producer,
                "period": _period(frame, meta.period_column),
                "rows": len(frame),
            }
        )
    return pd.DataFrame(rows).astype({"rows": "int64"})


def validate(data_dir: str | os.PathLike | None = None) -> list[Problem]:
    """Every problem in a data folder (all datasets), without stopping at the first."""
    folder = paths.data_dir(data_dir)
    if not folder.is_dir():
        return [Problem(str(folder), "is not a directory; expected a folder like nkecon's data/")]
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for name in DATASETS:
        _, found = _load_checked(name, folder)
        for p in found:
            if p not in seen:
                seen.add(p)
                problems.append(p)
    return problems
