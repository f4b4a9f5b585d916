"""Attribution: a year's growth split between sanctions, the border closure, weather and
the unexplained, from the measured size of each shock.

The chain, written down once (:data:`CHANNELS`):

1. **Shocks**, measured each year in natural units (:func:`driver_shocks`): the trade the
   UN bans newly cut off (US$ million, :func:`~nkecon.analysis.exposure.sanctions_shock`),
   the change of trade in the years of the border closure and its reopening (US$ million,
   :func:`~nkecon.analysis.trade.closure_shock`), and the harvest against trend (percent,
   :func:`~nkecon.analysis.weather.harvest_shock`). A year without a new measure has a
   sanctions shock of 0; the closure is measured net of what the bans had already stopped,
   so no flow is charged twice; a reopening and a good harvest are positive shocks.
2. **Pass-through** from shock to industry (:func:`channel_fits`): each industry's real
   growth is regressed, over every year the data cover, on the shocks of its channels
   (OLS, t inference). A US$ of trade lost has one pass-through per industry whichever
   driver cut it; the harvest moves farming and (through rainfall and hydro power)
   electricity. The fitted coefficients and their intervals are the data's own estimate
   of the pass-through: nothing is set by judgement.
3. **Contribution** of a driver to an industry in a year: the industry's share of GDP the
   year before x pass-through x that year's shock. Drivers can add growth. What the
   channels do not explain is ``unexplained``, signed (it holds the industries' trend
   growth, and everything the three drivers do not measure).

Intervals cover the pass-through's estimation error, the sanctions shock's bounds, the
BOK's own revisions and the rounding of published figures; :func:`structural_alternatives`
gives the split under the other choices a referee would ask about, beside the headline;
:mod:`~nkecon.analysis.comparison` sets the split beside published estimates and the BOK's
own account.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result
from .common import DRIVERS, TOP_SECTORS, year_param
from .exposure import sanctions_exposure, sanctions_shock
from .growth import gdp_revisions, sector_contributions
from .trade import closure_shock
from .weather import harvest_shock, weather_anomaly

__all__ = ["CHANNELS", "CHANNEL_REASONS", "SPECIFICATIONS", "driver_shocks", "channel_fits", "check_mapping",
           "attribute_drivers", "structural_alternatives", "absent_drivers"]

#: Which measured shocks can move which industry (the regressors of its pass-through fit).
#: ``trade`` is the trade shock of sanctions and the closure together (US$ bn): a dollar of
#: trade lost has one pass-through whichever driver cut it; ``weather`` is the harvest shock.
CHANNELS: dict[str, tuple[str, ...]] = {
    "agriculture_forestry_fishing": ("weather", "trade"),
    "mining_manufacturing": ("trade",),
    "electricity_gas_water": ("weather", "trade"),
    "construction": ("trade",),
    "services": ("trade",),
}

CHANNEL_REASONS: dict[str, str] = {
    "agriculture_forestry_fishing": ("the harvest (weather above all, in RDA's and the BOK's accounts); imported "
                                     "fertiliser, fuel and farm inputs through trade"),
    "mining_manufacturing": ("coal, ores and textiles lost their export market to the bans; factories lost "
                             "imported inputs and machinery to the 2397 import bans and the closure"),
    "electricity_gas_water": ("hydro power moves with rainfall (the BOK blamed drought for 2015's -12.7%), "
                              "measured here through the harvest; coal that could not be exported fed thermal plants"),
    "construction": "imported steel, machinery and vehicles (2397 import bans, closure)",
    "services": "trade, transport and markets move with the border's trade",
}

#: The structural alternatives :func:`structural_alternatives` sets beside the headline.
SPECIFICATIONS: dict[str, str] = {
    "headline": "changes; one pass-through per US$ of trade; weather via the harvest; closure net of the bans",
    "separate_pass_through": "bans and closure each with their own pass-through",
    "levels": "levels (cumulative shocks) instead of changes",
    "sanctions_lag_1": "the bans' cut taking effect one year later",
    "closure_lag_1": "the closure's trade change taking effect one year later (stocks of inputs run down first)",
    "no_interaction": "closure measured from pre-ban (2016) trade: bans and closure both charged",
    "weather_rainfall": "weather via the June-August rainfall anomaly instead of the harvest",
}


# ------------------------------------------------------------------------------------ shocks
def driver_shocks(
    *,
    lag: int = 0,
    closure_lag: int = 0,
    interaction: bool = True,
    weather_measure: str = "harvest",
    data_dir: Any = None,
) -> Result:
    """Each driver's measured shock, each year: the regressors of the attribution.

    * ``sanctions_bn``: trade newly cut off by the bans, US$ bn (negative), with its
      bounds ``sanctions_lower_bn`` / ``sanctions_upper_bn`` (:func:`sanctions_shock`);
      0 in a year without a new measure;
    * ``closure_bn``: the change of trade in the closure's years, US$ bn
      (:func:`closure_shock`), net of what the bans had stopped unless ``interaction`` is
      False;
    * ``trade_bn``: the two together;
    * ``weather``: the harvest against trend, percent (:func:`harvest_shock`), or with
      ``weather_measure="rainfall"`` the June-August precipitation anomaly, percent of normal
      (:func:`weather_anomaly`); missing where not measured.

    Parameters
    ----------
    lag : int
        Years before the bans' cut takes effect (0; 1 is a structural alternative).
    closure_lag : int
        Years before the closure's trade change takes effect (0; 1 is a structural
        alternative).
    interaction : bool
        Measure the closure net of the bans (True) or from pre-ban trade (False).
    weather_measure : {"harvest", "rainfall"}
        The weather shock.
    data_dir : path, optional
        A data folder; every dataset is read from it, once.

    Returns
    -------
    Result
        One row per year; ``info`` holds the three component results.

    Examples
    --------
    >>> t = driver_shocks().table.set_index("year")
    >>> float(t.loc[2019, "sanctions_bn"]), bool(t.loc[2020, "closure_bn"] < -2)
    (0.0, True)
    """
    if weather_measure not in ("harvest", "rainfall"):
        raise ParameterError(f"The value for `weather_measure` must be 'harvest' or 'rainfall', but {weather_measure!r} was passed.")
    trade = datasets.load_trade(data_dir=data_dir)
    sanctions = datasets.load_sanctions(data_dir=data_dir)
    exposure = sanctions_exposure(datasets.load_export_composition(data_dir=data_dir),
                                  datasets.load_product_bans(data_dir=data_dir), sanctions=sanctions, trade=trade)
    sanc = sanctions_shock(exposure, trade=trade, sanctions=sanctions, lag=lag)
    clos = closure_shock(trade, datasets.load_events(data_dir=data_dir), interaction=interaction)
    if weather_measure == "harvest":
        weather = harvest_shock(datasets.load_food(data_dir=data_dir))
        wx = weather.table.set_index("year")["shock_pct"]
    else:
        weather = weather_anomaly(datasets.load_weather(data_dir=data_dir))
        wx = weather.table.set_index("year")["anomaly"]
    s = sanc.table.set_index("year")
    c = clos.table.set_index("year")
    years = range(1990, max(int(c.index.max()), int(s.index.max()), int(wx.index.max()) if len(wx) else 0) + 1)
    frame = pd.DataFrame(index=pd.Index(list(years), name="year"))
    # years outside the exposure index have no measure in force or newly adopted: 0
    frame["sanctions_bn"] = s["shock_usd_mn"].reindex(frame.index).fillna(0.0) / 1000
    frame["sanctions_lower_bn"] = s["shock_lower_usd_mn"].reindex(frame.index).fillna(0.0) / 1000
    frame["sanctions_upper_bn"] = s["shock_upper_usd_mn"].reindex(frame.index).fillna(0.0) / 1000
    if isinstance(closure_lag, bool) or not isinstance(closure_lag, (int, np.integer)) or not 0 <= closure_lag <= 3:
        raise ParameterError(f"The value for `closure_lag` must be an integer from 0 to 3, but {closure_lag!r} was passed.")
    frame["closure_bn"] = c["shock_usd_mn"].reindex(frame.index).fillna(0.0).shift(closure_lag, fill_value=0.0) / 1000
    frame["trade_bn"] = frame["sanctions_bn"] + frame["closure_bn"]
    frame["weather"] = wx.reindex(frame.index)
    frame["phase"] = c["phase"].reindex(frame.index).fillna("").astype("string")
    frame["sanctions_measures"] = s["measures"].reindex(frame.index).fillna("").astype("string")
    return Result(
        "driver_shocks", frame.reset_index(),
        sample=f"{sanc.sample}; {clos.sample}; {weather.sample}",
        method=f"sanctions: {sanc.method}; closure: {clos.method}; weather: {weather.method}",
        uncertainty=f"sanctions: {sanc.uncertainty}; closure: {clos.uncertainty}",
        caveat=f"{sanc.caveat}; {weather.caveat}",
        info={"sanctions": sanc, "closure": clos, "weather": weather, "lag": lag, "closure_lag": closure_lag,
              "interaction": interaction,
              "weather_measure": weather_measure,
              "weather_unit": "% against trend (harvest)" if weather_measure == "harvest" else "% of normal (rainfall)"},
    )


def absent_drivers(year: int, shocks: Result | None = None) -> dict[str, str]:
    """The drivers with no measured shock in ``year``, and why.

    Parameters
    ----------
    year : int
        The year.
    shocks : Result, optional
        From :func:`driver_shocks`.

    Returns
    -------
    dict
        ``driver -> reason`` for each absent driver.

    Examples
    --------
    >>> absent_drivers(2019)["sanctions"]
    'no new UN measure took effect in 2019'
    """
    shocks = driver_shocks() if shocks is None else shocks
    t = shocks.table.set_index("year")
    if year not in t.index:
        return {"sanctions": f"no data for {year}", "border_closure": f"no data for {year}",
                "weather": f"no data for {year}"}
    row = t.loc[year]
    out = {}
    if row["sanctions_bn"] == 0 and row["sanctions_lower_bn"] == 0:
        out["sanctions"] = f"no new UN measure took effect in {year}"
    if row["closure_bn"] == 0:
        out["border_closure"] = f"the border was open in {year} and the year before"
    if pd.isna(row["weather"]):
        out["weather"] = f"no {shocks.info['weather_measure']} measure for {year}"
    return out


# -------------------------------------------------------------------------------- pass-through
def _regressors(shocks: pd.DataFrame, channels: Sequence[str], *, separate: bool, levels: bool) -> pd.DataFrame:
    cols = {}
    for ch in channels:
        if ch == "trade":
            if separate:
                cols["sanctions_bn"], cols["closure_bn"] = shocks["sanctions_bn"], shocks["closure_bn"]
            else:
                cols["trade_bn"] = shocks["trade_bn"]
        else:
            cols["weather"] = shocks["weather"]
    X = pd.DataFrame(cols)
    if levels:  # a level is the sum of the changes so far; weather's level is this year's deviation
        for c in X.columns:
            if c != "weather":
                X[c] = X[c].cumsum()
    return X


def channel_fits(
    sectors: pd.DataFrame | None = None,
    shocks: Result | None = None,
    *,
    separate: bool = False,
    levels: bool = False,
    sample: tuple[int, int] = (2000, 2024),
    data_dir: Any = None,
) -> Result:
    """The pass-through of each measured shock to each industry's growth, fitted on the data.

    For each industry of :data:`CHANNELS`, OLS of its real growth (percent) on a constant
    and the shocks of its channels, over every year in ``sample`` with the industry's growth
    and all its shocks; t inference (small sample).

    Parameters
    ----------
    sectors : DataFrame, optional
        The ``sectors`` data.
    shocks : Result, optional
        From :func:`driver_shocks`.
    separate : bool
        Give the bans and the closure separate pass-throughs.
    levels : bool
        Regress growth on the shocks' levels (cumulative) instead of their changes.
    sample : (int, int)
        First and last year.
    data_dir : path, optional
        A data folder, handed on.

    Returns
    -------
    Result
        One row per industry and term: ``coef``, ``se``, ``ci_lower``, ``ci_upper`` (95%),
        ``n_obs``, ``df_resid``; ``fit`` maps industry to the statsmodels results.

    Examples
    --------
    >>> t = channel_fits().table.set_index(["sector", "term"])
    >>> bool(t.loc[("agriculture_forestry_fishing", "weather"), "coef"] > 0)
    True
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    sectors = datasets.load_sectors(data_dir=data_dir) if sectors is None else sectors
    shocks = driver_shocks(data_dir=data_dir) if shocks is None else shocks
    s = shocks.table.set_index("year")
    growth = sectors.pivot_table(index="year", columns="sector", values="growth_pct", observed=True)
    rows, fits = [], {}
    for ind, channels in CHANNELS.items():
        X = _regressors(s, channels, separate=separate, levels=levels)
        y = growth[ind] if ind in growth.columns else pd.Series(dtype=float)
        data = pd.concat([y.rename("y"), X], axis=1).sort_index().loc[sample[0]:sample[1]].dropna()
        if len(data) < X.shape[1] + 4:
            raise ParameterError(f"Too few years ({len(data)}) with {ind} growth and its shocks in {sample[0]}-{sample[1]} "
                                 "to fit its pass-through.")
        res = OLS(data["y"], add_constant(data[list(X.columns)], has_constant="add")).fit(use_t=True)
        fits[ind] = res
        ci = res.conf_int(alpha=0.05)
        for term in res.params.index:
            rows.append({"sector": ind, "term": term, "coef": float(res.params[term]), "se": float(res.bse[term]),
                         "ci_lower": float(ci.loc[term, 0]), "ci_upper": float(ci.loc[term, 1]),
                         "p_value": float(res.pvalues[term]), "n_obs": int(res.nobs), "df_resid": int(res.df_resid),
                         "years": f"{int(data.index.min())}-{int(data.index.max())}"})
    frame = pd.DataFrame(rows)
    return Result(
        "channel_fits", frame, fit=fits,
        sample=f"BOK industry growth and measured shocks, {sample[0]}-{sample[1]} (years with every figure)",
        method=("per industry, OLS of real growth on a constant and its channels' shocks"
                + (" (levels)" if levels else " (changes)") + ("; bans and closure apart" if separate else "")),
        uncertainty="95% confidence intervals, t inference",
        caveat="few annual observations: the pass-through is an order of magnitude with a wide interval",
        info={"separate": separate, "levels": levels, "shocks": shocks},
    )


# ------------------------------------------------------------------------------ the attribution
def check_mapping(mapping: Mapping[str, Mapping[str, float]], industries: Sequence[str]) -> None:
    """Raise :class:`~nkecon.errors.ParameterError` unless ``mapping`` maps every one of
    ``industries`` to known drivers with non-negative weights summing to 1.

    Parameters
    ----------
    mapping : mapping
        ``{industry: {driver: weight}}``.
    industries : sequence of str
        The industries it must cover.

    Returns
    -------
    None

    Examples
    --------
    >>> check_mapping({"services": {"border_closure": 1.0}}, ["services"])
    """
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


def _split(parts: pd.DataFrame, row: pd.Series, coefs: Mapping[str, Mapping[str, float]], *, separate: bool,
           levels_row: pd.Series | None = None) -> dict[str, dict[str, float]]:
    """Driver contributions (pp) per industry for one year's shocks and one set of coefficients."""
    x = row if levels_row is None else levels_row
    out = {}
    for p in parts.itertuples():
        ind, share = str(p.sector), float(p.share_prev_pct) / 100
        c = coefs[ind]
        d = dict.fromkeys(("sanctions", "border_closure", "weather"), 0.0)
        if "trade" in CHANNELS[ind]:
            if separate:
                d["sanctions"] = share * c.get("sanctions_bn", 0.0) * float(x["sanctions_bn"])
                d["border_closure"] = share * c.get("closure_bn", 0.0) * float(x["closure_bn"])
            else:
                d["sanctions"] = share * c.get("trade_bn", 0.0) * float(x["sanctions_bn"])
                d["border_closure"] = share * c.get("trade_bn", 0.0) * float(x["closure_bn"])
        if "weather" in CHANNELS[ind] and pd.notna(x["weather"]):
            d["weather"] = share * c.get("weather", 0.0) * float(x["weather"])
        d["unexplained"] = float(p.contribution_pp) - sum(d.values())
        out[ind] = d
    return out


def attribute_drivers(
    contributions: Result | None = None,
    *,
    year: int = 2020,
    mapping: Mapping[str, Mapping[str, float]] | None = None,
    spec: str = "headline",
    draws: int = 4000,
    rounding: float = 0.05,
    seed: int = 2020,
    interval: float = 0.9,
    shocks: Result | None = None,
    fits: Result | None = None,
    data_dir: Any = None,
) -> Result:
    """Split a year's growth between sanctions, border closure, weather and unexplained.

    Each industry's contribution (:func:`sector_contributions`) is split by the measured
    shocks of that year (:func:`driver_shocks`) times their fitted pass-through
    (:func:`channel_fits`) times the industry's share of GDP; the rest is ``unexplained``,
    signed. ``spec`` picks a structural alternative (:data:`SPECIFICATIONS`). A user's
    ``mapping`` (``{industry: {driver: weight}}``) replaces the measured split with a
    stated allocation, refused where it charges a driver absent that year.

    The interval (``interval``, central) is over ``draws`` draws of: the pass-through
    coefficients (multivariate t from each fit), the sanctions shock between its bounds,
    the BOK's revision error (normal, with the mean absolute revision of
    :func:`gdp_revisions` as its mean absolute deviation) and each industry's rounding
    (uniform, +/- ``rounding``).

    Parameters
    ----------
    contributions : Result, optional
        From :func:`sector_contributions`; computed for ``year`` when omitted.
    year : int
        The year to explain.
    mapping : mapping, optional
        A user's allocation, instead of the measured split.
    spec : str
        One of :data:`SPECIFICATIONS`.
    draws, rounding, seed, interval
        The simulation of the interval.
    shocks : Result, optional
        From :func:`driver_shocks` for ``spec`` (computed when omitted).
    fits : Result, optional
        From :func:`channel_fits` on those shocks for ``spec`` (computed when omitted).
    data_dir : path, optional
        A data folder; every dataset is read from it.

    Returns
    -------
    Result
        One row per driver: ``pp``, ``lower_pp``, ``upper_pp``, ``share_of_change`` (only
        where the headline is at least 1 pp from zero); ``info`` holds ``by_industry``,
        ``shocks`` (the year's), ``absent``, ``coefficients``, ``headline_pct``, ``year``.

    Examples
    --------
    >>> r = attribute_drivers(year=2019)
    >>> float(r.table.set_index("driver").loc["sanctions", "pp"])
    0.0
    >>> t = attribute_drivers(year=2021).table.set_index("driver")
    >>> bool(t.loc["weather", "pp"] > 0)
    True
    """
    if spec not in SPECIFICATIONS:
        raise ParameterError(f"The value for `spec` must be one of {', '.join(SPECIFICATIONS)}, but {spec!r} was passed.")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 100:
        raise ParameterError(f"The value for `draws` must be an integer of at least 100, but {draws!r} was passed.")
    if not 0 < interval < 1:
        raise ParameterError(f"The value for `interval` must be between 0 and 1, but {interval!r} was passed.")
    sectors = datasets.load_sectors(data_dir=data_dir)
    if contributions is None:
        contributions = sector_contributions(sectors, year=year, gdp=datasets.load_gdp(data_dir=data_dir))
    year = int(contributions.info["year"])
    parts = contributions.table[contributions.table["sector"] != "residual"]
    industries = [str(s) for s in parts["sector"]]
    if shocks is None:
        shocks = driver_shocks(lag=1 if spec == "sanctions_lag_1" else 0, closure_lag=1 if spec == "closure_lag_1" else 0,
                               interaction=spec != "no_interaction",
                               weather_measure="rainfall" if spec == "weather_rainfall" else "harvest", data_dir=data_dir)
    table = shocks.table.set_index("year")
    if year not in table.index:
        raise ParameterError(f"No measured shocks for {year}.")
    absent = absent_drivers(year, shocks)
    if spec == "levels":  # a level charges every year the shock's level is not zero
        cum = table.loc[:year, ["sanctions_bn", "closure_bn"]].sum()
        absent = {d: why for d, why in absent.items()
                  if not (d == "sanctions" and cum["sanctions_bn"] != 0) and not (d == "border_closure" and cum["closure_bn"] != 0)}
    residual = float(contributions.info["residual_pp"])
    headline = float(contributions.info["headline_pct"])
    separate, levels = spec == "separate_pass_through", spec == "levels"
    revisions = gdp_revisions(datasets.load_gdp_releases(data_dir=data_dir))
    rev_sd = float(revisions.info["mean_abs_revision_pp"]) * math.sqrt(math.pi / 2)
    rng = np.random.default_rng(seed)
    k = len(DRIVERS)

    if mapping is not None:
        check_mapping(mapping, industries)
        charged = sorted({d for w in mapping.values() for d, v in w.items() if v > 0 and d in absent})
        if charged:
            raise ParameterError(f"The `mapping` charges {charged[0].replace('_', ' ')} in {year}, when {absent[charged[0]]}.")
        by_industry = {str(p.sector): {d: mapping[str(p.sector)].get(d, 0.0) * float(p.contribution_pp) for d in DRIVERS}
                       for p in parts.itertuples()}
        sims = np.zeros((draws, k))
        for p in parts.itertuples():
            w = np.array([mapping[str(p.sector)].get(d, 0.0) for d in DRIVERS])
            growth = p.growth_pct + rng.uniform(-rounding, rounding, size=draws)
            sims += w * (p.share_prev_pct * growth / 100)[:, None]
        source, coefs, fits = "user", {}, None
    else:
        if fits is None:
            fits = channel_fits(sectors, shocks, separate=separate, levels=levels)
        coefs = {ind: dict(fits.fit[ind].params) for ind in CHANNELS}
        levels_table = _regressors(table, ("trade", "weather"), separate=True, levels=True) if levels else None
        lv = None
        if levels:
            lv = levels_table.loc[year].copy()
            lv["trade_bn"] = lv["sanctions_bn"] + lv["closure_bn"]
        row = table.loc[year]
        by_industry = _split(parts, row, coefs, separate=separate, levels_row=lv)
        sims = np.zeros((draws, k))
        # pass-through draws: multivariate t from each industry's fit
        draws_by_ind = {}
        for ind in industries:
            res = fits.fit[ind]
            cov = np.asarray(res.cov_params())
            z = rng.multivariate_normal(np.zeros(len(res.params)), cov, size=draws, method="eigh")
            scale = np.sqrt(res.df_resid / rng.chisquare(res.df_resid, size=draws))[:, None]
            draws_by_ind[ind] = pd.DataFrame(np.asarray(res.params)[None, :] + z * scale, columns=res.params.index)
        u = rng.uniform(size=draws)
        sanc_draw = float(row["sanctions_lower_bn"]) + u * (float(row["sanctions_upper_bn"]) - float(row["sanctions_lower_bn"]))
        for p in parts.itertuples():
            ind, share = str(p.sector), float(p.share_prev_pct) / 100
            cd = draws_by_ind[ind]
            growth = p.growth_pct + rng.uniform(-rounding, rounding, size=draws)
            total = share * growth
            x = lv if levels else row
            if "trade" in CHANNELS[ind]:
                s_x = sanc_draw if not levels else float(x["sanctions_bn"])
                if separate:
                    sims[:, 0] += share * cd["sanctions_bn"].to_numpy() * s_x
                    sims[:, 1] += share * cd["closure_bn"].to_numpy() * float(x["closure_bn"])
                else:
                    sims[:, 0] += share * cd["trade_bn"].to_numpy() * s_x
                    sims[:, 1] += share * cd["trade_bn"].to_numpy() * float(x["closure_bn"])
            if "weather" in CHANNELS[ind] and pd.notna(x["weather"]):
                sims[:, 2] += share * cd["weather"].to_numpy() * float(x["weather"])
            sims[:, 3] += total
        sims[:, 3] -= sims[:, :3].sum(axis=1)
        source = "measured"
    sims[:, 3] += residual + rng.normal(0.0, rev_sd, size=draws)
    point = dict.fromkeys(DRIVERS, 0.0)
    for d in by_industry.values():
        for driver, v in d.items():
            point[driver] += v
    point["unexplained"] += residual
    for d in absent:  # an absent driver is exactly 0, not a rounding of draws
        point[d] = 0.0
        sims[:, DRIVERS.index(d)] = 0.0
    tail = (1 - interval) / 2
    lower, upper = np.quantile(sims, tail, axis=0), np.quantile(sims, 1 - tail, axis=0)
    frame = pd.DataFrame({"driver": pd.Categorical(DRIVERS, categories=DRIVERS),
                          "pp": [point[d] for d in DRIVERS],
                          "lower_pp": np.minimum(lower, [point[d] for d in DRIVERS]),
                          "upper_pp": np.maximum(upper, [point[d] for d in DRIVERS])})
    frame["share_of_change"] = frame["pp"] / headline + 0.0 if abs(headline) >= 1 else np.nan
    frame.insert(0, "year", year)
    industry_frame = pd.DataFrame([{"sector": ind, **v} for ind, v in by_industry.items()])
    return Result(
        "attribute_drivers", frame,
        sample=(f"BOK industry contributions to {year} growth ({headline:+.1f}%); shocks measured for {year}; "
                + (fits.sample if fits is not None else "a user-supplied allocation")),
        method=("contribution = previous-year share x fitted pass-through x measured shock, per industry and channel "
                f"({SPECIFICATIONS[spec]}); the rest unexplained" if source == "measured"
                else "industry contributions split by a user-supplied allocation (a judgement, not a measurement)"),
        uncertainty=(f"{interval:.0%} interval over {draws} draws: pass-through (t, from each fit), sanctions shock "
                     f"between its bounds, BOK revision error (mean absolute {revisions.info['mean_abs_revision_pp']:.2f} pp), "
                     f"rounding +/-{rounding:g} pp" if source == "measured" else
                     f"{interval:.0%} interval over rounding +/-{rounding:g} pp and BOK revision error only"),
        caveat=("annual data, few years: the pass-through of each channel is fitted on the same record it explains; "
                "see structural_alternatives() for the choices that move the answer"),
        info={"year": year, "headline_pct": headline, "by_industry": industry_frame, "absent": tuple(absent),
              "why_zero": absent, "shocks": table.loc[year].to_dict(), "shock_result": shocks,
              "coefficients": fits, "interval": interval, "mapping_source": source, "spec": spec,
              "mapping": {k: dict(v) for k, v in mapping.items()} if mapping is not None else {},
              "reasons": CHANNEL_REASONS, "contributions": contributions},
    )


def structural_alternatives(year: int = 2020, *, contributions: Result | None = None, draws: int = 1000,
                            data_dir: Any = None) -> Result:
    """The split of ``year`` under each structural alternative of :data:`SPECIFICATIONS`.

    Parameters
    ----------
    year : int
        The year.
    contributions : Result, optional
        From :func:`sector_contributions` (e.g. on the GDP series as of a date).
    draws : int
        Draws of each alternative's interval.
    data_dir : path, optional
        A data folder, handed on.

    Returns
    -------
    Result
        One row per specification and driver: ``pp``, ``lower_pp``, ``upper_pp``; a
        specification that cannot be estimated (too few years of its measure) is listed in
        ``info["not_estimable"]`` with the reason.

    Examples
    --------
    >>> t = structural_alternatives(2020, draws=200).table
    >>> "headline" in set(t["spec"])
    True
    """
    rows, skipped, shocks = [], {}, {}
    for spec, text in SPECIFICATIONS.items():
        key = (spec == "sanctions_lag_1", spec == "closure_lag_1", spec == "no_interaction", spec == "weather_rainfall")
        try:
            if key not in shocks:  # the specifications that share their shocks compute them once
                shocks[key] = driver_shocks(lag=int(key[0]), closure_lag=int(key[1]), interaction=not key[2],
                                            weather_measure="rainfall" if key[3] else "harvest", data_dir=data_dir)
            r = attribute_drivers(contributions, year=year, spec=spec, draws=draws, shocks=shocks[key],
                                  data_dir=data_dir)
        except ParameterError as exc:
            skipped[spec] = str(exc)
            continue
        for t in r.table.itertuples():
            rows.append({"spec": spec, "description": text, "driver": str(t.driver), "pp": t.pp,
                         "lower_pp": t.lower_pp, "upper_pp": t.upper_pp})
    frame = pd.DataFrame(rows, columns=["spec", "description", "driver", "pp", "lower_pp", "upper_pp"])
    return Result("structural_alternatives", frame, sample=f"the split of {year} under {len(frame) // 4} specifications",
                  method="attribute_drivers() under each specification", uncertainty="each specification's 90% interval",
                  caveat="; ".join(f"{k}: {v}" for k, v in skipped.items()),
                  info={"year": year, "not_estimable": skipped})
