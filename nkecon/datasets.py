"""Loaders for nkecon's curated data: typed pandas frames, validated on every load.

The data folder holds ``datapackage.json`` (a Frictionless Data Package: every dataset's
metadata and Table Schema) and one ``NAME.csv`` per dataset. The schema is always nkecon's
own (the shipped package); an analyst's copy of the data (``data_dir=`` or
``$NKECON_DATA_DIR``) must have the same layout and is validated exactly like the shipped
files, with its own descriptive metadata.

GDP is kept as the Bank of Korea published it, release by release (``gdp_releases``);
:func:`load_gdp` serves the series as known on any date, the way ALFRED serves FRED
vintages.

>>> import nkecon as nk
>>> gdp = nk.load_gdp()
>>> float(gdp.loc[gdp.year == 2020, "growth_pct"].iloc[0])
-4.5
>>> nk.get_metadata("gdp_releases").producer
'Bank of Korea'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import checks, paths
from .errors import DataError, ParameterError, Problem, UnknownDatasetError
from .registry import DATASETS, PACKAGE_FILE, TOTAL_SERIES, data_files, file_stamp
from .schema import DATE_MAX, DATE_MIN, Column, Schema, SchemaError, read_table
from .strict import BodyError
from .strict import loads as strict_json

__all__ = [
    "DATASETS",
    "DatasetMetadata",
    "list_datasets",
    "get_metadata",
    "load",
    "load_gdp",
    "load_gdp_releases",
    "load_sectors",
    "load_trade",
    "load_export_composition",
    "load_product_bans",
    "load_weather",
    "load_refined_petroleum",
    "load_luxury_imports",
    "load_published_estimates",
    "load_commodity_prices",
    "load_bok_dollar_conversions",
    "load_food",
    "load_sanctions",
    "load_events",
    "load_un_designations",
    "load_bok_causes",
    "load_sources",
    "full_years",
    "validate",
    "data_files",
]

_REQUIRED_META = {
    "title": "title",
    "description": "description",
    "producer": "nkecon:producer",
    "citation": "nkecon:citation",
    "date_published": "nkecon:date_published",
    "date_accessed": "nkecon:date_accessed",
}


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
    #: What ``nkecon data fetch`` recorded when it last wrote this dataset (URL, query,
    #: time, sha256 of the raw response, licence, citation), or an empty mapping.
    fetched: dict[str, Any] = field(default_factory=dict)

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
                                              "period_column", "notes", "fetched")}
        out["primary_key"] = list(self.schema.primary_key)
        out["columns"] = [
            {k: v for k, v in c.__dict__.items() if v not in (None, "", False)} for c in self.schema.columns
        ]
        return out


def _check_name(name: str) -> str:
    if name not in DATASETS:
        import difflib

        close = difflib.get_close_matches(str(name), DATASETS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownDatasetError(
            f"No dataset named {name!r}; see nkecon.list_datasets() (known: {', '.join(DATASETS)}).{hint}"
        )
    return name


#: A datapackage.json larger than this is not one nkecon wrote.
MAX_PACKAGE_BYTES = 20_000_000

_PACKAGE_CACHE: dict[tuple, tuple[dict[str, dict] | None, list[Problem]]] = {}
_META_CACHE: dict[tuple, DatasetMetadata] = {}
_FRAME_CACHE: dict[tuple, pd.DataFrame] = {}


_stamp = file_stamp


def _read_package(folder: Path) -> tuple[dict[str, dict] | None, list[Problem]]:
    """The resources of ``folder``'s datapackage.json by name, or the one problem with it."""
    path = folder / PACKAGE_FILE
    key = _stamp(path)
    if key in _PACKAGE_CACHE:
        return _PACKAGE_CACHE[key]
    label = str(path)
    result: tuple[dict[str, dict] | None, list[Problem]]
    if not folder.is_dir():
        result = None, [Problem(str(folder), "is not a folder; expected a data folder like nkecon's data/")]
    elif not path.is_file():
        what = "is a folder" if path.is_dir() else ("is not a regular file" if path.exists() else "not found")
        result = None, [Problem(label, f"{what}; every data folder needs its datapackage.json (copy nkecon's data/ whole)")]
    else:
        try:
            if path.stat().st_size > MAX_PACKAGE_BYTES:
                raise BodyError(f"it is larger than {MAX_PACKAGE_BYTES // 1_000_000} MB")
            package = strict_json(path.read_bytes())
        except OSError as exc:
            result = None, [Problem(label, f"cannot be read: {exc.strerror or exc}")]
        except BodyError as exc:
            result = None, [Problem(label, f"is not valid UTF-8 JSON: {exc}")]
        else:
            resources = package.get("resources") if isinstance(package, dict) else None
            if not isinstance(resources, list) or not all(isinstance(r, dict) and isinstance(r.get("name"), str)
                                                          and r.get("name") for r in resources):
                result = None, [Problem(label, "expected an object with a 'resources' list of named resources")]
            else:
                names = [r["name"] for r in resources]
                twice = sorted({n for n in names if names.count(n) > 1})
                if twice:
                    result = None, [Problem(label, f"the resource {twice[0]!r} is described twice; expected each once")]
                else:
                    result = {r["name"]: r for r in resources}, []
    _PACKAGE_CACHE[key] = result
    return result


def _metadata(name: str, folder: Path) -> tuple[DatasetMetadata | None, list[Problem]]:
    shipped = paths.shipped_data_dir()
    key = (name, _stamp(folder / PACKAGE_FILE), _stamp(shipped / PACKAGE_FILE))
    if key in _META_CACHE:
        return _META_CACHE[key], []
    own, problems = _read_package(shipped)
    if own is None:
        return None, problems
    mine, problems = _read_package(folder)
    if mine is None:
        return None, problems
    label = f"{folder / PACKAGE_FILE}, resource {name!r}"
    res = mine.get(name)
    if res is None:
        return None, [Problem(label, "is missing; expected one resource per dataset " + ", ".join(DATASETS))]
    problems = [
        Problem(label, f"metadata field {field_name!r} ({key!r}) is missing or empty; expected text")
        for field_name, key in _REQUIRED_META.items()
        if not isinstance(res.get(key), str) or not res[key].strip()
    ]
    problems += _shape_problems(name, res, label)
    if problems:
        return None, problems
    try:
        schema = Schema.from_resource(own[name])
    except SchemaError as exc:
        return None, [Problem(str(shipped / PACKAGE_FILE), str(exc))]
    sources = res.get("sources") or [{}]
    licences = res.get("licenses") or [{}]
    if own[name].get("nkecon:period_column") is not None and not isinstance(own[name].get("nkecon:period_column"), str):
        return None, [Problem(str(shipped / PACKAGE_FILE), f"resource {name!r}: 'nkecon:period_column' must be text")]
    meta = DatasetMetadata(
        name=name,
        title=res["title"],
        description=res["description"],
        producer=res["nkecon:producer"],
        citation=res["nkecon:citation"],
        url=str(sources[0].get("path", "")),
        date_published=str(res["nkecon:date_published"]),
        date_accessed=str(res["nkecon:date_accessed"]),
        licence=str(licences[0].get("title") or licences[0].get("name", "")),
        period_column=own[name].get("nkecon:period_column"),
        schema=schema,
        notes=str(res.get("nkecon:notes", "")),
        fetched=dict(res.get("nkecon:fetched") or {}),
    )
    _META_CACHE[key] = meta
    return meta, []


def _shape_problems(name: str, res: dict, label: str) -> list[Problem]:
    """One line per descriptive entry of the wrong shape (``sources``, ``licenses``,
    ``nkecon:fetched``, ``path``), which would otherwise fail deep inside a caller."""
    problems = []
    for key, item_keys in (("sources", ("title", "path")), ("licenses", ("name", "title", "path"))):
        value = res.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(Problem(label, f"{key!r} must be a list of objects, not {type(value).__name__}"))
        elif any(not isinstance(v.get(k, ""), str) for v in value for k in item_keys):
            problems.append(Problem(label, f"{key!r} entries must give {', '.join(item_keys)} as text"))
    fetched = res.get("nkecon:fetched")
    if fetched is not None and not isinstance(fetched, dict):
        problems.append(Problem(label, f"'nkecon:fetched' must be an object (what `nkecon data fetch` recorded), "
                                       f"not {type(fetched).__name__}"))
    for key in ("nkecon:notes",):
        if res.get(key) is not None and not isinstance(res.get(key), str):
            problems.append(Problem(label, f"{key!r} must be text"))
    path = res.get("path")
    if path is not None and path != f"{name}.csv":
        problems.append(Problem(label, f"'path' is {str(path)[:80]!r}; nkecon reads {name}.csv, so expected "
                                       f"\"{name}.csv\" (rename the file rather than the path)"))
    return problems


#: Datasets read in this process, per read log (``$NKECON_READ_LOG``; ``""`` when unset):
#: name -> {"rows"} when its rows were loaded, {"meta"} when only its metadata was read.
_READS: dict[str, dict[str, set[str]]] = {}


def _record_read(name: str, kind: str) -> None:
    """Note that dataset ``name`` was read (``kind`` "rows" or "meta").

    Under ``nkecon report`` the kernel's environment names a read log; each dataset's first
    read of each kind is appended to it, so that the report records which datasets it read
    and is rebuilt when, and only when, one of them changes."""
    log_path = os.environ.get("NKECON_READ_LOG", "")
    kinds = _READS.setdefault(log_path, {}).setdefault(name, set())
    if kind in kinds:
        return
    kinds.add(kind)
    if log_path:
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"dataset": name, "read": kind}) + "\n")


def datasets_read() -> dict[str, set[str]]:
    """The datasets read so far in this process (under ``nkecon report``: by this report)."""
    return {k: set(v) for k, v in _READS.get(os.environ.get("NKECON_READ_LOG", ""), {}).items()}


def get_metadata(name: str, *, data_dir: str | os.PathLike | None = None) -> DatasetMetadata:
    """The metadata of dataset ``name``: producer, citation, URL, dates, licence, columns.

    The descriptive fields come from the data folder in use; the schema is nkecon's own.

    >>> meta = get_metadata("gdp_releases")
    >>> meta.columns["growth_pct"].unit
    'percent'
    """
    _check_name(name)
    meta, problems = _metadata(name, paths.data_dir(data_dir))
    if problems:
        raise DataError(problems)
    _record_read(name, "meta")
    return meta


def _outside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is a symbolic link that leads out of ``folder``."""
    if not path.is_symlink():
        return False
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return True
    return False


def _load_checked(name: str, folder: Path, _seen: tuple[str, ...] = ()) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one dataset from ``folder`` and return it with every problem found."""
    meta, problems = _metadata(name, folder)
    if meta is None:
        return None, problems
    csv_path = folder / f"{name}.csv"
    if _outside(csv_path, folder):
        return None, [Problem(str(csv_path), "is a symbolic link to a file outside the data folder; "
                              "expected the file itself (nkecon does not follow links out of a data folder)")]
    refs = {c.references for c in meta.schema.columns if c.references} - {name}
    known: dict[str, set[str]] = {}
    for ref in sorted(refs):
        if ref in _seen:
            continue
        frame, ref_problems = _load_checked(ref, folder, _seen + (name,))
        if frame is None or ref_problems:
            return None, [Problem(str(csv_path), f"cannot check its ids: {ref}.csv is invalid")] + ref_problems
        ref_meta, _ = _metadata(ref, folder)
        known[ref] = set(frame[ref_meta.schema.primary_key[0]].astype(str))
    stamp = (_stamp(csv_path), _stamp(folder / PACKAGE_FILE), tuple(sorted(_stamp(folder / f"{r}.csv") for r in refs)))
    if stamp in _FRAME_CACHE:
        return _FRAME_CACHE[stamp], []
    frame, problems = read_table(csv_path, meta.schema, label=str(csv_path), known=known)
    if frame is not None and not problems:
        _FRAME_CACHE[stamp] = frame
    return frame, problems


def load(name: str, *, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load dataset ``name`` as a typed, validated frame sorted by its key.

    Raises :class:`~nkecon.errors.DataError` naming the file, line, column and value of the
    first problem when the file does not match its schema, or when it disagrees with a
    figure that another dataset must repeat (see :mod:`nkecon.checks`).
    """
    _check_name(name)
    folder = paths.data_dir(data_dir)
    frame, problems = _load_checked(name, folder)
    if not problems:
        problems = checks.run(folder, read=_load_checked, only=name)
    if problems:
        raise DataError(problems)
    _record_read(name, "rows")
    return frame.copy()


def _loader(name: str, doc: str):
    def loader(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
        return load(name, data_dir=data_dir)

    loader.__name__ = loader.__qualname__ = f"load_{name}"
    loader.__doc__ = doc + "\n\n    See ``get_metadata(%r)`` for sources, columns and units.\n" % name
    return loader


load_sources = _loader("sources", "Every source cited by a row of any dataset: publisher, title, URL, dates.")
load_gdp_releases = _loader(
    "gdp_releases",
    "Every Bank of Korea release of North Korea's GDP estimates: one row per release and year estimated.",
)
load_sectors = _loader("sectors", "Bank of Korea growth and GDP shares by industry, one row per year and sector.")
load_trade = _loader("trade", "North Korea's external trade (KOTRA, BOK) and China customs trade, annual and monthly.")
load_export_composition = _loader("export_composition", "North Korea's exports by product (world and to China).")
load_product_bans = _loader(
    "product_bans", "Which UN resolution (or China's 2017 coal suspension) banned, capped or suspended each product, "
    "in each direction, and from when."
)
load_weather = _loader("weather", "North Korea's national precipitation and temperature (KMA, RDA, reanalysis) and normals.")
load_refined_petroleum = _loader("refined_petroleum", "Refined petroleum deliveries, the pre-cap level and estimates above the UN cap.")
load_luxury_imports = _loader("luxury_imports", "China's exports of luxury goods to North Korea, by product group.")
load_published_estimates = _loader("published_estimates", "Published estimates of what sanctions, the border closure and weather cost.")
load_commodity_prices = _loader(
    "commodity_prices", "Annual world prices of coal, iron ore and metals (World Bank Pink Sheet), nominal US dollars."
)
load_bok_dollar_conversions = _loader(
    "bok_dollar_conversions", "The Bank of Korea's own won-dollar conversions of North Korea's output, release by release."
)
load_food = _loader("food", "Grain production (RDA) and food-need and food-gap estimates (FAO/WFP, NIS).")
load_sanctions = _loader("sanctions", "UN Security Council resolutions and unilateral sanctions, with tagged categories.")
load_un_designations = _loader(
    "un_designations", "UN Security Council DPRK (1718) designations of individuals and entities, with listing dates."
)
load_events = _loader("events", "Shocks and context: nuclear tests, border and lockdown steps, weather, diplomacy.")
load_bok_causes = _loader(
    "bok_causes", "What the Bank of Korea named as the causes of each year's growth, with its words, one row per year and cause."
)


def _as_of_date(as_of: Any) -> pd.Timestamp | None:
    if as_of is None:
        return None
    when = None
    if isinstance(as_of, pd.Timestamp):
        return as_of.normalize()
    if isinstance(as_of, (date, datetime)):
        when = as_of if not isinstance(as_of, datetime) else as_of.date()
    elif isinstance(as_of, str) and len(as_of) == 10 and as_of.isascii():
        try:
            when = date.fromisoformat(as_of)
        except ValueError:
            pass
    if when is not None:
        if not DATE_MIN <= when <= DATE_MAX:
            raise ParameterError(f"The value for `as_of` must be a date between {DATE_MIN} and {DATE_MAX}, "
                                 f"but {str(as_of)!r} was passed.")
        return pd.Timestamp(when)
    raise ParameterError(f"The value for `as_of` must be a date such as '2021-07-30' (YYYY-MM-DD), but {as_of!r} was passed.")


def load_gdp(*, as_of: str | date | None = None, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """North Korea's GDP series as the Bank of Korea published it on a date.

    For each year, the figures of the latest BOK release on or before ``as_of``; years that
    no release had estimated by then are absent. ``as_of=None`` gives today's series (the
    latest release of every year), which is one release, the BOK's current series.

    Parameters
    ----------
    as_of : str, date or None
        A date (``'YYYY-MM-DD'``, :class:`datetime.date` or :class:`pandas.Timestamp`).
    data_dir : path, optional
        A data folder with nkecon's layout (default: ``$NKECON_DATA_DIR`` or the shipped data).

    Returns
    -------
    pandas.DataFrame
        One row per year: ``year``, ``growth_pct``, ``gni_nominal_krw_tn``,
        ``gni_per_capita_krw_mn``, ``release_date`` (the release each row comes from) and
        ``release_date_basis`` (``published``: the BOK's release date; ``observed``: the date
        by which the figures were seen published), ``source_id`` and ``note``, sorted by year.

    Examples
    --------
    >>> import nkecon as nk
    >>> first = nk.load_gdp(as_of="2021-07-30").set_index("year")
    >>> float(first.loc[2020, "growth_pct"]), int(first.index.max())
    (-4.5, 2020)
    >>> int(nk.load_gdp(as_of="1995-01-01").year.max()) < 1995
    True
    """
    when = _as_of_date(as_of)
    releases = load("gdp_releases", data_dir=data_dir)
    if when is not None:
        releases = releases[releases["release_date"] <= when]
    latest = releases.sort_values(["year", "release_date"], kind="stable").groupby("year", sort=True).tail(1)
    columns = ["year", "growth_pct", "gni_nominal_krw_tn", "gni_per_capita_krw_mn", "release_date",
               "release_date_basis", "source_id", "note"]
    return latest[columns].reset_index(drop=True)


def latest_annual(trade: pd.DataFrame) -> pd.DataFrame:
    """The annual rows of ``trade``, one per (series, partner, year, flow): its latest release.

    A figure published once has no release date and counts as the earliest.

    >>> t = latest_annual(load_trade())
    >>> bool(t.duplicated(["series", "partner", "year", "flow"]).any())
    False
    """
    annual = trade[trade["month"].isna()]
    order = annual.assign(_release=annual["release_date"].fillna(pd.Timestamp.min)).sort_values(
        ["series", "partner", "year", "flow", "_release"], kind="stable")
    latest = order.groupby(["series", "partner", "year", "flow"], observed=True).tail(1)
    return latest.drop(columns="_release").reset_index(drop=True)


#: Datasets whose rows say which months of their year they cover (``first_month``,
#: ``last_month``): some of their figures are part-year.
PART_YEAR_DATASETS: tuple[str, ...] = ("luxury_imports", "refined_petroleum")


def full_years(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` that cover a whole calendar year (months 1 to 12).

    ``luxury_imports`` and ``refined_petroleum`` hold part-year figures (January-June 2024
    luxury imports, January-November notifications of petroleum deliveries); an annual
    analysis takes its years from here, so that a part year never stands for a year.

    >>> lux = load_luxury_imports()
    >>> int(lux.year.max()), int(full_years(lux).year.max())
    (2024, 2023)
    """
    missing = [c for c in ("first_month", "last_month") if c not in frame]
    if missing:
        raise ParameterError(f"The frame passed to full_years has no column {missing[0]!r}; expected a frame "
                             f"of one of {', '.join(PART_YEAR_DATASETS)} (its first_month and last_month "
                             "say which months each row covers).")
    return frame[(frame["first_month"] == 1) & (frame["last_month"] == 12)]


def _period(frame: pd.DataFrame, column: str | None) -> str:
    if column is None or column not in frame or frame[column].dropna().empty:
        return ""
    values = frame[column].dropna()
    if pd.api.types.is_datetime64_any_dtype(values):
        return f"{values.min():%Y-%m-%d} to {values.max():%Y-%m-%d}"
    return f"{int(values.min())}-{int(values.max())}"


def list_datasets(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per dataset: name, title, producer, period covered and row count.

    >>> "gdp_releases" in set(list_datasets()["name"])
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
    """Every problem in a data folder (all datasets, then the checks across files)."""
    folder = paths.data_dir(data_dir)
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for name in DATASETS:
        _, found = _load_checked(name, folder)
        for p in found:
            if p not in seen:
                seen.add(p)
                problems.append(p)
        if found and found[0].file == str(folder):
            break  # the folder itself is unusable: one line says so
    if not problems:
        problems = checks.run(folder, read=_load_checked)
    return problems
