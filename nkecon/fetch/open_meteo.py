"""Open-Meteo's historical weather API (ERA5 reanalysis, no key): the ``weather`` source.

Daily precipitation and mean temperature at :data:`WEATHER_POINTS`, aggregated to national
annual and June-August figures with anomalies against 1991-2020 (``basis`` =
``era5_reanalysis`` in the ``weather`` dataset). Every daily value must be a finite number
within what the atmosphere can do at these points (:data:`DAILY_PRECIP_MM`,
:data:`DAILY_TEMP_C`); anything else is refused with the point, the date and the value.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from ..errors import FetchError
from . import http
from .merge import Plan, fmt
from ..strict import BodyError, loads, number

SOURCE = "weather"
DATASET = "weather"
OPEN_METEO_URL = "https://archive-api.open-meteo.com/v1/archive"
#: One point's answer for 35 years of two daily series is about 0.6 MB.
MAX_BYTES = 8_000_000
#: Daily precipitation at one point: never negative, and below the heaviest day recorded on
#: the Korean peninsula (870.5 mm at Gangneung, 31 August 2002) with a wide margin.
DAILY_PRECIP_MM = (0.0, 1000.0)
#: Daily mean temperature at one point, in degrees Celsius: wider than any recorded in Korea.
DAILY_TEMP_C = (-50.0, 45.0)

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

#: The period of the normals the anomalies are taken against.
NORMAL = (1991, 2020)


def plan(*, refresh: bool, client: Any, start_year: int, end_year: int,
         points: Sequence[tuple[str, float, float]], today: date) -> Plan:
    """Fetch every point and turn the days into the national rows of ``weather``."""
    source = SOURCE
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
            http.pause()
        query = {"latitude": lat, "longitude": lon, **query_common}
        raw = http.get(source, OPEN_METEO_URL, query, refresh=refresh, client=client, max_bytes=MAX_BYTES)
        try:
            series = parse(raw.body, name, first, end_year)
        except FetchError:
            if not raw.from_cache:
                raise
            http.forget(raw)  # a cached answer that no longer parses is asked for again
            raw = http.get(source, OPEN_METEO_URL, query, refresh=True, client=client, max_bytes=MAX_BYTES)
            series = parse(raw.body, name, first, end_year)
        per_point.append(series)
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
        row(NORMAL[0], NORMAL[1], measure, season, fmt(value, 1 if measure == "precipitation_mm" else 2),
            note=f"{note_pts}; 1991-2020 mean of the national figures")
    for year in range(start_year, end_year + 1):
        for season in ("annual", "jja"):
            p, t = national[(year, "precipitation_mm", season)], national[(year, "mean_temperature_c", season)]
            row(year, year, "precipitation_mm", season, fmt(p, 1))
            row(year, year, "mean_temperature_c", season, fmt(t, 2))
            row(year, year, "precipitation_pct_of_normal", season,
                fmt(100 * p / normal[("precipitation_mm", season)], 1), "1991-2020")
            row(year, year, "temperature_anomaly_c", season,
                fmt(t - normal[("mean_temperature_c", season)], 2), "1991-2020")
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
    return Plan(source, DATASET, rows, source_row, provenance,
                 owns=lambda r: r.get("basis") == "era5_reanalysis", compare=("value", "normal"), raws=raws)


def parse(body: bytes, name: str, first: int, last: int) -> list[tuple[int, int, float, float]]:
    source = SOURCE
    try:
        payload = loads(body)
    except BodyError as exc:
        raise FetchError(source, f"malformed response for point {name!r}: {exc}") from None
    if isinstance(payload, dict) and payload.get("error"):
        raise FetchError(source, f"Open-Meteo refused the request for point {name!r}: {str(payload.get('reason', 'no reason given'))[:200]}")
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
            if not (isinstance(t, str) and len(t) == 10 and t.isascii()):
                raise ValueError(t)
            d = date.fromisoformat(t)
        except (TypeError, ValueError):
            raise FetchError(source, f"malformed response for point {name!r}: date {str(t)[:40]!r} is not YYYY-MM-DD") from None
        if p is None or m is None:
            raise FetchError(source, f"incomplete response for point {name!r}: no value for {t} "
                                     "(ERA5 lags about five days; fetch complete years only)")
        try:
            p = _within(number(p, f"precipitation_sum on {t}"), DAILY_PRECIP_MM, f"precipitation_sum on {t}", "mm")
            m = _within(number(m, f"temperature_2m_mean on {t}"), DAILY_TEMP_C, f"temperature_2m_mean on {t}", "°C")
        except BodyError as exc:
            raise FetchError(source, f"impossible value for point {name!r}: {exc}") from None
        out.append((d.year, d.month, p, m))
    expected = (date(last, 12, 31) - date(first, 1, 1)).days + 1
    if len(out) != expected or out[0][0] != first or out[-1][0] != last:
        raise FetchError(source, f"incomplete response for point {name!r}: {len(out)} days, expected {expected} ({first}-{last})")
    return out


def _within(value: float, bounds: tuple[float, float], what: str, unit: str) -> float:
    lo, hi = bounds
    if not lo <= value <= hi:
        raise BodyError(f"{what} is {value:.6g} {unit}; expected between {lo:g} and {hi:g} {unit}")
    return value
