"""Trade: monthly and annual China-North Korea trade and the shocks to it."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

__all__ = ["latest_annual", "monthly_series", "trade_shock", "trade_shocks", "trade_yoy", "border_closure_share"]


def latest_annual(trade: pd.DataFrame, *, series: str, partner: str, flow: str) -> pd.Series:
    """The latest release of each year's annual trade figure for one series, partner and flow.

    Parameters
    ----------
    trade : DataFrame
        The ``trade`` data.
    series, partner, flow : str
        Which figures.

    Returns
    -------
    Series
        US$ million indexed by year.

    Examples
    --------
    >>> float(latest_annual(datasets.load_trade(), series="china_customs", partner="china", flow="exports").loc[2016])
    2634.4
    """
    rows = datasets.latest_annual(trade)
    rows = rows[(rows["series"] == series) & (rows["partner"] == partner) & (rows["flow"] == flow)]
    return rows.set_index("year")["value_usd_mn"].astype(float)


# --------------------------------------------------------------------------------- trade shock
def monthly_series(trade: pd.DataFrame, *, series: str, flow: str) -> pd.Series:
    """Monthly figures of one trade series and flow, indexed by month; unpublished months are absent.

    Parameters
    ----------
    trade : DataFrame
        The ``trade`` data.
    series, flow : str
        Which figures.

    Returns
    -------
    Series
        US$ million indexed by monthly period, sorted.

    Examples
    --------
    >>> s = monthly_series(datasets.load_trade(), series="china_customs", flow="imports")
    >>> s.index.freqstr
    'M'
    """
    rows = trade[(trade["series"] == series) & (trade["flow"] == flow) & trade["month"].notna()]
    if rows.empty:
        raise ParameterError(f"No monthly figures for `series` {series!r} and `flow` {flow!r}.")
    index = pd.PeriodIndex.from_fields(year=rows["year"].astype(int), month=rows["month"].astype(int), freq="M")
    return pd.Series(rows["value_usd_mn"].to_numpy(), index=index).sort_index()


def trade_shock(
    trade: pd.DataFrame | None = None,
    *,
    closure: str = "2020-01-31",
    start: str = "2019-01",
    end: str = "2021-12",
    flow: str = "imports",
    series: str = "china_customs",
    alpha: float = 0.05,
) -> Result:
    """The level change in monthly China-North Korea trade at the border closure.

    An intervention model: the log of monthly trade (``flow``, from North Korea's side) is
    an AR(1) process around a constant plus a step that is 1 in every month beginning on or
    after ``closure``. Months without a published figure are missing, not zero (the Kalman
    filter skips them). The step's coefficient is the change in log level; the table gives
    it as a percentage change and in US$ million a month at the pre-closure mean level,
    with ``1 - alpha`` confidence intervals; ``fit`` holds the SARIMAX results.

    Parameters
    ----------
    trade : DataFrame, optional
        The ``trade`` data.
    closure : str
        Date of the border closure (``YYYY-MM-DD``), inside the window.
    start, end : str
        First and last month of the window (``YYYY-MM``).
    flow : {'imports', 'exports', 'total'}
        The flow, from North Korea's side.
    series : str
        The trade series.
    alpha : float
        1 - the confidence level.

    Returns
    -------
    Result
        One row: the step as a log change, percent and US$ mn a month, with intervals;
        ``fit`` is the SARIMAX results; ``info`` holds ``flow``, ``alpha``, ``closure``.

    Examples
    --------
    >>> shock = trade_shock()
    >>> bool(shock.table["pct_change"].iloc[0] < -80)
    True
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    trade = datasets.load_trade() if trade is None else trade
    try:
        closure_ts = pd.Timestamp(closure)
        first, last = pd.Period(start, "M"), pd.Period(end, "M")
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"`closure`, `start` and `end` must be dates such as '2020-01-31' ({exc}).") from None
    if flow not in ("imports", "exports", "total"):
        raise ParameterError(f"The value for `flow` must be 'imports', 'exports' or 'total', but {flow!r} was passed.")
    if not 0 < alpha < 1:
        raise ParameterError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    if not first < closure_ts.to_period("M") <= last:
        raise ParameterError(
            f"The value for `closure` must fall inside {start} to {end}, but {closure!r} was passed."
        )
    monthly = monthly_series(trade, series=series, flow=flow)
    idx = pd.period_range(first, last, freq="M")
    y = monthly.reindex(idx)
    if (y <= 0).any():
        raise ParameterError("Monthly trade must be positive to take logs.")
    step = pd.Series((idx.to_timestamp() >= closure_ts).astype(float), index=idx, name="closure")
    before, after = y[step == 0].dropna(), y[step == 1].dropna()
    if len(before) < 3 or len(after) < 3:
        raise ParameterError(
            f"Too few monthly figures around the closure ({len(before)} before, {len(after)} after); "
            "widen `start`/`end`."
        )
    logy = np.log(y)
    model = SARIMAX(logy.to_timestamp(), exog=step.to_timestamp(), order=(1, 0, 0), trend="c")
    res = model.fit(disp=False, cov_type="oim")
    coef = float(res.params["closure"])
    lo, hi = (float(v) for v in res.conf_int(alpha=alpha).loc["closure"])
    pre_mean = float(before.mean())
    frame = pd.DataFrame(
        {
            "flow": [flow],
            "closure": [closure_ts],
            "log_change": [coef],
            "log_lower": [lo],
            "log_upper": [hi],
            "pct_change": [100 * (math.exp(coef) - 1)],
            "pct_lower": [100 * (math.exp(lo) - 1)],
            "pct_upper": [100 * (math.exp(hi) - 1)],
            "pre_mean_usd_mn": [pre_mean],
            "change_usd_mn": [pre_mean * (math.exp(coef) - 1)],
            "change_lower_usd_mn": [pre_mean * (math.exp(lo) - 1)],
            "change_upper_usd_mn": [pre_mean * (math.exp(hi) - 1)],
            "months_before": [len(before)],
            "months_after": [len(after)],
        }
    )
    return Result(
        "trade_shock",
        frame,
        fit=res,
        info={"flow": flow, "alpha": alpha, "closure": closure_ts, "fitted": np.exp(res.fittedvalues),
              "series": series, "start": str(first), "end": str(last)},
        sample=(f"{series} monthly {flow}, {start} to {end}: {len(before)} months with figures "
                f"before the closure, {len(after)} after ({int(y.isna().sum())} months unpublished, treated as missing)"),
        method="SARIMAX: log trade = constant + step at the closure + AR(1) error, maximum likelihood",
        uncertainty=f"{100 * (1 - alpha):.0f}% confidence interval of the step (observed-information standard error)",
        caveat="few monthly figures before the closure; the step absorbs everything that changed with it",
    )


def trade_yoy(trade: pd.DataFrame | None = None, *, series: str = "china_customs", partner: str = "china") -> Result:
    """Year-on-year change in annual trade (percent), by flow, for one series and partner.

    Parameters
    ----------
    trade : DataFrame, optional
        The ``trade`` data.
    series : str
        The trade series.
    partner : str
        The partner.

    Returns
    -------
    Result
        One row per flow and year: ``value_usd_mn`` and ``yoy_pct``.

    Examples
    --------
    >>> yoy = trade_yoy().table.set_index(["flow", "year"])
    >>> bool(yoy.loc[("total", 2020), "yoy_pct"] < -75)
    True
    """
    trade = datasets.load_trade() if trade is None else trade
    annual = trade[(trade["series"] == series) & (trade["partner"] == partner) & trade["month"].isna()]
    if annual.empty:
        raise ParameterError(f"No annual figures for `series` {series!r} and `partner` {partner!r}.")
    wide = pd.DataFrame({str(f): latest_annual(trade, series=series, partner=partner, flow=str(f))
                         for f in annual["flow"].unique()})
    rows = []
    for flow in wide.columns:
        s = wide[flow]
        full = s.reindex(range(int(s.index.min()), int(s.index.max()) + 1))
        change = 100 * (full / full.shift(1) - 1)
        for year, value in full.items():
            if pd.notna(value):
                rows.append((str(flow), int(year), float(value), float(change.loc[year])))
    frame = pd.DataFrame(rows, columns=["flow", "year", "value_usd_mn", "yoy_pct"])
    return Result("trade_yoy", frame, sample=f"{series} annual trade with {partner}",
                  method="percent change on the previous year (latest release of each year)", uncertainty="none stated")


# ---------------------------------------------------------------------------- growth regression
def border_closure_share(events: pd.DataFrame | None = None, *, years: Sequence[int],
                         closure_event: str = "border-closure-2020-01",
                         reopening_event: str = "border-reopening-citizens-2023-08") -> pd.Series:
    """Share of each year the border was closed, between two events of the ``events`` data.

    Parameters
    ----------
    events : DataFrame, optional
        The ``events`` data.
    years : sequence of int
        The years.
    closure_event, reopening_event : str
        The ``event_id`` of the closure and of the reopening.

    Returns
    -------
    Series
        Share of days closed (0 to 1) indexed by year.

    Examples
    --------
    >>> border_closure_share(years=[2019, 2021]).tolist()
    [0.0, 1.0]
    """
    events = datasets.load_events() if events is None else events
    ev = events.set_index("event_id")
    for name, ev_id in (("closure_event", closure_event), ("reopening_event", reopening_event)):
        if ev_id not in ev.index:
            raise ParameterError(f"The value for `{name}` must be an event_id of the events data, but {ev_id!r} was passed.")
    closed, reopened = ev.loc[closure_event, "start_date"], ev.loc[reopening_event, "start_date"]
    out = {}
    for year in years:
        y0, y1 = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year + 1}-01-01")
        overlap = (min(y1, reopened) - max(y0, closed)).days
        out[year] = max(overlap, 0) / (y1 - y0).days
    return pd.Series(out, name="border_closed")


def trade_shocks(
    trade: pd.DataFrame | None = None,
    *,
    bans: str = "2017-09-05",
    closure: str = "2020-01-31",
    start: str = "2014-01",
    end: str = "2024-12",
    alpha: float = 0.05,
) -> Result:
    """The two trade shocks told apart by timing, on the monthly China customs series.

    Exports and imports are each fitted with :func:`trade_shock`-style steps at both dates
    (the UN export bans taking effect, ``bans``; the border closure, ``closure``): the export
    bans should move exports, the closure imports. Months without a published figure are
    missing (listed in ``info["missing"]``).

    Parameters
    ----------
    trade : DataFrame, optional
        The ``trade`` data.
    bans : str
        Date the UN export bans took effect (``YYYY-MM-DD``).
    closure : str
        Date of the border closure.
    start, end : str
        First and last month (``YYYY-MM``).
    alpha : float
        1 - the confidence level.

    Returns
    -------
    Result
        One row per flow and shock (``pct_change`` and its interval, months used and
        missing); ``fit`` maps flow to the OLS results; ``info['missing']`` lists the months.

    Examples
    --------
    >>> r = trade_shocks()
    >>> t = r.table.set_index(["flow", "shock"])
    >>> bool(t.loc[("exports", "export_bans"), "pct_change"] < 0)
    True
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    trade = datasets.load_trade() if trade is None else trade
    try:
        ban_ts, closure_ts = pd.Timestamp(bans), pd.Timestamp(closure)
        first, last = pd.Period(start, "M"), pd.Period(end, "M")
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"`bans`, `closure`, `start` and `end` must be dates such as '2020-01-31' ({exc}).") from None
    if not first < ban_ts.to_period("M") < closure_ts.to_period("M") <= last:
        raise ParameterError(f"Expected {start} < bans ({bans}) < closure ({closure}) <= {end}.")
    idx = pd.period_range(first, last, freq="M")
    x = idx.to_timestamp()
    exog = pd.DataFrame({"export_bans": (x >= ban_ts.to_period("M").to_timestamp()).astype(float),
                         "border_closure": (x >= closure_ts.to_period("M").to_timestamp()).astype(float)}, index=x)
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    rows, missing, fits = [], {}, {}
    for flow in ("exports", "imports"):
        y = monthly_series(trade, series="china_customs", flow=flow).reindex(idx)
        missing[flow] = [str(p) for p in idx[y.isna().to_numpy()]]
        if (y <= 0).any():
            raise ParameterError("Monthly trade must be positive to take logs.")
        have = y.notna().to_numpy()
        design = add_constant(exog.iloc[have])
        for shock in ("export_bans", "border_closure"):
            if design[shock].nunique() < 2 or min((design[shock] == 0).sum(), (design[shock] == 1).sum()) < 3:
                raise ParameterError(f"Too few {flow} months on one side of the {shock.replace('_', ' ')} in {start} to {end}; widen the window.")
        res = OLS(np.log(y[have].to_numpy()), design).fit(cov_type="HAC", cov_kwds={"maxlags": 3}, use_t=True)
        fits[flow] = res
        ci = res.conf_int(alpha=alpha)
        for shock in ("export_bans", "border_closure"):
            coef, (lo, hi) = float(res.params[shock]), (float(v) for v in ci.loc[shock])
            rows.append((flow, shock, 100 * (math.exp(coef) - 1), 100 * (math.exp(lo) - 1), 100 * (math.exp(hi) - 1),
                         int(have.sum()), len(missing[flow])))
    frame = pd.DataFrame(rows, columns=["flow", "shock", "pct_change", "pct_lower", "pct_upper", "months", "months_missing"])
    return Result(
        "trade_shocks",
        frame,
        fit=fits,
        info={"missing": missing, "alpha": alpha, "bans": ban_ts, "closure": closure_ts, "start": str(first), "end": str(last)},
        sample=f"China customs monthly exports and imports, {first} to {last}",
        method="per flow, OLS of log monthly trade on a constant and a step at each date, over the months published",
        uncertainty=f"{100 * (1 - alpha):.0f}% confidence intervals of each step (HAC standard errors, 3 lags, t inference)",
        caveat="each step absorbs everything else that changed at its date; missing months are skipped, not filled",
    )
