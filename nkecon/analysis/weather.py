"""Weather: each year's rain and temperature against a normal."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

__all__ = ["harvest_shock", "weather_anomaly"]


def weather_anomaly(
    weather: pd.DataFrame | None = None,
    *,
    measure: str = "precipitation_mm",
    season: str = "jja",
    normal: str = "1991-2020",
    basis: str | None = None,
) -> Result:
    """Each year's weather against a chosen normal: the anomaly in percent (precipitation)
    or in degrees (temperature).

    Years use the ``basis`` given (default: the KMA station figures, else ERA5 reanalysis
    when fetched); the normal must have the same measure, season and basis. Years no source
    covers are absent, never filled.

    Parameters
    ----------
    weather : DataFrame, optional
        The ``weather`` data.
    measure : str
        ``precipitation_mm`` or ``mean_temperature_c``.
    season : str
        ``annual``, ``jja`` or ``may_sep``.
    normal : str
        The normal's period, e.g. ``'1991-2020'``.
    basis : str, optional
        ``kma_stations`` or ``era5_reanalysis`` (default: the first with a normal and years).

    Returns
    -------
    Result
        One row per year: ``value`` and ``anomaly``; ``info`` holds the normal and basis.

    Examples
    --------
    >>> r = weather_anomaly(normal="1981-2010")
    >>> int(r.table["year"].min()) >= 1990
    True
    """
    weather = datasets.load_weather() if weather is None else weather
    try:
        lo, hi = (int(x) for x in normal.split("-"))
    except (ValueError, AttributeError):
        raise ParameterError(f"The value for `normal` must be a period such as '1991-2020', but {normal!r} was passed.") from None
    rows = weather[(weather["measure"] == measure) & (weather["season"] == season)]
    bases = [basis] if basis else ["kma_stations", "era5_reanalysis"]
    for b in bases:
        sub = rows[rows["basis"] == b]
        ref = sub[(sub["year_start"] == lo) & (sub["year_end"] == hi)]
        years = sub[sub["year_start"] == sub["year_end"]]
        if len(ref) and len(years):
            break
    else:
        raise ParameterError(f"No {season} {measure} normal {normal} with yearly figures of the same basis "
                             f"({', '.join(bases)}) in the weather data; fetch the reanalysis with `nkecon data fetch weather`.")
    base = float(ref["value"].iloc[0])
    if measure == "precipitation_mm":
        anomaly = 100 * (years["value"] / base - 1)
        unit = "percent of normal minus 100"
    else:
        anomaly = years["value"] - base
        unit = "degrees C"
    frame = pd.DataFrame({"year": years["year_start"].astype(int).to_numpy(), "value": years["value"].to_numpy(),
                          "anomaly": anomaly.to_numpy()})
    return Result("weather_anomaly", frame, sample=f"{len(frame)} years of {b} {season} {measure}",
                  method=f"difference from the {normal} normal ({unit})", uncertainty="as published (rounded)",
                  caveat="years without a published figure are absent",
                  info={"normal": normal, "normal_value": base, "basis": b, "measure": measure, "season": season})


def harvest_shock(food: pd.DataFrame | None = None, *, commodity: str = "grain_total") -> Result:
    """The weather's measured shock to farming: each year's RDA harvest change against trend.

    RDA's estimate of North Korea's grain harvest (``food`` data, measure ``production``)
    is the most complete yearly measure of what the weather did to farming. The shock is
    the harvest's growth on the year before minus its trend growth (the slope of a
    log-linear trend fitted over every year RDA published): positive in a good harvest
    year, negative in a bad one. It also carries what else moved the harvest (fertiliser
    short after the border closed): the caveat says so, and the rainfall alternative
    (:func:`weather_anomaly`) is shown beside it in the attribution.

    Parameters
    ----------
    food : DataFrame, optional
        The ``food`` data.
    commodity : str
        The RDA commodity (default the grain total).

    Returns
    -------
    Result
        One row per year with a harvest: ``production_kt``, ``growth_pct``, ``shock_pct``.

    Examples
    --------
    >>> t = harvest_shock().table.set_index("year")
    >>> bool(t.loc[2020, "shock_pct"] < 0 < t.loc[2021, "shock_pct"])
    True
    """
    food = datasets.load_food() if food is None else food
    rows = food[(food["measure"] == "production") & (food["commodity"] == commodity) & (food["publisher"] == "RDA")]
    if "period_months" in rows.columns:  # a part-year figure is never a year
        rows = rows[rows["period_months"].isna() | (rows["period_months"] >= 12)]
    series = rows.groupby("year")["value_kt"].last().astype(float).sort_index()
    if len(series) < 3:
        raise ParameterError(f"The food data hold fewer than 3 RDA {commodity} harvests; the harvest shock needs them.")
    full = series.reindex(range(int(series.index.min()), int(series.index.max()) + 1))
    growth = 100 * (full / full.shift(1) - 1)
    have = full.dropna()
    slope = float(np.polyfit(have.index.to_numpy(dtype=float), np.log(have.to_numpy()), 1)[0])
    trend = 100 * (math.exp(slope) - 1)
    frame = pd.DataFrame({"year": full.index.astype(int), "production_kt": full.to_numpy(),
                          "growth_pct": growth.to_numpy(), "shock_pct": (growth - trend).to_numpy()})
    frame = frame.dropna(subset=["production_kt"]).reset_index(drop=True)
    return Result(
        "harvest_shock", frame,
        sample=f"RDA {commodity} harvests {int(have.index.min())}-{int(have.index.max())} ({len(have)} years)",
        method=f"harvest growth on the year before minus the log-linear trend growth ({trend:+.2f}% a year)",
        uncertainty="RDA estimates, rounded to 10 thousand tonnes",
        caveat=("measures everything that moved the harvest: weather above all (RDA's own account), but also "
                "fertiliser and fuel shortages; a year without an RDA harvest on either side has no shock"),
        info={"trend_pct": trend, "commodity": commodity},
    )
