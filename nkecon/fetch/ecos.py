"""The Bank of Korea's ECOS open API, table 251Y001 (key in ``NKECON_ECOS_KEY``): ``bok_gdp``.

North Korea's GDP growth and GNI, appended to ``gdp_releases`` as a new release when the
series differs from the latest one held. ECOS sends every figure as text; a figure counts
only when it is a finite number written with ASCII digits (see :mod:`nkecon.strict`).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from ..errors import FetchError
from . import http
from .merge import Change, Plan, fmt, read_csv, same
from ..strict import BodyError, loads, number_text

SOURCE = "bok_gdp"
DATASET = "gdp_releases"
ECOS_URL = "https://ecos.bok.or.kr/api/StatisticSearch"
#: One item of table 251Y001 from 1990 is about 15 kB.
MAX_BYTES = 2_000_000

#: ECOS item codes of table 251Y001 and the column each fills, with the unit ECOS gives and
#: the factor to nkecon's unit.
_ECOS_ITEMS = {
    "1010400": ("growth_pct", {"%": 1.0}, 1),
    "1010200": ("gni_nominal_krw_tn", {"십억원": 1e-3}, 4),
    "1010300": ("gni_per_capita_krw_mn", {"만원": 1e-2}, 3),
}


def plan(*, refresh: bool, client: Any, today: date, key: str | None, data_dir: Path, accept: bool) -> Plan:
    """Fetch the three items and plan a new release for the years whose figures changed."""
    source = SOURCE
    key = key if key is not None else os.environ.get("NKECON_ECOS_KEY", "")
    if not key.strip():
        raise FetchError(source, "NKECON_ECOS_KEY is not set; request a free key from the Bank of Korea's ECOS "
                                 "open API service and export NKECON_ECOS_KEY=<key>")
    end = today.year
    series: dict[str, dict[str, str]] = {}
    raws = []
    for i, (item, (column, units, digits)) in enumerate(_ECOS_ITEMS.items()):
        if i:
            http.pause()
        tail = f"json/kr/1/1000/251Y001/A/1990/{end}/{item}/"
        request = dict(url=f"{ECOS_URL}/{key.strip()}/{tail}", client=client, max_bytes=MAX_BYTES,
                       public_url=f"{ECOS_URL}/{{NKECON_ECOS_KEY}}/{tail}")
        raw = http.get(source, refresh=refresh, **request)
        try:
            values = parse(raw.body, item, units)
        except FetchError:
            if not raw.from_cache:
                raise
            http.forget(raw)
            raw = http.get(source, refresh=True, **request)
            values = parse(raw.body, item, units)
        for year, value in values:
            if column in series.get(year, {}):
                raise FetchError(source, f"malformed response for item {item}: year {year} appears twice; refused "
                                         "rather than keep one of the two silently")
            series.setdefault(year, {})[column] = fmt(value, digits)
        raws.append(raw)
    if not series:
        raise FetchError(source, "malformed response: table 251Y001 returned no rows")
    accessed = today.isoformat()
    source_id = f"bok-ecos-251y001-{accessed}"
    latest = latest_gdp(data_dir)
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
    result = Plan(source, "gdp_releases", rows, source_row, provenance,
                 owns=lambda r: r.get("source_id", "").startswith("bok-ecos-251y001-"),
                 compare=("growth_pct", "gni_nominal_krw_tn", "gni_per_capita_krw_mn"), raws=raws)
    # A new release only when the series differs from the one held; years whose fetched
    # figures disagree with a curated (not fetched) latest release are held back unless
    # accepted, and reported.
    cols = result.compare
    new_rows = []
    for r in rows:
        old = latest.get(r["year"])
        if old is not None and all(same(old.get(c, ""), r[c]) for c in cols):
            continue
        if old is not None and not result.owns(old) and not accept:
            result.disagreements.append(Change("gdp_releases", (old["release_date"], r["year"]), "disagrees",
                                             {c: old.get(c, "") for c in cols}, {c: r[c] for c in cols}))
            held.add(r["year"])
            continue
        new_rows.append(r)
    result.rows = new_rows
    result.held_back = held
    return result


def parse(body: bytes, item: str, units: Mapping[str, float]) -> list[tuple[str, float]]:
    source = SOURCE
    try:
        payload = loads(body)
    except BodyError as exc:
        raise FetchError(source, f"malformed response for item {item}: {exc}") from None
    result = payload.get("RESULT") if isinstance(payload, dict) else None
    if isinstance(result, dict):
        code, message = str(result.get("CODE", "")), str(result.get("MESSAGE", ""))
        if code in ("INFO-100", "ERROR-100"):
            raise FetchError(source, f"ECOS rejected the key in NKECON_ECOS_KEY ({code[:40]}: {message[:200]}); check the key")
        if code == "ERROR-602":
            raise FetchError(source, f"ECOS rate limit reached ({code[:40]}: {message[:200]}); try again later")
        raise FetchError(source, f"ECOS answered {code[:40]}: {message[:200]}")
    block = payload.get("StatisticSearch") if isinstance(payload, dict) else None
    rows = block.get("row") if isinstance(block, dict) else None
    if not isinstance(rows, list):
        raise FetchError(source, f"malformed response for item {item}: expected 'StatisticSearch' with a 'row' list")
    out = []
    for r in rows:
        try:
            if r["STAT_CODE"] != "251Y001" or r["ITEM_CODE1"] != item:
                raise FetchError(source, f"malformed response: expected table 251Y001 item {item}, got {str(r['STAT_CODE'])[:20]!r} item {str(r['ITEM_CODE1'])[:20]!r}")
            unit = str(r.get("UNIT_NAME", "")).strip()
            if unit not in units:
                raise FetchError(source, f"unexpected unit {unit!r} for item {item}; expected {' or '.join(map(repr, units))}")
            year = r["TIME"]
            if not (isinstance(year, str) and year.isascii() and year.isdigit() and len(year) == 4):
                raise BodyError(f"TIME is {str(year)[:20]!r}; expected a year such as 2020")
            value = number_text(r["DATA_VALUE"], f"DATA_VALUE of {year}") * units[unit]
        except BodyError as exc:
            raise FetchError(source, f"malformed response for item {item}: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise FetchError(source, f"malformed response for item {item}: a row lacks TIME, DATA_VALUE or STAT_CODE, "
                                     f"or holds a non-number ({r!r:.120})") from None
        out.append((year, value))
    return out


def latest_gdp(folder: Path) -> dict[str, dict[str, str]]:
    """For each year, the row of the latest release in ``gdp_releases.csv`` (as text)."""
    _, rows = read_csv(folder / "gdp_releases.csv")
    latest: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["year"] not in latest or r["release_date"] >= latest[r["year"]]["release_date"]:
            latest[r["year"]] = r
    return latest


