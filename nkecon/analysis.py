"""Analysis helpers: relate North Korea's growth, year by year, to its three adverse drivers.

Each helper takes the data it uses as arguments (the shipped data by default) and keyword
options, and returns a :class:`~nkecon.results.Result`: the table, the fit, and the
estimate's sample, method, uncertainty and caveat (``result.describe()``).

Annual data on North Korea are few and estimated by others (the Bank of Korea estimates
GDP from South Korean agencies' information): every answer here is an order of magnitude
with an honest interval, not a measurement. A judgement that holds for one year (which
driver could have moved which industry) is built for that year from its evidence, never
carried over from 2020.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import datasets
from .errors import ParameterError
from .results import Result

__all__ = [
    "DRIVERS",
    "TOP_SECTORS",
    "RELEVANCE",
    "Result",
    "describe",
    "counterfactual",
    "sector_contributions",
    "driver_evidence",
    "default_mapping",
    "attribute_drivers",
    "sanctions_exposure",
    "trade_shock",
    "trade_shocks",
    "trade_yoy",
    "weather_anomaly",
    "growth_regression",
    "regression_verdict",
    "compare_estimates",
    "gdp_revisions",
    "food_balance",
    "verb",
]

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
    >>> print(describe(trade_yoy()).splitlines()[0])
    sample: china_customs annual trade with china
    """
    return result.describe()


def _year_param(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"The value for `{name}` must be an integer year, but {value!r} was passed.")
    if not lo <= value <= hi:
        raise ParameterError(
            f"The value for `{name}` must be between {lo} and {hi}, but {value!r} was passed."
        )
    return int(value)


def _growth_series(gdp: pd.DataFrame | None) -> pd.Series:
    gdp = datasets.load_gdp() if gdp is None else gdp
    return gdp.set_index("year")["growth_pct"].astype(float).sort_index()


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

    growth = _growth_series(gdp)
    years = growth.dropna().index
    lo_year, hi_year = int(years.min()), int(years.max())
    start = _year_param("baseline[0]", baseline[0], lo_year, hi_year)
    end = _year_param("baseline[1]", baseline[1], lo_year, hi_year)
    focus = _year_param("focus_year", focus_year, lo_year, hi_year)
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
    year = _year_param("year", year, int(sectors["year"].min()) + 1, int(sectors["year"].max()))
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
    headline = float(_growth_series(gdp).get(year, np.nan))
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


# --------------------------------------------------------------------------- driver attribution
#: How directly each driver can move each industry (0: not at all, 1: fully), the stated
#: judgement behind every year's mapping. A driver enters a year's mapping only in
#: proportion to the evidence that it was present that year (see :func:`driver_evidence`).
RELEVANCE: dict[str, dict[str, float]] = {
    "agriculture_forestry_fishing": {"weather": 1.0, "border_closure": 0.25, "sanctions": 0.1},
    "mining_manufacturing": {"sanctions": 1.0, "border_closure": 1.0, "weather": 0.15},
    "electricity_gas_water": {},
    "construction": {},
    "services": {"border_closure": 1.0, "sanctions": 0.25},
}

RELEVANCE_REASONS: dict[str, str] = {
    "agriculture_forestry_fishing": ("farming moves with the weather (floods, typhoons, drought); imported "
                                     "fertiliser and inputs tie it to the border; few farm exports were banned"),
    "mining_manufacturing": ("mining and light industry lost their export markets to the UN bans (coal, ores, "
                             "textiles) and their Chinese inputs to the border closure; floods hit some mines"),
    "electricity_gas_water": "no direct channel from the three shocks is documented: unexplained",
    "construction": "driven by state campaigns and reconstruction, not by the three shocks: unexplained",
    "services": ("trade, transport and markets stop when the border closes; sanctions on trade and "
                 "finance weigh on them less directly"),
}


def driver_evidence(
    year: int,
    *,
    events: pd.DataFrame | None = None,
    exposure: "Result | None" = None,
) -> dict[str, tuple[float, str]]:
    """How strongly each adverse driver was present in ``year`` (0 to 1), and why.

    * ``border_closure``: the share of the year the border was closed (events data);
    * ``sanctions``: the share of base-year exports under UN bans in force that year
      (mid-point of the exposure bounds, :func:`sanctions_exposure`);
    * ``weather``: 1 if a flood, typhoon, drought or heatwave of the events data began that
      year, else 0.

    Parameters
    ----------
    year : int
        The year.
    events : DataFrame, optional
        The ``events`` data.
    exposure : Result, optional
        From :func:`sanctions_exposure`.

    Returns
    -------
    dict
        ``driver -> (strength 0..1, reason)``.

    Examples
    --------
    >>> ev = driver_evidence(2018)
    >>> ev["border_closure"][0], ev["weather"][0]
    (0.0, 1.0)
    """
    events = datasets.load_events() if events is None else events
    border = float(border_closure_share(events, years=[year]).iloc[0])
    shocks = events[(events["kind"] == "weather") & (events["start_date"].dt.year == year)]
    weather = 1.0 if len(shocks) else 0.0
    exposure = sanctions_exposure() if exposure is None else exposure
    table = exposure.table.set_index("year")
    if year in table.index:
        lo, hi = float(table.loc[year, "lower_pct"]), float(table.loc[year, "upper_pct"])
        sanc = (lo + hi) / 200
        sanc_why = f"{lo:.0f}-{hi:.0f}% of {exposure.info['base_year']} exports under UN bans in force in {year}"
    elif year < int(table.index.min()):
        sanc, sanc_why = 0.0, f"no UN export ban in force before {int(table.index.min())}"
    else:
        lo, hi = (float(table[c].iloc[-1]) for c in ("lower_pct", "upper_pct"))
        sanc = (lo + hi) / 200
        sanc_why = f"bans unchanged since {int(table.index.max())}: {lo:.0f}-{hi:.0f}% of exports"
    names = ", ".join(shocks["event_id"].astype(str)[:4])
    return {
        "border_closure": (border, f"border closed {border:.0%} of {year}" if border else f"border open all of {year}"),
        "sanctions": (sanc, sanc_why),
        "weather": (weather, f"weather shocks in {year}: {names}" if weather else f"no weather shock recorded in {year}"),
    }


def default_mapping(
    year: int,
    contributions: "Result | None" = None,
    *,
    events: pd.DataFrame | None = None,
    exposure: "Result | None" = None,
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """The mapping of ``year``'s industries to drivers, built from that year's evidence.

    An industry that shrank is split between the adverse drivers in proportion to
    :data:`RELEVANCE` times :func:`driver_evidence`; whatever the evidence does not cover
    is ``unexplained``. An industry that grew is ``unexplained``: sanctions, a closed border
    and bad weather cannot explain growth. A driver absent that year gets exactly 0.
    Returns the mapping and, per industry, the reason in words.

    Parameters
    ----------
    year : int
        The year.
    contributions : Result, optional
        From :func:`sector_contributions`.
    events : DataFrame, optional
        The ``events`` data.
    exposure : Result, optional
        From :func:`sanctions_exposure`.

    Examples
    --------
    >>> mapping, reasons = default_mapping(2018)
    >>> mapping["services"].get("border_closure", 0.0)
    0.0
    """
    contributions = sector_contributions(year=year) if contributions is None else contributions
    evidence = driver_evidence(year, events=events, exposure=exposure)
    mapping, reasons = {}, {}
    for row in contributions.table.itertuples():
        ind = str(row.sector)
        if ind == "residual":
            continue
        if row.contribution_pp >= 0:
            mapping[ind] = {"unexplained": 1.0}
            reasons[ind] = f"grew in {year} ({row.growth_pct:+.1f}%): the adverse drivers cannot explain growth; unexplained"
            continue
        raw = {d: RELEVANCE.get(ind, {}).get(d, 0.0) * evidence[d][0] for d in ("sanctions", "border_closure", "weather")}
        raw = {d: w for d, w in raw.items() if w > 0}
        scale = max(1.0, sum(raw.values()))
        weights = {d: w / scale for d, w in raw.items()}
        rest = 1.0 - sum(weights.values())
        if rest > 1e-9:
            weights["unexplained"] = rest
        mapping[ind] = weights
        present = "; ".join(evidence[d][1] for d in raw) or "none of the three drivers was present"
        reasons[ind] = (f"shrank in {year} ({row.growth_pct:+.1f}%); {RELEVANCE_REASONS.get(ind, '')}; "
                        f"evidence: {present}")
    return mapping, reasons


def _check_mapping(mapping: Mapping[str, Mapping[str, float]], industries: Sequence[str]) -> None:
    for ind in industries:
        if ind not in mapping:
            raise ParameterError(
                f"The `mapping` has no entry for industry {ind!r}; expected one for each of "
                f"{', '.join(industries)}."
            )
    for ind, weights in mapping.items():
        if ind not in industries:
            raise ParameterError(f"The `mapping` names unknown industry {ind!r}; expected one of {', '.join(industries)}.")
        bad = [d for d in weights if d not in DRIVERS]
        if bad:
            raise ParameterError(f"The `mapping` for {ind!r} names unknown driver {bad[0]!r}; expected one of {', '.join(DRIVERS)}.")
        values = list(weights.values())
        if any(not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w) or w < 0 for w in values) \
                or not math.isclose(sum(values), 1.0, abs_tol=1e-6):
            raise ParameterError(
                f"The `mapping` weights for {ind!r} must be non-negative and sum to 1, but {dict(weights)!r} was passed."
            )


def attribute_drivers(
    contributions: "Result | None" = None,
    *,
    year: int = 2020,
    mapping: Mapping[str, Mapping[str, float]] | None = None,
    draws: int = 4000,
    concentration: float = 8.0,
    rounding: float = 0.05,
    seed: int = 2020,
    interval: float = 0.9,
) -> Result:
    """Split a year's growth between sanctions, border closure, weather and unexplained.

    Each industry's contribution (:func:`sector_contributions`) is divided between drivers
    by ``mapping``; by default the mapping of that year built from its evidence
    (:func:`default_mapping`, with its reasons in ``info["reasons"]``); a user's own mapping
    overrides it. The residual goes to ``unexplained``.

    The interval is a sensitivity interval, not a sampling one: ``draws`` times, each
    industry's weights are drawn from a Dirichlet distribution centred on the mapping
    (``concentration``: higher is more confident), and each published growth figure is
    jittered uniformly by its rounding (``rounding`` points); the table gives the central
    ``interval`` of the drivers' points.

    Parameters
    ----------
    contributions : Result, optional
        From :func:`sector_contributions`; computed for ``year`` when omitted.
    year : int
        The year to explain.
    mapping : mapping, optional
        ``{industry: {driver: weight}}``, weights summing to 1 per industry.
    draws, concentration, rounding, seed, interval
        The sensitivity simulation (see above).

    Returns
    -------
    Result
        One row per driver: ``pp``, ``lower_pp``, ``upper_pp``, ``share_of_change``;
        ``info`` holds ``headline_pct``, ``mapping``, ``reasons``, ``interval``, ``year``.

    Examples
    --------
    >>> r = attribute_drivers(year=2018)
    >>> float(r.table.set_index("driver").loc["border_closure", "pp"])
    0.0
    >>> r.info["interval"]
    0.9
    """
    contributions = sector_contributions(year=year) if contributions is None else contributions
    year = int(contributions.info["year"])
    parts = contributions.table[contributions.table["sector"] != "residual"]
    industries = [str(s) for s in parts["sector"]]
    evidence = None
    if mapping is None:
        exposure = sanctions_exposure()  # computed once, for the evidence and the mapping
        mapping, reasons = default_mapping(year, contributions, exposure=exposure)
        evidence = driver_evidence(year, exposure=exposure)
        source = "default"
    else:
        reasons = {ind: "the user's own mapping" for ind in industries}
        source = "user"
    _check_mapping(mapping, industries)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 100:
        raise ParameterError(f"The value for `draws` must be an integer of at least 100, but {draws!r} was passed.")
    if not concentration > 0:
        raise ParameterError(f"The value for `concentration` must be positive, but {concentration!r} was passed.")
    if not 0 < interval < 1:
        raise ParameterError(f"The value for `interval` must be between 0 and 1, but {interval!r} was passed.")

    residual = float(contributions.info["residual_pp"])
    headline = float(contributions.info["headline_pct"])
    point = dict.fromkeys(DRIVERS, 0.0)
    for row in parts.itertuples():
        for driver, w in mapping[str(row.sector)].items():
            point[driver] += w * row.contribution_pp
    point["unexplained"] += residual

    rng = np.random.default_rng(seed)
    sims = np.zeros((draws, len(DRIVERS)))
    for row in parts.itertuples():
        weights = np.array([mapping[str(row.sector)].get(d, 0.0) for d in DRIVERS])
        active = weights > 0
        w = np.zeros((draws, len(DRIVERS)))
        if active.sum() == 1:
            w[:, active] = 1.0
        else:
            w[:, active] = rng.dirichlet(weights[active] * concentration * active.sum(), size=draws)
        growth = row.growth_pct + rng.uniform(-rounding, rounding, size=draws)
        sims += w * (row.share_prev_pct * growth / 100)[:, None]
    sims[:, DRIVERS.index("unexplained")] += residual
    tail = (1 - interval) / 2
    lower = np.quantile(sims, tail, axis=0)
    upper = np.quantile(sims, 1 - tail, axis=0)
    absent = [d for d in DRIVERS if d != "unexplained" and not any(mapping[i].get(d, 0) for i in industries)]
    why_zero = {}
    for d in absent:
        if evidence is None:
            why_zero[d] = "not in the mapping"
        elif evidence[d][0] == 0:
            why_zero[d] = f"absent in {year}"
        else:
            why_zero[d] = "no industry it moves shrank"
    for d in absent:  # a driver with no weight anywhere is exactly 0, not a rounding of draws
        k = DRIVERS.index(d)
        point[d], lower[k], upper[k] = 0.0, 0.0, 0.0

    frame = pd.DataFrame({
        "driver": pd.Categorical(DRIVERS, categories=DRIVERS),
        "pp": [point[d] for d in DRIVERS],
        "lower_pp": lower,
        "upper_pp": upper,
    })
    frame["share_of_change"] = frame["pp"] / headline if headline else np.nan
    frame.insert(0, "year", year)
    return Result(
        "attribute_drivers",
        frame,
        sample=f"BOK industry contributions to {year} growth ({headline:+.1f}%)",
        method=(f"industry contributions split between drivers by {'the evidence-based mapping of ' + str(year) if source == 'default' else 'a user-supplied mapping'}"),
        uncertainty=(f"{interval:.0%} sensitivity interval over {draws} draws: mapping weights "
                     f"~ Dirichlet(concentration {concentration:g}), growth figures +/-{rounding:g} pp"),
        caveat=("the split rests on the mapping, a judgement stated with its reasons; the "
                "interval shows how much the answer moves when that judgement does"),
        info={"year": year, "headline_pct": headline, "mapping": {k: dict(v) for k, v in mapping.items()},
              "reasons": reasons, "interval": interval, "mapping_source": source, "absent": tuple(absent),
              "why_zero": why_zero},
    )


# --------------------------------------------------------------------------- sanctions exposure
def _latest_annual(trade: pd.DataFrame, *, series: str, partner: str, flow: str) -> pd.Series:
    rows = datasets.latest_annual(trade)
    rows = rows[(rows["series"] == series) & (rows["partner"] == partner) & (rows["flow"] == flow)]
    return rows.set_index("year")["value_usd_mn"].astype(float)


_TOTAL_SERIES = datasets.TOTAL_SERIES


def sanctions_exposure(
    composition: pd.DataFrame | None = None,
    bans: pd.DataFrame | None = None,
    *,
    sanctions: pd.DataFrame | None = None,
    trade: pd.DataFrame | None = None,
    base_year: int = 2016,
    partner: str = "china",
    start: int = 2016,
    end: int | None = None,
) -> Result:
    """Share of North Korea's base-year exports under UN export bans in force, by year.

    Computed month by month from the product data: each product row of ``base_year``
    (items, and the remainder of aggregates beyond the items they include) counts as banned
    from the date its ban took effect (``product_bans``: the effective date, else the
    resolution's adoption date). The yearly figure is the average over the year's months,
    so a ban adopted in September counts for a third of that year.

    Two bounds, because not every product is priced: the **lower** bound counts only priced
    products under a full ban; the **upper** bound also counts products under a cap or a
    partial ban, and every export without a published value (the base-year total minus
    the priced products), as banned. The published magnitude ("over 90%" after resolution
    2375) must fall within them.

    Parameters
    ----------
    composition, bans, sanctions, trade : DataFrame, optional
        The ``export_composition``, ``product_bans``, ``sanctions`` and ``trade`` data.
    base_year : int
        The year whose export mix is weighed.
    partner : {"china", "world"}
        Exports to China (China customs) or to the world (KOTRA).
    start, end : int
        Years of the index; ``end`` defaults to the last year with annual trade data.

    Returns
    -------
    Result
        One row per year: ``lower_pct``, ``upper_pct``, ``products_banned``; ``info`` has
        ``monthly`` (the index month by month), ``base_year``, ``base_total_usd_mn``.

    Examples
    --------
    >>> r = sanctions_exposure()
    >>> t = r.table.set_index("year")
    >>> bool(t.loc[2018, "lower_pct"] <= 90 <= t.loc[2018, "upper_pct"])
    True
    >>> float(t.loc[2016, "lower_pct"]) < float(t.loc[2018, "lower_pct"])
    True
    """
    composition = datasets.load_export_composition() if composition is None else composition
    bans = datasets.load_product_bans() if bans is None else bans
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    trade = datasets.load_trade() if trade is None else trade
    if partner not in _TOTAL_SERIES:
        raise ParameterError(f"The value for `partner` must be 'china' or 'world', but {partner!r} was passed.")
    totals = _latest_annual(trade, series=_TOTAL_SERIES[partner], partner=partner, flow="exports")
    comp = composition[(composition["year"] == base_year) & (composition["partner"] == partner)]
    usable = sorted(set(int(y) for y in composition.loc[composition["partner"] == partner, "year"]) & set(totals.index))
    if comp[comp["role"] != "overview"].empty:
        raise ParameterError(f"The value for `base_year` must be a year with exports by product to {partner} "
                             f"({usable}), but {base_year!r} was passed: the data hold none for it.")
    if base_year not in totals.index:
        raise ParameterError(f"The value for `base_year` must be a year with exports by product to {partner} and their "
                             f"annual total ({usable}), but {base_year!r} was passed: no annual {_TOTAL_SERIES[partner]} "
                             f"exports total for it in the trade data.")
    total = float(totals.loc[base_year])
    end = int(totals.index.max()) if end is None else int(end)
    start = _year_param("start", start, 1990, end)
    items = comp[comp["role"] == "item"].set_index("product")["value_usd_mn"].dropna().astype(float).to_dict()
    for row in comp[comp["role"] == "aggregate"].itertuples():
        inner = [p for p in str(row.includes or "").split(";") if p]
        items[str(row.product)] = float(row.value_usd_mn) - sum(items.get(p, 0.0) for p in inner)
    priced = sum(items.values())
    adopted = sanctions.set_index("measure_id")["date"]
    spans: dict[str, list[tuple[pd.Timestamp, str]]] = {}
    for b in bans.itertuples():
        when = b.effective_date if pd.notna(b.effective_date) else adopted.get(b.measure_id)
        spans.setdefault(str(b.product), []).append((pd.Timestamp(when), str(b.ban_kind)))
    months = pd.period_range(f"{start}-01", f"{end}-12", freq="M")
    rows = []
    for m in months:
        day = m.end_time.normalize()
        full = partial = 0.0
        banned = []
        for product, value in items.items():
            kinds = {k for when, k in spans.get(product, []) if when <= day}
            if "ban" in kinds:
                full += value
                banned.append(product)
            elif kinds:
                partial += value
        lower = 100 * full / total
        upper = 100 * (full + partial + (total - priced)) / total
        rows.append((m, lower, upper, ";".join(sorted(banned))))
    monthly = pd.DataFrame(rows, columns=["month", "lower_pct", "upper_pct", "products_banned"])
    monthly["year"] = monthly["month"].dt.year
    annual = monthly.groupby("year").agg(lower_pct=("lower_pct", "mean"), upper_pct=("upper_pct", "mean"),
                                         products_banned=("products_banned", "last")).reset_index()
    annual["products_banned"] = annual["products_banned"].astype("string")
    return Result(
        "sanctions_exposure",
        annual,
        sample=(f"{partner} exports by product in {base_year} ({len(items)} priced products, "
                f"{100 * priced / total:.0f}% of the {total:,.0f} US$ mn total); UN bans by date of effect, {start}-{end}"),
        method="monthly share of base-year export value under bans in force, averaged over each year",
        uncertainty=("lower bound: priced products under a full ban; upper bound: also capped or partly banned "
                     "products and every unpriced export"),
        caveat=f"weights are {base_year}'s export mix; later years' exports were different (most of them banned)",
        info={"monthly": monthly, "base_year": base_year, "base_total_usd_mn": total, "partner": partner,
              "priced_share_pct": 100 * priced / total, "end": end},
    )


# --------------------------------------------------------------------------------- trade shock
def _monthly(trade: pd.DataFrame, *, series: str, flow: str) -> pd.Series:
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
    monthly = _monthly(trade, series=series, flow=flow)
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
    wide = pd.DataFrame({str(f): _latest_annual(trade, series=series, partner=partner, flow=str(f))
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
    """Share of each year the border was closed, between two events of the ``events`` data."""
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
    from .weather import weather_anomaly as _weather_anomaly

    return _weather_anomaly(weather, **options)


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

    start = _year_param("sample[0]", sample[0], 1990, 2030)
    end = _year_param("sample[1]", sample[1], start + 8, 2030)
    if not 0 < alpha < 1:
        raise ParameterError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    growth = _growth_series(gdp).loc[start:end].dropna()
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
        y = _monthly(trade, series="china_customs", flow=flow).reindex(idx)
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


def compare_estimates(
    attribution: Result,
    estimates: pd.DataFrame | None = None,
) -> Result:
    """nkecon's split of a year beside the published estimates for the same year and driver.

    Keeps the published estimates whose period covers the attribution's year and whose
    outcome is comparable: growth in percentage points, or the GDP level in percent (a
    fall in the level of GDP in the year is a fall in that year's growth of about the same
    size). Each row says whether nkecon's interval and the published figure (or range)
    overlap.

    Parameters
    ----------
    attribution : Result
        From :func:`attribute_drivers`.
    estimates : DataFrame, optional
        The ``published_estimates`` data.

    Returns
    -------
    Result
        One row per comparable published estimate, with nkecon's figure and interval and
        ``agrees`` (whether they overlap).

    Examples
    --------
    >>> r = compare_estimates(attribute_drivers(year=2020))
    >>> set(r.table["driver"]) <= {"sanctions", "border_closure", "weather", "covid_total"}
    True
    """
    estimates = datasets.load_published_estimates() if estimates is None else estimates
    year = int(attribution.info["year"])
    ours = attribution.table.set_index("driver")
    rows = []
    for e in estimates.itertuples():
        period = "" if pd.isna(e.period) else str(e.period)
        if not period:
            continue
        y0, _, y1 = period.partition("-")
        if not int(y0) <= year <= int(y1 or y0):
            continue
        if e.outcome not in ("real_gdp_growth", "real_gdp_level") or e.unit not in ("pp", "pct"):
            continue
        if e.driver not in ("sanctions", "border_closure", "weather", "covid_total"):
            continue
        drv = "border_closure" if e.driver == "covid_total" else str(e.driver)
        pub_lo = e.effect_low if pd.notna(e.effect_low) else e.effect
        pub_hi = e.effect_high if pd.notna(e.effect_high) else e.effect
        lo, hi = float(ours.loc[drv, "lower_pp"]), float(ours.loc[drv, "upper_pp"])
        overlap = not (pd.isna(pub_lo) or pd.isna(pub_hi)) and not (max(pub_lo, pub_hi) < lo or min(pub_lo, pub_hi) > hi)
        rows.append({"estimate_id": e.estimate_id, "study": e.study,
                     "publisher": e.publisher if isinstance(e.publisher, str) else "", "driver": str(e.driver),
                     "outcome": e.outcome, "published": e.effect, "published_low": pub_lo, "published_high": pub_hi,
                     "unit": e.unit, "method": e.method, "nkecon_pp": float(ours.loc[drv, "pp"]), "nkecon_lower": lo,
                     "nkecon_upper": hi, "agrees": bool(overlap), "source_id": e.source_id})
    frame = pd.DataFrame(rows, columns=["estimate_id", "study", "publisher", "driver", "outcome", "published",
                                        "published_low", "published_high", "unit", "method", "nkecon_pp",
                                        "nkecon_lower", "nkecon_upper", "agrees", "source_id"])
    return Result("compare_estimates", frame, sample=f"published estimates covering {year} (growth or GDP level)",
                  method="overlap of nkecon's sensitivity interval with the published figure or range",
                  uncertainty="published figures carry their own methods and scopes (see each row)",
                  caveat="a GDP-level effect is read as that year's growth effect; 'covid_total' is set against the border closure",
                  info={"year": year, "interval": attribution.info.get("interval")})


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


# --------------------------------------------------------------------------------- food balance
def _need_for(food: pd.DataFrame, needs: pd.DataFrame, year: int, publisher: str, commodity: str) -> pd.Series:
    """The need that goes with a gap estimate: the publisher's own for that year; else, for
    FAO-style balances, production plus import requirement (FAO defines the requirement as
    utilisation minus production); else the need published nearest in time."""
    own = needs[(needs["year"] == year) & (needs["publisher"] == publisher)]
    if len(own):
        return own.iloc[0]
    same = food[(food["year"] == year) & (food["publisher"] == publisher) & (food["commodity"] == commodity)]
    same = same.set_index("measure")["value_kt"]
    if "production" in same.index and "import_requirement" in same.index:
        prod, req = same.loc[["production"]].iloc[0], same.loc[["import_requirement"]].iloc[0]
        return pd.Series({"value_kt": float(prod + req), "publisher": f"{publisher} (production + import requirement)",
                          "year": year})
    return needs.iloc[(needs["year"] - year).abs().argsort()[:1]].iloc[0]


def food_balance(food: pd.DataFrame | None = None, *, year: int = 2020) -> Result:
    """Production against need and every published gap estimate around ``year``.

    One row per published gap (measure ``gap``) for the marketing year starting in ``year``
    and the next, with the gap in thousand tonnes and in months of consumption (the gap
    divided by a twelfth of the need: the same estimate's need where it gives one, else the
    nearest need published for that year). ``attrs`` adds the RDA harvest change from the
    previous year and the published 2020 harvest loss to floods and typhoons.

    Parameters
    ----------
    food : DataFrame, optional
        The ``food`` data.
    year : int
        The harvest year.

    Returns
    -------
    Result
        One row per gap estimate; ``info`` holds the RDA harvest, its change and the
        published harvest loss.

    Examples
    --------
    >>> fb = food_balance(year=2020)
    >>> bool((fb.table["gap_kt"] > 0).all())
    True
    """
    food = datasets.load_food() if food is None else food
    year = _year_param("year", year, int(food["year"].min()) + 1, int(food["year"].max()))
    gaps = food[(food["measure"] == "gap") & food["year"].isin([year, year + 1])]
    needs = food[food["measure"] == "need"]
    if gaps.empty:
        raise ParameterError(f"No published food-gap estimate for {year} or {year + 1}.")
    rows = []
    for g in gaps.itertuples():
        need = _need_for(food, needs, int(g.year), str(g.publisher), str(g.commodity))
        derived = "production + import requirement" in str(need["publisher"])
        if pd.notna(g.months_stated):
            months, basis = float(g.months_stated), "as the source states it"
        elif derived:
            # FAO's requirement is utilisation (food, feed, seed, losses) less production:
            # months of it would not be months of consumption, so none are computed
            months, basis = np.nan, "not computed: the only need is total utilisation, not food use"
        else:
            months = float(g.value_kt) / (float(need["value_kt"]) / 12)
            basis = "gap / (need / 12)" + ("" if need["publisher"] == g.publisher else f", need from {need['publisher']}")
        rows.append({
            "year": int(g.year), "publisher": g.publisher, "commodity": str(g.commodity),
            "basis": g.basis, "period": g.period, "gap_kt": float(g.value_kt),
            "need_kt": float(need["value_kt"]), "need_publisher": need["publisher"],
            "need_year": int(need["year"]),
            "months_of_consumption": months, "months_basis": basis,
            "source_id": g.source_id,
        })
    frame = pd.DataFrame(rows).sort_values(["year", "publisher"]).reset_index(drop=True)
    rda = food[(food["measure"] == "production") & (food["commodity"] == "grain_total") & (food["publisher"] == "RDA")]
    rda = rda.set_index("year")["value_kt"]
    loss = food[(food["measure"] == "harvest_loss") & (food["year"] == year)]
    drop = float(rda.get(year - 1, np.nan) - rda.get(year, np.nan))
    return Result(
        "food_balance",
        frame,
        info={"year": year, "production_kt": float(rda.get(year, np.nan)),
              "production_prev_kt": float(rda.get(year - 1, np.nan)),
              "harvest_change_kt": -drop,
              "harvest_loss_kt": float(loss["value_kt"].iloc[0]) if len(loss) else np.nan,
              "harvest_loss_publisher": str(loss["publisher"].iloc[0]) if len(loss) else ""},
        sample=f"published gap estimates for the marketing years starting {year} and {year + 1}",
        method="months of consumption the gap represents: as the source states it, else gap / (need / 12)",
        uncertainty=("estimates differ in what they count (food or grain, milled or not, cereal "
                     "equivalent); compare within a row, not across rows"),
    )
