"""Exposure: the share of North Korea's exports under the UN bans in force."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

from .common import year_param
from .trade import latest_annual

__all__ = ["sanctions_exposure"]



# --------------------------------------------------------------------------- sanctions exposure
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
    if partner not in datasets.TOTAL_SERIES:
        raise ParameterError(f"The value for `partner` must be 'china' or 'world', but {partner!r} was passed.")
    totals = latest_annual(trade, series=datasets.TOTAL_SERIES[partner], partner=partner, flow="exports")
    comp = composition[(composition["year"] == base_year) & (composition["partner"] == partner)]
    usable = sorted(set(int(y) for y in composition.loc[composition["partner"] == partner, "year"]) & set(totals.index))
    if comp[comp["role"] != "overview"].empty:
        raise ParameterError(f"The value for `base_year` must be a year with exports by product to {partner} "
                             f"({usable}), but {base_year!r} was passed: the data hold none for it.")
    if base_year not in totals.index:
        raise ParameterError(f"The value for `base_year` must be a year with exports by product to {partner} and their "
                             f"annual total ({usable}), but {base_year!r} was passed: no annual {datasets.TOTAL_SERIES[partner]} "
                             f"exports total for it in the trade data.")
    total = float(totals.loc[base_year])
    end = int(totals.index.max()) if end is None else int(end)
    start = year_param("start", start, 1990, end)
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
