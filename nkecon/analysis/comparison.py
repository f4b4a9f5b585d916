"""Comparison: nkecon's split beside the published estimates and the causes the BOK named."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result
from .attribution import CHANNELS, attribute_drivers, channel_fits, driver_shocks
from .growth import sector_contributions

__all__ = ["BOK_DRIVER", "BOK_INDUSTRY", "compare_estimates", "bok_comparison"]


def _overlap(lo: float, hi: float, a: float, b: float) -> bool:
    return not (max(a, b) < lo or min(a, b) > hi)


def compare_estimates(
    attribution: Result,
    estimates: pd.DataFrame | None = None,
    *,
    alternatives: Result | None = None,
) -> Result:
    """nkecon's split of a year beside the published estimates for the same year and driver.

    Keeps the published estimates whose period covers the attribution's year and whose
    outcome is comparable: growth in percentage points, or the GDP level in percent (a
    fall in the level of GDP in the year is a fall in that year's growth of about the same
    size). Forecasts and forecast revisions are not estimates of an effect and are left out.
    The verdict is ``agrees`` only when the published figure (or range) overlaps nkecon's
    interval under the headline *and* every structural alternative; ``disagrees`` when it
    overlaps none; otherwise ``depends on the specification``.

    Parameters
    ----------
    attribution : Result
        From :func:`attribute_drivers`.
    estimates : DataFrame, optional
        The ``published_estimates`` data.
    alternatives : Result, optional
        From :func:`structural_alternatives`.

    Returns
    -------
    Result
        One row per comparable published estimate, with nkecon's figure and interval and
        ``verdict``.

    Examples
    --------
    >>> r = compare_estimates(attribute_drivers(year=2020, draws=200))
    >>> set(r.table["driver"]) <= {"sanctions", "border_closure", "weather", "covid_total"}
    True
    """
    estimates = datasets.load_published_estimates() if estimates is None else estimates
    year = int(attribution.info["year"])
    ours = attribution.table.set_index("driver")
    alts = alternatives.table if alternatives is not None else None
    rows = []
    for e in estimates.itertuples():
        period = "" if pd.isna(e.period) else str(e.period)
        if not period or "forecast" in f"{e.study} {e.estimate_id}".lower():
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
        if pd.isna(pub_lo) or pd.isna(pub_hi):
            continue
        lo, hi = float(ours.loc[drv, "lower_pp"]), float(ours.loc[drv, "upper_pp"])
        checks = [_overlap(lo, hi, pub_lo, pub_hi)]
        if alts is not None:
            sub = alts[alts["driver"] == drv]
            checks += [_overlap(r.lower_pp, r.upper_pp, pub_lo, pub_hi) for r in sub.itertuples() if r.spec != "headline"]
        verdict = "agrees" if all(checks) else ("disagrees" if not any(checks) else "depends on the specification")
        rows.append({"estimate_id": e.estimate_id, "study": e.study,
                     "publisher": e.publisher if isinstance(e.publisher, str) else "", "driver": str(e.driver),
                     "outcome": e.outcome, "published": e.effect, "published_low": pub_lo, "published_high": pub_hi,
                     "unit": e.unit, "method": e.method, "nkecon_pp": float(ours.loc[drv, "pp"]), "nkecon_lower": lo,
                     "nkecon_upper": hi, "agrees": verdict == "agrees", "verdict": verdict,
                     "specs_agreeing": f"{sum(checks)} of {len(checks)}", "source_id": e.source_id})
    frame = pd.DataFrame(rows, columns=["estimate_id", "study", "publisher", "driver", "outcome", "published",
                                        "published_low", "published_high", "unit", "method", "nkecon_pp",
                                        "nkecon_lower", "nkecon_upper", "agrees", "verdict", "specs_agreeing",
                                        "source_id"])
    return Result("compare_estimates", frame, sample=f"published estimates covering {year} (growth or GDP level; forecasts left out)",
                  method="overlap of the published figure or range with nkecon's interval, headline and every structural alternative",
                  uncertainty="published figures carry their own methods and scopes (see each row)",
                  caveat="a GDP-level effect is read as that year's growth effect; 'covid_total' is set against the border closure",
                  info={"year": year, "interval": attribution.info.get("interval")})


#: The BOK's named causes that are one of nkecon's drivers (hydro is weather through electricity).
BOK_DRIVER = {"weather": "weather", "hydro": "weather", "sanctions": "sanctions", "border_closure": "border_closure"}
#: BOK sub-industries, read as the top-level industry nkecon splits.
BOK_INDUSTRY = {"mining": "mining_manufacturing", "manufacturing": "mining_manufacturing",
                "light_industry": "mining_manufacturing", "heavy_industry": "mining_manufacturing"}


def bok_comparison(
    causes: pd.DataFrame | None = None,
    *,
    years: Sequence[int] | None = None,
    gdp: pd.DataFrame | None = None,
    data_dir: Any = None,
) -> Result:
    """For each cause the BOK named, nkecon's sign for the same driver and industry, and
    whether they agree; where they do not, why.

    A cause that is one of nkecon's drivers (weather and hydro, sanctions, the border
    closure; foreign trade in a year of the closure or its reopening, which is the
    closure's channel) is compared with that driver's contribution to the industry the
    BOK named (its sub-industries read as mining and manufacturing; ``economy`` as the
    total). Any other cause (aid, fertiliser, energy shortages, state projects, Russia)
    is not one of the three drivers: it is compared with the signed ``unexplained``.

    Parameters
    ----------
    causes : DataFrame, optional
        The ``bok_causes`` data.
    years : sequence of int, optional
        The years (default: every year with industry data and a stated cause).
    gdp : DataFrame, optional
        The GDP series (e.g. as of a date).
    data_dir : path, optional
        A data folder, handed on.

    Returns
    -------
    Result
        One row per stated cause: ``year``, ``cause``, ``industry``, ``bok_sign``,
        ``words_en``, ``driver``, ``nkecon_pp``, ``agrees``, ``why``.

    Examples
    --------
    >>> causes = pd.DataFrame({"year": [2019], "cause": ["sanctions"], "industry": ["economy"],
    ...                        "direction": ["raised"], "words_en": ["not tightened further"]})
    >>> bool(bok_comparison(causes).table["agrees"].iloc[0])
    True
    """
    causes = datasets.load("bok_causes", data_dir=data_dir) if causes is None else causes
    sectors = datasets.load_sectors(data_dir=data_dir)
    gdp = datasets.load_gdp(data_dir=data_dir) if gdp is None else gdp
    shocks = driver_shocks(data_dir=data_dir)
    fits = channel_fits(sectors, shocks)
    s = shocks.table.set_index("year")
    wanted = sorted(set(int(y) for y in causes["year"]) if years is None else set(int(y) for y in years))
    results = {}
    for y in wanted:
        try:
            contrib = sector_contributions(sectors, year=y, gdp=gdp)
            results[y] = attribute_drivers(contrib, draws=100, shocks=shocks, fits=fits, data_dir=data_dir)
        except ParameterError:
            continue
    rows = []
    for c in causes[causes["year"].isin(list(results))].sort_values(["year", "cause"]).itertuples():
        y = int(c.year)
        r = results[y]
        by = r.info["by_industry"].set_index("sector")
        total = r.table.set_index("driver")["pp"]
        cause, industry = str(c.cause), BOK_INDUSTRY.get(str(c.industry), str(c.industry))
        sign = 1 if c.direction == "raised" else -1
        driver = BOK_DRIVER.get(cause)
        if cause == "trade" and s.loc[y, "closure_bn"] != 0:
            driver = "border_closure"
        column = driver or "unexplained"
        if industry == "economy":
            value = float(total[column])
        elif industry in by.index:
            value = float(by.loc[industry, column])
        else:
            value = float("nan")
        agrees = bool(np.sign(value) == sign) if abs(value) >= 0.005 else False
        why = ""
        if driver == "sanctions" and value == 0:
            measures = str(s.loc[y, "sanctions_measures"]) or "none"
            agrees = sign > 0  # 'not tightened' agrees with nothing newly cut
            why = ("" if agrees else
                   f"nkecon charges the bans only for the trade they newly cut off, and no new UN measure took effect in "
                   f"{y} (new measures: {measures}); the BOK's 'continuing sanctions' are a level, counted by nkecon in "
                   "2016-2018 when the bans took effect")
        elif driver == "weather" and pd.isna(s.loc[y, "weather"]):
            why = f"nkecon has no harvest measure for {y} (no RDA harvest for {y - 1} or {y}), so weather is not measured"
        elif driver == "weather" and industry not in ("economy", *[k for k, v in CHANNELS.items() if "weather" in v]):
            why = (f"nkecon has no weather channel for {industry.replace('_', ' ')}: weather enters through the harvest "
                   "(farming) and electricity only; the BOK's words are in that industry's unexplained part")
        elif driver == "weather" and industry == "electricity_gas_water" and not agrees:
            why = ("nkecon measures weather by the harvest; the BOK says the same rains raised hydro output while they hurt "
                   "the harvest, which one measure cannot carry (the rainfall alternative would, once a rainfall series "
                   "covers enough years)")
        elif cause == "trade" and not agrees:
            why = (f"nkecon measures trade with China only (China customs); the trade the BOK named here is not in it, "
                   f"so it sits in the unexplained part of {industry.replace('_', ' ')} "
                   f"({float(by.loc[industry, 'unexplained']) if industry in by.index else float(total['unexplained']):+.2f} pp)")
        elif driver == "border_closure" and not agrees:
            why = (f"trade with China {'rose' if s.loc[y, 'closure_bn'] > 0 else 'fell'} by US$ "
                   f"{abs(1000 * s.loc[y, 'closure_bn']):,.0f} million in {y}; nkecon nets the controls' easing and "
                   "their continuation into that one measured change")
        elif not agrees and driver is None:
            why = (f"'{cause.replace('_', ' ')}' is not one of nkecon's three drivers; the unexplained part of "
                   f"{industry.replace('_', ' ')} is {value:+.2f} pp")
        elif not agrees:
            why = f"nkecon's measured {column.replace('_', ' ')} effect on {industry.replace('_', ' ')} is {value:+.2f} pp"
        rows.append({"year": y, "cause": cause, "industry": str(c.industry), "bok_sign": "+" if sign > 0 else "-",
                     "words_en": str(c.words_en), "driver": column, "nkecon_pp": value, "agrees": agrees, "why": why})
    frame = pd.DataFrame(rows, columns=["year", "cause", "industry", "bok_sign", "words_en", "driver", "nkecon_pp",
                                        "agrees", "why"])
    return Result(
        "bok_comparison", frame,
        sample=f"the BOK's stated causes for {len(results)} years with industry data",
        method="sign of nkecon's contribution of the same driver (or the unexplained) to the industry the BOK named",
        uncertainty="signs of point estimates; a contribution under 0.005 pp counts as none",
        caveat="the BOK names causes in words, not sizes: agreement is of direction only",
        info={"years": sorted(results)},
    )
