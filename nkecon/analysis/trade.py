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

__all__ = ["CLOSURE_PHASES", "closure_shock", "first_month_after", "fit_steps", "latest_annual", "monthly_series", "trade_shock", "trade_shocks", "trade_yoy", "border_closure_share"]


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


def fit_steps(y: pd.Series, steps: Mapping[str, pd.Period]) -> Any:
    """The one trade-shock estimator: log monthly trade on a constant, a step per shock
    (1 from its first month on) and a January-February term (Chinese New Year, combined
    releases), over the months published; standard errors clustered by calendar year, so
    gaps are gaps and months within a year may be correlated; t inference.

    Parameters
    ----------
    y : Series
        Monthly trade indexed by monthly period, unpublished months missing.
    steps : mapping
        ``name -> first month`` of each step.

    Returns
    -------
    statsmodels results
        Parameters named ``const``, each step and ``jan_feb``.

    Examples
    --------
    >>> s = monthly_series(datasets.load_trade(), series="china_customs", flow="imports")
    >>> idx = pd.period_range("2019-01", "2021-12", freq="M")
    >>> res = fit_steps(s.reindex(idx), {"closure": pd.Period("2020-02", "M")})
    >>> bool(res.params["closure"] < 0)
    True
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    idx = y.index
    if (y <= 0).any():
        raise ParameterError("Monthly trade must be positive to take logs.")
    X = pd.DataFrame({k: (idx >= m).astype(float) for k, m in steps.items()}, index=idx)
    X["jan_feb"] = np.isin(idx.month, (1, 2)).astype(float)
    have = y.notna().to_numpy()
    design = add_constant(X.loc[have], has_constant="add")
    if design["jan_feb"].nunique() < 2:
        design = design.drop(columns="jan_feb")
    groups = np.asarray(idx[have].year)
    return OLS(np.log(y[have].to_numpy(dtype=float)), design).fit(cov_type="cluster", cov_kwds={"groups": groups},
                                                                   use_t=True)


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

    The one trade-shock estimator (:func:`fit_steps`) with a single step, starting in the
    first whole month after ``closure`` (:func:`first_month_after`), over one window.
    Months without a published figure are missing, not zero. The step's coefficient is the
    change in log level; the table gives it as a percentage change and in US$ million a
    month at the pre-closure mean level, with ``1 - alpha`` confidence intervals; ``fit``
    holds the OLS results. :func:`trade_shocks` adds the bans and the closure's phases.

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
        ``fit`` is the OLS results; ``info`` holds ``flow``, ``alpha``, ``closure``.

    Examples
    --------
    >>> shock = trade_shock()
    >>> bool(shock.table["pct_change"].iloc[0] < -80)
    True
    """
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
    step = pd.Series((idx >= first_month_after(closure_ts)).astype(float), index=idx, name="closure")
    before, after = y[step == 0].dropna(), y[step == 1].dropna()
    if len(before) < 3 or len(after) < 3:
        raise ParameterError(
            f"Too few monthly figures around the closure ({len(before)} before, {len(after)} after); "
            "widen `start`/`end`."
        )
    res = fit_steps(y, {"closure": first_month_after(closure_ts)})
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
        info={"flow": flow, "alpha": alpha, "closure": closure_ts,
              "series": series, "start": str(first), "end": str(last)},
        sample=(f"{series} monthly {flow}, {start} to {end}: {len(before)} months with figures "
                f"before the closure, {len(after)} after ({int(y.isna().sum())} months unpublished, treated as missing)"),
        method=("fit_steps: log trade = constant + a step from the first whole month after the closure + a "
                "January-February term, over the months published (OLS)"),
        uncertainty=(f"{100 * (1 - alpha):.0f}% confidence interval of the step (standard errors clustered by calendar "
                     "year, t inference)"),
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


def first_month_after(date: Any) -> pd.Period:
    """The first whole month on or after ``date``: the month a step at ``date`` starts in.

    The one month convention of every trade estimator: a month counts as after a date when
    it begins on or after it, so a closure on 31 January 2020 leaves January (imports of
    US$ 187 million, about normal) before it.

    Parameters
    ----------
    date : date-like
        The date.

    Returns
    -------
    Period
        A monthly period.

    Examples
    --------
    >>> str(first_month_after("2020-01-31")), str(first_month_after("2020-02-01"))
    ('2020-02', '2020-02')
    """
    ts = pd.Timestamp(date)
    month = ts.to_period("M")
    return month if ts.day == 1 else month + 1


def trade_shocks(
    trade: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    coal_suspension: str = "2017-02-19",
    bans: str = "2017-09-05",
    closure: str = "2020-01-31",
    start: str = "2014-01",
    end: str = "2024-12",
    alpha: float = 0.05,
) -> Result:
    """The trade shocks told apart by timing and phase, on the monthly China customs series.

    Per flow, the log of monthly trade is a constant plus steps that start in the first
    whole month after each date (:func:`first_month_after`): China's suspension of coal
    imports (``coal_suspension``), the UN export bans (``bans``), the border closure
    (``closure``), and the closure's later phases from the events data (the freight trains'
    restart, January 2022; the reopening, August 2023), so the 2021 trough is not averaged
    with the 2023-24 recovery. A January-February term absorbs the Chinese New Year and the
    combined releases. The error is AR(1) in calendar months: unpublished months are gaps
    skipped, never treated as neighbours: OLS with standard errors clustered by calendar
    year (robust to any correlation of the months within a year, whatever the gaps), t
    inference with one fewer degrees of freedom than years. Each step is the change from
    the phase before; ``level_pct`` is the level against the months before the first step.

    Parameters
    ----------
    trade, events : DataFrame, optional
        The ``trade`` and ``events`` data.
    coal_suspension, bans, closure : str
        The dates (``YYYY-MM-DD``) of the three shocks.
    start, end : str
        First and last month (``YYYY-MM``).
    alpha : float
        1 - the confidence level.

    Returns
    -------
    Result
        One row per flow and shock (``pct_change`` and its interval, ``level_pct``, months
        used and missing); ``fit`` maps flow to the OLS results; ``info['missing']``
        lists the months.

    Examples
    --------
    >>> r = trade_shocks()
    >>> t = r.table.set_index(["flow", "shock"])
    >>> bool(t.loc[("imports", "border_closure"), "pct_change"] < -50)
    True
    """
    trade = datasets.load_trade() if trade is None else trade
    events = datasets.load_events() if events is None else events
    try:
        dates = {"coal_suspension": pd.Timestamp(coal_suspension), "export_bans": pd.Timestamp(bans),
                 "border_closure": pd.Timestamp(closure)}
        first, last = pd.Period(start, "M"), pd.Period(end, "M")
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"`coal_suspension`, `bans`, `closure`, `start` and `end` must be dates such as "
                             f"'2020-01-31' ({exc}).") from None
    if not 0 < alpha < 1:
        raise ParameterError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    if not dates["coal_suspension"] <= dates["export_bans"] < dates["border_closure"]:
        raise ParameterError(f"Expected coal_suspension ({coal_suspension}) <= bans ({bans}) < closure ({closure}).")
    ev = events.set_index("event_id")["start_date"]
    for event_id, name in CLOSURE_PHASES[1:]:
        if event_id in ev.index and pd.Timestamp(ev[event_id]) > dates["border_closure"]:
            dates[name.replace(" ", "_")] = pd.Timestamp(ev[event_id])
    idx = pd.period_range(first, last, freq="M")
    steps = {k: first_month_after(d) for k, d in dates.items()}
    steps = {k: m for k, m in steps.items() if first < m <= last}
    if "border_closure" not in steps:
        raise ParameterError(f"The closure ({closure}) must fall inside {start} to {end}, after its first month.")
    exog = pd.DataFrame({k: (idx >= m).astype(float) for k, m in steps.items()}, index=idx)
    exog["jan_feb"] = np.isin(idx.month, (1, 2)).astype(float)
    rows, missing, fits = [], {}, {}
    for flow in ("exports", "imports"):
        y = monthly_series(trade, series="china_customs", flow=flow).reindex(idx)
        missing[flow] = [str(p) for p in idx[y.isna().to_numpy()]]
        if (y <= 0).any():
            raise ParameterError("Monthly trade must be positive to take logs.")
        have = y.notna().to_numpy()
        X = exog.copy()
        for k in steps:  # a phase needs figures on both sides
            on = X.loc[have, k]
            if min(int((on == 0).sum()), int((on == 1).sum())) < 2:
                raise ParameterError(f"Too few {flow} months on one side of the {k.replace('_', ' ')} in {start} to "
                                     f"{end}; widen the window.")
        res = fit_steps(y, steps)
        fits[flow] = res
        ci = res.conf_int(alpha=alpha)
        level = 0.0
        for k in steps:
            coef, (lo, hi) = float(res.params[k]), (float(v) for v in ci.loc[k])
            level += coef
            rows.append((flow, k, steps[k].strftime("%Y-%m"), 100 * (math.exp(coef) - 1), 100 * (math.exp(lo) - 1),
                         100 * (math.exp(hi) - 1), 100 * (math.exp(level) - 1), int(have.sum()), len(missing[flow])))
    frame = pd.DataFrame(rows, columns=["flow", "shock", "from_month", "pct_change", "pct_lower", "pct_upper",
                                        "level_pct", "months", "months_missing"])
    return Result(
        "trade_shocks", frame, fit=fits,
        info={"missing": missing, "alpha": alpha, "dates": dates, "bans": dates["export_bans"],
              "closure": dates["border_closure"], "start": str(first), "end": str(last)},
        sample=f"China customs monthly exports and imports, {first} to {last} (months published only)",
        method=("per flow, OLS: log monthly trade = constant + a step at each shock and phase (first whole month "
                "after its date) + a January-February term, over the months published"),
        uncertainty=(f"{100 * (1 - alpha):.0f}% confidence intervals of each step (standard errors clustered by calendar "
                     "year, t inference)"),
        caveat=("each step absorbs everything else that changed at its date; unpublished months are gaps; the "
                "figures are press quotations, published more often when newsworthy"),
    )


#: The phases of the border closure, by the events that open them (``events`` data).
CLOSURE_PHASES: tuple[tuple[str, str], ...] = (
    ("border-closure-2020-01", "closure"),
    ("freight-train-restart-2022-01", "partial reopening"),
    ("border-reopening-citizens-2023-08", "reopening"),
)


def closure_shock(
    trade: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    interaction: bool = True,
    pre_ban_year: int = 2016,
) -> Result:
    """The change of China-North Korea trade, in US$ million, in each year of the border
    closure and its reopening.

    A year belongs to the closure when the border was closed on any day of it or of the
    year before (so the first year after the reopening still counts its rebound). Its shock
    is the year's change of China customs total trade: negative while the border shut,
    positive as it reopened. Other years get 0.

    With ``interaction`` (the default) the closure is charged only for trade the bans had
    not already stopped: the changes run from the last pre-closure year's level (2019),
    when the banned exports were already gone. Without it, the first closure year is
    measured against ``pre_ban_year``'s trade, charging the closure for flows the bans had
    stopped: the double count, kept as a structural alternative.

    Parameters
    ----------
    trade, events : DataFrame, optional
        The ``trade`` and ``events`` data.
    interaction : bool
        Whether the closure is measured net of what the bans had already stopped.
    pre_ban_year : int
        The year before the bans, for ``interaction=False``.

    Returns
    -------
    Result
        One row per year with a figure: ``total_usd_mn``, ``phase``, ``shock_usd_mn``.

    Examples
    --------
    >>> t = closure_shock().table.set_index("year")
    >>> bool(t.loc[2020, "shock_usd_mn"] < -2000), bool(t.loc[2023, "shock_usd_mn"] > 0)
    (True, True)
    >>> float(t.loc[2019, "shock_usd_mn"])
    0.0
    """
    trade = datasets.load_trade() if trade is None else trade
    events = datasets.load_events() if events is None else events
    total = latest_annual(trade, series="china_customs", partner="china", flow="total")
    years = list(range(int(total.index.min()), int(total.index.max()) + 1))
    closed = border_closure_share(events, years=[*years, years[-1] + 1])
    ev = events.set_index("event_id")["start_date"]
    starts = [(ev.get(e), name) for e, name in CLOSURE_PHASES if e in ev.index]
    rows = []
    first_closed = next((y for y in years if closed.get(y, 0) > 0), None)
    for y in years:
        in_closure = closed.get(y, 0) > 0 or closed.get(y - 1, 0) > 0
        phase = ""
        if in_closure:
            names = [n for d, n in starts if pd.Timestamp(d).year <= y]
            phase = names[-1] if names else "closure"
            if closed.get(y, 0) == 0:
                phase = "reopened"
            elif phase == "closure" and closed.get(y - 1, 0) >= 0.5 and closed.get(y, 0) == 1:
                phase = "trough"
        prev = total.get(y - 1, np.nan)
        if not interaction and y == first_closed:
            prev = total.get(pre_ban_year, np.nan)
        shock = float(total.get(y, np.nan) - prev) if in_closure else 0.0
        rows.append((y, float(total.get(y, np.nan)), float(closed.get(y, 0.0)), phase, shock))
    frame = pd.DataFrame(rows, columns=["year", "total_usd_mn", "closed_share", "phase", "shock_usd_mn"])
    frame["phase"] = frame["phase"].astype("string")
    return Result(
        "closure_shock", frame,
        sample=f"China customs annual total trade with North Korea, {years[0]}-{years[-1]} (latest release)",
        method=("change of total trade in each year the border was closed on any day of it or of the year before; "
                + ("from the 2019 level, net of what the bans had already stopped" if interaction
                   else f"the first closure year from the {pre_ban_year} level (bans and closure both charged)")),
        uncertainty="as published (rounded); China customs only (trade with Russia and smuggling are not in it)",
        caveat="annual figures; the months inside each phase are in trade_shocks()",
        info={"interaction": interaction, "pre_ban_year": pre_ban_year},
    )
