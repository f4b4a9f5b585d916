"""Bring new figures in from the producers' open services: ``nkecon data fetch``.

Three sources, each a ``fetch_<name>()`` function and a name for the command line:

``weather``
    ERA5 reanalysis through the Open-Meteo historical weather API (no key): daily
    precipitation and mean temperature at :data:`WEATHER_POINTS`, aggregated to national
    annual and June-August figures with anomalies against 1991-2020 (``basis`` =
    ``era5_reanalysis`` in the ``weather`` dataset).
``un_designations``
    The UN Security Council consolidated sanctions list (XML, no key): the DPRK (1718)
    designations of individuals and entities with their reference numbers and listing dates.
``bok_gdp``
    The Bank of Korea's ECOS open API, table 251Y001 (key in ``NKECON_ECOS_KEY``): North
    Korea's GDP growth and GNI, appended to ``gdp_releases`` as a new release when the
    series differs from the latest one held.

Nothing changes silently. Every fetch is planned first (all sources fetched and parsed, the
merged files validated with the package's own schema in a staging copy) and only then
written, one file at a time through a temporary file and an atomic rename; a failure of any
source writes nothing. Rows that a fetch owns (its own earlier rows) are updated; curated rows
that it disagrees with are reported and kept unless ``accept=True``. The data folder is never
the copy shipped with nkecon: by default it is ``$NKECON_DATA_DIR`` or the platform's user
data folder, seeded from the shipped data the first time something is written.

Raw responses are cached under ``$NKECON_CACHE_DIR`` (default: the platform's user cache
folder) for a day; ``refresh=True`` asks the service again. The HTTP client (httpx) is
imported only when a fetch runs, so ``import nkecon`` stays light.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import paths
from .errors import FetchError
from .registry import PACKAGE_FILE

__all__ = [
    "SOURCES",
    "WEATHER_POINTS",
    "FetchResult",
    "Change",
    "fetch",
    "fetch_weather",
    "fetch_un_designations",
    "fetch_bok_gdp",
]

log = logging.getLogger("nkecon")

#: How long a cached raw response is reused without asking the service again.
CACHE_MAX_AGE_S = 24 * 3600
#: Seconds before a request is abandoned (connect, read, write and pool, each).
TIMEOUT_S = 60.0
#: Attempts per request for transient failures (no connection, timeout, 429, 5xx).
ATTEMPTS = 4
#: First wait between attempts, doubled after each (a 429's Retry-After wins, up to 120 s).
BACKOFF_S = 2.0
#: Pause between consecutive requests to one service (Open-Meteo allows 600 a minute).
PAUSE_S = 0.2

OPEN_METEO_URL = "https://archive-api.open-meteo.com/v1/archive"
UN_LIST_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
ECOS_URL = "https://ecos.bok.or.kr/api/StatisticSearch"

#: Points over North Korea at which ERA5 is sampled: 27 towns, at least two in every
#: province, from the GeoNames coordinates as published in the public repository
#: VannaDii/pub-dev (geography/lib/src/countries/northkorea_cities.dart). They are
#: not the KMA's 27 stations, whose coordinates were not found in sourced material; the
#: national figure is the plain mean of the points (no area weighting).
WEATHER_POINTS: tuple[tuple[str, float, float], ...] = (
    ("Pyongyang", 39.03385, 125.75432),
    ("Kangdong", 39.1425, 126.09611),
    ("Anju", 39.61778, 125.66472),
    ("Nampo", 38.7375, 125.40778),
    ("Pyongsong", 39.24639, 125.87194),
    ("Sangsong-ni", 39.16944, 126.88556),
    ("Sinuiju", 40.10056, 124.39806),
    ("Chongju", 39.69333, 125.21028),
    ("Sakchu", 40.38944, 125.04667),
    ("Yongbyon", 39.81333, 125.80417),
    ("Kanggye", 40.96946, 126.58523),
    ("Manpo", 41.15472, 126.28944),
    ("Hyesan", 41.40167, 128.17778),
    ("Kapsan", 41.09028, 128.29333),
    ("Chongjin", 41.79556, 129.77583),
    ("Kimchaek", 40.66889, 129.18972),
    ("Musan", 42.22609, 129.20776),
    ("Sonbong", 42.35118, 130.38307),
    ("Hamhung", 39.91833, 127.53639),
    ("Iwon", 40.32306, 128.65528),
    ("Wonsan", 39.15278, 127.44361),
    ("Tongchon", 38.95389, 127.89167),
    ("Sariwon", 38.50722, 125.75583),
    ("Koksan", 38.78194, 126.66639),
    ("Haeju", 38.04056, 125.71472),
    ("Kaesong", 37.97083, 126.55444),
    ("Ongjin", 37.93472, 125.36194),
)

NORMAL = (1991, 2020)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Change:
    """One row that a fetch adds, changes, or disagrees with."""

    dataset: str
    key: tuple[str, ...]
    kind: str  # "added" | "changed" | "disagrees" | "removed"
    old: Mapping[str, str] = field(default_factory=dict)
    new: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        key = ", ".join(self.key)
        if self.kind == "added":
            return f"+ {self.dataset} ({key})"
        diffs = "; ".join(f"{c} {self.old.get(c, '')!s} -> {self.new.get(c, '')!s}"
                          for c in self.new if self.old.get(c, "") != self.new.get(c, ""))
        if self.kind == "changed":
            return f"~ {self.dataset} ({key}): {diffs}"
        if self.kind == "removed":
            return f"- {self.dataset} ({key}): no longer in the source (kept)"
        return f"! {self.dataset} ({key}): curated {diffs} (kept; --accept takes the fetched value)"


@dataclass(frozen=True)
class FetchResult:
    """What a fetch found and did: ``changes``, the ``data_dir`` and whether it ``wrote``."""

    sources: tuple[str, ...]
    data_dir: Path
    changes: tuple[Change, ...]
    provenance: Mapping[str, Mapping[str, Any]]
    wrote: bool
    dry_run: bool
    from_cache: tuple[str, ...] = ()

    def _count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)

    @property
    def changed(self) -> bool:
        """Whether any row was added or changed (disagreements kept do not count)."""
        return any(c.kind in ("added", "changed") for c in self.changes)

    def summary(self, *, limit: int = 40) -> str:
        """The summary the command line prints: counts, then the rows themselves."""
        lines = [
            f"{', '.join(self.sources)}: {self._count('added')} row(s) added, {self._count('changed')} changed, "
            f"{self._count('disagrees')} curated figure(s) the fetch disagrees with (kept), "
            f"{self._count('removed')} no longer in the source (kept)"
        ]
        shown = [c for c in self.changes]
        lines += [c.describe() for c in shown[:limit]]
        if len(shown) > limit:
            lines.append(f"... and {len(shown) - limit} more")
        if self.dry_run:
            lines.append(f"dry run: nothing written to {self.data_dir}")
        elif self.wrote:
            lines.append(f"written to {self.data_dir}")
        else:
            lines.append(f"nothing changed in {self.data_dir}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class _Raw:
    url: str  # with any key replaced by a placeholder
    query: Mapping[str, Any]
    body: bytes
    sha256: str
    time: str
    from_cache: bool
    cache_path: Path | None


def _sleep(seconds: float) -> None:  # a seam for the tests
    time.sleep(seconds)


def _user_agent() -> str:
    from . import __version__

    return f"nkecon/{__version__} (nkecon data fetch; python-httpx)"


def _cache_file(source: str, url: str, query: Mapping[str, Any]) -> Path:
    ident = json.dumps([url, sorted((k, str(v)) for k, v in query.items())])
    return paths.cache_dir() / source / (hashlib.sha256(ident.encode()).hexdigest()[:32] + ".raw")


def _get(source: str, url: str, query: Mapping[str, Any] | None = None, *, refresh: bool,
         public_url: str | None = None, client: Any) -> _Raw:
    """GET ``url``: from the cache if a day old at most (and not ``refresh``), else the service.

    Transient failures are retried with exponential backoff; the final failure is a
    :class:`FetchError` naming the source and what went wrong.
    """
    import httpx

    query = dict(query or {})
    shown = public_url or url
    cache = _cache_file(source, shown, query)
    if not refresh and cache.is_file() and time.time() - cache.stat().st_mtime < CACHE_MAX_AGE_S:
        body = cache.read_bytes()
        stamp = datetime.fromtimestamp(cache.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
        log.info("%s: using the cached response of %s (%s)", source, shown, stamp)
        return _Raw(shown, query, body, hashlib.sha256(body).hexdigest(), stamp, True, cache)
    host = httpx.URL(url).host
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        wait = BACKOFF_S * 2 ** (attempt - 1)
        try:
            response = client.get(url, params=query or None)
        except httpx.TimeoutException:
            problem = f"no answer from {host} within {TIMEOUT_S:g} s"
        except httpx.TransportError as exc:
            problem = f"cannot reach {host} (no network connection?): {type(exc).__name__}: {exc}"
        else:
            status = response.status_code
            if status == 200:
                body = response.content
                stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
                return _Raw(shown, query, body, hashlib.sha256(body).hexdigest(), stamp, False, cache)
            if status == 429:
                problem = f"{host} refused the request: rate limit reached (HTTP 429); try again later"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.strip().isdigit():
                    wait = min(float(retry_after), 120.0)
            elif status >= 500:
                problem = f"{host} answered HTTP {status} {response.reason_phrase}".rstrip()
            else:
                raise FetchError(source, f"{host} answered HTTP {status} {response.reason_phrase} for {shown}".rstrip())
        if attempt < ATTEMPTS:
            log.info("%s: %s; trying again in %g s (attempt %d of %d)", source, problem, wait, attempt + 1, ATTEMPTS)
            _sleep(wait)
    raise FetchError(source, f"{problem} (tried {ATTEMPTS} times)")


def _remember(raw: _Raw) -> None:
    """Keep a response that parsed in the cache (an error payload is never cached)."""
    if raw.from_cache or raw.cache_path is None:
        return
    raw.cache_path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(raw.cache_path, raw.body)


def _client():
    import httpx

    return httpx.Client(timeout=TIMEOUT_S, headers={"User-Agent": _user_agent()}, follow_redirects=True)


# ---------------------------------------------------------------------------- sources


@dataclass
class _Plan:
    """What one source wants in the data: rows per dataset, the source row, provenance."""

    source: str
    dataset: str
    rows: list[dict[str, str]]
    source_row: dict[str, str]
    provenance: dict[str, Any]
    owns: Callable[[Mapping[str, str]], bool]
    compare: tuple[str, ...]
    raws: list[_Raw]
    # Curated rows of other keys that the fetch disagrees with (reported, never replaced).
    disagreements: list[Change] = field(default_factory=list)
    # gdp_releases: years whose fetched figures disagree with a curated latest release.
    held_back: set[str] = field(default_factory=set)


def _num(text: str | None, digits: int) -> str:
    if text is None:
        return ""
    value = round(float(text), digits)
    out = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def _weather_plan(*, refresh: bool, client: Any, start_year: int, end_year: int,
                  points: Sequence[tuple[str, float, float]], today: date) -> _Plan:
    source = "weather"
    first = min(start_year, NORMAL[0])
    if end_year < NORMAL[1] or end_year >= today.year:
        raise FetchError(source, f"end_year must be a complete year from {NORMAL[1]} to {today.year - 1}, but {end_year!r} was passed")
    query_common = {
        "start_date": f"{first}-01-01",
        "end_date": f"{end_year}-12-31",
        "daily": "precipitation_sum,temperature_2m_mean",
        "models": "era5",
        "timezone": "Asia/Pyongyang",
    }
    raws, per_point = [], []
    for i, (name, lat, lon) in enumerate(points):
        if i:
            _sleep(PAUSE_S)
        raw = _get(source, OPEN_METEO_URL, {"latitude": lat, "longitude": lon, **query_common},
                   refresh=refresh, client=client)
        per_point.append(_parse_open_meteo(raw.body, name, first, end_year))
        raws.append(raw)
    years = range(first, end_year + 1)
    national: dict[tuple[int, str, str], float] = {}
    for year in years:
        for season, months in (("annual", range(1, 13)), ("jja", (6, 7, 8))):
            precip, temp = [], []
            for series in per_point:
                days = [d for d in series if d[0] == year and d[1] in months]
                precip.append(sum(d[2] for d in days))
                temp.append(sum(d[3] for d in days) / len(days))
            national[(year, "precipitation_mm", season)] = sum(precip) / len(precip)
            national[(year, "mean_temperature_c", season)] = sum(temp) / len(temp)
    normal = {(m, s): sum(national[(y, m, s)] for y in range(NORMAL[0], NORMAL[1] + 1)) / (NORMAL[1] - NORMAL[0] + 1)
              for m in ("precipitation_mm", "mean_temperature_c") for s in ("annual", "jja")}
    note_pts = f"ERA5 via Open-Meteo, mean of {len(points)} points (nkecon.fetch.WEATHER_POINTS)"
    rows = []

    def row(y0, y1, measure, season, value, normal_label="", note=note_pts):
        m0, m1 = (1, 12) if season == "annual" else (6, 8)
        rows.append({"year_start": str(y0), "year_end": str(y1), "month_start": str(m0), "month_end": str(m1),
                     "day_start": "", "day_end": "", "measure": measure, "season": season,
                     "basis": "era5_reanalysis", "station_id": "", "coverage_days": "", "value": value,
                     "normal": normal_label, "origin": "derived", "note": note})

    for (measure, season), value in normal.items():
        row(NORMAL[0], NORMAL[1], measure, season, _num(value, 1 if measure == "precipitation_mm" else 2),
            note=f"{note_pts}; 1991-2020 mean of the national figures")
    for year in range(start_year, end_year + 1):
        for season in ("annual", "jja"):
            p, t = national[(year, "precipitation_mm", season)], national[(year, "mean_temperature_c", season)]
            row(year, year, "precipitation_mm", season, _num(p, 1))
            row(year, year, "mean_temperature_c", season, _num(t, 2))
            row(year, year, "precipitation_pct_of_normal", season,
                _num(100 * p / normal[("precipitation_mm", season)], 1), "1991-2020")
            row(year, year, "temperature_anomaly_c", season,
                _num(t - normal[("mean_temperature_c", season)], 2), "1991-2020")
    accessed = today.isoformat()
    source_row = {
        "source_id": f"open-meteo-era5-{accessed}",
        "publisher": "Open-Meteo (ERA5 reanalysis of the Copernicus Climate Change Service, ECMWF)",
        "title": f"Historical Weather API, ERA5: daily precipitation_sum and temperature_2m_mean at {len(points)} points over North Korea, {first}-{end_year}",
        "url": OPEN_METEO_URL,
        "date_published": "",
        "date_accessed": accessed,
        "kind": "reference",
        "note": "fetched by nkecon data fetch weather; national figures are the plain mean of the points; reanalysis, not station observations",
    }
    provenance = {
        "url": OPEN_METEO_URL,
        "query": {**query_common, "latitude,longitude": "one request per point of nkecon.fetch.WEATHER_POINTS"},
        "points": [list(p) for p in points],
        "licence": "CC BY 4.0 (Open-Meteo data; ERA5: Copernicus licence, attribution required)",
        "citation": ("Zippenfenig, P. (2023). Open-Meteo.com Weather API. Zenodo. doi:10.5281/ZENODO.7970649; "
                     "Hersbach, H. et al. (2020). ERA5 hourly data on single levels from 1940 to present. "
                     "Copernicus Climate Change Service (C3S) Climate Data Store. doi:10.24381/cds.adbb2d47"),
    }
    plan = _Plan(source, "weather", rows, source_row, provenance,
                 owns=lambda r: r.get("basis") == "era5_reanalysis", compare=("value", "normal"), raws=raws)
    return plan


def _parse_open_meteo(body: bytes, name: str, first: int, last: int) -> list[tuple[int, int, float, float]]:
    source = "weather"
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(source, f"malformed response for point {name!r}: not JSON ({exc})") from None
    if isinstance(payload, dict) and payload.get("error"):
        raise FetchError(source, f"Open-Meteo refused the request for point {name!r}: {payload.get('reason', 'no reason given')}")
    daily = payload.get("daily") if isinstance(payload, dict) else None
    if not isinstance(daily, dict) or not all(isinstance(daily.get(k), list)
                                              for k in ("time", "precipitation_sum", "temperature_2m_mean")):
        raise FetchError(source, f"malformed response for point {name!r}: expected 'daily' with lists "
                                 "'time', 'precipitation_sum' and 'temperature_2m_mean'")
    times, precip, temp = daily["time"], daily["precipitation_sum"], daily["temperature_2m_mean"]
    if not (len(times) == len(precip) == len(temp)):
        raise FetchError(source, f"malformed response for point {name!r}: daily lists of different lengths")
    out = []
    for t, p, m in zip(times, precip, temp):
        try:
            d = date.fromisoformat(t)
        except (TypeError, ValueError):
            raise FetchError(source, f"malformed response for point {name!r}: date {t!r} is not YYYY-MM-DD") from None
        if p is None or m is None:
            raise FetchError(source, f"incomplete response for point {name!r}: no value for {t} "
                                     "(ERA5 lags about five days; fetch complete years only)")
        out.append((d.year, d.month, float(p), float(m)))
    expected = (date(last, 12, 31) - date(first, 1, 1)).days + 1
    if len(out) != expected or out[0][0] != first or out[-1][0] != last:
        raise FetchError(source, f"incomplete response for point {name!r}: {len(out)} days, expected {expected} ({first}-{last})")
    return out


def _un_plan(*, refresh: bool, client: Any, today: date) -> _Plan:
    import xml.etree.ElementTree as ET

    source = "un_designations"
    raw = _get(source, UN_LIST_URL, refresh=refresh, client=client)
    try:
        root = ET.fromstring(raw.body)
    except ET.ParseError as exc:
        raise FetchError(source, f"malformed response: not XML ({exc})") from None
    if root.tag != "CONSOLIDATED_LIST" or root.find("INDIVIDUALS") is None or root.find("ENTITIES") is None:
        raise FetchError(source, "malformed response: expected <CONSOLIDATED_LIST> with <INDIVIDUALS> and <ENTITIES>")
    generated = (root.get("dateGenerated") or "")[:10]
    rows = []
    for kind, path in (("individual", "INDIVIDUALS/INDIVIDUAL"), ("entity", "ENTITIES/ENTITY")):
        for el in root.findall(path):
            if (el.findtext("UN_LIST_TYPE") or "").strip() != "DPRK":
                continue
            ref = (el.findtext("REFERENCE_NUMBER") or "").strip()
            listed = (el.findtext("LISTED_ON") or "").strip()
            names = [(el.findtext(t) or "").strip() for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            name = re.sub(r"\s+", " ", " ".join(n for n in names if n))
            if not ref or not name or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", listed):
                raise FetchError(source, f"malformed response: a DPRK {kind} (DATAID {el.findtext('DATAID')!r}) lacks a "
                                         "reference number, a name or a LISTED_ON date")
            rows.append({"reference_number": ref, "kind": kind, "name": name, "listed_on": listed,
                         "note": f"DATAID {(el.findtext('DATAID') or '').strip()}"})
    if not rows:
        raise FetchError(source, "malformed response: the list holds no DPRK designations")
    accessed = today.isoformat()
    source_row = {
        "source_id": f"unsc-consolidated-list-{accessed}",
        "publisher": "United Nations Security Council",
        "title": f"United Nations Security Council Consolidated List (XML){', generated ' + generated if generated else ''}",
        "url": UN_LIST_URL,
        "date_published": generated,
        "date_accessed": accessed,
        "kind": "un_document",
        "note": "fetched by nkecon data fetch un_designations; DPRK (1718 Committee) entries only",
    }
    provenance = {
        "url": UN_LIST_URL, "query": {}, "date_generated": root.get("dateGenerated", ""),
        "licence": "United Nations terms of use (public information, reuse with attribution)",
        "citation": "United Nations Security Council Consolidated List, DPRK (1718) entries",
    }
    return _Plan(source, "un_designations", rows, source_row, provenance,
                 owns=lambda r: r.get("source_id", "").startswith("unsc-consolidated-list-"),
                 compare=("kind", "name", "listed_on"), raws=[raw])


#: ECOS item codes of table 251Y001 and the column each fills, with the unit ECOS gives and
#: the factor to nkecon's unit.
_ECOS_ITEMS = {
    "1010400": ("growth_pct", {"%": 1.0}, 1),
    "1010200": ("gni_nominal_krw_tn", {"십억원": 1e-3}, 4),
    "1010300": ("gni_per_capita_krw_mn", {"만원": 1e-2}, 3),
}


def _bok_plan(*, refresh: bool, client: Any, today: date, key: str | None, data_dir: Path, accept: bool) -> _Plan:
    source = "bok_gdp"
    key = key if key is not None else os.environ.get("NKECON_ECOS_KEY", "")
    if not key.strip():
        raise FetchError(source, "NKECON_ECOS_KEY is not set; request a free key from the Bank of Korea's ECOS "
                                 "open API service and export NKECON_ECOS_KEY=<key>")
    end = today.year
    series: dict[str, dict[str, str]] = {}
    raws = []
    for i, (item, (column, units, digits)) in enumerate(_ECOS_ITEMS.items()):
        if i:
            _sleep(PAUSE_S)
        tail = f"json/kr/1/1000/251Y001/A/1990/{end}/{item}/"
        raw = _get(source, f"{ECOS_URL}/{key.strip()}/{tail}", refresh=refresh, client=client,
                   public_url=f"{ECOS_URL}/{{NKECON_ECOS_KEY}}/{tail}")
        for year, value in _parse_ecos(raw.body, item, units):
            series.setdefault(year, {})[column] = _num(value, digits)
        raws.append(raw)
    if not series:
        raise FetchError(source, "malformed response: table 251Y001 returned no rows")
    accessed = today.isoformat()
    source_id = f"bok-ecos-251y001-{accessed}"
    latest = _latest_gdp(data_dir)
    rows, held = [], set()
    for year in sorted(series):
        values = series[year]
        if len(values) != len(_ECOS_ITEMS):
            raise FetchError(source, f"malformed response: year {year} lacks {sorted(set(c for c, _, _ in _ECOS_ITEMS.values()) - set(values))}")
        rows.append({"release_date": accessed, "release_date_basis": "observed", "year": year, **values,
                     "note": "The BOK's current series (ECOS table 251Y001) fetched by nkecon data fetch bok_gdp; "
                             "release_date is the date it was observed. Units converted from billion won and 10,000 won."})
    source_row = {
        "source_id": source_id,
        "publisher": "Bank of Korea",
        "title": "ECOS open API, table 251Y001: North Korea's real GDP growth and gross national income",
        "url": "https://ecos.bok.or.kr/",
        "date_published": "",
        "date_accessed": accessed,
        "kind": "agency",
        "note": "fetched by nkecon data fetch bok_gdp (items 1010400, 1010200, 1010300); the release date is not in the API",
    }
    provenance = {
        "url": f"{ECOS_URL}/{{NKECON_ECOS_KEY}}/json/kr/1/1000/251Y001/A/1990/{end}/{{item}}/",
        "query": {"table": "251Y001", "cycle": "A", "start": "1990", "end": str(end), "items": list(_ECOS_ITEMS)},
        "licence": "Bank of Korea ECOS open API terms of use (attribution to the Bank of Korea)",
        "citation": "Bank of Korea, Economic Statistics System (ECOS), table 251Y001 (North Korea GDP estimates)",
    }
    plan = _Plan(source, "gdp_releases", rows, source_row, provenance,
                 owns=lambda r: r.get("source_id", "").startswith("bok-ecos-251y001-"),
                 compare=("growth_pct", "gni_nominal_krw_tn", "gni_per_capita_krw_mn"), raws=raws)
    # A new release only when the series differs from the one held; years whose fetched
    # figures disagree with a curated (not fetched) latest release are held back unless
    # accepted, and reported.
    cols = plan.compare
    new_rows = []
    for r in rows:
        old = latest.get(r["year"])
        if old is not None and all(_same(old.get(c, ""), r[c]) for c in cols):
            continue
        if old is not None and not plan.owns(old) and not accept:
            plan.disagreements.append(Change("gdp_releases", (old["release_date"], r["year"]), "disagrees",
                                             {c: old.get(c, "") for c in cols}, {c: r[c] for c in cols}))
            held.add(r["year"])
            continue
        new_rows.append(r)
    plan.rows = new_rows
    plan.held_back = held
    return plan


def _parse_ecos(body: bytes, item: str, units: Mapping[str, float]) -> list[tuple[str, float]]:
    source = "bok_gdp"
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(source, f"malformed response for item {item}: not JSON ({exc})") from None
    result = payload.get("RESULT") if isinstance(payload, dict) else None
    if isinstance(result, dict):
        code, message = str(result.get("CODE", "")), str(result.get("MESSAGE", ""))
        if code in ("INFO-100", "ERROR-100"):
            raise FetchError(source, f"ECOS rejected the key in NKECON_ECOS_KEY ({code}: {message}); check the key")
        if code == "ERROR-602":
            raise FetchError(source, f"ECOS rate limit reached ({code}: {message}); try again later")
        raise FetchError(source, f"ECOS answered {code}: {message}")
    block = payload.get("StatisticSearch") if isinstance(payload, dict) else None
    rows = block.get("row") if isinstance(block, dict) else None
    if not isinstance(rows, list):
        raise FetchError(source, f"malformed response for item {item}: expected 'StatisticSearch' with a 'row' list")
    out = []
    for r in rows:
        try:
            if r["STAT_CODE"] != "251Y001" or r["ITEM_CODE1"] != item:
                raise FetchError(source, f"malformed response: expected table 251Y001 item {item}, got {r['STAT_CODE']} item {r['ITEM_CODE1']}")
            unit = str(r.get("UNIT_NAME", "")).strip()
            if unit not in units:
                raise FetchError(source, f"unexpected unit {unit!r} for item {item}; expected {' or '.join(map(repr, units))}")
            year = str(int(r["TIME"]))
            value = float(r["DATA_VALUE"]) * units[unit]
        except (KeyError, TypeError, ValueError):
            raise FetchError(source, f"malformed response for item {item}: a row lacks TIME, DATA_VALUE or STAT_CODE, "
                                     f"or holds a non-number ({r!r:.120})") from None
        out.append((year, value))
    return out


def _latest_gdp(folder: Path) -> dict[str, dict[str, str]]:
    """For each year, the row of the latest release in ``gdp_releases.csv`` (as text)."""
    _, rows = _read_csv(folder / "gdp_releases.csv")
    latest: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["year"] not in latest or r["release_date"] >= latest[r["year"]]["release_date"]:
            latest[r["year"]] = r
    return latest


# ------------------------------------------------------------------------------ merge


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), [dict(r) for r in reader]


def _csv_bytes(header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in header})
    return buf.getvalue().encode("utf-8")


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False


def _schema_key(folder: Path, dataset: str) -> list[str]:
    package = json.loads((paths.shipped_data_dir() / PACKAGE_FILE).read_text(encoding="utf-8"))
    res = next(r for r in package["resources"] if r["name"] == dataset)
    key = res["schema"]["primaryKey"]
    return [key] if isinstance(key, str) else list(key)


def _merge(plan: _Plan, folder: Path, *, accept: bool) -> tuple[list[str], list[dict[str, str]], list[Change], bool]:
    """The dataset's rows after the fetch, the changes, and whether the source row is cited."""
    header, rows = _read_csv(folder / f"{plan.dataset}.csv")
    key_cols = _schema_key(folder, plan.dataset)
    index = {tuple(r[c] for c in key_cols): i for i, r in enumerate(rows)}
    changes: list[Change] = list(plan.disagreements)
    cited = False
    for new in plan.rows:
        new = {**new, "source_id": plan.source_row["source_id"]}
        key = tuple(new[c] for c in key_cols)
        i = index.get(key)
        if i is None:
            rows.append(new)
            index[key] = len(rows) - 1
            changes.append(Change(plan.dataset, key, "added", {}, {c: new[c] for c in plan.compare}))
            cited = True
            continue
        old = rows[i]
        if all(_same(old.get(c, ""), new.get(c, "")) for c in plan.compare):
            continue
        diff_old, diff_new = {c: old.get(c, "") for c in plan.compare}, {c: new[c] for c in plan.compare}
        if plan.owns(old) or accept:
            if not plan.owns(old):
                new["note"] = (new.get("note", "") + f"; replaces curated {diff_old} from {old.get('source_id')}").lstrip("; ")
            rows[i] = {**old, **new}
            changes.append(Change(plan.dataset, key, "changed", diff_old, diff_new))
            cited = True
        else:
            changes.append(Change(plan.dataset, key, "disagrees", diff_old, diff_new))
    if plan.dataset == "un_designations":
        fetched = {tuple(r[c] for c in key_cols) for r in plan.rows}
        for r in rows:
            key = tuple(r[c] for c in key_cols)
            if key not in fetched:
                changes.append(Change(plan.dataset, key, "removed", {}, {}))
    return header, rows, changes, cited


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- driver

#: The names ``nkecon data fetch`` accepts, in the order they are fetched.
SOURCES: tuple[str, ...] = ("weather", "un_designations", "bok_gdp")


def _target_dir(data_dir: str | os.PathLike | None) -> Path:
    if data_dir is not None:
        folder = Path(data_dir)
    elif os.environ.get("NKECON_DATA_DIR"):
        folder = Path(os.environ["NKECON_DATA_DIR"])
    else:
        folder = paths.user_data_dir()
    folder = folder.expanduser().absolute()
    shipped = paths.shipped_data_dir().resolve()
    if folder.resolve() == shipped:
        raise FetchError("fetch", f"{folder} is the data shipped with nkecon, which a fetch never changes; "
                                  "pass --data-dir or set NKECON_DATA_DIR to a folder of your own")
    if folder.exists() and not (folder / PACKAGE_FILE).is_file() and any(folder.iterdir()):
        raise FetchError("fetch", f"{folder} is not empty and holds no {PACKAGE_FILE}; "
                                  "expected a data folder with nkecon's layout or an empty/new folder")
    return folder


def fetch(names: Sequence[str] | None = None, *, data_dir: str | os.PathLike | None = None, dry_run: bool = False,
          accept: bool = False, refresh: bool = False, ecos_key: str | None = None,
          weather_points: Sequence[tuple[str, float, float]] = WEATHER_POINTS,
          start_year: int = 1990, end_year: int | None = None, today: date | None = None) -> FetchResult:
    """Fetch ``names`` (default: every source; ``bok_gdp`` only when a key is set) into a data folder.

    Parameters
    ----------
    names : sequence of str, optional
        Among :data:`SOURCES`.
    data_dir : path, optional
        The data folder to update (default ``$NKECON_DATA_DIR``, else the user data folder);
        seeded from the shipped data when it does not exist yet. Never the shipped data.
    dry_run : bool
        Fetch and report, write nothing.
    accept : bool
        Replace curated figures that the fetch disagrees with (default: keep and report them).
    refresh : bool
        Ask the services again even if a cached response is less than a day old.

    Returns
    -------
    FetchResult
        ``summary()`` gives the lines the command line prints.

    Raises
    ------
    FetchError
        One line naming the source and what went wrong; nothing has been written.
    """
    from .datasets import validate

    today = today or date.today()
    end_year = end_year if end_year is not None else today.year - 1
    if names:
        unknown = [n for n in names if n not in SOURCES]
        if unknown:
            raise FetchError("fetch", f"no source named {unknown[0]!r}; the sources are {', '.join(SOURCES)}")
        names = list(dict.fromkeys(names))
    else:
        names = [n for n in SOURCES if n != "bok_gdp" or (ecos_key or os.environ.get("NKECON_ECOS_KEY", "")).strip()]
        if "bok_gdp" not in names:
            log.warning("bok_gdp skipped: NKECON_ECOS_KEY is not set")
    target = _target_dir(data_dir)
    base = target if (target / PACKAGE_FILE).is_file() else paths.shipped_data_dir()

    plans: list[_Plan] = []
    with _client() as client:
        for name in names:
            if name == "weather":
                plans.append(_weather_plan(refresh=refresh, client=client, start_year=start_year, end_year=end_year,
                                           points=weather_points, today=today))
            elif name == "un_designations":
                plans.append(_un_plan(refresh=refresh, client=client, today=today))
            else:
                plans.append(_bok_plan(refresh=refresh, client=client, today=today, key=ecos_key, data_dir=base,
                                       accept=accept))

    # Stage: a copy of the base folder with every change applied, validated as a whole.
    stage_root = Path(tempfile.mkdtemp(prefix="nkecon-fetch-"))
    try:
        stage = stage_root / "data"
        shutil.copytree(base, stage, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        changes: list[Change] = []
        package = json.loads((stage / PACKAGE_FILE).read_text(encoding="utf-8"))
        resources = {r["name"]: r for r in package["resources"]}
        src_header, src_rows = _read_csv(stage / "sources.csv")
        known_sources = {r["source_id"] for r in src_rows}
        provenance: dict[str, dict[str, Any]] = {}
        touched: set[str] = set()
        for plan in plans:
            header, rows, found, cited = _merge(plan, stage, accept=accept)
            changes += found
            if not cited:
                continue
            (stage / f"{plan.dataset}.csv").write_bytes(_csv_bytes(header, rows))
            if plan.source_row["source_id"] not in known_sources:
                src_rows.append(plan.source_row)
                known_sources.add(plan.source_row["source_id"])
            record = {
                "source": plan.source,
                **plan.provenance,
                "time": max(r.time for r in plan.raws),
                "sha256": plan.raws[0].sha256 if len(plan.raws) == 1 else [r.sha256 for r in plan.raws],
                "source_id": plan.source_row["source_id"],
            }
            resources[plan.dataset]["nkecon:fetched"] = record
            resources[plan.dataset]["nkecon:date_accessed"] = today.isoformat()
            provenance[plan.dataset] = record
            touched |= {f"{plan.dataset}.csv", "sources.csv", PACKAGE_FILE}
        if "sources.csv" in touched:
            (stage / "sources.csv").write_bytes(_csv_bytes(src_header, src_rows))
            (stage / PACKAGE_FILE).write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        problems = validate(stage)
        if problems:
            raise FetchError(", ".join(names), f"the fetched data does not pass nkecon's schema, nothing written: "
                                               f"{str(problems[0]).replace(str(stage), str(target))}"
                                               + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        wrote = False
        if not dry_run:
            if not (target / PACKAGE_FILE).is_file():
                # The first write seeds the folder with a copy of the shipped data.
                target.mkdir(parents=True, exist_ok=True)
                for path in sorted(paths.shipped_data_dir().iterdir()):
                    if path.is_file() and path.suffix in (".csv", ".json"):
                        _atomic_write(target / path.name, path.read_bytes())
                wrote = True
            # sources first (only adds ids), the datasets, then datapackage.json
            order = ["sources.csv"] + sorted(t for t in touched if t not in ("sources.csv", PACKAGE_FILE)) + [PACKAGE_FILE]
            for name in order:
                if name in touched:
                    data = (stage / name).read_bytes()
                    if not (target / name).is_file() or (target / name).read_bytes() != data:
                        _atomic_write(target / name, data)
                        wrote = True
    finally:
        shutil.rmtree(stage_root, ignore_errors=True)
    # Responses that parsed and validated are cached (the cache is not the data folder, so a
    # dry run keeps them too, and the real run that follows does not ask again).
    for plan in plans:
        for raw in plan.raws:
            _remember(raw)
    cached = tuple(p.source for p in plans if p.raws and all(r.from_cache for r in p.raws))
    return FetchResult(tuple(names), target, tuple(changes), provenance, wrote, dry_run, cached)


def fetch_weather(*, data_dir: str | os.PathLike | None = None, dry_run: bool = False, accept: bool = False,
                  refresh: bool = False, points: Sequence[tuple[str, float, float]] = WEATHER_POINTS,
                  start_year: int = 1990, end_year: int | None = None) -> FetchResult:
    """Fetch ERA5 national precipitation and temperature (Open-Meteo) into ``weather``.

    Annual and June-August figures for ``start_year`` to ``end_year`` (default: the last
    complete year), the 1991-2020 normals and the anomalies against them, all with basis
    ``era5_reanalysis``. See :func:`fetch` for the other options.
    """
    return fetch(["weather"], data_dir=data_dir, dry_run=dry_run, accept=accept, refresh=refresh,
                 weather_points=points, start_year=start_year, end_year=end_year)


def fetch_un_designations(*, data_dir: str | os.PathLike | None = None, dry_run: bool = False, accept: bool = False,
                          refresh: bool = False) -> FetchResult:
    """Fetch the DPRK (1718) designations of the UN consolidated list into ``un_designations``."""
    return fetch(["un_designations"], data_dir=data_dir, dry_run=dry_run, accept=accept, refresh=refresh)


def fetch_bok_gdp(*, data_dir: str | os.PathLike | None = None, dry_run: bool = False, accept: bool = False,
                  refresh: bool = False, key: str | None = None) -> FetchResult:
    """Fetch the BOK's current GDP series (ECOS 251Y001) as a new release in ``gdp_releases``.

    ``key`` defaults to ``$NKECON_ECOS_KEY``. A new release (dated today, basis
    ``observed``) is appended only for years whose figures differ from the latest release held;
    where that latest figure is curated, the year is reported and kept unless ``accept``.
    """
    return fetch(["bok_gdp"], data_dir=data_dir, dry_run=dry_run, accept=accept, refresh=refresh, ecos_key=key)
