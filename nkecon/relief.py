"""What the requested sanctions relief is worth: metals, refined petroleum and luxury goods.

In August 2021 North Korea was reported to want three UN measures eased before it would
talk again: the bans on its **metal exports**, the cap on its **refined petroleum imports**
and the ban on **luxury goods**. :func:`relief_scenario` puts a sourced value, with a
low/high range, on each measure asked for; :func:`relief_sentences` says in words which
matters most; :func:`plot_relief_scenario` draws them side by side.

Every figure comes from the shipped data (``export_composition``, ``product_bans``,
``refined_petroleum``, ``sanctions``, ``luxury_imports``, ``trade``, ``gdp``); prices and
judgements (which products count as metals, which luxury groups other resolutions also
ban) are parameters, never constants.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import datasets
from .errors import ParameterError
from .results import Result

__all__ = ["MEASURES", "check_parameters", "relief_scenario", "relief_base_years", "relief_sentences", "plot_relief_scenario"]

log = logging.getLogger("nkecon")

#: The measures of the request, in the order the news report names them.
MEASURES: tuple[str, ...] = ("metals", "petroleum", "luxury")

#: Products of ``export_composition`` that the metal bans cover (a judgement: coal, seafood
#: and textiles are banned too, but they are not metals; ``ores_hs26`` is partly banned).
DEFAULT_METAL_PRODUCTS: tuple[str, ...] = ("copper", "zinc", "iron_ore", "ores_hs26")

#: Luxury product groups that other resolutions would still ban if the luxury ban were
#: eased, with the ``sanctions`` category tag that bans them (resolution 2397 bans imports
#: of industrial machinery, HS 84-85, and vehicles).
DEFAULT_LUXURY_OTHERWISE_BANNED: Mapping[str, str] = {"electronics": "import_ban:machinery",
                                                     "cars": "import_ban:vehicles"}


# --------------------------------------------------------------------------------------
# parameter checks
# --------------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _finite_number(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"The value for `{name}` must be a number, but {value!r} was passed.")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"The value for `{name}` must be a finite number, but {value!r} was passed.")
    if positive and value <= 0:
        raise ParameterError(f"The value for `{name}` must be positive, but {value!r} was passed.")
    return value


def _check_measures(measures: Any) -> tuple[str, ...]:
    if isinstance(measures, str):
        measures = (measures,)
    try:
        chosen = tuple(measures)
    except TypeError:
        raise ParameterError(f"The value for `measures` must be a list of {', '.join(map(repr, MEASURES))}, "
                             f"but {measures!r} was passed.") from None
    for m in chosen:
        if m not in MEASURES:
            raise ParameterError(f"The value for `measures` names unknown measure {m!r}; "
                                 f"expected some of {', '.join(map(repr, MEASURES))}.")
    if not chosen:
        raise ParameterError("The value for `measures` is empty: easing nothing is worth nothing; "
                             f"name at least one of {', '.join(map(repr, MEASURES))}.")
    if len(set(chosen)) != len(chosen):
        raise ParameterError(f"The value for `measures` repeats a measure: {list(chosen)!r}.")
    return tuple(m for m in MEASURES if m in chosen)


def _price_range(value: Any) -> tuple[float, float] | None:
    """``None``, one price, or a (low, high) pair, in US dollars a barrel."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ParameterError(f"The value for `price_usd_per_bbl` must be one price or a (low, high) pair, "
                                 f"but {value!r} was passed.")
        lo = _finite_number("price_usd_per_bbl", value[0], positive=True)
        hi = _finite_number("price_usd_per_bbl", value[1], positive=True)
        if lo > hi:
            raise ParameterError(f"The value for `price_usd_per_bbl` must be (low, high) with low <= high, "
                                 f"but {value!r} was passed.")
        return lo, hi
    p = _finite_number("price_usd_per_bbl", value, positive=True)
    return p, p


# --------------------------------------------------------------------------------------
# data helpers
# --------------------------------------------------------------------------------------

def _annual_trade(trade: pd.DataFrame, series: str) -> pd.DataFrame:
    """Annual world exports and imports of ``series``, the latest release for each year."""
    t = datasets.latest_annual(trade)
    t = t[(t["series"] == series) & (t["partner"] == "world") & t["flow"].isin(["exports", "imports"])]
    if t.empty:
        raise ParameterError(f"No annual world figures for `trade_series` {series!r}; "
                             "expected one of 'kotra', 'bok'.")
    wide = t.pivot(index="year", columns="flow", values="value_usd_mn")
    src = t.pivot(index="year", columns="flow", values="source_id")
    wide.columns = [str(c) for c in wide.columns]
    src.columns = [f"{c}_source" for c in src.columns]
    return wide.join(src)


def _metal_rows(comp: pd.DataFrame, bans: pd.DataFrame, products: Sequence[str], partner: str,
                year: int) -> pd.DataFrame:
    rows = comp[(comp["year"] == year) & (comp["partner"] == partner) & comp["product"].isin(products)
                & comp["value_usd_mn"].notna()].copy()
    kinds = bans[bans["product"].isin(products)].groupby("product", observed=True)["ban_kind"].agg(
        lambda s: "ban" if (s == "ban").any() else ("partial" if (s == "partial").any() else "cap"))
    rows["ban_kind"] = rows["product"].astype(str).map(kinds)
    return rows


def relief_base_years(*, measures: Iterable[str] = MEASURES, metal_products: Sequence[str] = DEFAULT_METAL_PRODUCTS,
                      metal_partner: str = "china", luxury_after_from: int = 2018,
                      data_dir: str | os.PathLike | None = None) -> list[int]:
    """The base years :func:`relief_scenario` accepts for the chosen measures.

    A base year needs a priced export of a metal product (``metals``) before the full bans
    (the year of the earliest full ban at the latest), the pre-cap import level
    (``petroleum``: any year with one) and the lawmakers' luxury total before
    ``luxury_after_from`` (``luxury``).

    Examples
    --------
    >>> relief_base_years()
    [2016]
    >>> relief_base_years(measures=["luxury"])[:3]
    [2008, 2009, 2010]
    """
    chosen = _check_measures(measures)
    years: set[int] | None = None

    def meet(ys: Iterable[int]) -> None:
        nonlocal years
        ys = {int(y) for y in ys}
        years = ys if years is None else years & ys

    if "metals" in chosen:
        comp = datasets.load("export_composition", data_dir=data_dir)
        bans = datasets.load("product_bans", data_dir=data_dir)
        sanc = datasets.load("sanctions", data_dir=data_dir)
        unknown = sorted(set(metal_products) - set(comp["product"].astype(str)))
        if isinstance(metal_products, str) or not len(metal_products) or unknown:
            raise ParameterError(f"The value for `metal_products` must name products of export_composition, "
                                 f"but {metal_products!r} was passed.")
        full = bans[bans["product"].isin(metal_products) & (bans["ban_kind"] == "ban")]
        dates = sanc.set_index("measure_id")["date"]
        first_ban = min((pd.Timestamp(r.effective_date) if pd.notna(r.effective_date) else dates[r.measure_id]).year
                        for r in full.itertuples()) if len(full) else 9999
        priced = comp[comp["product"].isin(metal_products) & (comp["partner"] == metal_partner)
                      & comp["value_usd_mn"].notna()]
        meet(y for y in priced["year"] if y <= first_ban)
    if "petroleum" in chosen:
        pet = datasets.full_years(datasets.load("refined_petroleum", data_dir=data_dir))
        meet(pet.loc[(pet["measure"] == "pre_cap_imports") & pet["value_bbl"].notna(), "year"])
    if "luxury" in chosen:
        lux = datasets.full_years(datasets.load("luxury_imports", data_dir=data_dir))
        meet(y for y in lux.loc[lux["product_group"] == "luxury_total", "year"] if y < luxury_after_from)
    return sorted(years or ())


# --------------------------------------------------------------------------------------
# the scenario
# --------------------------------------------------------------------------------------

def relief_scenario(
    measures: Iterable[str] = MEASURES,
    *,
    base_year: int = 2016,
    cap_raise_bbl: float | None = None,
    price_usd_per_bbl: float | tuple[float, float] | None = None,
    compare_year: int | None = None,
    trade_series: str = "kotra",
    metal_products: Sequence[str] = DEFAULT_METAL_PRODUCTS,
    metal_partner: str = "china",
    luxury_after_from: int = 2018,
    luxury_otherwise_banned: Mapping[str, str] = DEFAULT_LUXURY_OTHERWISE_BANNED,
    data_dir: str | os.PathLike | None = None,
) -> Result:
    """What easing each requested measure is worth, as a low/high range.

    Parameters
    ----------
    measures : iterable of {"metals", "petroleum", "luxury"}
        The measures eased. At least one: easing nothing is refused.
    base_year : int
        The pre-ban year whose metal exports, pre-cap petroleum imports and luxury imports
        stand for "before" (one of :func:`relief_base_years`).
    cap_raise_bbl : float, optional
        Barrels a year added to today's refined petroleum cap (resolution 2397's, the
        latest cap in ``sanctions``). ``None``: raise it back to the pre-cap import level of
        ``base_year``. Must be positive when ``"petroleum"`` is eased.
    price_usd_per_bbl : float or (float, float), optional
        Price of refined petroleum in US dollars a barrel (one price or a low/high pair).
        nkecon has no sourced price: without one the petroleum value stays in barrels.
    compare_year : int, optional
        Year of North Korea's trade the values are set against; default the latest year
        with both exports and imports.
    trade_series : {"kotra", "bok"}
        Which annual trade totals to compare with (latest release per year).
    metal_products : sequence of str
        Products of ``export_composition`` counted as metals.
    metal_partner : {"china", "world"}
        Destination of the metal exports counted (China's customs figures are the only
        ones by metal for 2016).
    luxury_after_from : int
        First year counted as "after" for luxury imports (China's enforcement tightened
        with the 2017 resolutions); only full years are used.
    luxury_otherwise_banned : mapping of str to str
        Luxury groups that another resolution would still ban, with the ``sanctions``
        category tag that bans them; they count in the high end only.
    data_dir : path, optional
        Data folder to read instead of the shipped data.

    Returns
    -------
    Result
        One row per measure eased: ``measure``, ``quantity``, ``unit``, ``low``, ``high``
        (in ``unit``), ``usd_mn_low``/``usd_mn_high`` (NA for petroleum without a price),
        ``flow`` (exports or imports), ``pct_trade_low``/``pct_trade_high`` (percent of
        that flow in ``compare_year``), ``basis`` and ``source_ids``. ``info`` holds the
        pre-cap level, caps, illicit-import estimate, base-year shares and the 2020
        growth rate the narrative compares with.

    Raises
    ------
    ParameterError
        For an unknown or empty set of measures, a base year without the data it needs,
        a non-positive cap raise or price, or a compare year without trade figures.

    Examples
    --------
    >>> r = relief_scenario(["metals"])
    >>> row = r.table.iloc[0]
    >>> str(row["measure"]), round(float(row["low"]), 1), round(float(row["high"]), 1), str(row["unit"])
    ('metals', 71.9, 271.9, 'US$ mn')
    >>> r = relief_scenario(["petroleum"], cap_raise_bbl=1_000_000)
    >>> int(r.table.iloc[0]["high"]), float(r.info["new_cap_bbl"])
    (1000000, 1500000.0)
    >>> relief_scenario([])
    Traceback (most recent call last):
    ...
    nkecon.errors.ParameterError: The value for `measures` is empty: easing nothing is worth nothing; name at least one of 'metals', 'petroleum', 'luxury'.
    """
    chosen = _check_measures(measures)
    if not _is_int(base_year):
        raise ParameterError(f"The value for `base_year` must be an integer year, but {base_year!r} was passed.")
    base_year = int(base_year)
    if not _is_int(luxury_after_from):
        raise ParameterError(f"The value for `luxury_after_from` must be an integer year, "
                             f"but {luxury_after_from!r} was passed.")
    allowed = relief_base_years(measures=chosen, metal_products=metal_products, metal_partner=metal_partner,
                                luxury_after_from=int(luxury_after_from), data_dir=data_dir)
    if base_year not in allowed:
        raise ParameterError(
            f"The value for `base_year` must be one of {allowed} for measures {list(chosen)!r} "
            f"(years with the data each measure needs before its ban), but {base_year!r} was passed.")
    prices = _price_range(price_usd_per_bbl)
    if trade_series not in ("kotra", "bok"):
        raise ParameterError(f"The value for `trade_series` must be 'kotra' or 'bok', but {trade_series!r} was passed.")
    if metal_partner not in ("china", "world"):
        raise ParameterError(f"The value for `metal_partner` must be 'china' or 'world', but {metal_partner!r} was passed.")

    trade = _annual_trade(datasets.load("trade", data_dir=data_dir), trade_series)
    complete = trade.dropna(subset=["exports", "imports"]).index
    if compare_year is None:
        compare_year = int(complete.max())
    elif not _is_int(compare_year) or int(compare_year) not in complete:
        raise ParameterError(f"The value for `compare_year` must be a year with {trade_series} exports and imports "
                             f"({int(complete.min())}-{int(complete.max())}), but {compare_year!r} was passed.")
    compare_year = int(compare_year)
    gdp = datasets.load_gdp(data_dir=data_dir).set_index("year")

    info: dict[str, Any] = {
        "base_year": base_year, "compare_year": compare_year, "trade_series": trade_series,
        "measures": chosen, "priced": prices is not None,
        "exports_usd_mn": float(trade.at[compare_year, "exports"]),
        "imports_usd_mn": float(trade.at[compare_year, "imports"]),
        "trade_sources": (str(trade.at[compare_year, "exports_source"]), str(trade.at[compare_year, "imports_source"])),
        "growth_2020_pct": float(gdp.at[2020, "growth_pct"]) if 2020 in gdp.index else float("nan"),
        "gdp_source": str(gdp.at[2020, "source_id"]) if 2020 in gdp.index else "",
    }
    base_trade = trade.loc[base_year] if base_year in trade.index else None
    rows: list[dict[str, Any]] = []
    caveats: list[str] = [
        "nkecon holds no sourced won-dollar exchange rate, so values are set against trade in US dollars, "
        "not against GDP (the BOK publishes North Korea's GNI in won only)."
    ]

    if "metals" in chosen:
        comp = datasets.load("export_composition", data_dir=data_dir)
        bans = datasets.load("product_bans", data_dir=data_dir)
        m = _metal_rows(comp, bans, metal_products, metal_partner, base_year)
        sure = m[m["ban_kind"] == "ban"]
        low = float(sure["value_usd_mn"].sum())
        high = float(m["value_usd_mn"].sum())
        rows.append(dict(
            measure="metals", quantity="metal export earnings restored", unit="US$ mn", low=low, high=high,
            usd_mn_low=low, usd_mn_high=high, flow="exports",
            basis=(f"{metal_partner} imports in {base_year} of " + ", ".join(
                f"{p} ({v:.1f}, {k})" for p, v, k in zip(m["product"], m["value_usd_mn"], m["ban_kind"]))
                + "; low: fully banned products only, high: all, with partly banned groups in full and no overlap"),
            source_ids=";".join(dict.fromkeys(m["source_id"].astype(str))),
        ))
        info["metals_products"] = tuple(m["product"].astype(str))
        if base_trade is not None and pd.notna(base_trade.get("exports")):
            info["metals_pct_base_exports"] = (100 * low / base_trade["exports"], 100 * high / base_trade["exports"])
        caveats.append(
            f"Metal data are thin: only {', '.join(m['product'].astype(str))} are priced for {base_year}; nickel, "
            "silver, lead and iron are not priced separately, and zinc and copper may overlap the HS 26 ores row "
            "(which also holds iron and lead ores). Earnings restored assume banned exports are now nil "
            "and would return to their base-year value at base-year prices.")

    if "petroleum" in chosen:
        # annual figures only: a part-year row (January-May estimates, January-November
        # notifications) never stands for its year
        pet = datasets.full_years(datasets.load("refined_petroleum", data_dir=data_dir))
        sanc = datasets.load("sanctions", data_dir=data_dir)
        caps = sanc.dropna(subset=["refined_petroleum_cap_bbl"]).sort_values("date")
        cap_now = float(caps["refined_petroleum_cap_bbl"].iloc[-1])
        cap_id = str(caps["measure_id"].iloc[-1])
        pre = pet[(pet["measure"] == "pre_cap_imports") & (pet["year"] == base_year)].iloc[0]
        pre_cap = float(pre["value_bbl"])
        if cap_raise_bbl is None:
            raise_bbl = max(pre_cap - cap_now, 0.0)
            if raise_bbl == 0:
                raise ParameterError(f"The pre-cap level of {base_year} is not above today's cap; pass `cap_raise_bbl`.")
        else:
            raise_bbl = _finite_number("cap_raise_bbl", cap_raise_bbl)
            if raise_bbl <= 0:
                raise ParameterError(f"The value for `cap_raise_bbl` must be positive when 'petroleum' is eased "
                                     f"(raising the cap by {cap_raise_bbl!r} eases nothing), but {cap_raise_bbl!r} "
                                     "was passed; drop 'petroleum' from `measures` instead.")
        new_cap = cap_now + raise_bbl
        est = pet[(pet["measure"] == "estimated_imports") & pet["value_bbl"].notna()]
        est_max = float(est["value_bbl"].max()) if len(est) else 0.0
        est_row = est.loc[est["value_bbl"].idxmax()] if len(est) else None
        low = max(new_cap - est_max, 0.0)
        low = min(low, raise_bbl)
        high = raise_bbl
        usd = (low * prices[0] / 1e6, high * prices[1] / 1e6) if prices else (np.nan, np.nan)
        srcs = [str(pre["source_id"]), str(caps["source_id"].iloc[-1])]
        if est_row is not None:
            srcs.append(str(est_row["source_id"]))
        rows.append(dict(
            measure="petroleum", quantity="extra refined petroleum a year", unit="bbl", low=low, high=high,
            usd_mn_low=usd[0], usd_mn_high=usd[1], flow="imports",
            basis=(f"cap of {cap_id} ({cap_now:,.0f} bbl) raised by {raise_bbl:,.0f} to {new_cap:,.0f} bbl "
                   f"= {100 * new_cap / pre_cap:.0f}% of the {base_year} pre-cap imports ({pre_cap:,.0f} bbl); "
                   f"high: all of the raise is new fuel; low: only the part of the new cap above the largest "
                   f"full-year estimate of actual imports ({est_max:,.0f} bbl, {int(est_row['year']) if est_row is not None else ''})"),
            source_ids=";".join(dict.fromkeys(srcs)),
        ))
        info.update(cap_now_bbl=cap_now, cap_measure=cap_id, cap_raise_bbl=raise_bbl, new_cap_bbl=new_cap,
                    pre_cap_bbl=pre_cap, new_cap_pct_of_pre_cap=100 * new_cap / pre_cap,
                    shortfall_to_pre_cap_bbl=max(pre_cap - new_cap, 0.0),
                    estimated_imports_max_bbl=est_max, price_usd_per_bbl=prices)
        caveats.append(
            "Petroleum: the cap limits reported deliveries; published estimates of actual imports (tanker counts, "
            "partial years) exceed it, so part of a raise would legalise fuel that already arrives. "
            + ("No petroleum price was given, so its value is in barrels and is not ranked against the others."
               if prices is None else "The petroleum price is the caller's assumption, not sourced data."))

    if "luxury" in chosen:
        lux = datasets.full_years(datasets.load("luxury_imports", data_dir=data_dir))
        sanc = datasets.load("sanctions", data_dir=data_dir)
        groups = set(lux["product_group"].astype(str))
        tags = set(";".join(sanc["categories"].dropna().astype(str)).split(";"))
        for g, tag in dict(luxury_otherwise_banned).items():
            if g not in groups:
                raise ParameterError(f"The value for `luxury_otherwise_banned` names {g!r}, which is not a "
                                     "product_group of luxury_imports.")
            if tag not in tags:
                raise ParameterError(f"The value for `luxury_otherwise_banned` gives {g!r} the tag {tag!r}, "
                                     "which no measure in sanctions carries.")
        tot = lux[lux["product_group"] == "luxury_total"].set_index("year")
        before = float(tot.at[base_year, "value_usd_mn"])
        full = tot[tot.index >= luxury_after_from]
        if full.empty:
            raise ParameterError(f"The value for `luxury_after_from` leaves no full year of luxury imports after it, "
                                 f"but {luxury_after_from!r} was passed.")
        base_groups = lux[(lux["year"] == base_year)].set_index("product_group")["value_usd_mn"]
        otherwise = float(sum(base_groups.get(g, 0.0) for g in luxury_otherwise_banned))
        after_min, after_max = float(full["value_usd_mn"].min()), float(full["value_usd_mn"].max())
        high = max(before - after_min, 0.0)
        low = min(max(before - otherwise - after_max, 0.0), high)
        rows.append(dict(
            measure="luxury", quantity="luxury imports restored", unit="US$ mn", low=low, high=high,
            usd_mn_low=low, usd_mn_high=high, flow="imports",
            basis=(f"China's exports to North Korea of Seoul's 13 luxury groups: {before:.1f} in {base_year}, "
                   f"{after_min:.1f}-{after_max:.1f} in full years from {luxury_after_from} "
                   f"({', '.join(str(y) for y in full.index)}); low leaves out "
                   f"{', '.join(luxury_otherwise_banned)} ({otherwise:.1f} in {base_year}), which other "
                   "resolutions still ban, and counts from the highest later year"),
            source_ids=";".join(dict.fromkeys([str(tot.at[base_year, "source_id"])] + list(full["source_id"].astype(str)))),
        ))
        info.update(luxury_before_usd_mn=before, luxury_after_usd_mn=(after_min, after_max),
                    luxury_after_years=tuple(int(y) for y in full.index), luxury_otherwise_banned_usd_mn=otherwise)
        caveats.append(
            "Luxury values are South Korean lawmakers' tallies of China's customs data against Seoul's broad "
            "13-group list (electronics and cars dominate), not the UN's list; after 2019 the border closure, "
            "not the luxury ban, explains much of the fall. Luxury relief costs foreign currency; it earns none.")

    table = pd.DataFrame(rows)
    flow_total = table["flow"].map({"exports": info["exports_usd_mn"], "imports": info["imports_usd_mn"]})
    table["pct_trade_low"] = 100 * table["usd_mn_low"] / flow_total
    table["pct_trade_high"] = 100 * table["usd_mn_high"] / flow_total
    table = table[["measure", "quantity", "unit", "low", "high", "usd_mn_low", "usd_mn_high", "flow",
                   "pct_trade_low", "pct_trade_high", "basis", "source_ids"]]
    log.debug("relief_scenario %s base %s: %s", chosen, base_year, table[["measure", "low", "high"]].to_dict("records"))
    return Result(
        "relief_scenario", table,
        sample=(f"base year {base_year}; trade of {compare_year} ({trade_series}, latest release); "
                f"measures: {', '.join(chosen)}"),
        method=("accounting: the value each eased measure restores, from sourced pre-ban levels; ranges bound "
                "the overlap of product groups, what other bans still cover and published import estimates"),
        uncertainty=("low/high bounds from disagreeing sources and unpriced or overlapping products, "
                     "not statistical intervals"),
        caveat=" ".join(caveats), info=info)


def check_parameters(measures: Any, base_year: Any, cap_raise_bbl: Any = 0, price_usd_per_bbl: Any = 0.0) -> None:
    """Raise :class:`ParameterError` unless the relief report's parameters build.

    The report's parameters use ``0`` for "not given" (the cap raise then restores the
    pre-cap level, and petroleum stays in barrels without a price).

    Examples
    --------
    >>> check_parameters(["luxury"], 2012)
    >>> check_parameters(["metals"], 2012)
    Traceback (most recent call last):
    ...
    nkecon.errors.ParameterError: The value for `base_year` must be one of [2016] for measures ['metals'] (years with the data each measure needs before its ban), but 2012 was passed.
    """
    relief_scenario(measures, base_year=base_year, cap_raise_bbl=cap_raise_bbl or None,
                    price_usd_per_bbl=price_usd_per_bbl or None)


# --------------------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------------------

def _fmt_usd(x: float) -> str:
    if x == 0:
        return "nothing"
    return f"${x / 1000:.2f} billion" if abs(x) >= 1000 else f"${x:.0f} million"


def _fmt_range(lo: float, hi: float, unit: str) -> str:
    if unit == "bbl":
        f = lambda v: f"{v / 1e6:.2f} million barrels" if v >= 1e5 else f"{v:,.0f} barrels"  # noqa: E731
        return f(lo) if lo == hi else f"{f(lo)} to {f(hi)}".replace(" million barrels to", " to")
    return _fmt_usd(lo) if lo == hi else f"{_fmt_usd(lo)} to {_fmt_usd(hi)}"


def relief_sentences(result: Result) -> list[str]:
    """The scenario in sentences written from its numbers.

    One sentence per measure, then which priced measure matters most and by how much (by
    the midpoint of the ranges in US dollars), then the comparison with 2020.

    Examples
    --------
    >>> r = relief_scenario(["metals", "luxury"])
    >>> print(relief_sentences(r)[-2])  # doctest: +ELLIPSIS
    Luxury imports restored matter most: a midpoint of $... a year, ... times the metal export earnings restored...
    """
    t, info = result.table, result.info
    out: list[str] = []
    for r in t.itertuples():
        pct = ("" if pd.isna(r.pct_trade_low) else
               f", {r.pct_trade_low:.0f}-{r.pct_trade_high:.0f}% of North Korea's {r.flow} in {info['compare_year']}")
        if r.measure == "petroleum":
            out.append(f"Raising the refined petroleum cap from {info['cap_now_bbl']:,.0f} to {info['new_cap_bbl']:,.0f} "
                       f"barrels a year ({info['new_cap_pct_of_pre_cap']:.0f}% of the {info['base_year']} pre-cap "
                       f"level) would let in {_fmt_range(r.low, r.high, 'bbl')} more a year"
                       + ("" if pd.isna(r.usd_mn_low) else f", worth {_fmt_range(r.usd_mn_low, r.usd_mn_high, 'usd')}")
                       + pct + ".")
        else:
            if r.measure == "metals":
                then = info.get("metals_pct_base_exports")
                then_txt = "" if then is None else f" ({then[0]:.1f}-{then[1]:.1f}% of its exports in {info['base_year']})"
                out.append(f"Easing the metal export bans would restore {_fmt_range(r.low, r.high, r.unit)} "
                           f"of export earnings a year{pct}{then_txt}.")
            else:
                out.append(f"Easing the luxury ban would let back in {_fmt_range(r.low, r.high, r.unit)} "
                           f"of luxury imports a year{pct}.")
    priced = t.dropna(subset=["usd_mn_low", "usd_mn_high"]).copy()
    priced["mid"] = (priced["usd_mn_low"] + priced["usd_mn_high"]) / 2
    priced = priced.sort_values("mid", ascending=False, kind="stable")
    if len(priced) >= 2:
        a, b = priced.iloc[0], priced.iloc[1]
        overlap = a["usd_mn_low"] <= b["usd_mn_high"]
        ratio = a["mid"] / b["mid"] if b["mid"] > 0 else float("inf")
        times = "more than any multiple of" if math.isinf(ratio) else f"{ratio:.1f} times"
        out.append(f"{a['quantity'].capitalize()} matter most: a midpoint of {_fmt_usd(a['mid'])} a year, "
                   f"{times} the {b['quantity']} ({_fmt_usd(b['mid'])})"
                   + ("; the ranges overlap, so the ranking is not certain." if overlap else "; the ranges do not overlap."))
    elif len(priced) == 1:
        a = priced.iloc[0]
        out.append(f"Only the {a['measure']} measure is valued in dollars here: a midpoint of {_fmt_usd(a['mid'])} a year.")
    g = info.get("growth_2020_pct", float("nan"))
    if not math.isnan(g):
        word = "shrank" if g < 0 else "grew"
        out.append(f"For scale: the BOK estimates that the economy {word} {abs(g):.1f}% in 2020; without a sourced "
                   "won-dollar rate nkecon cannot state the relief as a share of GDP, only of trade.")
    return out


# --------------------------------------------------------------------------------------
# chart
# --------------------------------------------------------------------------------------

def plot_relief_scenario(result: Result, *, ax: Any = None, **kwargs: Any) -> Any:
    """Each eased measure's value as a low-high range bar, on its own scale per unit.

    Measures valued in US dollars share the axes; petroleum without a price (barrels) is
    drawn on a second axes below when ``ax`` is not given, and is listed by name in the
    title otherwise. Returns the (first) Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_relief_scenario(relief_scenario(["metals", "luxury"]))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Metal export earnings restored', 'Luxury imports restored']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    from .plots import house_style, source_line

    t, info = result.table, result.info
    usd = t.dropna(subset=["usd_mn_low"])
    bbl = t[t["usd_mn_low"].isna()]
    with house_style():
        if ax is None:
            n = int(len(usd) > 0) + int(len(bbl) > 0)
            heights = [max(len(usd), 1) + 1, max(len(bbl), 1) + 1][:n] if n == 2 else None
            fig, axes = plt.subplots(n, 1, figsize=kwargs.pop("figsize", (7.5, 1.3 + 0.9 * len(t) + 0.6 * n)),
                                     layout="constrained", squeeze=False,
                                     gridspec_kw={"height_ratios": heights} if heights else None)
            axes = list(axes[:, 0])
        else:
            axes = [ax]
        panels = [(usd, "US$ mn a year"), (bbl, "million barrels a year")] if len(axes) == 2 else \
            [(usd, "US$ mn a year") if len(usd) else (bbl, "million barrels a year")]
        colors = {"exports": "#0072B2", "imports": "#E69F00"}
        for a, (rows, xlabel) in zip(axes, panels):
            y = np.arange(len(rows))[::-1]
            in_usd = xlabel.startswith("US$")
            for yi, r in zip(y, rows.itertuples()):
                lo, hi = (r.usd_mn_low, r.usd_mn_high) if in_usd else (r.low / 1e6, r.high / 1e6)
                a.barh(yi, max(hi - lo, 0), left=lo, height=0.5, color=colors.get(r.flow, "grey"),
                       edgecolor="black", label=f"adds to {r.flow}", hatch=None if r.flow == "exports" else "//",
                       **kwargs)
                a.plot([lo, hi], [yi, yi], "|", color="black", markersize=14)
                a.annotate(f"{lo:,.1f} to {hi:,.1f}" if lo != hi else f"{lo:,.1f}",
                           (hi, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
            a.set_yticks(y, [q[0].upper() + q[1:] for q in rows["quantity"]])
            a.set_xlabel(xlabel)
            a.set_xlim(0, None)
            a.margins(x=0.15, y=0.25)
            handles, labels = a.get_legend_handles_labels()
            uniq = dict(zip(labels, handles))
            if uniq:
                a.legend(uniq.values(), uniq.keys(), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                         frameon=False)
        first = axes[0]
        eased = list(info["measures"])
        eased_txt = eased[0] if len(eased) == 1 else ", ".join(eased[:-1]) + " and " + eased[-1]
        first.set_title(f"What easing {eased_txt} is worth\na year, low to high; base year {info['base_year']}",
                        loc="left")
        n_src = len(set(";".join(t["source_ids"]).split(";")))
        used = [d for m, d in (("metals", "export_composition"), ("petroleum", "refined_petroleum"),
                               ("luxury", "luxury_imports")) if m in eased]
        source_line(axes[-1], *used, extra=f"{n_src} sources; ranges bound overlapping, partly banned, "
                     "otherwise banned or unpriced items.")
    return first
