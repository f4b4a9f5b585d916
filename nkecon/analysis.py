"""Analysis helpers: relate North Korea's 2020 contraction to its three drivers.

Each helper takes the shipped data by default (or a frame of the same shape) and keyword
options, and returns a tidy :class:`pandas.DataFrame` or a statsmodels results object.
Every frame carries in ``frame.attrs`` the ``sample``, ``method`` and ``uncertainty`` of
its estimate, and a ``caveat`` where the data are thin; :func:`describe` prints them.

Annual data on North Korea are few and estimated by others (the Bank of Korea estimates
GDP from South Korean agencies' information): every answer here is an order of magnitude
with an honest interval, not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import datasets
from .errors import ParameterError

__all__ = [
    "DRIVERS",
    "TOP_SECTORS",
    "DEFAULT_DRIVER_MAPPING",
    "DRIVER_MAPPING_REASONS",
    "describe",
    "counterfactual",
    "sector_contributions",
    "attribute_drivers",
    "sanctions_exposure",
    "trade_shock",
    "trade_yoy",
    "growth_regression",
    "food_balance",
]

#: The drivers an attribution assigns the contraction to.
DRIVERS: tuple[str, ...] = ("sanctions", "border_closure", "weather", "unexplained")

#: The BOK's top-level industries: their shares add up to 100% of GDP.
TOP_SECTORS: tuple[str, ...] = (
    "agriculture_forestry_fishing",
    "mining_manufacturing",
    "electricity_gas_water",
    "construction",
    "services",
)

#: Default split of each industry's 2020 contribution between the drivers (weights sum to 1).
DEFAULT_DRIVER_MAPPING: dict[str, dict[str, float]] = {
    "agriculture_forestry_fishing": {"weather": 0.8, "border_closure": 0.2},
    "mining_manufacturing": {"border_closure": 0.6, "sanctions": 0.25, "weather": 0.15},
    "electricity_gas_water": {"unexplained": 1.0},
    "construction": {"unexplained": 1.0},
    "services": {"border_closure": 1.0},
}

#: Why the default mapping is what it is (shown in reports next to the answer).
DRIVER_MAPPING_REASONS: dict[str, str] = {
    "agriculture_forestry_fishing": (
        "Mostly weather: the Ministry of Unification put the 2020 flood and typhoon grain losses "
        "at 200-300 thousand tonnes, against an RDA harvest 240 thousand tonnes lower than "
        "2019's; the rest to the border closure (imported fertiliser and inputs)."
    ),
    "mining_manufacturing": (
        "Mostly the border closure: the BOK said the COVID-19 measures hit manufacturing, and "
        "light industry (dependent on Chinese inputs) fell 7.5%; a quarter to sanctions, "
        "whose export bans had been in force since 2017 and whose import caps bind on "
        "machinery, metals and fuel; some to weather (Typhoon Maysak flooded the Komdok "
        "mining area)."
    ),
    "electricity_gas_water": "Grew in 2020; no driver of the contraction: unexplained.",
    "construction": (
        "Grew in 2020 (state building campaign and flood reconstruction): unexplained."
    ),
    "services": (
        "The border closure and lockdown: the BOK said the COVID-19 measures (quarantine, "
        "travel bans inside the country, entry restrictions) hit the service sector; trade "
        "with China fell by about 80%."
    ),
}


def describe(frame: pd.DataFrame) -> str:
    """The sample, method, uncertainty and caveat of a helper's result, as text."""
    keys = ("sample", "method", "uncertainty", "caveat")
    return "\n".join(f"{k}: {frame.attrs[k]}" for k in keys if frame.attrs.get(k))


def _attrs(frame: pd.DataFrame, **attrs: Any) -> pd.DataFrame:
    frame.attrs.update({k: v for k, v in attrs.items() if v is not None})
    return frame


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
) -> pd.DataFrame:
    """Expected growth in ``focus_year`` from a baseline window, against what happened.

    Three methods, fitted on the baseline years only: an ARIMA model of the given ``order``
    (with a constant unless differenced), the baseline mean, and a linear trend in time.
    Each gives the expected growth with a ``1 - alpha`` prediction interval, and the
    shortfall (actual minus expected) with the same interval.

    >>> cf = counterfactual()
    >>> list(cf["method"])
    ['ARIMA(1, 0, 0)', 'mean', 'linear trend']
    >>> bool((cf["actual_pct"] == -4.5).all())
    True
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
    sample = growth.loc[start:end]
    if sample.isna().any():
        raise ParameterError(f"The baseline window {start}-{end} has years without a growth figure.")
    actual = float(growth.loc[focus])
    steps = focus - end
    n = len(sample)
    rows = []

    y = pd.Series(sample.to_numpy(), index=pd.period_range(str(start), str(end), freq="Y"))
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
    frame.attrs["arima_results"] = fit
    return _attrs(
        frame,
        sample=f"BOK real GDP growth {start}-{end} ({n} annual observations)",
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
) -> pd.DataFrame:
    """Each industry's contribution to GDP growth in ``year``, in percentage points.

    The contribution is the industry's share of nominal GDP in the previous year times its
    real growth in ``year``. A last row, ``residual``, is the headline growth minus the sum
    of the industries, so that the ``contribution_pp`` column adds up to the headline.

    >>> c = sector_contributions(year=2020)
    >>> round(float(c["contribution_pp"].sum()), 2)
    -4.5
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
    return _attrs(
        frame,
        headline_pct=float(headline),
        residual_pp=residual,
        sample=f"BOK industry growth {year} and nominal shares {year - 1}",
        method="contribution = previous-year nominal share x real growth / 100",
        uncertainty=("published figures are rounded to 0.1; the residual (nominal shares as "
                     "weights of real growth, rounding) is reported, not hidden"),
    )


# --------------------------------------------------------------------------- driver attribution
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
        if any(w < 0 for w in weights.values()) or not math.isclose(sum(weights.values()), 1.0, abs_tol=1e-6):
            raise ParameterError(
                f"The `mapping` weights for {ind!r} must be non-negative and sum to 1, but {dict(weights)!r} was passed."
            )


def attribute_drivers(
    contributions: pd.DataFrame | None = None,
    *,
    year: int = 2020,
    mapping: Mapping[str, Mapping[str, float]] | None = None,
    draws: int = 4000,
    concentration: float = 8.0,
    rounding: float = 0.05,
    seed: int = 2020,
    interval: float = 0.9,
) -> pd.DataFrame:
    """Split a year's growth between sanctions, border closure, weather and unexplained.

    Each industry's contribution (:func:`sector_contributions`) is divided between drivers
    by ``mapping`` (default :data:`DEFAULT_DRIVER_MAPPING`, reasons in
    :data:`DRIVER_MAPPING_REASONS`); the residual goes to ``unexplained``.

    The interval is a sensitivity interval, not a sampling one: ``draws`` times, each
    industry's weights are drawn from a Dirichlet distribution centred on the mapping
    (``concentration``: higher is more confident), and each published growth figure is
    jittered uniformly by its rounding (``rounding`` points); the table gives the central
    ``interval`` of the drivers' points.

    >>> table = attribute_drivers()
    >>> round(float(table["pp"].sum()), 2)
    -4.5
    """
    contributions = sector_contributions(year=year) if contributions is None else contributions
    mapping = DEFAULT_DRIVER_MAPPING if mapping is None else mapping
    parts = contributions[contributions["sector"] != "residual"]
    industries = [str(s) for s in parts["sector"]]
    _check_mapping(mapping, industries)
    if draws < 100:
        raise ParameterError(f"The value for `draws` must be at least 100, but {draws!r} was passed.")
    if concentration <= 0:
        raise ParameterError(f"The value for `concentration` must be positive, but {concentration!r} was passed.")
    if not 0 < interval < 1:
        raise ParameterError(f"The value for `interval` must be between 0 and 1, but {interval!r} was passed.")

    residual = float(contributions.loc[contributions["sector"] == "residual", "contribution_pp"].sum())
    headline = float(contributions["contribution_pp"].sum())
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

    frame = pd.DataFrame({
        "driver": pd.Categorical(DRIVERS, categories=DRIVERS),
        "pp": [point[d] for d in DRIVERS],
        "lower_pp": lower,
        "upper_pp": upper,
    })
    frame["share_of_change"] = frame["pp"] / headline if headline else np.nan
    frame.insert(0, "year", int(contributions["year"].iloc[0]))
    return _attrs(
        frame,
        headline_pct=headline,
        mapping={k: dict(v) for k, v in mapping.items()},
        sample=f"BOK industry contributions to {int(contributions['year'].iloc[0])} growth",
        method="industry contributions split between drivers by a stated mapping",
        uncertainty=(f"{interval:.0%} sensitivity interval over {draws} draws: mapping weights "
                     f"~ Dirichlet(concentration {concentration:g}), growth figures +/-{rounding:g} pp"),
        caveat=("the split rests on the mapping, a judgement stated with its reasons; the "
                "interval shows how much the answer moves when that judgement does"),
    )


# --------------------------------------------------------------------------- sanctions exposure
#: Which export-ban tags cover which product group of the export composition.
PRODUCT_TAGS: dict[str, tuple[str, ...]] = {
    "coal": ("export_ban:coal",),
    "iron_ore": ("export_ban:iron_ore",),
    "iron_steel": ("export_ban:iron",),
    "textiles": ("export_ban:textiles",),
    "seafood": ("export_ban:seafood",),
    "lead_zinc_ores": ("export_ban:lead_ore", "export_ban:zinc"),
    "zinc": ("export_ban:zinc",),
    "copper": ("export_ban:copper",),
    "other_ores_metals": ("export_ban:iron_ore",),
    "iron_ore_other_ores": ("export_ban:iron_ore",),
    "machinery": ("export_ban:machinery",),
    "electrical_equipment": ("export_ban:electrical_equipment",),
    "food_agricultural": ("export_ban:food_agricultural",),
    "wood": ("export_ban:wood",),
}
#: Partial restrictions: the share of the product's exports a cap is taken to cover.
CAP_TAGS: dict[str, tuple[str, float]] = {"export_cap:coal": ("coal", 0.5)}


def sanctions_exposure(
    sanctions: pd.DataFrame | None = None,
    composition: pd.DataFrame | None = None,
    *,
    base_year: int = 2016,
    partner: str = "world",
    authority: str = "UN",
    start: int = 2006,
    end: int | None = None,
    cap_coverage: float | None = None,
) -> pd.DataFrame:
    """Share of North Korea's base-year exports covered by export bans in force, by year.

    For each year from ``start`` to ``end`` the index is the share (percent) of the
    ``base_year`` export value whose product is under an ``authority`` export ban in force
    on 31 December of that year. A cap (``export_cap:coal``, resolution 2321) counts for
    ``cap_coverage`` of the product (default 0.5) until a full ban replaces it.

    >>> exp = sanctions_exposure().set_index("year")
    >>> float(exp.loc[2015, "exposure_pct"]) < float(exp.loc[2017, "exposure_pct"])
    True
    """
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    composition = datasets.load_export_composition() if composition is None else composition
    end = pd.Timestamp.today().year if end is None else end
    comp = composition[(composition["year"] == base_year) & (composition["partner"] == partner)]
    if comp.empty:
        raise ParameterError(
            f"No export composition for `base_year` {base_year} and `partner` {partner!r}; "
            f"available: {sorted(set(zip(composition['year'], composition['partner'].astype(str))))}."
        )
    total_rows = comp[comp["product"] == "total"]
    if total_rows.empty:
        raise ParameterError(f"The export composition for {base_year} has no `total` row.")
    total = float(total_rows["value_usd_mn"].iloc[0])
    values = {str(r.product): float(r.value_usd_mn) for r in comp.itertuples()
              if r.product != "total" and pd.notna(r.value_usd_mn) and str(r.product) in PRODUCT_TAGS}
    cap_share = CAP_TAGS["export_cap:coal"][1] if cap_coverage is None else float(cap_coverage)
    if not 0 <= cap_share <= 1:
        raise ParameterError(f"The value for `cap_coverage` must be between 0 and 1, but {cap_coverage!r} was passed.")
    measures = sanctions[sanctions["authority"] == authority].sort_values("date")
    if measures.empty:
        raise ParameterError(f"No sanctions measures with `authority` {authority!r}.")
    rows = []
    for year in range(start, end + 1):
        cutoff = pd.Timestamp(f"{year}-12-31")
        in_force = measures[measures["date"] <= cutoff]
        covered: dict[str, float] = {}
        for product in values:
            bans = in_force[in_force["categories"].map(lambda c: any(t in str(c).split(";") for t in PRODUCT_TAGS[product]))]
            caps = in_force[in_force["categories"].map(
                lambda c: any(t in str(c).split(";") for t, (p, _) in CAP_TAGS.items() if p == product))]
            if len(bans) and (caps.empty or bans["date"].max() >= caps["date"].max()):
                covered[product] = 1.0
            elif len(caps):
                covered[product] = cap_share
        share = sum(values[p] * w for p, w in covered.items()) / total * 100
        latest = in_force["measure_id"].iloc[-1] if len(in_force) else ""
        rows.append((year, share, ";".join(sorted(covered)), latest))
    frame = pd.DataFrame(rows, columns=["year", "exposure_pct", "products_covered", "latest_measure"])
    frame["products_covered"] = frame["products_covered"].astype("string")
    frame["latest_measure"] = frame["latest_measure"].astype("string")
    return _attrs(
        frame,
        base_year=base_year,
        base_total_usd_mn=total,
        sample=f"{authority} measures in force at each year end; {partner} export composition {base_year}",
        method="share of base-year export value in product groups under an export ban (caps count partly)",
        uncertainty=(f"product groups without a published value in {base_year} count as not covered, "
                     "so the index is a lower bound; caps count for "
                     f"{cap_share:.0%} of the product"),
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
) -> pd.DataFrame:
    """The level change in monthly China-North Korea trade at the border closure.

    An intervention model: the log of monthly trade (``flow``, from North Korea's side) is
    an AR(1) process around a constant plus a step that is 1 in every month beginning on or
    after ``closure``. Months without a published figure are missing, not zero (the Kalman
    filter skips them). The step's coefficient is the change in log level; the table gives
    it as a percentage change and in US$ million a month at the pre-closure mean level,
    with ``1 - alpha`` confidence intervals. ``frame.attrs["results"]`` holds the fit.

    >>> shock = trade_shock()
    >>> bool(shock["pct_change"].iloc[0] < -80)
    True
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    trade = datasets.load_trade() if trade is None else trade
    try:
        closure_ts = pd.Timestamp(closure)
        first, last = pd.Period(start, "M"), pd.Period(end, "M")
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"`closure`, `start` and `end` must be dates such as '2020-01-31' ({exc}).") from None
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
    frame.attrs["results"] = res
    frame.attrs["fitted"] = np.exp(res.fittedvalues)
    return _attrs(
        frame,
        sample=(f"{series} monthly {flow}, {start} to {end}: {len(before)} months with figures "
                f"before the closure, {len(after)} after ({int(y.isna().sum())} months unpublished, treated as missing)"),
        method="SARIMAX: log trade = constant + step at the closure + AR(1) error, maximum likelihood",
        uncertainty=f"{100 * (1 - alpha):.0f}% confidence interval of the step (observed-information standard error)",
        caveat="few monthly figures before the closure; the step absorbs everything that changed with it",
    )


def trade_yoy(trade: pd.DataFrame | None = None, *, series: str = "china_customs", partner: str = "china") -> pd.DataFrame:
    """Year-on-year change in annual trade (percent), by flow, for one series and partner.

    >>> yoy = trade_yoy().set_index(["flow", "year"])
    >>> bool(yoy.loc[("total", 2020), "yoy_pct"] < -75)
    True
    """
    trade = datasets.load_trade() if trade is None else trade
    annual = trade[(trade["series"] == series) & (trade["partner"] == partner) & trade["month"].isna()]
    if annual.empty:
        raise ParameterError(f"No annual figures for `series` {series!r} and `partner` {partner!r}.")
    wide = annual.pivot_table(index="year", columns="flow", values="value_usd_mn", observed=True)
    rows = []
    for flow in wide.columns:
        s = wide[flow]
        full = s.reindex(range(int(s.index.min()), int(s.index.max()) + 1))
        change = 100 * (full / full.shift(1) - 1)
        for year, value in full.items():
            if pd.notna(value):
                rows.append((str(flow), int(year), float(value), float(change.loc[year])))
    frame = pd.DataFrame(rows, columns=["flow", "year", "value_usd_mn", "yoy_pct"])
    return _attrs(frame, sample=f"{series} annual trade with {partner}", method="percent change on the previous year")


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


def weather_shock_years(events: pd.DataFrame | None = None, *, years: Sequence[int]) -> pd.Series:
    """1 for each year in which a weather shock of the events data began, else 0."""
    events = datasets.load_events() if events is None else events
    shock_years = set(events.loc[events["kind"] == "weather", "start_date"].dt.year)
    return pd.Series({y: float(y in shock_years) for y in years}, name="weather_shock")


def growth_regression(
    gdp: pd.DataFrame | None = None,
    *,
    sample: tuple[int, int] = (2000, 2024),
    hac_lags: int = 1,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Annual growth on sanctions exposure, a weather-shock year and the border closure.

    OLS of BOK real growth on: UN sanctions exposure (share of 2016 exports under bans,
    :func:`sanctions_exposure`, in percent), a weather-shock dummy (a flood, typhoon, drought
    or heatwave in the events data that year) and the share of the year the border was
    closed (COVID-19, from the events data), with HAC (Newey-West) standard errors. Each
    coefficient also gets its range when each year in turn is left out.

    Returns one row per term; ``attrs["results"]`` is the statsmodels fit and
    ``attrs["leave_one_out"]`` the coefficients without each year.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    start = _year_param("sample[0]", sample[0], 1990, 2030)
    end = _year_param("sample[1]", sample[1], start + 8, 2030)
    growth = _growth_series(gdp).loc[start:end].dropna()
    years = list(growth.index)
    exposure = sanctions_exposure(start=min(years), end=max(years)).set_index("year")["exposure_pct"]
    X = pd.DataFrame({
        "sanctions_exposure_pct": exposure.reindex(years),
        "weather_shock": weather_shock_years(years=years),
        "border_closed": border_closure_share(years=years),
    }, index=years)
    X = add_constant(X)
    res = OLS(growth, X).fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags})
    loo = pd.DataFrame(
        {year: OLS(growth.drop(year), X.drop(year)).fit().params for year in years}
    ).T.rename_axis("left_out")
    ci = res.conf_int(alpha=alpha)
    frame = pd.DataFrame({
        "term": list(res.params.index),
        "coef": res.params.to_numpy(),
        "se_hac": res.bse.to_numpy(),
        "ci_lower": ci[0].to_numpy(),
        "ci_upper": ci[1].to_numpy(),
        "p_value": res.pvalues.to_numpy(),
        "loo_min": loo.min().reindex(res.params.index).to_numpy(),
        "loo_max": loo.max().reindex(res.params.index).to_numpy(),
    })
    n, k = int(res.nobs), len(res.params)
    frame.attrs.update(results=res, leave_one_out=loo, design=X)
    return _attrs(
        frame,
        n_obs=n,
        sample=f"BOK real GDP growth {min(years)}-{max(years)} ({n} annual observations, {n - k} residual degrees of freedom)",
        method=f"OLS with HAC (Newey-West, {hac_lags} lag) standard errors; leave-one-year-out refits",
        uncertainty=f"{100 * (1 - alpha):.0f}% confidence intervals from HAC standard errors; leave-one-out ranges",
        caveat=(f"only {n} annual observations of an estimated series, a weather dummy limited to "
                "the shocks recorded in the events data and a border indicator that is non-zero in "
                "four years: coefficients are descriptive, not causal, and the leave-one-out range "
                "shows how much one year moves them"),
    )


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


def food_balance(food: pd.DataFrame | None = None, *, year: int = 2020) -> pd.DataFrame:
    """Production against need and every published gap estimate around ``year``.

    One row per published gap (measure ``gap``) for the marketing year starting in ``year``
    and the next, with the gap in thousand tonnes and in months of consumption (the gap
    divided by a twelfth of the need: the same estimate's need where it gives one, else the
    nearest need published for that year). ``attrs`` adds the RDA harvest change from the
    previous year and the published 2020 harvest loss to floods and typhoons.

    >>> fb = food_balance(year=2020)
    >>> bool((fb["gap_kt"] > 0).all())
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
        rows.append({
            "year": int(g.year), "publisher": g.publisher, "commodity": str(g.commodity),
            "basis": g.basis, "period": g.period, "gap_kt": float(g.value_kt),
            "need_kt": float(need["value_kt"]), "need_publisher": need["publisher"],
            "need_year": int(need["year"]),
            "months_of_consumption": float(g.value_kt) / (float(need["value_kt"]) / 12),
            "source_id": g.source_id,
        })
    frame = pd.DataFrame(rows).sort_values(["year", "publisher"]).reset_index(drop=True)
    rda = food[(food["measure"] == "production") & (food["commodity"] == "grain_total") & (food["publisher"] == "RDA")]
    rda = rda.set_index("year")["value_kt"]
    loss = food[(food["measure"] == "harvest_loss") & (food["year"] == year)]
    drop = float(rda.get(year - 1, np.nan) - rda.get(year, np.nan))
    return _attrs(
        frame,
        production_kt=float(rda.get(year, np.nan)),
        production_prev_kt=float(rda.get(year - 1, np.nan)),
        harvest_drop_kt=drop,
        harvest_loss_kt=float(loss["value_kt"].iloc[0]) if len(loss) else np.nan,
        harvest_loss_publisher=str(loss["publisher"].iloc[0]) if len(loss) else "",
        sample=f"published gap estimates for the marketing years starting {year} and {year + 1}",
        method="gap / (need / 12) = months of consumption the gap represents",
        uncertainty=("estimates differ in what they count (food or grain, milled or not, cereal "
                     "equivalent); compare within a row, not across rows"),
    )
