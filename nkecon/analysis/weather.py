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


def weather_anomaly(weather: pd.DataFrame | None = None, **options: Any) -> Result:
    """Each year's weather against a normal of the same basis and period (bases never
    mixed); :func:`nkecon.weather.weather_anomaly` does the work.

    Parameters
    ----------
    weather : DataFrame, optional
        The ``weather`` data.
    **options
        ``measure``, ``season``, ``normal`` (a period or ``'published'``), ``basis``,
        ``months``, ``min_coverage_days`` (GHCN, default 330), ``min_normal_years``; see
        :func:`nkecon.weather.weather_anomaly`.

    Returns
    -------
    Result
        One row per year: ``value``, ``normal_value``, ``anomaly``, ``normal``, ``origin``.

    Examples
    --------
    >>> r = weather_anomaly(normal="1981-2010")
    >>> int(r.table["year"].min()) >= 1990
    True
    """
    from .. import weather as weather_data

    return weather_data.weather_anomaly(weather, **options)


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
