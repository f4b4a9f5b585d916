"""Growth: the counterfactual, industry contributions, the BOK's revisions and the growth
regression."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

from .common import TOP_SECTORS, growth_series, year_param
from .exposure import sanctions_exposure
from .trade import border_closure_share
from .weather import weather_anomaly

__all__ = ["counterfactual", "sector_contributions", "gdp_revisions", "growth_regression", "regression_verdict"]


# --------------------------------------------------------------------------- counterfactual
def counterfactual(
    gdp: pd.DataFrame | None = None,
    *,
    focus_year: int = 2020,
    baseline: tuple[int, int] = (1999, 2019),
    order: tuple[int, int, int] = (1, 0, 0),
    alpha: float = 0.05,
) -> Result:
    """Expected growth in ``focus_year`` from a baseline window, against what happened.

    Three methods, fitted on the baseline years only: an ARIMA model of the given ``order``
    (with a constant unless differenced), the baseline mean, and a linear trend in time.
    Each gives the expected growth with a ``1 - alpha`` prediction interval, and the
    shortfall (actual minus expected) with the same interval.

    Returns a :class:`Result` with one row per method (``expected_pct`` and its
    interval, ``shortfall_pp`` and its interval); ``fit`` is the ARIMA results.

    Parameters
    ----------
    gdp : DataFrame, optional
        The GDP series (default :func:`nkecon.load_gdp`).
    focus_year : int
        The year to compare with its expectation; after the baseline.
    baseline : (int, int)
        First and last year of the baseline window (at least 8 years).
    order : (int, int, int)
        ARIMA (p, d, q), each 0-3.
    alpha : float
        1 - the prediction intervals' level.

    Examples
    --------
    >>> cf = counterfactual()
    >>> list(cf.table["method"])
    ['ARIMA(1, 0, 0)', 'mean', 'linear trend']
    >>> cf.info["actual_pct"]
    -4.5
    """
    from scipy import stats
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant
    from statsmodels.tsa.arima.model import ARIMA

    growth = growth_series(gdp)
    years = growth.dropna().index
    lo_year, hi_year = int(years.min()), int(years.max())
    start = year_param("baseline[0]", baseline[0], lo_year, hi_year)
    end = year_param("baseline[1]", baseline[1], lo_year, hi_year)
    focus = year_param("focus_year", focus_year, lo_year, hi_year)
    if end - start + 1 < 8:
        raise ParameterError(
            f"The `baseline` window must span at least 8 years, but {baseline!r} was passed."
        )
    if focus <= end:
        raise ParameterError(
            f"The value for `focus_year` must come after the baseline window ending {end}, "
            f"but {focus} was passed."
        )
    if not (0 < alpha < 1):
        raise ParameterError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    if len(order) != 3 or any(not isinstance(o, (int, np.integer)) or o < 0 or o > 3 for o in order):
        raise ParameterError(
            f"The value for `order` must be three integers (p, d, q) between 0 and 3, but {order!r} was passed."
        )
    window = growth.reindex(range(start, end + 1))
    missing = [int(y) for y in window.index[window.isna()]]
    sample = window.dropna()
    if len(sample) < 8:
        raise ParameterError(
            f"The baseline window {start}-{end} has only {len(sample)} years with a growth figure; at least 8 are needed."
        )
    if focus not in growth.index or pd.isna(growth.loc[focus]):
        raise ParameterError(f"No growth figure for `focus_year` {focus} in the data given.")
    actual = float(growth.loc[focus])
    steps = focus - end
    n = len(sample)
    rows = []

    # years without a published figure stay missing: the state-space ARIMA skips them
    y = pd.Series(window.to_numpy(), index=pd.period_range(str(start), str(end), freq="Y"))
    trend = "c" if order[1] == 0 else "n"
    fit = ARIMA(y, order=tuple(int(o) for o in order), trend=trend).fit()
    fc = fit.get_forecast(steps=steps)
    mean = float(fc.predicted_mean.iloc[-1])
    lo, hi = (float(v) for v in fc.conf_int(alpha=alpha).iloc[-1])
    rows.append((f"ARIMA{tuple(int(o) for o in order)}", mean, lo, hi))

    m, s = float(sample.mean()), float(sample.std(ddof=1))
    half = stats.t.ppf(1 - alpha / 2, n - 1) * s * math.sqrt(1 + 1 / n)
    rows.append(("mean", m, m - half, m + half))

    X = add_constant(np.asarray(sample.index, dtype=float))
    ols = OLS(sample.to_numpy(), X).fit()
    pred = ols.get_prediction(np.array([[1.0, float(focus)]])).summary_frame(alpha=alpha)
    rows.append(("linear trend", float(pred["mean"].iloc[0]), float(pred["obs_ci_lower"].iloc[0]),
                 float(pred["obs_ci_upper"].iloc[0])))

    frame = pd.DataFrame(rows, columns=["method", "expected_pct", "expected_lower", "expected_upper"])
    frame.insert(0, "focus_year", focus)
    frame["actual_pct"] = actual
    frame["shortfall_pp"] = actual - frame["expected_pct"]
    frame["shortfall_lower"] = actual - frame["expected_upper"]
    frame["shortfall_upper"] = actual - frame["expected_lower"]
    return Result(
        "counterfactual",
        frame,
        fit=fit,
        info={"focus_year": focus, "baseline": (start, end), "alpha": alpha, "actual_pct": actual},
        sample=(f"BOK real GDP growth {start}-{end} ({n} annual observations"
                + (f"; no figure published for {', '.join(map(str, missing))})" if missing else ")")),
        method=(f"ARIMA{tuple(order)} by maximum likelihood, baseline mean, and OLS linear trend; "
                f"each forecast {steps} year(s) ahead to {focus}"),
        uncertainty=f"{100 * (1 - alpha):.0f}% prediction intervals (new observation, not the mean)",
        caveat=(f"{n} annual observations of an estimated series; the intervals are wide and "
                "assume the baseline process would have continued."),
    )


# ---------------------------------------------------------------------- sector contributions
def sector_contributions(
    sectors: pd.DataFrame | None = None,
    *,
    year: int = 2020,
    industries: Sequence[str] = TOP_SECTORS,
    gdp: pd.DataFrame | None = None,
) -> Result:
    """Each industry's contribution to GDP growth in ``year``, in percentage points.

    The contribution is the industry's share of nominal GDP in the previous year times its
    real growth in ``year``. A last row, ``residual``, is the headline growth minus the sum
    of the industries, so that the ``contribution_pp`` column adds up to the headline.

    The headline is the BOK's GDP growth (``gdp``), never a second copy of it.

    Parameters
    ----------
    sectors : DataFrame, optional
        The ``sectors`` data.
    year : int
        The year whose growth is decomposed.
    industries : sequence of str
        The industries (default the BOK's top-level ones).
    gdp : DataFrame, optional
        The GDP series whose growth is the headline.

    Returns
    -------
    Result
        One row per industry (``share_prev_pct``, ``growth_pct``, ``contribution_pp``) and a
        ``residual`` row; ``info`` holds ``year``, ``headline_pct``, ``residual_pp``.

    Examples
    --------
    >>> c = sector_contributions(year=2020)
    >>> round(float(c.table["contribution_pp"].sum()), 2), c.info["headline_pct"]
    (-4.5, -4.5)
    """
    sectors = datasets.load_sectors() if sectors is None else sectors
    year = year_param("year", year, int(sectors["year"].min()) + 1, int(sectors["year"].max()))
    table = sectors.set_index(["year", "sector"])
    rows, missing = [], []
    for ind in industries:
        share = table["share_pct"].get((year - 1, ind), np.nan)
        growth = table["growth_pct"].get((year, ind), np.nan)
        if pd.isna(share) or pd.isna(growth):
            missing.append(ind)
        rows.append((ind, float(share), float(growth), float(share) * float(growth) / 100))
    if missing:
        raise ParameterError(
            f"No sector contributions for {year}: the data lack the {year - 1} share or the {year} "
            f"growth of {', '.join(missing)}."
        )
    headline = float(growth_series(gdp).get(year, np.nan))
    frame = pd.DataFrame(rows, columns=["sector", "share_prev_pct", "growth_pct", "contribution_pp"])
    residual = float(headline) - float(frame["contribution_pp"].sum())
    frame.loc[len(frame)] = ["residual", np.nan, np.nan, residual]
    frame.insert(0, "year", year)
    frame["sector"] = pd.Categorical(frame["sector"], categories=[*industries, "residual"])
    if pd.isna(headline):
        raise ParameterError(f"No GDP growth figure for {year} in the gdp data.")
    return Result(
        "sector_contributions",
        frame,
        info={"year": year, "headline_pct": float(headline), "residual_pp": residual},
        sample=f"BOK industry growth {year} and nominal shares {year - 1}",
        method="contribution = previous-year nominal share x real growth / 100",
        uncertainty=("published figures are rounded to 0.1; the residual (nominal shares as "
                     "weights of real growth, rounding) is reported, not hidden"),
    )


def gdp_revisions(releases: pd.DataFrame | None = None) -> Result:
    """How much the BOK revised each year's growth: first published against latest.

    Parameters
    ----------
    releases : DataFrame, optional
        The ``gdp_releases`` data.

    Returns
    -------
    Result
        One row per year: first and latest published growth and the revision;
        ``info`` holds the mean and largest absolute revision.

    Examples
    --------
    >>> r = gdp_revisions()
    >>> t = r.table.set_index("year")
    >>> float(t.loc[2007, "first_pct"]), float(t.loc[2007, "latest_pct"])
    (-2.3, -1.2)
    """
    releases = datasets.load_gdp_releases() if releases is None else releases
    rel = releases.dropna(subset=["growth_pct"]).sort_values(["year", "release_date"])
    first = rel.groupby("year").head(1).set_index("year")
    latest = rel.groupby("year").tail(1).set_index("year")
    count = rel.groupby("year")["release_date"].nunique()
    frame = pd.DataFrame({"year": first.index.astype(int), "first_pct": first["growth_pct"].to_numpy(),
                          "first_release": first["release_date"].to_numpy(),
                          "latest_pct": latest["growth_pct"].reindex(first.index).to_numpy(),
                          "latest_release": latest["release_date"].reindex(first.index).to_numpy(),
                          "releases": count.reindex(first.index).to_numpy()})
    frame["revision_pp"] = frame["latest_pct"] - frame["first_pct"]
    revised = frame[frame["revision_pp"].abs() > 0.05]
    mean_abs = float(revised["revision_pp"].abs().mean()) if len(revised) else 0.0
    return Result("gdp_revisions", frame, sample=f"{len(frame)} years, {releases['release_date'].nunique()} releases",
                  method="latest published growth minus first published growth, by year",
                  uncertainty="published figures are rounded to 0.1 point",
                  caveat="a year whose first release was not found starts at the earliest release found",
                  info={"mean_abs_revision_pp": mean_abs,
                        "max_abs_revision_pp": float(revised["revision_pp"].abs().max()) if len(revised) else 0.0,
                        "years_revised": len(revised), "years_republished": int((frame["releases"] > 1).sum())})


def growth_regression(
    gdp: pd.DataFrame | None = None,
    *,
    sample: tuple[int, int] = (2000, 2024),
    alpha: float = 0.05,
    weather: pd.DataFrame | None = None,
    min_weather_years: int = 12,
) -> Result:
    """Annual growth on sanctions exposure, the border closure and, where measured, weather.

    OLS with small-sample (t) inference of BOK real growth on: UN sanctions exposure (the
    mid-point of :func:`sanctions_exposure`'s bounds, percent, 0 before the bans), the share
    of the year the border was closed (events data) and the June-August precipitation
    anomaly (:func:`weather_anomaly`) when the weather data cover at least
    ``min_weather_years`` of the sample; otherwise weather is left out and the caveat says
    so (a dummy for "a shock was recorded" is 1 in most years and measures nothing).
    Each coefficient also gets its range when each year in turn is left out.

    Returns
    -------
    Result
        One row per term (``coef``, ``se``, ``ci_lower``, ``ci_upper``, ``p_value``,
        ``loo_min``, ``loo_max``); ``fit`` is the statsmodels results (``use_t``);
        ``info`` has ``design``, ``leave_one_out``, ``df_resid``, ``weather_used``.

    Parameters
    ----------
    gdp : DataFrame, optional
        The GDP series.
    sample : (int, int)
        First and last year.
    alpha : float
        1 - the confidence level.
    weather : DataFrame, optional
        The ``weather`` data.
    min_weather_years : int
        Years the weather measure must cover for weather to enter the model.

    Examples
    --------
    >>> r = growth_regression()
    >>> r.fit.use_t, "border_closed" in set(r.table["term"])
    (True, True)
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    start = year_param("sample[0]", sample[0], 1990, 2030)
    end = year_param("sample[1]", sample[1], start + 8, 2030)
    if not 0 < alpha < 1:
        raise ParameterError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    growth = growth_series(gdp).loc[start:end].dropna()
    years = list(growth.index)
    exposure = sanctions_exposure().table.set_index("year")
    mid = (exposure["lower_pct"] + exposure["upper_pct"]) / 2
    sanc = pd.Series({y: float(mid.get(y, mid.iloc[-1] if y > mid.index.max() else 0.0)) for y in years})
    X = pd.DataFrame({"sanctions_exposure_pct": sanc, "border_closed": border_closure_share(years=years)}, index=years)
    weather_used = False
    try:
        wx = weather_anomaly(weather).table.set_index("year")["anomaly"]
        covered = [y for y in years if y in wx.index]
        if len(covered) >= min_weather_years:
            X["jja_precip_anomaly_pct"] = wx.reindex(years)
            weather_used = True
    except ParameterError:
        covered = []
    X = add_constant(X).dropna()
    y = growth.loc[X.index]
    res = OLS(y, X).fit(use_t=True)
    loo = pd.DataFrame({yr: OLS(y.drop(yr), X.drop(yr)).fit().params for yr in X.index}).T.rename_axis("left_out")
    ci = res.conf_int(alpha=alpha)
    frame = pd.DataFrame({
        "term": list(res.params.index),
        "coef": res.params.to_numpy(),
        "se": res.bse.to_numpy(),
        "ci_lower": ci[0].to_numpy(),
        "ci_upper": ci[1].to_numpy(),
        "p_value": res.pvalues.to_numpy(),
        "loo_min": loo.min().reindex(res.params.index).to_numpy(),
        "loo_max": loo.max().reindex(res.params.index).to_numpy(),
    })
    n, k = int(res.nobs), len(res.params)
    weather_note = ("" if weather_used else
                    f" Weather is left out: the weather data give a June-August precipitation anomaly for only "
                    f"{len(covered)} of these years (fewer than {min_weather_years}); `nkecon data fetch weather` "
                    "brings the reanalysis series.")
    return Result(
        "growth_regression",
        frame,
        fit=res,
        info={"design": X, "leave_one_out": loo, "df_resid": int(res.df_resid), "alpha": alpha,
              "weather_used": weather_used, "n_obs": n},
        sample=f"BOK real GDP growth {int(X.index.min())}-{int(X.index.max())} ({n} annual observations, {n - k} residual degrees of freedom)",
        method="OLS with t-distribution inference (small sample); leave-one-year-out refits",
        uncertainty=f"{100 * (1 - alpha):.0f}% confidence intervals (t with {n - k} df); leave-one-out ranges",
        caveat=(f"only {n} annual observations of an estimated series and a border indicator that is non-zero in "
                "a few years: coefficients are descriptive, not causal." + weather_note),
    )


def regression_verdict(regression: Result, attribution: Result, *, driver: str = "border_closure") -> str:
    """A sentence saying whether the regression supports, contradicts or cannot tell the
    attribution's figure for one driver in the attribution's year.

    The regression's implied effect is the coefficient times that year's regressor, with
    its confidence interval. It *supports* the attribution when its interval excludes 0 and
    includes the attributed points; it *contradicts* it when its interval excludes them;
    otherwise it *cannot tell* (the interval includes both 0 and the attribution).

    Parameters
    ----------
    regression : Result
        From :func:`growth_regression`.
    attribution : Result
        From :func:`attribute_drivers`.
    driver : str
        ``border_closure``, ``sanctions`` or ``weather``.

    Returns
    -------
    str
        One sentence with ``supports``, ``contradicts`` or ``cannot tell``.

    Examples
    --------
    >>> from nkecon.analysis import attribute_drivers
    >>> s = regression_verdict(growth_regression(), attribute_drivers(year=2020))
    >>> any(w in s for w in ("supports", "contradicts", "cannot tell"))
    True
    """
    term = {"border_closure": "border_closed", "sanctions": "sanctions_exposure_pct",
            "weather": "jja_precip_anomaly_pct"}[driver]
    year = int(attribution.info["year"])
    attributed = float(attribution.table.set_index("driver").loc[driver, "pp"])
    table = regression.table.set_index("term")
    design = regression.info["design"]
    if term not in table.index or year not in design.index:
        return (f"The regression cannot tell about {driver.replace('_', ' ')} in {year}: "
                f"{'the term is not in the model' if term not in table.index else f'{year} is outside its sample'}.")
    x = float(design.loc[year, term])
    if x == 0:
        return (f"The regression has nothing to say about {driver.replace('_', ' ')} in {year}: its regressor is 0 that "
                f"year, as is the attribution ({attributed:+.2f} pp).")
    lo, hi = sorted((float(table.loc[term, "ci_lower"]) * x, float(table.loc[term, "ci_upper"]) * x))
    point = float(table.loc[term, "coef"]) * x
    level = 100 * (1 - float(regression.info["alpha"]))
    span = f"{point:+.2f} pp ({level:.0f}% CI {lo:+.2f} to {hi:+.2f})"
    if lo <= attributed <= hi and not lo <= 0 <= hi:
        word = "supports"
    elif not lo <= attributed <= hi:
        word = "contradicts"
    else:
        word = "cannot tell"
    return (f"The regression {word} the attribution of {attributed:+.2f} pp to the {driver.replace('_', ' ')} in "
            f"{year}: it implies {span}" + (", an interval that includes both zero and the attribution." if word == "cannot tell"
                                            else "."))
