"""What every analysis module shares: the drivers, the industries, parameter checks and
the growth series."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

__all__ = ["DRIVERS", "TOP_SECTORS", "Result", "verb", "describe", "year_param", "growth_series"]

#: The drivers an attribution assigns a year's growth to.
DRIVERS: tuple[str, ...] = ("sanctions", "border_closure", "weather", "unexplained")

#: The BOK's top-level industries: their shares add up to 100% of GDP.
TOP_SECTORS: tuple[str, ...] = (
    "agriculture_forestry_fishing",
    "mining_manufacturing",
    "electricity_gas_water",
    "construction",
    "services",
)


def verb(value: float, *, up: str = "grew", down: str = "shrank", flat: str = "was flat") -> str:
    """The verb that goes with a change: ``grew`` for a rise, ``shrank`` for a fall.

    Parameters
    ----------
    value : float
        A change.
    up, down, flat : str
        The words for a rise, a fall and no change.

    Returns
    -------
    str

    Examples
    --------
    >>> verb(3.1), verb(-4.5), verb(0.0)
    ('grew', 'shrank', 'was flat')
    """
    if value > 0:
        return up
    if value < 0:
        return down
    return flat


def describe(result: Result) -> str:
    """The sample, method, uncertainty and caveat of a helper's result, as text.

    Parameters
    ----------
    result : Result
        What a helper returned.

    Returns
    -------
    str
        One line each for sample, method, uncertainty and caveat.

    Examples
    --------
    >>> from nkecon.analysis import trade_yoy
    >>> print(describe(trade_yoy()).splitlines()[0])
    sample: china_customs annual trade with china
    """
    return result.describe()


def year_param(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as a year, checked: an integer from ``lo`` to ``hi``.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : int
        The value passed.
    lo, hi : int
        The first and last year accepted.

    Returns
    -------
    int

    Examples
    --------
    >>> year_param("year", 2020, 1990, 2024)
    2020
    >>> year_param("year", 2030, 1990, 2024)
    Traceback (most recent call last):
    nkecon.errors.ParameterError: The value for `year` must be between 1990 and 2024, but 2030 was passed.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"The value for `{name}` must be an integer year, but {value!r} was passed.")
    if not lo <= value <= hi:
        raise ParameterError(
            f"The value for `{name}` must be between {lo} and {hi}, but {value!r} was passed."
        )
    return int(value)


def growth_series(gdp: pd.DataFrame | None = None) -> pd.Series:
    """Real GDP growth by year (percent), from the GDP frame given, else the shipped series.

    Parameters
    ----------
    gdp : DataFrame, optional
        A GDP series with ``year`` and ``growth_pct`` (e.g. ``load_gdp(as_of=...)``).

    Returns
    -------
    Series
        Growth indexed by year, sorted.

    Examples
    --------
    >>> float(growth_series().loc[2020])
    -4.5
    """
    gdp = datasets.load_gdp() if gdp is None else gdp
    return gdp.set_index("year")["growth_pct"].astype(float).sort_index()
