"""The regression check: does the annual record, read as growth on the measured shocks,
agree with the attribution?"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result
from .attribution import driver_shocks
from .common import growth_series, year_param
from .exposure import sanctions_exposure
from .trade import border_closure_share

__all__ = ["growth_regression", "implied_effect"]

#: The term of each driver in each specification.
TERMS = {
    "changes": {"sanctions": "sanctions_bn", "border_closure": "closure_bn", "weather": "weather"},
    "levels": {"sanctions": "sanctions_exposure_pct", "border_closure": "border_closed", "weather": "weather"},
}


def growth_regression(
    gdp: pd.DataFrame | None = None,
    *,
    spec: str = "changes",
    sample: tuple[int, int] = (2000, 2024),
    alpha: float = 0.05,
    min_weather_years: int = 12,
    weather_measure: str = "harvest",
    data_dir: Any = None,
) -> Result:
    """Annual GDP growth on the measured shocks: the attribution's check on the whole economy.

    ``spec="changes"`` (the default): OLS of BOK real growth on the trade the bans newly cut
    off and the change of trade in the closure's years (US$ bn, :func:`driver_shocks`), and
    the weather shock (the harvest against trend) when it covers at least
    ``min_weather_years`` of the sample. Level shocks enter a growth equation as changes.
    ``spec="levels"`` is the specification nkecon used before, kept to show what it does:
    growth on the *level* of exposure (percent of exports banned) and the share of the year
    the border was closed, which says a ban cuts growth again every year it stays in force.

    Each coefficient gets t inference, its leave-one-year-out range and its minimum
    detectable effect (80% power at level ``alpha``): an effect smaller than that cannot be
    told from zero with these data, whatever its true size.

    Parameters
    ----------
    gdp : DataFrame, optional
        The GDP series (e.g. ``load_gdp(as_of=...)``).
    spec : {"changes", "levels"}
        The specification.
    sample : (int, int)
        First and last year.
    alpha : float
        1 - the confidence level.
    min_weather_years : int
        Years the weather measure must cover for weather to enter the model.
    weather_measure : {"harvest", "rainfall"}
        The weather shock (:func:`driver_shocks`): the harvest against trend, or the
        June-August rainfall anomaly (which ``nkecon data fetch weather`` brings for every
        year as reanalysis).
    data_dir : path, optional
        A data folder, handed on.

    Returns
    -------
    Result
        One row per term (``coef``, ``se``, ``ci_lower``, ``ci_upper``, ``p_value``, ``mde``,
        ``loo_min``, ``loo_max``); ``fit`` is the statsmodels results (``use_t``); ``info``
        has ``design``, ``spec``, ``df_resid``, ``weather_used``.

    Examples
    --------
    >>> r = growth_regression()
    >>> r.fit.use_t, "closure_bn" in set(r.table["term"])
    (True, True)
    """
    from scipy import stats
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    if spec not in TERMS:
        raise ParameterError(f"The value for `spec` must be 'changes' or 'levels', but {spec!r} was passed.")
    start = year_param("sample[0]", sample[0], 1990, 2030)
    end = year_param("sample[1]", sample[1], start + 8, 2030)
    if not 0 < alpha < 1:
        raise ParameterError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    gdp = datasets.load_gdp(data_dir=data_dir) if gdp is None else gdp
    growth = growth_series(gdp).loc[start:end].dropna()
    years = [int(y) for y in growth.index]
    try:
        shocks = driver_shocks(weather_measure=weather_measure, data_dir=data_dir)
    except ParameterError:
        if weather_measure == "harvest":
            raise
        shocks = driver_shocks(data_dir=data_dir)
        shocks.table["weather"] = np.nan  # the rainfall the caller asked for is not in the data
    t = shocks.table.set_index("year")
    if spec == "changes":
        X = pd.DataFrame({"sanctions_bn": t["sanctions_bn"].reindex(years).fillna(0.0),
                          "closure_bn": t["closure_bn"].reindex(years).fillna(0.0)}, index=years)
    else:
        exposure = sanctions_exposure(trade=datasets.load_trade(data_dir=data_dir)).table.set_index("year")
        mid = (exposure["lower_pct"] + exposure["upper_pct"]) / 2
        sanc = pd.Series({y: float(mid.get(y, mid.iloc[-1] if y > mid.index.max() else 0.0)) for y in years})
        X = pd.DataFrame({"sanctions_exposure_pct": sanc,
                          "border_closed": border_closure_share(datasets.load_events(data_dir=data_dir), years=years)},
                         index=years)
    wx = t["weather"].reindex(years)
    covered = [y for y in years if pd.notna(wx.get(y))]
    weather_used = len(covered) >= min_weather_years
    if weather_used:
        X["weather"] = wx
    X = add_constant(X).dropna()
    y = growth.loc[X.index]
    res = OLS(y, X).fit(use_t=True)
    loo = pd.DataFrame({yr: OLS(y.drop(yr), X.drop(yr)).fit().params for yr in X.index}).T.rename_axis("left_out")
    ci = res.conf_int(alpha=alpha)
    df = float(res.df_resid)
    mde_factor = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(0.8, df)
    frame = pd.DataFrame({
        "term": list(res.params.index), "coef": res.params.to_numpy(), "se": res.bse.to_numpy(),
        "ci_lower": ci[0].to_numpy(), "ci_upper": ci[1].to_numpy(), "p_value": res.pvalues.to_numpy(),
        "mde": mde_factor * res.bse.to_numpy(),
        "loo_min": loo.min().reindex(res.params.index).to_numpy(), "loo_max": loo.max().reindex(res.params.index).to_numpy(),
    })
    n, k = int(res.nobs), len(res.params)
    weather_note = ("" if weather_used else
                    f" Weather is left out: its measure ({weather_measure}) covers only {len(covered)} of "
                    f"these years (fewer than {min_weather_years}).")
    return Result(
        "growth_regression", frame, fit=res,
        info={"design": X, "leave_one_out": loo, "df_resid": int(res.df_resid), "alpha": alpha, "spec": spec,
              "weather_used": weather_used, "n_obs": n, "mde_factor": mde_factor, "terms": TERMS[spec]},
        sample=(f"BOK real GDP growth {int(X.index.min())}-{int(X.index.max())} ({n} annual observations, "
                f"{n - k} residual degrees of freedom)"),
        method=("OLS of growth on the measured shocks in changes (US$ bn of trade cut by bans, change of trade in the "
                "closure's years)" if spec == "changes" else
                "OLS of growth on levels (exposure, share of the year closed): a ban charged again every year")
               + "; t inference; leave-one-year-out refits",
        uncertainty=(f"{100 * (1 - alpha):.0f}% confidence intervals (t with {n - k} df); minimum detectable effect at "
                     "80% power"),
        caveat=(f"only {n} annual observations of an estimated series; the closure is identified by its few years: "
                "the coefficients are descriptive, not causal." + weather_note),
    )


def implied_effect(regression: Result, year: int, driver: str) -> dict[str, float] | None:
    """The regression's implied effect of one driver in one year: coefficient x regressor,
    with its confidence interval and minimum detectable effect (percentage points).

    Parameters
    ----------
    regression : Result
        From :func:`growth_regression`.
    year : int
        The year.
    driver : {"sanctions", "border_closure", "weather"}
        The driver.

    Returns
    -------
    dict or None
        ``x``, ``point``, ``lower``, ``upper``, ``mde``; None when the term is not in the
        model or the year outside its sample.

    Examples
    --------
    >>> e = implied_effect(growth_regression(), 2020, "border_closure")
    >>> bool(e["lower"] <= e["point"] <= e["upper"])
    True
    """
    term = regression.info["terms"].get(driver)
    table = regression.table.set_index("term")
    design = regression.info["design"]
    if term not in table.index or year not in design.index:
        return None
    x = float(design.loc[year, term])
    lo, hi = sorted((float(table.loc[term, "ci_lower"]) * x, float(table.loc[term, "ci_upper"]) * x))
    return {"x": x, "point": float(table.loc[term, "coef"]) * x, "lower": lo, "upper": hi,
            "mde": float(table.loc[term, "mde"]) * abs(x)}
