"""Attribution: a year's growth split between sanctions, the border closure, weather and
the unexplained, and set beside published estimates."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

from .common import DRIVERS, TOP_SECTORS
from .exposure import sanctions_exposure
from .growth import sector_contributions
from .trade import border_closure_share

__all__ = ["RELEVANCE", "RELEVANCE_REASONS", "driver_evidence", "default_mapping", "check_mapping",
           "attribute_drivers", "compare_estimates"]


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
    check_mapping(mapping, industries)
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
