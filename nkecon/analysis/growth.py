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

__all__ = ["counterfactual", "sector_contributions", "gdp_revisions"]


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
        info={"focus_year": focus, "baseline": (start, end), "alpha": alpha, "actual_pct": actual,
              "series": growth},
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


def gdp_revisions(releases: pd.DataFrame | None = None, *, as_of: Any = None) -> Result:
    """How much the BOK revised each year's growth: first published against latest.

    Parameters
    ----------
    releases : DataFrame, optional
        The ``gdp_releases`` data.
    as_of : date, optional
        Only the releases published on or before this date (the revisions then known).

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
    if as_of is not None:
        releases = releases[releases["release_date"] <= pd.Timestamp(as_of)]
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
