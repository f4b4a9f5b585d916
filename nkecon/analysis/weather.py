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

__all__ = ["weather_anomaly"]


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
