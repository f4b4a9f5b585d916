"""Weather as numbers: one series per basis, never mixed.

The ``weather`` data hold figures of several bases that measure different things:
KMA's national mean of 27 North Korean stations (``kma_stations``), North Korea's own
Hydro-Meteorological Service (``dprk_national``), the RDA's May-September growing season
(``rda_growing_season``), single NOAA GHCN-Daily stations (``ghcn_station``) and fetched
ERA5 reanalysis (``era5_reanalysis``). Every helper here takes one basis and one period
(``season`` plus ``month_start``/``month_end``) and never fills a year from another basis.

GHCN-Daily station years are kept with the days they cover; years with fewer than
``min_coverage_days`` reported days (default :data:`GHCN_MIN_COVERAGE_DAYS`) are left out
of the series and anomalies, and the result says which.

Examples
--------
>>> from nkecon.weather import weather_coverage
>>> cov = weather_coverage()
>>> "ghcn_station" in set(cov["basis"]) and "dprk_national" in set(cov["basis"])
True
"""

from __future__ import annotations

import pandas as pd

from . import datasets
from .errors import DataError, ParameterError, Problem
from .results import Result

__all__ = [
    "BASES",
    "GHCN_MIN_COVERAGE_DAYS",
    "SEASON_MONTHS",
    "weather_anomaly",
    "weather_coverage",
    "weather_series",
]

BASES: tuple[str, ...] = ("kma_stations", "dprk_national", "rda_growing_season", "ghcn_station", "era5_reanalysis")
SEASON_MONTHS: dict[str, tuple[int, int]] = {"annual": (1, 12), "jja": (6, 8), "may_sep": (5, 9)}
GHCN_MIN_COVERAGE_DAYS = 330
_RELATIVE = {"precipitation_mm": "precipitation_pct_of_normal", "mean_temperature_c": "temperature_anomaly_c"}
_SEASONS = ("annual", "jja", "may_sep", "month", "part_year")


def _checked(weather: pd.DataFrame | None) -> pd.DataFrame:
    """The weather data, with the rules the schema cannot state checked: the months agree
    with the season, a period does not run backwards, and station fields are set exactly
    on ``ghcn_station`` rows. A broken row raises :class:`DataError` naming it."""
    weather = datasets.load_weather() if weather is None else weather
    problems = []
    for _, r in weather.iterrows():
        where = f"row {r['year_start']}-{r['year_end']} {r['basis']} {r['measure']} {r['season']}"
        span = (int(r["month_start"]), int(r["month_end"]))
        if r["season"] in SEASON_MONTHS and span != SEASON_MONTHS[r["season"]]:
            problems.append(Problem("weather.csv", f"{where}: season {r['season']!r} covers months "
                                    f"{SEASON_MONTHS[r['season']][0]}-{SEASON_MONTHS[r['season']][1]}", None, "month_start", f"{span[0]}-{span[1]}"))
        elif span[0] > span[1]:
            problems.append(Problem("weather.csv", f"{where}: month_start is after month_end", None, "month_start", str(span[0])))
        ghcn = r["basis"] == "ghcn_station"
        if ghcn != (pd.notna(r["station_id"]) and str(r["station_id"]) != "") or ghcn != pd.notna(r["coverage_days"]):
            problems.append(Problem("weather.csv", f"{where}: station_id and coverage_days are set on ghcn_station rows "
                                    "and only there", None, "station_id", "" if pd.isna(r["station_id"]) else str(r["station_id"])))
    if problems:
        raise DataError(problems)
    return weather


def _months(season: str, months: int | tuple[int, int] | None) -> tuple[int, int]:
    if season not in _SEASONS:
        raise ParameterError(f"The value for `season` must be one of {', '.join(_SEASONS)}, but {season!r} was passed.")
    if months is None:
        if season not in SEASON_MONTHS:
            raise ParameterError(f"The value for `months` must be given for season {season!r}, e.g. 7 or (1, 5), but None was passed.")
        return SEASON_MONTHS[season]
    pair = (months, months) if isinstance(months, int) else tuple(months)
    if len(pair) != 2 or not all(isinstance(m, int) and 1 <= m <= 12 for m in pair) or pair[0] > pair[1]:
        raise ParameterError(f"The value for `months` must be a month 1-12 or a (first, last) pair of months, but {months!r} was passed.")
    if season in SEASON_MONTHS and pair != SEASON_MONTHS[season]:
        raise ParameterError(f"The value for `months` must be {SEASON_MONTHS[season]} for season {season!r}, but {months!r} was passed.")
    return pair  # type: ignore[return-value]


def _basis(basis: str) -> str:
    if basis not in BASES:
        raise ParameterError(f"The value for `basis` must be one of {', '.join(BASES)}, but {basis!r} was passed.")
    return basis


def _measure(measure: str) -> str:
    if measure not in _RELATIVE:
        raise ParameterError(f"The value for `measure` must be one of {', '.join(_RELATIVE)}, but {measure!r} was passed.")
    return measure


def _coverage(min_coverage_days: int) -> int:
    if not isinstance(min_coverage_days, int) or not 0 <= min_coverage_days <= 366:
        raise ParameterError(f"The value for `min_coverage_days` must be a whole number of days from 0 to 366, but {min_coverage_days!r} was passed.")
    return min_coverage_days


def _period_rows(weather: pd.DataFrame, basis: str, measure: str, season: str, months: tuple[int, int]) -> pd.DataFrame:
    """Rows of one basis, measure and period (normals included)."""
    return weather[(weather["basis"] == basis) & (weather["measure"] == measure) & (weather["season"] == season)
                   & (weather["month_start"] == months[0]) & (weather["month_end"] == months[1])]


def _single_years(rows: pd.DataFrame, what: str) -> pd.DataFrame:
    years = rows[rows["year_start"] == rows["year_end"]]
    dup = years["year_start"][years["year_start"].duplicated()]
    if len(dup):
        raise ParameterError(f"The weather data have more than one {what} figure for {int(dup.iloc[0])} "
                             "(different day windows); pick the months so that each year has one.")
    return years


def _compact(years: list[int]) -> str:
    """1990, 1991, 1992, 1995 -> '1990-1992, 1995'."""
    parts: list[str] = []
    for y in sorted(set(years)):
        if parts and parts[-1][1] == y - 1:
            parts[-1] = (parts[-1][0], y)
        else:
            parts.append((y, y))
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in parts)


def weather_coverage(weather: pd.DataFrame | None = None, *, min_coverage_days: int = GHCN_MIN_COVERAGE_DAYS) -> pd.DataFrame:
    """Which years each basis covers, by measure and period (normals not counted).

    One row per basis, measure and period, and for ``ghcn_station`` one row per station plus
    a ``station-mean`` row (years with at least one station at or above the coverage
    threshold). Station years below ``min_coverage_days`` are not counted and are listed in
    ``years_below_coverage``.

    Parameters
    ----------
    weather : DataFrame, optional
        The ``weather`` data.
    min_coverage_days : int
        Days a GHCN station year must cover to count.

    Returns
    -------
    DataFrame
        ``basis``, ``station_id``, ``measure``, ``season``, ``months`` (e.g. ``'6-8'``),
        ``n_years``, ``first_year``, ``last_year``, ``years`` (compact ranges),
        ``years_below_coverage`` and ``derived_years``.

    Examples
    --------
    >>> cov = weather_coverage()
    >>> row = cov[(cov.basis == "dprk_national") & (cov.measure == "precipitation_mm") & (cov.season == "jja")].iloc[0]
    >>> row["years"]
    '1995, 2019-2020'
    """
    threshold = _coverage(min_coverage_days)
    weather = _checked(weather)
    obs = weather[weather["year_start"] == weather["year_end"]].copy()
    obs["station_id"] = obs["station_id"].fillna("").astype(str)
    low = obs["coverage_days"].notna() & (obs["coverage_days"].fillna(0) < threshold)
    out = []
    keys = ["basis", "station_id", "measure", "season", "month_start", "month_end"]
    for key, grp in obs.groupby(keys, observed=True, sort=True):
        basis, station, measure, season, m0, m1 = key
        kept = grp[~low.loc[grp.index]]
        out.append(_coverage_row(basis, station, measure, season, m0, m1, kept, grp[low.loc[grp.index]], grp))
    ghcn = obs[obs["basis"] == "ghcn_station"]
    for key, grp in ghcn.groupby(["measure", "season", "month_start", "month_end"], observed=True, sort=True):
        measure, season, m0, m1 = key
        kept = grp[~low.loc[grp.index]].drop_duplicates("year_start")
        below = sorted(set(grp["year_start"]) - set(kept["year_start"]))
        out.append(_coverage_row("ghcn_station", "station-mean", measure, season, m0, m1, kept,
                                 grp[grp["year_start"].isin(below)].drop_duplicates("year_start"), grp))
    return pd.DataFrame(out).sort_values(["basis", "measure", "season", "months", "station_id"], ignore_index=True)


def _coverage_row(basis, station, measure, season, m0, m1, kept, below, grp) -> dict:
    years = sorted(int(y) for y in kept["year_start"])
    derived = sorted(int(y) for y in grp.loc[grp["origin"] == "derived", "year_start"])
    return {"basis": basis, "station_id": station, "measure": measure, "season": season, "months": f"{m0}-{m1}",
            "n_years": len(years), "first_year": years[0] if years else pd.NA, "last_year": years[-1] if years else pd.NA,
            "years": _compact(years), "years_below_coverage": _compact([int(y) for y in below["year_start"]]),
            "derived_years": _compact(derived)}


def weather_series(
    weather: pd.DataFrame | None = None,
    *,
    basis: str,
    measure: str = "mean_temperature_c",
    season: str = "annual",
    months: int | tuple[int, int] | None = None,
    min_coverage_days: int = GHCN_MIN_COVERAGE_DAYS,
) -> pd.DataFrame:
    """One basis's yearly figures for one measure and period, as published (no normal).

    For ``ghcn_station`` the value is the mean over the stations whose year covers at least
    ``min_coverage_days`` days (``n_stations`` and ``stations`` say which); its level moves
    when the set of stations changes, so compare years with :func:`weather_anomaly`.

    Parameters
    ----------
    weather : DataFrame, optional
        The ``weather`` data.
    basis : str
        One of :data:`BASES`.
    measure : str
        ``precipitation_mm`` or ``mean_temperature_c``.
    season : str
        ``annual``, ``jja``, ``may_sep``, ``month`` or ``part_year``.
    months : int or (int, int), optional
        The month or months (required for ``month`` and ``part_year``).
    min_coverage_days : int
        Days a GHCN station year must cover to count.

    Returns
    -------
    DataFrame
        ``year``, ``value``, ``origin``, ``source_id`` (national bases) or ``year``,
        ``value``, ``n_stations``, ``stations`` (``ghcn_station``).

    Examples
    --------
    >>> s = weather_series(basis="dprk_national", measure="precipitation_mm", season="jja")
    >>> float(s.set_index("year").loc[2020, "value"])
    852.3
    """
    basis, measure, threshold = _basis(basis), _measure(measure), _coverage(min_coverage_days)
    span = _months(season, months)
    weather = _checked(weather)
    rows = _period_rows(weather, basis, measure, season, span)
    rows = rows[rows["year_start"] == rows["year_end"]]
    if basis == "ghcn_station":
        ok = rows[rows["coverage_days"].fillna(0) >= threshold]
        grouped = ok.groupby("year_start")
        return pd.DataFrame({
            "year": [int(y) for y in grouped.groups],
            "value": grouped["value"].mean().to_numpy(),
            "n_stations": grouped["station_id"].nunique().to_numpy(),
            "stations": grouped["station_id"].agg(lambda s: ", ".join(sorted(s))).to_numpy(),
        })
    rows = _single_years(rows, f"{basis} {season} {measure}")
    return pd.DataFrame({"year": rows["year_start"].astype(int).to_numpy(), "value": rows["value"].to_numpy(),
                         "origin": rows["origin"].astype(str).to_numpy(),
                         "source_id": rows["source_id"].astype(str).to_numpy()}).sort_values("year", ignore_index=True)


def weather_anomaly(
    weather: pd.DataFrame | None = None,
    *,
    measure: str = "precipitation_mm",
    season: str = "jja",
    normal: str = "1991-2020",
    basis: str | None = None,
    months: int | tuple[int, int] | None = None,
    min_coverage_days: int = GHCN_MIN_COVERAGE_DAYS,
    min_normal_years: int = 24,
) -> Result:
    """Each year's weather against a normal of the same basis and period: the anomaly in
    percent (precipitation: percent of normal minus 100) or in degrees (temperature).

    ``normal`` is a period such as ``'1981-2010'`` (the normal row of the same basis,
    measure and period must exist; for ``ghcn_station`` each station's normal is the mean
    of its years in that period covering at least ``min_coverage_days`` days, and a station
    with fewer than ``min_normal_years`` such years is left out), or ``'published'``: the
    percent-of-normal or anomaly figures the source itself states, against whatever normal
    it used (the ``normal`` column says which). Years no source covers are absent, never
    filled; bases are never mixed. With no ``basis``, the KMA station figures are used,
    else fetched ERA5 reanalysis.

    For ``ghcn_station`` the anomaly is the mean of the station anomalies of the stations
    reporting that year, which does not move when stations drop in or out.

    Parameters
    ----------
    weather : DataFrame, optional
        The ``weather`` data.
    measure : str
        ``precipitation_mm`` or ``mean_temperature_c``.
    season : str
        ``annual``, ``jja``, ``may_sep``, ``month`` or ``part_year``.
    normal : str
        The normal's period, e.g. ``'1991-2020'``, or ``'published'``.
    basis : str, optional
        One of :data:`BASES` (default: ``kma_stations``, else ``era5_reanalysis``).
    months : int or (int, int), optional
        The month or months (required for ``month`` and ``part_year``).
    min_coverage_days : int
        Days a GHCN station year must cover to count (default 330).
    min_normal_years : int
        Qualifying years a GHCN station needs in the normal period (default 24, WMO's
        80% of 30 years).

    Returns
    -------
    Result
        One row per year: ``value``, ``normal_value``, ``anomaly``, ``normal``, ``origin``
        (``computed`` from value and normal, or ``published``) and, for GHCN,
        ``n_stations``; ``info`` holds the normal, basis and, for GHCN, the stations used
        and the years left out for coverage.

    Examples
    --------
    >>> r = weather_anomaly(normal="1981-2010")
    >>> int(r.table["year"].min()) >= 1990
    True
    >>> r = weather_anomaly(basis="ghcn_station", measure="mean_temperature_c", season="annual")
    >>> r.info["min_coverage_days"], 2007 in set(r.table["year"])
    (330, False)
    """
    _measure(measure)
    span = _months(season, months)
    threshold = _coverage(min_coverage_days)
    weather = _checked(weather)
    if normal != "published":
        try:
            lo, hi = (int(x) for x in normal.split("-"))
        except (ValueError, AttributeError):
            raise ParameterError(f"The value for `normal` must be a period such as '1991-2020' or 'published', but {normal!r} was passed.") from None
    bases = [_basis(basis)] if basis else ["kma_stations", "era5_reanalysis"]
    for b in bases:
        if b == "ghcn_station":
            if normal == "published":
                raise ParameterError("The value for `normal` must be a period for basis 'ghcn_station' (GHCN publishes no normals), but 'published' was passed.")
            if measure != "mean_temperature_c":
                raise ParameterError("The value for `measure` must be 'mean_temperature_c' for basis 'ghcn_station': GHCN-Daily precipitation for "
                                     "North Korea is broken after about 1970 and is not stored, but 'precipitation_mm' was passed.")
            return _ghcn_anomaly(weather, season, span, normal, lo, hi, threshold, min_normal_years)
        frame, base = _national_anomaly(weather, b, measure, season, span, normal)
        if len(frame):
            break
    else:
        raise ParameterError(f"No {season} {measure} normal {normal} with yearly figures of the same basis "
                             f"({', '.join(bases)}) in the weather data; fetch the reanalysis with `nkecon data fetch weather`.")
    unit = "percent of normal minus 100" if measure == "precipitation_mm" else "degrees C"
    how = "as the source states it" if normal == "published" else f"difference from the {normal} normal"
    return Result("weather_anomaly", frame, sample=f"{len(frame)} years of {b} {season} {measure} (months {span[0]}-{span[1]})",
                  method=f"{how} ({unit})", uncertainty="as published (rounded)",
                  caveat="years without a published figure are absent; other bases are not used to fill them",
                  info={"normal": normal, "normal_value": base, "basis": b, "measure": measure, "season": season,
                        "months": span})


def _national_anomaly(weather, b, measure, season, span, normal) -> tuple[pd.DataFrame, float | None]:
    rows = _period_rows(weather, b, measure, season, span)
    years = _single_years(rows, f"{b} {season} {measure}")
    empty = pd.DataFrame(columns=["year", "value", "normal_value", "anomaly", "normal", "origin"])
    if normal == "published":
        rel = _single_years(_period_rows(weather, b, _RELATIVE[measure], season, span), f"{b} {season} relative")
        if not len(rel):
            return empty, None
        values = years.set_index("year_start")["value"]
        anomaly = rel["value"] - 100 if measure == "precipitation_mm" else rel["value"]
        frame = pd.DataFrame({"year": rel["year_start"].astype(int).to_numpy(),
                              "value": [values.get(y, float("nan")) for y in rel["year_start"]],
                              "normal_value": float("nan"), "anomaly": anomaly.to_numpy(),
                              "normal": rel["normal"].astype(str).to_numpy(), "origin": "published"})
        return frame.sort_values("year", ignore_index=True), None
    lo, hi = (int(x) for x in normal.split("-"))
    ref = rows[(rows["year_start"] == lo) & (rows["year_end"] == hi)]
    if not (len(ref) and len(years)):
        return empty, None
    base = float(ref["value"].iloc[0])
    anomaly = 100 * (years["value"] / base - 1) if measure == "precipitation_mm" else years["value"] - base
    frame = pd.DataFrame({"year": years["year_start"].astype(int).to_numpy(), "value": years["value"].to_numpy(),
                          "normal_value": base, "anomaly": anomaly.to_numpy(), "normal": normal, "origin": "computed"})
    return frame.sort_values("year", ignore_index=True), base


def _ghcn_anomaly(weather, season, span, normal, lo, hi, threshold, min_normal_years) -> Result:
    if not isinstance(min_normal_years, int) or not 1 <= min_normal_years <= hi - lo + 1:
        raise ParameterError(f"The value for `min_normal_years` must be a whole number from 1 to {hi - lo + 1}, but {min_normal_years!r} was passed.")
    rows = _period_rows(weather, "ghcn_station", "mean_temperature_c", season, span)
    rows = rows[rows["year_start"] == rows["year_end"]]
    if not len(rows):
        raise ParameterError(f"No ghcn_station {season} mean_temperature_c figures in the weather data.")
    ok = rows[rows["coverage_days"].fillna(0) >= threshold]
    dropped = {str(s): sorted(int(y) for y in g["year_start"]) for s, g in rows[rows["coverage_days"].fillna(0) < threshold].groupby("station_id")}
    in_normal = ok[ok["year_start"].between(lo, hi)].groupby("station_id")["value"].agg(["mean", "size"])
    used = in_normal[in_normal["size"] >= min_normal_years]
    without = sorted(str(s) for s in set(rows["station_id"]) - set(used.index))
    ok = ok[ok["station_id"].isin(used.index)].copy()
    if not len(ok):
        raise ParameterError(f"No GHCN station has {min_normal_years} years of at least {threshold} days in {normal}; "
                             "lower `min_normal_years` or `min_coverage_days`.")
    ok["normal_value"] = ok["station_id"].map(used["mean"])
    ok["anomaly"] = ok["value"] - ok["normal_value"]
    g = ok.groupby("year_start")
    frame = pd.DataFrame({"year": [int(y) for y in g.groups], "value": g["value"].mean().to_numpy(),
                          "normal_value": g["normal_value"].mean().to_numpy(), "anomaly": g["anomaly"].mean().to_numpy(),
                          "normal": normal, "origin": "computed", "n_stations": g["station_id"].nunique().to_numpy()})
    return Result("weather_anomaly", frame,
                  sample=f"{len(frame)} years of GHCN-Daily annual mean temperature at {len(used)} stations ({', '.join(used.index)})",
                  method=f"mean over the stations reporting each year of the station's difference from its own {normal} mean (degrees C)",
                  uncertainty="station records, not a national mean; no homogenisation",
                  caveat=(f"station years with fewer than {threshold} days reported are left out; stations with fewer than "
                          f"{min_normal_years} such years in {normal} are left out ({', '.join(without) or 'none'})"),
                  info={"normal": normal, "normal_value": None, "basis": "ghcn_station", "measure": "mean_temperature_c",
                        "season": season, "months": span, "min_coverage_days": threshold, "stations": tuple(used.index),
                        "stations_without_normal": tuple(without), "years_below_coverage": dropped})
