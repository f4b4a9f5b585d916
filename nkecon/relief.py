"""What the requested sanctions relief is worth: mineral exports, refined petroleum, luxury goods.

In August 2021 South Korean lawmakers, briefed by the intelligence service, said North Korea
wanted "광물수출 허용, 정제유 수입 허용, 생필품 수입 허용" (allowing mineral exports, refined-oil
imports and necessities) before it would talk again; the English press rendered the first as
"metal exports". :func:`relief_scenario` values each measure as a low/high range:

- ``minerals``: the mineral export bans as the briefing said (coal, ores, metals and other
  mineral products); ``metals``: the metal bans alone, as the English press said (a part of
  ``minerals``, never added to it);
- ``petroleum``: raising the refined petroleum cap, net of the fuel published estimates say
  already arrives above it;
- ``luxury``: the luxury ban, only for the goods no other ban would still block.

Export measures are valued at base-year prices and at current prices (base-year volumes
priced with the World Bank's annual world prices); every value is also a share of the BOK's
GNI in US dollars (its own won-dollar conversion). Export earnings and import spending are
kept apart: :func:`relief_sentences` ranks earnings with earnings and spending with spending.
The officials' before-the-fact valuations (``published_estimates``) stand beside each range.
Every judgement (which products a scope holds, which aggregate may contain which item,
which price series reprices a product, which luxury groups other bans block) is a
parameter with a documented default, never a constant buried in the arithmetic.
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

__all__ = ["MEASURES", "EXPORT_MEASURES", "IMPORT_MEASURES", "check_parameters", "relief_scenario",
           "relief_base_years", "relief_sentences", "relief_tables", "plot_relief_scenario"]

log = logging.getLogger("nkecon")

#: The measures of the request: two scopes of the export bans, then the two import measures.
MEASURES: tuple[str, ...] = ("minerals", "metals", "petroleum", "luxury")
#: Measures that restore export earnings, and measures that allow import spending.
EXPORT_MEASURES: tuple[str, ...] = ("minerals", "metals")
IMPORT_MEASURES: tuple[str, ...] = ("petroleum", "luxury")

#: Products of ``export_composition``/``product_bans`` the metal bans cover: 2270's gold,
#: titanium, vanadium ores and rare earths, 2321's copper, nickel, silver and zinc, 2371's
#: iron, iron ore, lead and lead ore, and the HS 26 ores row (partly banned).
DEFAULT_METAL_PRODUCTS: tuple[str, ...] = (
    "copper", "nickel", "silver", "zinc", "iron", "iron_ore", "lead", "lead_ore", "gold", "titanium_ore",
    "vanadium_ore", "rare_earths", "ores_hs26")
#: The mineral scope: the metals, coal, 2397's earth and stone, and the published totals of
#: all mineral products (the first of ``mineral_totals`` a year has stands for the total).
DEFAULT_MINERAL_PRODUCTS: tuple[str, ...] = DEFAULT_METAL_PRODUCTS + (
    "coal", "earth_stone", "mineral_products_aggregate", "minerals_total_incl_coal")
#: Published totals of all mineral exports, in order of preference (one per year is used).
DEFAULT_MINERAL_TOTALS: tuple[str, ...] = ("mineral_products_aggregate", "minerals_total_incl_coal")

_MINERAL_TOTAL_PARTS = ("coal", "earth_stone", "electricity", "ores_hs26")
_HS26_PARTS = ("iron_ore", "lead_ore", "copper", "zinc", "nickel", "silver", "gold", "titanium_ore",
               "vanadium_ore", "rare_earths")
#: Which row may contain which (a judgement: the sources do not say whether the copper and
#: zinc figures are ores or metal, so they are taken to lie inside the HS 26 ores row, and
#: the ores inside the mineral total; containment is listed in full, so an item still has an
#: aggregate above it when the row between them is missing). An aggregate and its items are
#: never both counted.
DEFAULT_CONTAINS: Mapping[str, tuple[str, ...]] = {
    "mineral_products_aggregate": _MINERAL_TOTAL_PARTS + _HS26_PARTS,
    "minerals_total_incl_coal": _MINERAL_TOTAL_PARTS + _HS26_PARTS,
    "ores_hs26": _HS26_PARTS,
}
_ORE_PRICES = ("iron_ore", "zinc", "copper", "lead", "nickel", "silver")
#: The ``commodity_prices`` series that reprice each product; an aggregate's part not
#: itemised is repriced with the lowest and highest ratio of its series.
DEFAULT_PRICE_SERIES: Mapping[str, tuple[str, ...]] = {
    "coal": ("coal_australia",), "copper": ("copper",), "zinc": ("zinc",), "nickel": ("nickel",),
    "silver": ("silver",), "iron_ore": ("iron_ore",), "iron": ("iron_ore",), "lead": ("lead",),
    "lead_ore": ("lead",), "ores_hs26": _ORE_PRICES,
    "mineral_products_aggregate": ("coal_australia",) + _ORE_PRICES,
    "minerals_total_incl_coal": ("coal_australia",) + _ORE_PRICES,
}
#: Officials' before-the-fact valuations (``published_estimates`` ids) each export scope is
#: benchmarked against; their sum is the benchmark.
DEFAULT_BENCHMARKS: Mapping[str, tuple[str, ...]] = {
    "metals": ("us_2016_unscr2321_metals_revenue", "un_diplomat_2017_unscr2371_iron_revenue",
               "un_diplomat_2017_unscr2371_lead_revenue"),
    "minerals": ("us_2016_unscr2321_metals_revenue", "un_diplomat_2017_unscr2371_iron_revenue",
                 "un_diplomat_2017_unscr2371_lead_revenue", "us_2016_unscr2321_coal_cap_cut",
                 "un_diplomat_2017_unscr2371_coal_cap"),
}
#: Luxury product groups that other resolutions would still ban if the luxury ban were
#: eased, with the ``sanctions`` category tag that bans them (resolution 2397 bans imports
#: of industrial machinery, HS 84-85, and vehicles).
DEFAULT_LUXURY_OTHERWISE_BANNED: Mapping[str, str] = {"electronics": "import_ban:machinery",
                                                     "cars": "import_ban:vehicles"}

_QUANTITY = {"minerals": "mineral export earnings restored", "metals": "metal export earnings restored",
             "petroleum": "new refined petroleum imports", "luxury": "luxury imports restored"}


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


def _price_range(name: str, value: Any) -> tuple[float, float] | None:
    """``None``, one price, or a (low, high) pair, in US dollars a barrel."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ParameterError(f"The value for `{name}` must be one price or a (low, high) pair, "
                                 f"but {value!r} was passed.")
        lo = _finite_number(name, value[0], positive=True)
        hi = _finite_number(name, value[1], positive=True)
        if lo > hi:
            raise ParameterError(f"The value for `{name}` must be (low, high) with low <= high, "
                                 f"but {value!r} was passed.")
        return lo, hi
    p = _finite_number(name, value, positive=True)
    return p, p


def _products(name: str, value: Any, known: set[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ParameterError(f"The value for `{name}` must be a list of products, but {value!r} was passed.")
    products = tuple(value)
    unknown = [p for p in products if p not in known]
    if not products or unknown:
        raise ParameterError(f"The value for `{name}` must name products of export_composition or product_bans, "
                             f"but {value!r} was passed (unknown: {unknown!r}).")
    return products


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


def _scope_rows(comp: pd.DataFrame, products: Sequence[str], totals: Sequence[str], partner: str,
                year: int) -> pd.DataFrame:
    """The valued rows of a scope in a year; of several published totals only the first."""
    rows = comp[(comp["year"] == year) & (comp["partner"] == partner) & comp["product"].isin(products)
                & comp["value_usd_mn"].notna()]
    present_totals = [t for t in totals if t in set(rows["product"].astype(str))]
    drop = present_totals[1:]
    return rows[~rows["product"].isin(drop)].copy()


def _ban_kinds(bans: pd.DataFrame, products: Iterable[str]) -> dict[str, str]:
    exp = bans[(bans["direction"] == "export") & bans["product"].isin(list(products))]
    out = {}
    for p, kinds in exp.groupby("product", observed=True)["ban_kind"]:
        k = set(kinds.astype(str))
        out[str(p)] = "ban" if "ban" in k else ("partial" if "partial" in k else sorted(k)[0])
    return out


def _tree(present: Sequence[str], contains: Mapping[str, Sequence[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Children of each present row and the rows no present row contains."""
    children: dict[str, list[str]] = {p: [] for p in present}
    parent: dict[str, str] = {}
    for agg in present:
        for item in contains.get(agg, ()):
            if item in children and item != agg and item not in parent:
                parent[item] = agg
    # a row contained by two present aggregates belongs to the innermost one
    for item, agg in list(parent.items()):
        for other in present:
            if other != agg and item in contains.get(other, ()) and other in contains.get(agg, ()):
                parent[item] = other
    for item, agg in parent.items():
        children[agg].append(item)
    roots = [p for p in present if p not in parent]
    return children, roots


def _ratio(prices: pd.DataFrame, series: Sequence[str], base_year: int, now: int, product: str) -> tuple[float, float]:
    ratios = []
    for s in series:
        try:
            then, later = prices.at[(s, base_year), "price_usd"], prices.at[(s, now), "price_usd"]
        except KeyError:
            raise ParameterError(f"commodity_prices has no {s!r} price for {base_year} and {now}, "
                                 f"needed to reprice {product!r}; pass another `compare_year`.") from None
        ratios.append(float(later) / float(then))
    return min(ratios), max(ratios)


def _scope_value(rows: pd.DataFrame, bans: pd.DataFrame, contains: Mapping[str, Sequence[str]],
                 price_series: Mapping[str, Sequence[str]], prices: pd.DataFrame, base_year: int,
                 now: int) -> dict[str, Any]:
    """Low/high at base-year and current prices, no row counted twice."""
    value = {str(p): float(v) for p, v in zip(rows["product"], rows["value_usd_mn"])}
    present = list(value)
    children, roots = _tree(present, contains)
    kinds = _ban_kinds(bans, present)

    def ratio(p: str) -> tuple[float, float]:
        if p not in price_series:
            raise ParameterError(f"`price_series` has no commodity price for product {p!r}; add one (a commodity "
                                 "of commodity_prices) or leave the product out of the scope.")
        return _ratio(prices, price_series[p], base_year, now, p)

    def high(p: str) -> tuple[float, float, float]:
        """(base-year value, lowest and highest current value) of a row with what it contains."""
        kids = [high(c) for c in children[p]]
        items = sum(k[0] for k in kids)
        if not kids:
            lo_r, hi_r = ratio(p)
            return value[p], value[p] * lo_r, value[p] * hi_r
        rest = max(value[p] - items, 0.0)
        lo_r, hi_r = ratio(p) if rest > 0 else (1.0, 1.0)
        return (max(value[p], items), sum(k[1] for k in kids) + rest * lo_r, sum(k[2] for k in kids) + rest * hi_r)

    tops = [high(r) for r in roots]
    leaves = [p for p in present if not children[p] and kinds.get(p) == "ban"]
    low = sum(value[p] for p in leaves)
    low_now = sum(value[p] * ratio(p)[0] for p in leaves)
    return dict(low=low, high=sum(t[0] for t in tops), low_now=low_now, high_now_lo=sum(t[1] for t in tops),
                high_now=sum(t[2] for t in tops), leaves=leaves, roots=roots, kinds=kinds, value=value,
                children=children)


def _scope_ratio(value: Mapping[str, float], price_series: Mapping[str, Sequence[str]], prices: pd.DataFrame,
                 base_year: int, now: int) -> tuple[float, float]:
    """The lowest and highest price change of the commodities of a scope's valued rows."""
    ratios = [r for p in value for r in _ratio(prices, price_series.get(p, ()), base_year, now, p)]
    return (min(ratios), max(ratios)) if ratios else (float("nan"), float("nan"))


def _scope_bans(bans: pd.DataFrame, products: Sequence[str]) -> pd.DataFrame:
    """The export bans a scope lifts: product, HS chapters and measures, from product_bans."""
    exp = bans[(bans["direction"] == "export") & bans["product"].isin(list(products))]
    return (exp.assign(hs=exp["hs_codes"].fillna("").astype(str))
            .groupby("product", observed=True, sort=True)
            .agg(hs_codes=("hs", lambda s: ";".join(sorted({c for v in s for c in v.split(";") if c}))),
                 measures=("measure_id", lambda s: ";".join(dict.fromkeys(s.astype(str)))))
            .reset_index())


def _months(row: Any) -> str:
    """' (March-November)' for a part-year row, '' for a whole year."""
    first, last = getattr(row, "first_month", 1), getattr(row, "last_month", 12)
    if pd.isna(first) or pd.isna(last) or (int(first), int(last)) == (1, 12):
        return ""
    names = pd.Timestamp(2000, int(first), 1).strftime("%B"), pd.Timestamp(2000, int(last), 1).strftime("%B")
    return f" ({names[0]}-{names[1]} only)"


def _luxury_binding(lux: pd.DataFrame, year: int, otherwise: Sequence[str]) -> tuple[float, float] | None:
    """(total, the part only the luxury ban blocks) of a year; None if a group is missing."""
    rows = lux[lux["year"] == year].set_index("product_group")["value_usd_mn"]
    if "luxury_total" not in rows.index or any(g not in rows.index for g in otherwise):
        return None
    total = float(rows["luxury_total"])
    return total, total - float(sum(rows[g] for g in otherwise))


def relief_base_years(*, measures: Iterable[str] = MEASURES, metal_products: Sequence[str] = DEFAULT_METAL_PRODUCTS,
                      mineral_products: Sequence[str] = DEFAULT_MINERAL_PRODUCTS,
                      metal_partner: str = "china", luxury_after_from: int = 2018,
                      luxury_otherwise_banned: Mapping[str, str] = DEFAULT_LUXURY_OTHERWISE_BANNED,
                      data_dir: str | os.PathLike | None = None) -> list[int]:
    """The base years :func:`relief_scenario` accepts for the chosen measures.

    A base year needs, for ``metals`` and ``minerals``, a valued export of the scope before
    its first full ban with at least one fully banned item (the low end) and a World Bank
    price for it; for ``petroleum`` the pre-cap import level; for ``luxury`` the lawmakers'
    total and every group other bans would still block (a missing group is never read as 0),
    before ``luxury_after_from``.

    Examples
    --------
    >>> relief_base_years()
    [2016]
    >>> relief_base_years(measures=["luxury"])
    [2011, 2014, 2016]
    """
    chosen = _check_measures(measures)
    years: set[int] | None = None

    def meet(ys: Iterable[int]) -> None:
        nonlocal years
        ys = {int(y) for y in ys}
        years = ys if years is None else years & ys

    if any(m in chosen for m in EXPORT_MEASURES):
        comp = datasets.load("export_composition", data_dir=data_dir)
        bans = datasets.load("product_bans", data_dir=data_dir)
        sanc = datasets.load("sanctions", data_dir=data_dir)
        prices = datasets.load("commodity_prices", data_dir=data_dir)
        known = set(comp["product"].astype(str)) | set(bans["product"].astype(str))
        dates = sanc.set_index("measure_id")["date"]
        for m in (x for x in EXPORT_MEASURES if x in chosen):
            products = _products("metal_products" if m == "metals" else "mineral_products",
                                 metal_products if m == "metals" else mineral_products, known)
            full = bans[bans["product"].isin(products) & (bans["ban_kind"] == "ban") & (bans["direction"] == "export")]
            first_ban = min((pd.Timestamp(r.effective_date) if pd.notna(r.effective_date) else dates[r.measure_id]).year
                            for r in full.itertuples()) if len(full) else 9999
            banned = set(full["product"].astype(str))
            priced = comp[comp["product"].isin(products) & comp["product"].isin(banned)
                          & (comp["partner"] == metal_partner) & comp["value_usd_mn"].notna()]
            price_years = set(prices["year"].astype(int))
            meet(y for y in priced["year"] if y <= first_ban and y in price_years)
    if "petroleum" in chosen:
        pet = datasets.full_years(datasets.load("refined_petroleum", data_dir=data_dir))
        meet(pet.loc[(pet["measure"] == "pre_cap_imports") & pet["value_bbl"].notna(), "year"])
    if "luxury" in chosen:
        lux = datasets.full_years(datasets.load("luxury_imports", data_dir=data_dir))
        groups = list(luxury_otherwise_banned)
        meet(y for y in sorted(set(lux["year"])) if y < luxury_after_from and _luxury_binding(lux, y, groups))
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
    wedge_usd_per_bbl: float | tuple[float, float] | None = None,
    compare_year: int | None = None,
    trade_series: str = "kotra",
    metal_products: Sequence[str] = DEFAULT_METAL_PRODUCTS,
    mineral_products: Sequence[str] = DEFAULT_MINERAL_PRODUCTS,
    mineral_totals: Sequence[str] = DEFAULT_MINERAL_TOTALS,
    contains: Mapping[str, Sequence[str]] = DEFAULT_CONTAINS,
    price_series: Mapping[str, Sequence[str]] = DEFAULT_PRICE_SERIES,
    benchmarks: Mapping[str, Sequence[str]] = DEFAULT_BENCHMARKS,
    metal_partner: str = "china",
    luxury_after_from: int = 2018,
    luxury_after_years: Sequence[int] | None = None,
    luxury_otherwise_banned: Mapping[str, str] = DEFAULT_LUXURY_OTHERWISE_BANNED,
    data_dir: str | os.PathLike | None = None,
) -> Result:
    """What easing each requested measure is worth a year, as a low/high range.

    Parameters
    ----------
    measures : iterable of {"minerals", "metals", "petroleum", "luxury"}
        The measures eased. At least one: easing nothing is refused. ``metals`` is part of
        ``minerals``; with both, both are shown and never added up.
    base_year : int
        The pre-ban year whose exports, pre-cap petroleum imports and luxury imports stand
        for "before" (one of :func:`relief_base_years`).
    cap_raise_bbl : float, optional
        Barrels a year added to today's refined petroleum cap. ``None``: back to the pre-cap
        import level of ``base_year``. Must be positive when ``"petroleum"`` is eased.
    price_usd_per_bbl : float or (float, float), optional
        World price of refined petroleum in US dollars a barrel (one or a low/high pair),
        the value of each new barrel; nkecon has no sourced price, so without one petroleum
        stays in barrels.
    wedge_usd_per_bbl : float or (float, float), optional
        Market premium a barrel of smuggled fuel pays over a legal one (the price wedge):
        the value of legalising fuel that already arrives. ``None``: not valued.
    compare_year : int, optional
        Year of current prices, trade and GNI; default the latest year with both exports
        and imports of ``trade_series``.
    trade_series : {"kotra", "bok"}
        Which annual trade totals to compare with (latest release per year).
    metal_products, mineral_products : sequence of str
        Products of each export scope (``export_composition``/``product_bans`` names).
    mineral_totals : sequence of str
        Published totals of all mineral exports, in order of preference.
    contains : mapping of str to sequence of str
        Which rows an aggregate may contain; an aggregate and its items are never both
        counted (the high end takes the larger of the two).
    price_series : mapping of str to sequence of str
        ``commodity_prices`` series repricing each product.
    benchmarks : mapping of str to sequence of str
        ``published_estimates`` ids each export scope is set against (their sum).
    metal_partner : {"china", "world"}
        Destination of the exports counted.
    luxury_after_from : int
        First year counted as "after" the luxury ban (China's enforcement tightened in 2017).
    luxury_after_years : sequence of int, optional
        The "after" years; default every full year from ``luxury_after_from`` with every
        group of ``luxury_otherwise_banned`` published. A year named here without them is an
        error.
    luxury_otherwise_banned : mapping of str to str
        Luxury groups that another resolution would still ban, with the ``sanctions``
        category tag that bans them; easing the luxury ban does not let them in.
    data_dir : path, optional
        Data folder to read instead of the shipped data.

    Returns
    -------
    Result
        One row per measure eased: ``measure``, ``flow`` (exports: earnings; imports:
        spending), ``quantity``, ``unit``, ``low``/``high`` (in ``unit``, base-year prices),
        ``usd_mn_low``/``usd_mn_high`` (base-year prices), ``usd_mn_now_low``/
        ``usd_mn_now_high`` (``compare_year`` prices), ``pct_gni_*`` and ``pct_gni_now_*``
        (percent of ``compare_year`` GNI), ``pct_flow_now_*`` (percent of that year's
        exports or imports), ``benchmark_usd_mn``, ``basis`` and ``source_ids``. ``info``
        holds the parts of each range, the bans lifted, the benchmarks and the GNI.

    Raises
    ------
    ParameterError
        For an unknown or empty set of measures, a base year without the data it needs,
        a non-positive cap raise or price, a product without a price or a compare year
        without trade figures, or a luxury year that lacks a group.

    Examples
    --------
    >>> r = relief_scenario(["metals"])
    >>> row = r.table.iloc[0]
    >>> str(row["measure"]), round(float(row["low"]), 1), round(float(row["high"]), 1), str(row["unit"])
    ('metals', 71.9, 200.0, 'US$ mn')
    >>> r = relief_scenario(["petroleum"], cap_raise_bbl=1_000_000)
    >>> float(r.info["new_cap_bbl"])
    1500000.0
    >>> relief_scenario([])
    Traceback (most recent call last):
    ...
    nkecon.errors.ParameterError: The value for `measures` is empty: easing nothing is worth nothing; name at least one of 'minerals', 'metals', 'petroleum', 'luxury'.
    """
    chosen = _check_measures(measures)
    if not _is_int(base_year):
        raise ParameterError(f"The value for `base_year` must be an integer year, but {base_year!r} was passed.")
    base_year = int(base_year)
    if not _is_int(luxury_after_from):
        raise ParameterError(f"The value for `luxury_after_from` must be an integer year, "
                             f"but {luxury_after_from!r} was passed.")
    if metal_partner not in ("china", "world"):
        raise ParameterError(f"The value for `metal_partner` must be 'china' or 'world', but {metal_partner!r} was passed.")
    for g in luxury_otherwise_banned:
        if not isinstance(g, str):
            raise ParameterError(f"The value for `luxury_otherwise_banned` must map group names to tags, "
                                 f"but {luxury_otherwise_banned!r} was passed.")
    allowed = relief_base_years(measures=chosen, metal_products=metal_products, mineral_products=mineral_products,
                                metal_partner=metal_partner, luxury_after_from=int(luxury_after_from),
                                luxury_otherwise_banned=luxury_otherwise_banned, data_dir=data_dir)
    if base_year not in allowed:
        raise ParameterError(
            f"The value for `base_year` must be one of {allowed} for measures {list(chosen)!r} "
            f"(years with the data each measure needs before its ban), but {base_year!r} was passed.")
    prices_bbl = _price_range("price_usd_per_bbl", price_usd_per_bbl)
    wedge = _price_range("wedge_usd_per_bbl", wedge_usd_per_bbl)
    if trade_series not in ("kotra", "bok"):
        raise ParameterError(f"The value for `trade_series` must be 'kotra' or 'bok', but {trade_series!r} was passed.")

    trade = _annual_trade(datasets.load("trade", data_dir=data_dir), trade_series)
    complete = trade.dropna(subset=["exports", "imports"]).index
    if compare_year is None:
        compare_year = int(complete.max())
    elif not _is_int(compare_year) or int(compare_year) not in complete:
        raise ParameterError(f"The value for `compare_year` must be a year with {trade_series} exports and imports "
                             f"({int(complete.min())}-{int(complete.max())}), but {compare_year!r} was passed.")
    now = int(compare_year)
    gdp = datasets.load_gdp(data_dir=data_dir).set_index("year")
    conv = datasets.load("bok_dollar_conversions", data_dir=data_dir)
    conv = conv[conv["year"] == now]
    gni_krw = float(gdp.at[now, "gni_nominal_krw_tn"]) if now in gdp.index else float("nan")
    if len(conv) and not math.isnan(gni_krw):
        c = conv.sort_values("release_date").iloc[-1]
        krw_per_usd = 1000 * float(c["value_krw_tn"]) / float(c["value_usd_bn"])
        gni_usd_mn = gni_krw * 1e6 / krw_per_usd
        gni_sources = [str(gdp.at[now, "source_id"]), str(c["source_id"])]
    else:
        krw_per_usd = gni_usd_mn = float("nan")
        gni_sources = []

    info: dict[str, Any] = {
        "base_year": base_year, "compare_year": now, "trade_series": trade_series, "measures": chosen,
        "priced": prices_bbl is not None, "wedge": wedge,
        "exports_usd_mn": float(trade.at[now, "exports"]), "imports_usd_mn": float(trade.at[now, "imports"]),
        "trade_sources": (str(trade.at[now, "exports_source"]), str(trade.at[now, "imports_source"])),
        "gni_krw_tn": gni_krw, "krw_per_usd": krw_per_usd, "gni_usd_mn": gni_usd_mn,
        "gni_sources": tuple(gni_sources),
        "growth_2020_pct": float(gdp.at[2020, "growth_pct"]) if 2020 in gdp.index else float("nan"),
        "gdp_source": str(gdp.at[2020, "source_id"]) if 2020 in gdp.index else "",
    }
    rows: list[dict[str, Any]] = []
    caveats: list[str] = []
    if math.isnan(gni_usd_mn):
        caveats.append(f"No BOK won-dollar conversion for {now} in bok_dollar_conversions, so values are not "
                       "stated as a share of GNI.")

    if any(m in chosen for m in EXPORT_MEASURES):
        comp = datasets.load("export_composition", data_dir=data_dir)
        bans = datasets.load("product_bans", data_dir=data_dir)
        prices = datasets.load("commodity_prices", data_dir=data_dir).set_index(["commodity", "year"]).sort_index()
        est = datasets.load("published_estimates", data_dir=data_dir).set_index("estimate_id")
        info["scopes"] = {}
        for m in (x for x in EXPORT_MEASURES if x in chosen):
            products = metal_products if m == "metals" else mineral_products
            srows = _scope_rows(comp, products, mineral_totals, metal_partner, base_year)
            v = _scope_value(srows, bans, contains, price_series, prices, base_year, now)
            ids = list(benchmarks.get(m, ()))
            missing = [i for i in ids if i not in est.index]
            if missing:
                raise ParameterError(f"The value for `benchmarks` names {missing!r}, which published_estimates lacks.")
            bench = est.loc[ids] if ids else est.iloc[0:0]
            bench_total = float(bench["effect"].abs().sum()) if len(bench) else float("nan")
            unvalued = [p for p in products if p not in v["value"] and p in set(bans["product"].astype(str))]
            lifted = _scope_bans(bans, products)
            parts = ", ".join(f"{p} {v['value'][p]:,.1f}" for p in v["value"])
            rows.append(dict(
                measure=m, flow="exports", quantity=_QUANTITY[m], unit="US$ mn", low=v["low"], high=v["high"],
                usd_mn_low=v["low"], usd_mn_high=v["high"], usd_mn_now_low=v["low_now"], usd_mn_now_high=v["high_now"],
                benchmark_usd_mn=bench_total,
                basis=(f"{metal_partner.capitalize()}'s imports in {base_year} (US$ mn): {parts}. Low: the fully banned "
                       f"items ({', '.join(v['leaves']) or 'none'}); high: "
                       f"{' + '.join(v['roots'])}, each aggregate or the sum of the items it may contain, whichever is "
                       f"larger, never both. At {now} prices: base-year volumes (value / World Bank price, derived) "
                       f"at {now} World Bank annual prices; an aggregate's part not itemised at the lowest to highest "
                       "price change of its commodities."),
                source_ids=";".join(dict.fromkeys(list(srows["source_id"].astype(str))
                                                  + ["worldbank-2025-05-02-cmo-annual-prices"])),
            ))
            info["scopes"][m] = dict(
                products=tuple(products), valued=dict(v["value"]), low_items=tuple(v["leaves"]), roots=tuple(v["roots"]),
                unvalued=tuple(unvalued), bans=lifted, high_now_lowest=v["high_now_lo"],
                benchmarks=bench.reset_index()[["estimate_id", "publisher", "period", "effect", "source_id", "note"]],
                benchmark_usd_mn=bench_total,
                price_ratio=_scope_ratio(v["value"], price_series, prices, base_year, now))
        caveats.append(
            "Export values are China's customs figures (the only ones by product for the base year) and assume "
            "banned exports are now nil and would return at the base-year volume; capacity and demand today are "
            "not modelled (no sourced capacity figure).")

    if "petroleum" in chosen:
        pet = datasets.load("refined_petroleum", data_dir=data_dir)
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
        # each year's largest published estimate of actual imports; the years' lowest and highest
        by_year = est.sort_values("value_bbl").groupby("year").tail(1).sort_values("year")
        if len(by_year):
            lo_row, hi_row = by_year.loc[by_year["value_bbl"].idxmin()], by_year.loc[by_year["value_bbl"].idxmax()]
            actual_lo, actual_hi = float(lo_row["value_bbl"]), float(hi_row["value_bbl"])
        else:
            lo_row = hi_row = None
            actual_lo = actual_hi = cap_now
        arriving = (max(actual_lo - cap_now, 0.0), max(actual_hi - cap_now, 0.0))  # above today's cap
        legal = (min(arriving[0], raise_bbl), min(arriving[1], raise_bbl))
        new = (raise_bbl - legal[1], raise_bbl - legal[0])
        if prices_bbl is not None or wedge is not None:
            p, w = prices_bbl or (0.0, 0.0), wedge or (0.0, 0.0)
            ends = [n * p[0] + (raise_bbl - n) * w[0] for n in new] + [n * p[1] + (raise_bbl - n) * w[1] for n in new]
            usd = (min(ends) / 1e6, max(ends) / 1e6)
        else:
            usd = (np.nan, np.nan)
        srcs = [str(pre["source_id"]), str(caps["source_id"].iloc[-1])] + list(by_year["source_id"].astype(str))
        rows.append(dict(
            measure="petroleum", flow="imports", quantity=_QUANTITY["petroleum"], unit="bbl", low=new[0], high=new[1],
            usd_mn_low=usd[0], usd_mn_high=usd[1], usd_mn_now_low=usd[0], usd_mn_now_high=usd[1],
            benchmark_usd_mn=np.nan,
            basis=(f"The cap of {cap_id} ({cap_now:,.0f} bbl) raised by {raise_bbl:,.0f} to {new_cap:,.0f} bbl "
                   f"({100 * new_cap / pre_cap:.0f}% of the {base_year} pre-cap imports, {pre_cap:,.0f} bbl). "
                   f"Published estimates of actual imports (each year's largest): "
                   + ", ".join(f"{int(r.year)} {r.value_bbl:,.0f}{_months(r)}" for r in by_year.itertuples())
                   + f". New fuel: the raise less the {legal[0]:,.0f}-{legal[1]:,.0f} bbl already arriving above the "
                   "cap, which relief would legalise"
                   + ("" if wedge is None else f" (valued at the price wedge, {wedge[0]:,.0f}-{wedge[1]:,.0f} US$/bbl)")
                   + "."),
            source_ids=";".join(dict.fromkeys(srcs)),
        ))
        info.update(cap_now_bbl=cap_now, cap_measure=cap_id, cap_raise_bbl=raise_bbl, new_cap_bbl=new_cap,
                    pre_cap_bbl=pre_cap, new_cap_pct_of_pre_cap=100 * new_cap / pre_cap,
                    actual_imports_bbl=(actual_lo, actual_hi),
                    actual_imports_years=(int(lo_row["year"]), int(hi_row["year"])) if lo_row is not None else (),
                    legalised_bbl=legal, price_usd_per_bbl=prices_bbl)
        caveats.append(
            "Petroleum: published estimates of actual imports (tanker counts, partial years as published, so lower "
            "bounds for their years) exceed the cap; relief would legalise that fuel, whose value is the price wedge "
            "between smuggled and legal fuel. nkecon has no sourced series of North Korean market fuel prices "
            "beside world refined-product prices, so the wedge is a parameter"
            + ("" if prices_bbl else ", and without a world price the new fuel stays in barrels") + ".")

    if "luxury" in chosen:
        lux_all = datasets.load("luxury_imports", data_dir=data_dir)
        lux = datasets.full_years(lux_all)
        sanc = datasets.load("sanctions", data_dir=data_dir)
        groups = set(lux_all["product_group"].astype(str))
        tags = set(";".join(sanc["categories"].dropna().astype(str)).split(";"))
        for g, tag in dict(luxury_otherwise_banned).items():
            if g not in groups:
                raise ParameterError(f"The value for `luxury_otherwise_banned` names {g!r}, which is not a "
                                     "product_group of luxury_imports.")
            if tag not in tags:
                raise ParameterError(f"The value for `luxury_otherwise_banned` gives {g!r} the tag {tag!r}, "
                                     "which no measure in sanctions carries.")
        other = list(luxury_otherwise_banned)
        base_total, base_binding = _luxury_binding(lux, base_year, other)  # base year checked above
        if luxury_after_years is None:
            after = [int(y) for y in sorted(set(lux["year"])) if y >= luxury_after_from and _luxury_binding(lux, y, other)]
            if not after:
                raise ParameterError(f"No full year of luxury imports from {luxury_after_from} publishes every group of "
                                     f"`luxury_otherwise_banned` ({', '.join(other)}); pass `luxury_after_years`.")
        else:
            after = []
            for y in luxury_after_years:
                if not _is_int(y):
                    raise ParameterError(f"The value for `luxury_after_years` must list integer years, "
                                         f"but {luxury_after_years!r} was passed.")
                got = _luxury_binding(lux, int(y), other)
                if got is None:
                    have = sorted(set(lux.loc[lux["year"] == y, "product_group"].astype(str)))
                    raise ParameterError(
                        f"luxury_imports has no full-year total with every group of `luxury_otherwise_banned` for "
                        f"{y} (groups published: {have or 'none'}); a missing group is not read as 0, so {y} cannot "
                        "be an 'after' year.")
                after.append(int(y))
        binding_after = {y: _luxury_binding(lux, y, other)[1] for y in after}
        low = max(base_binding - max(binding_after.values()), 0.0)
        high = max(base_binding - min(binding_after.values()), 0.0)
        srcs = lux[(lux["year"].isin([base_year] + after))]["source_id"].astype(str)
        rows.append(dict(
            measure="luxury", flow="imports", quantity=_QUANTITY["luxury"], unit="US$ mn", low=low, high=high,
            usd_mn_low=low, usd_mn_high=high, usd_mn_now_low=low, usd_mn_now_high=high, benchmark_usd_mn=np.nan,
            basis=(f"China's exports to North Korea of Seoul's 13 luxury groups less {', '.join(other)} (which other "
                   f"resolutions still ban): {base_binding:.1f} in {base_year} (of {base_total:.1f}), "
                   + ", ".join(f"{v:.1f} in {y}" for y, v in binding_after.items())
                   + "; relief restores the base-year level less the later one, never below 0. Nominal US$: no price "
                   "index, so current prices equal base-year prices."),
            source_ids=";".join(dict.fromkeys(srcs)),
        ))
        pre_closure = [y for y in after if y < 2020]
        info.update(luxury_before_usd_mn=base_total, luxury_binding_before_usd_mn=base_binding,
                    luxury_after_years=tuple(after), luxury_binding_after_usd_mn=binding_after,
                    luxury_otherwise_banned_usd_mn=base_total - base_binding)
        caveats.append(
            "Luxury values are South Korean lawmakers' tallies of China's customs data against Seoul's broad 13-group "
            "list; relief counts only the groups no other ban blocks. "
            + ("" if pre_closure else "No 2018-2019 (post-ban, pre-closure) figures with every group are sourced; "
               f"the 'after' years are {', '.join(map(str, after))}. ")
            + "Luxury relief spends foreign currency; it earns none.")

    table = pd.DataFrame(rows)
    for col in ("low", "high", "usd_mn_low", "usd_mn_high", "usd_mn_now_low", "usd_mn_now_high", "benchmark_usd_mn"):
        table[col] = table[col].astype(float)
    for end in ("low", "high"):
        table[f"pct_gni_{end}"] = 100 * table[f"usd_mn_{end}"] / gni_usd_mn
        table[f"pct_gni_now_{end}"] = 100 * table[f"usd_mn_now_{end}"] / gni_usd_mn
    flow_total = table["flow"].map({"exports": info["exports_usd_mn"], "imports": info["imports_usd_mn"]})
    table["pct_flow_now_low"] = 100 * table["usd_mn_now_low"] / flow_total
    table["pct_flow_now_high"] = 100 * table["usd_mn_now_high"] / flow_total
    table = table[["measure", "flow", "quantity", "unit", "low", "high", "usd_mn_low", "usd_mn_high", "usd_mn_now_low",
                   "usd_mn_now_high", "pct_gni_low", "pct_gni_high", "pct_gni_now_low", "pct_gni_now_high",
                   "pct_flow_now_low", "pct_flow_now_high", "benchmark_usd_mn", "basis", "source_ids"]]
    log.debug("relief_scenario %s base %s: %s", chosen, base_year, table[["measure", "low", "high"]].to_dict("records"))
    return Result(
        "relief_scenario", table,
        sample=(f"base year {base_year}; prices, trade ({trade_series}, latest release) and GNI of {now}; "
                f"measures: {', '.join(chosen)}"),
        method=("accounting: the value each eased measure restores a year, from sourced pre-ban levels; exports "
                "repriced with World Bank annual prices; shares of GNI at the BOK's own won-dollar conversion"),
        uncertainty=("low/high bounds from fully versus partly banned products, aggregates versus their items, the "
                     "price changes of an aggregate's commodities and disagreeing published import estimates; "
                     "not statistical intervals"),
        caveat=" ".join(caveats), info=info)


def check_parameters(measures: Any, base_year: Any, cap_raise_bbl: Any = 0, price_usd_per_bbl: Any = 0.0,
                     wedge_usd_per_bbl: Any = 0.0) -> None:
    """Raise :class:`ParameterError` unless the relief report's parameters build.

    The report's parameters use ``0`` for "not given" (the cap raise then restores the
    pre-cap level, and petroleum stays in barrels without a price or wedge).

    Examples
    --------
    >>> check_parameters(["luxury"], 2014)
    >>> check_parameters(["metals"], 2012)
    Traceback (most recent call last):
    ...
    nkecon.errors.ParameterError: The value for `base_year` must be one of [2016] for measures ['metals'] (years with the data each measure needs before its ban), but 2012 was passed.
    """
    relief_scenario(measures, base_year=base_year, cap_raise_bbl=cap_raise_bbl or None,
                    price_usd_per_bbl=price_usd_per_bbl or None, wedge_usd_per_bbl=wedge_usd_per_bbl or None)


# --------------------------------------------------------------------------------------
# tables and words
# --------------------------------------------------------------------------------------

def _fmt_usd(x: float) -> str:
    if x == 0:
        return "nothing"
    return f"${x / 1000:.2f} billion" if abs(x) >= 1000 else f"${x:,.0f} million"


def _fmt_range(lo: float, hi: float, unit: str) -> str:
    if unit == "bbl":
        f = lambda v: f"{v / 1e6:.2f} million barrels" if v >= 1e5 else f"{v:,.0f} barrels"  # noqa: E731
        return f(lo) if round(lo) == round(hi) else f"{f(lo)} to {f(hi)}".replace(" million barrels to", " to")
    if round(lo, 1) == round(hi, 1):
        return _fmt_usd(lo)
    return f"{_fmt_usd(lo)} to {_fmt_usd(hi)}".replace(" million to", " to").replace(" billion to $", " to $") \
        if (lo >= 1000) == (hi >= 1000) and lo > 0 else f"{_fmt_usd(lo)} to {_fmt_usd(hi)}"


def _fmt_pct(lo: float, hi: float) -> str:
    if math.isnan(lo):
        return ""
    digits = 2 if hi < 1 else 1
    return f"{lo:.{digits}f}%" if round(lo, digits) == round(hi, digits) else f"{lo:.{digits}f}-{hi:.{digits}f}%"


def relief_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The scenario as short tables a reader can read: earnings, spending, benchmarks.

    ``earnings`` holds the export measures, ``spending`` the import measures (each with
    its range at base-year and current prices and as a percent of GNI), ``benchmarks`` the
    officials' valuations beside nkecon's range, ``bans`` what each export scope lifts,
    ``summary`` each measure's range (and share of GNI) at both prices beside the published
    estimate. Long text (each row's basis) is in ``notes``.

    Examples
    --------
    >>> t = relief_tables(relief_scenario(["minerals", "luxury"]))
    >>> list(t["earnings"]["measure"]), list(t["spending"]["measure"])
    (['minerals'], ['luxury'])
    """
    t, info = result.table, result.info
    by, now, out = info["base_year"], info["compare_year"], {}

    def rng(lo: float, hi: float, digits: int = 0) -> str:
        if pd.isna(lo):
            return ""
        return f"{lo:,.{digits}f}" if round(lo, digits) == round(hi, digits) else f"{lo:,.{digits}f} to {hi:,.{digits}f}"

    for key, flow in (("earnings", "exports"), ("spending", "imports")):
        rows = t[t["flow"] == flow]
        out[key] = pd.DataFrame({
            "measure": rows["measure"].to_numpy(),
            f"US$ mn, {by} prices": [rng(a, b) if u != "bbl" or not pd.isna(a) else "" for a, b, u in
                                     zip(rows["usd_mn_low"], rows["usd_mn_high"], rows["unit"])],
            f"US$ mn, {now} prices": [rng(a, b) for a, b in zip(rows["usd_mn_now_low"], rows["usd_mn_now_high"])],
            f"% of {now} GNI, {by} prices": [rng(a, b, 2) for a, b in zip(rows["pct_gni_low"], rows["pct_gni_high"])],
            f"% of {now} GNI, {now} prices": [rng(a, b, 2) for a, b in zip(rows["pct_gni_now_low"], rows["pct_gni_now_high"])],
            f"% of {now} {flow}": [rng(a, b, 1) for a, b in zip(rows["pct_flow_now_low"], rows["pct_flow_now_high"])],
            "barrels a year": [rng(a, b) if u == "bbl" else "" for a, b, u in zip(rows["low"], rows["high"], rows["unit"])],
        })
        if not (rows["unit"] == "bbl").any():
            out[key] = out[key].drop(columns="barrels a year")
    bench = []
    for m, s in info.get("scopes", {}).items():
        row = t.set_index("measure").loc[m]
        for b in s["benchmarks"].itertuples():
            bench.append({"measure": m, "estimate": b.estimate_id, "publisher": b.publisher,
                          "US$ mn a year": f"{abs(b.effect):,.0f}"})
        bench.append({"measure": m, "estimate": "sum of the above", "publisher": "",
                      "US$ mn a year": f"{s['benchmark_usd_mn']:,.0f}"})
        bench.append({"measure": m, "estimate": f"nkecon, {by} prices", "publisher": "",
                      "US$ mn a year": rng(row["usd_mn_low"], row["usd_mn_high"])})
        bench.append({"measure": m, "estimate": f"nkecon, {now} prices", "publisher": "",
                      "US$ mn a year": rng(row["usd_mn_now_low"], row["usd_mn_now_high"])})
    out["benchmarks"] = pd.DataFrame(bench, columns=["measure", "estimate", "publisher", "US$ mn a year"])
    bans = [s["bans"].assign(scope=m) for m, s in info.get("scopes", {}).items()]
    if bans:
        lifted = pd.concat(bans, ignore_index=True)
        out["bans"] = (lifted.groupby(["product", "hs_codes", "measures"], sort=False)["scope"]
                       .agg(", ".join).reset_index()
                       .assign(product=lambda d: d["product"].str.replace("_", " "))
                       [["product", "scope", "hs_codes", "measures"]])
    else:
        out["bans"] = pd.DataFrame(columns=["product", "scope", "hs_codes", "measures"])
    out["notes"] = pd.DataFrame({"measure": t["measure"], "basis": t["basis"]})

    def cell(lo: float, hi: float, pct_lo: float, pct_hi: float, unit: str, blo: float, bhi: float) -> str:
        if pd.isna(lo):
            return f"{rng(blo, bhi)} bbl (unpriced)" if unit == "bbl" else ""
        pct = "" if pd.isna(pct_lo) else f" ({_fmt_pct(pct_lo, pct_hi)} of {now} GNI)"
        return f"US$ {rng(lo, hi)} mn{pct}"

    summary = []
    for r in t.itertuples():
        bench = info.get("scopes", {}).get(r.measure, {}).get("benchmark_usd_mn", float("nan"))
        summary.append({
            "measure": r.measure, "flow": "export earnings" if r.flow == "exports" else "import spending",
            f"{by} prices": cell(r.usd_mn_low, r.usd_mn_high, r.pct_gni_low, r.pct_gni_high, r.unit, r.low, r.high),
            f"{now} prices": cell(r.usd_mn_now_low, r.usd_mn_now_high, r.pct_gni_now_low, r.pct_gni_now_high, r.unit,
                                  r.low, r.high),
            "published estimate": "none published" if pd.isna(bench) else f"US$ {bench:,.0f} mn (officials, before the bans)",
        })
    out["summary"] = pd.DataFrame(summary, columns=["measure", "flow", f"{by} prices", f"{now} prices",
                                                    "published estimate"])
    return out


def relief_sentences(result: Result) -> list[str]:
    """The scenario in sentences written from its numbers.

    Export earnings and import spending get separate sentences and are ranked only among
    themselves (midpoints of the US dollar ranges at current prices); then the published
    benchmarks, with why nkecon's range excludes them, and the scale of GNI.

    Examples
    --------
    >>> r = relief_scenario(["minerals", "metals"])
    >>> print(relief_sentences(r)[1])  # doctest: +ELLIPSIS
    The metal bans alone ... are part of the mineral figure, not in addition to it.
    """
    t, info = result.table.set_index("measure", drop=False), result.info
    by, now = info["base_year"], info["compare_year"]
    out: list[str] = []

    def gni(r: Any, now_prices: bool = True) -> str:
        lo, hi = (r.pct_gni_now_low, r.pct_gni_now_high) if now_prices else (r.pct_gni_low, r.pct_gni_high)
        return "" if pd.isna(lo) else f" ({_fmt_pct(lo, hi)} of {now} GNI)"

    if "minerals" in t.index:
        r = t.loc["minerals"]
        out.append(f"Easing the mineral export bans, as the briefing put the request, would restore "
                   f"{_fmt_range(r.usd_mn_low, r.usd_mn_high, 'usd')} of export earnings a year at {by} prices"
                   f"{gni(r, False)}, {_fmt_range(r.usd_mn_now_low, r.usd_mn_now_high, 'usd')} at {now} prices{gni(r)}.")
    if "metals" in t.index:
        r = t.loc["metals"]
        nested = "minerals" in t.index
        out.append(f"The metal bans alone{' (the English press' + chr(39) + 's reading)' if nested else ''} "
                   f"{'are worth' if nested else 'would restore'} "
                   f"{_fmt_range(r.usd_mn_low, r.usd_mn_high, 'usd')} a year at {by} prices{gni(r, False)}, "
                   f"{_fmt_range(r.usd_mn_now_low, r.usd_mn_now_high, 'usd')} at {now} prices{gni(r)}"
                   + ("; they are part of the mineral figure, not in addition to it." if nested
                      else " of export earnings."))
    for m, s in info.get("scopes", {}).items():
        r = t.loc[m]
        b = s["benchmark_usd_mn"]
        if math.isnan(b):
            continue
        where = ("within" if r.usd_mn_low <= b <= r.usd_mn_high else "above" if b > r.usd_mn_high else "below")
        where_now = ("within" if r.usd_mn_now_low <= b <= r.usd_mn_now_high else
                     "above" if b > r.usd_mn_now_high else "below")
        periods = sorted({str(p) for p in s["benchmarks"]["period"].dropna() if str(p)})
        why = ""
        if where != "within" or where_now != "within":
            reasons = []
            if b > r.usd_mn_high:
                if s["unvalued"]:
                    reasons.append(f"nkecon has no {by} value for {', '.join(p.replace('_', ' ') for p in s['unvalued'])}"
                                   " except inside an aggregate")
                reasons.append("the officials counted every destination, nkecon China's customs figures")
            if periods:
                reasons.append(f"they valued earnings of {', '.join(periods)} at the prices of the time")
            lo_r, hi_r = s["price_ratio"]
            if b < r.usd_mn_now_low:
                verb = "rose" if lo_r >= 1 else "changed"
                reasons.append(f"World Bank prices of the commodities in the scope {verb} {lo_r:.2f}-{hi_r:.2f}-fold "
                               f"from {by} to {now}")
            why = " Why: " + "; ".join(reasons) + "."
        label = {"minerals": "mineral export", "metals": "metal export"}.get(m, m)
        out.append(f"The officials' before-the-fact valuations of the {label} bans add up to {_fmt_usd(b)} a year: "
                   + (f"{where} nkecon's range at both {by} and {now} prices." if where == where_now else
                      f"{where} nkecon's range at {by} prices and {where_now} it at {now} prices.") + why)
    spending = t[(t["flow"] == "imports")]
    for r in spending.itertuples():
        if r.measure == "petroleum":
            lo_l, hi_l = info["legalised_bbl"]
            out.append(f"Raising the refined petroleum cap from {info['cap_now_bbl']:,.0f} to {info['new_cap_bbl']:,.0f} "
                       f"barrels a year ({info['new_cap_pct_of_pre_cap']:.0f}% of the {by} pre-cap level) would let in "
                       f"{_fmt_range(r.low, r.high, 'bbl')} of new fuel a year and legalise "
                       f"{_fmt_range(lo_l, hi_l, 'bbl')} that published estimates say already arrive"
                       + ("" if pd.isna(r.usd_mn_low) else
                          f"; worth {_fmt_range(r.usd_mn_low, r.usd_mn_high, 'usd')} a year{gni(r)} at the given "
                          + ("world price" if info["priced"] else "")
                          + (" and " if info["priced"] and info["wedge"] else "")
                          + ("price wedge" if info["wedge"] else "")
                          + " (new fuel bought at the world price; the smuggling premium no longer paid on legalised"
                            " fuel)")
                       + ".")
        else:
            after = ", ".join(str(y) for y in info["luxury_after_years"])
            later = max(info["luxury_binding_after_usd_mn"].values())
            worth = _fmt_range(r.usd_mn_low, r.usd_mn_high, 'usd')
            out.append(f"Easing the luxury ban would let back in {worth}{'' if worth == 'nothing' else ' of luxury imports'}"
                       f" a year: the groups no other ban blocks were worth {_fmt_usd(info['luxury_binding_before_usd_mn'])} "
                       f"in {by} and {_fmt_usd(later)} in {after}"
                       + (", so the luxury ban no longer binds." if r.usd_mn_high == 0 else "."))
    priced = spending.dropna(subset=["usd_mn_now_low"]).copy()
    if len(priced) >= 2:
        priced["mid"] = (priced["usd_mn_now_low"] + priced["usd_mn_now_high"]) / 2
        priced = priced.sort_values("mid", ascending=False, kind="stable")
        a, b = priced.iloc[0], priced.iloc[1]
        overlap = a["usd_mn_now_low"] <= b["usd_mn_now_high"]
        ratio = a["mid"] / b["mid"] if b["mid"] > 0 else float("inf")
        times = "more than any multiple of" if math.isinf(ratio) else f"{ratio:.1f} times"
        out.append(f"Of the import spending, {a['quantity']} weigh most: a midpoint of {_fmt_usd(a['mid'])} a year, "
                   f"{times} the {b['quantity']} ({_fmt_usd(b['mid'])})"
                   + ("; the ranges overlap, so the ranking is not certain." if overlap else "; the ranges do not overlap.")
                   + " Import spending costs foreign currency; it is not ranked against export earnings.")
    if not math.isnan(info["gni_usd_mn"]):
        out.append(f"For scale: the BOK puts North Korea's {now} GNI at {info['gni_krw_tn']:.1f} trillion won, "
                   f"{_fmt_usd(info['gni_usd_mn'])} at its own conversion of {info['krw_per_usd']:,.0f} won a dollar; "
                   f"its exports were {_fmt_usd(info['exports_usd_mn'])} and imports {_fmt_usd(info['imports_usd_mn'])}.")
    return out


# --------------------------------------------------------------------------------------
# chart
# --------------------------------------------------------------------------------------

def plot_relief_scenario(result: Result, *, ax: Any = None, **kwargs: Any) -> Any:
    """Each eased measure's value a year as low-high range bars, earnings apart from spending.

    One panel per kind of value: export earnings (US$ mn, base-year and current prices,
    with the officials' valuations as diamonds), import spending (US$ mn) and unpriced
    petroleum (million barrels). With ``ax`` given, only the first panel is drawn on it.
    Returns the first Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_relief_scenario(relief_scenario(["metals", "luxury"]))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Metal export earnings restored']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    from .plots import house_style, source_line

    t, info = result.table, result.info
    by, now = info["base_year"], info["compare_year"]
    panels = []
    exp = t[t["flow"] == "exports"]
    imp_usd = t[(t["flow"] == "imports") & t["usd_mn_low"].notna()]
    imp_bbl = t[(t["flow"] == "imports") & t["usd_mn_low"].isna()]
    if len(exp):
        panels.append((exp, "export earnings restored, US$ mn a year", "usd"))
    if len(imp_usd):
        panels.append((imp_usd, "import spending allowed, US$ mn a year", "usd"))
    if len(imp_bbl):
        panels.append((imp_bbl, "new imports allowed, million barrels a year", "bbl"))
    with house_style():
        if ax is None:
            heights = [len(p[0]) * (2 if p[2] == "usd" and p[0] is exp else 1) + 1 for p in panels]
            fig, axes = plt.subplots(len(panels), 1, figsize=kwargs.pop("figsize", (8, 1.6 + 0.55 * sum(heights))),
                                     layout="constrained", squeeze=False, gridspec_kw={"height_ratios": heights})
            axes = list(axes[:, 0])
        else:
            axes, panels = [ax], panels[:1]
        styles = {"base": dict(color="#0072B2", hatch=None), "now": dict(color="#56B4E9", hatch=".."),
                  "imports": dict(color="#E69F00", hatch="//")}
        for a, (rows, xlabel, kind) in zip(axes, panels):
            labels, y = [], 0.0
            ticks = []
            for r in list(rows.itertuples())[::-1]:
                if kind == "bbl":
                    bars = [("imports", r.low / 1e6, r.high / 1e6, "barrels")]
                elif r.flow == "exports":
                    bars = [("now", r.usd_mn_now_low, r.usd_mn_now_high, f"at {now} prices"),
                            ("base", r.usd_mn_low, r.usd_mn_high, f"at {by} prices")]  # drawn bottom-up
                else:
                    bars = [("imports", r.usd_mn_low, r.usd_mn_high, "import spending")]
                start = y
                for style, lo, hi, label in bars:
                    a.barh(y, max(hi - lo, 0), left=lo, height=0.6, edgecolor="black", label=label,
                           **styles[style], **kwargs)
                    a.plot([lo, hi], [y, y], "|", color="black", markersize=12)
                    a.annotate("0: nothing" if hi == 0 else f"{lo:,.1f} to {hi:,.1f}" if round(lo, 1) != round(hi, 1) else f"{lo:,.1f}",
                               (hi, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
                    y += 0.8
                if r.flow == "exports" and not pd.isna(r.benchmark_usd_mn):
                    a.plot([r.benchmark_usd_mn], [(start + y - 0.8) / 2], "D", color="black", markersize=6,
                           label="officials' valuation (sum)")
                ticks.append((start + y - 0.8) / 2)
                labels.append(r.quantity[0].upper() + r.quantity[1:])
                y += 0.6
            a.set_yticks(ticks, labels)
            a.set_xlabel(xlabel[0].upper() + xlabel[1:])
            a.margins(x=0.18, y=0.15)
            a.set_xlim(0, None)
            if a.get_xlim()[1] < 1:  # every range is 0: a readable scale, not 0-0.05
                a.set_xlim(0, 100)
            handles, names = a.get_legend_handles_labels()
            uniq = dict(zip(names, handles))
            order = [f"at {by} prices", f"at {now} prices", "officials' valuation (sum)"]
            uniq = dict(sorted(uniq.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
            a.legend(uniq.values(), uniq.keys(), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        first = axes[0]
        eased = list(info["measures"])
        eased_txt = eased[0] if len(eased) == 1 else ", ".join(eased[:-1]) + " and " + eased[-1]
        first.set_title(f"What easing {eased_txt} is worth a year, low to high", loc="left")
        used = [d for m, d in (("minerals", "export_composition"), ("metals", "export_composition"),
                               ("minerals", "commodity_prices"), ("metals", "commodity_prices"),
                               ("petroleum", "refined_petroleum"), ("luxury", "luxury_imports"))
                if m in eased]
        used = list(dict.fromkeys(used))
        n_src = len(set(";".join(t["source_ids"]).split(";")))
        source_line(axes[-1], *used, extra=f"{n_src} sources; earnings and spending are not added or ranked together.")
    return first
