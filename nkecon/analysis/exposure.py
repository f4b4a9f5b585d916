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

__all__ = ["FULL_KINDS", "INPUT_IMPORT_BANS", "ban_spans", "sanctions_exposure", "sanctions_shock"]



# --------------------------------------------------------------------------- sanctions exposure
#: Kinds of measure that stop a product's whole flow: a UN ban, or China's suspension of all
#: coal imports from 19 February 2017 (North Korea's coal went almost entirely to China).
FULL_KINDS = frozenset({"ban", "suspension"})


def ban_spans(bans: pd.DataFrame, sanctions: pd.DataFrame, *,
              direction: str = "export") -> dict[str, list[tuple[pd.Timestamp, str]]]:
    """When each product came under each kind of ban, for one direction of trade.

    A row's date is its ``effective_date``, else the adoption date of its measure. Rows
    without a ``direction`` (data written before the column existed) are export bans.

    Parameters
    ----------
    bans, sanctions : DataFrame
        The ``product_bans`` and ``sanctions`` data.
    direction : {"export", "import"}
        North Korea's exports or its imports.

    Returns
    -------
    dict
        ``product -> [(date, kind), ...]``.

    Examples
    --------
    >>> spans = ban_spans(datasets.load_product_bans(), datasets.load_sanctions())
    >>> any(kind == "ban" for _, kind in spans["coal"])
    True
    """
    adopted = sanctions.set_index("measure_id")["date"]
    rows = bans
    if "direction" in bans.columns:
        rows = bans[bans["direction"].astype("string").fillna("export").str.startswith(direction)]
    elif direction != "export":
        rows = bans.iloc[0:0]
    spans: dict[str, list[tuple[pd.Timestamp, str]]] = {}
    for b in rows.itertuples():
        when = b.effective_date if pd.notna(b.effective_date) else adopted.get(b.measure_id)
        if pd.isna(when):
            continue
        spans.setdefault(str(b.product), []).append((pd.Timestamp(when), str(b.ban_kind)))
    return spans


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

    Two bounds: the **lower** bound counts only priced products under a full ban (or
    China's suspension of coal imports of 19 February 2017, which stopped North Korea's
    coal exports seven months before resolution 2371); the
    **upper** bound also counts priced products under a cap or a partial ban. Exports
    without a published value by product (the base-year total minus the priced products,
    ``unpriced_pct``) are in neither bound: they include exports no ban ever covered
    (wigs, false eyelashes, watches), and the data do not break them down. The same
    figures in US$ million a year (``lower_usd_mn``, ``upper_usd_mn``) are what
    :func:`sanctions_shock` differences. Import bans in force (``product_bans`` rows
    whose ``direction`` is ``import``) are listed beside, in ``imports_banned``.

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
    >>> bool(t.loc[2018, "lower_pct"] <= 90 <= t.loc[2018, "upper_pct"] + t.loc[2018, "unpriced_pct"])
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
    spans = ban_spans(bans, sanctions, direction="export")
    imports_in = ban_spans(bans, sanctions, direction="import")
    months = pd.period_range(f"{start}-01", f"{end}-12", freq="M")
    rows = []
    for m in months:
        day = m.end_time.normalize()
        full = partial = 0.0
        banned = []
        for product, value in items.items():
            kinds = {k for when, k in spans.get(product, []) if when <= day}
            if kinds & FULL_KINDS:
                full += value
                banned.append(product)
            elif kinds:
                partial += value
        imported = sorted(p for p, dates in imports_in.items() if any(when <= day and k in FULL_KINDS for when, k in dates))
        rows.append((m, 100 * full / total, 100 * (full + partial) / total, 100 * (total - priced) / total,
                     full, full + partial, ";".join(sorted(banned)), ";".join(imported)))
    monthly = pd.DataFrame(rows, columns=["month", "lower_pct", "upper_pct", "unpriced_pct", "lower_usd_mn",
                                          "upper_usd_mn", "products_banned", "imports_banned"])
    monthly["year"] = monthly["month"].dt.year
    numeric = ["lower_pct", "upper_pct", "unpriced_pct", "lower_usd_mn", "upper_usd_mn"]
    annual = monthly.groupby("year")[numeric].mean()
    at_end = monthly.drop_duplicates("year", keep="last").set_index("year")[["products_banned", "imports_banned"]]
    annual = annual.join(at_end).reset_index()
    for col in ("products_banned", "imports_banned"):
        annual[col] = annual[col].astype("string")
    return Result(
        "sanctions_exposure",
        annual,
        sample=(f"{partner} exports by product in {base_year} ({len(items)} priced products, "
                f"{100 * priced / total:.0f}% of the {total:,.0f} US$ mn total); UN bans by date of effect, {start}-{end}"),
        method="monthly share of base-year export value under bans in force, averaged over each year",
        uncertainty=("lower bound: priced products under a full ban; upper bound: also priced products under a "
                     "cap or a partial ban; exports without a published value by product (`unpriced_pct`) are "
                     "outside both bounds, since no data say whether a ban covers them"),
        caveat=f"weights are {base_year}'s export mix; later years' exports were different (most of them banned)",
        info={"monthly": monthly, "base_year": base_year, "base_total_usd_mn": total, "partner": partner,
              "priced_share_pct": 100 * priced / total, "end": end},
    )


#: Import bans on industrial inputs (resolution 2397: industrial machinery, transport
#: vehicles, iron, steel and other metals), as tagged in the ``sanctions`` data.
INPUT_IMPORT_BANS: tuple[str, ...] = ("import_ban:machinery", "import_ban:vehicles", "import_ban:metals")


def sanctions_shock(
    exposure: Result | None = None,
    *,
    trade: pd.DataFrame | None = None,
    sanctions: pd.DataFrame | None = None,
    lag: int = 0,
) -> Result:
    """What the UN bans *newly* cut off each year, in US$ million of trade with China.

    * **Exports**: the year's increase in the base-year export value under bans in force
      (:func:`sanctions_exposure`, averaged over the months, so a ban taking effect in
      September counts a third in its year and the rest in the next), between the lower
      bound (full bans) and the upper bound (also caps and partial bans).
    * **Imports**: in the first year an import ban on industrial inputs was in force for a
      whole year (:data:`INPUT_IMPORT_BANS`: resolution 2397, adopted 22 December 2017, so
      2018), the fall of China customs imports that year. This is an upper bound on what the
      ban cut: the data hold no import composition by product, and anything else that cut
      imports that year is counted with it.

    A year without a new measure gets 0: the bans do not cut the same flow twice.
    ``shock_usd_mn`` is the negative of the mid-point (trade lost is a negative shock).

    Parameters
    ----------
    exposure : Result, optional
        From :func:`sanctions_exposure` (China base, the default).
    trade, sanctions : DataFrame, optional
        The ``trade`` and ``sanctions`` data.
    lag : int
        Years between a cut and its effect (0: none; no source documents a lag for the
        annual figures, so other values are structural alternatives).

    Returns
    -------
    Result
        One row per year: ``exports_cut_lower_usd_mn``, ``exports_cut_upper_usd_mn``,
        ``imports_cut_usd_mn``, ``shock_usd_mn``, ``shock_lower_usd_mn`` (the larger cut),
        ``shock_upper_usd_mn``, ``shock_pct_of_base`` (percent of the base year's China trade),
        ``measures`` (the bans that took effect).

    Examples
    --------
    >>> t = sanctions_shock().table.set_index("year")
    >>> float(t.loc[2019, "shock_usd_mn"]), float(t.loc[2021, "shock_usd_mn"])
    (0.0, 0.0)
    >>> bool(t.loc[2018, "shock_usd_mn"] < 0)
    True
    """
    trade = datasets.load_trade() if trade is None else trade
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    exposure = sanctions_exposure(trade=trade, sanctions=sanctions) if exposure is None else exposure
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or not 0 <= lag <= 3:
        raise ParameterError(f"The value for `lag` must be an integer from 0 to 3, but {lag!r} was passed.")
    ex = exposure.table.set_index("year")
    first, last = int(ex.index.min()), int(ex.index.max())
    years = list(range(first, last + 1))
    lower = ex["lower_usd_mn"].reindex(years).ffill()
    upper = ex["upper_usd_mn"].reindex(years).ffill()
    cut_lo = lower.diff().fillna(lower.iloc[0]).clip(lower=0)
    cut_hi = upper.diff().fillna(upper.iloc[0]).clip(lower=0)
    imports = latest_annual(trade, series="china_customs", partner="china", flow="imports")
    un = sanctions[sanctions["authority"] == "UN"]
    input_bans = un[un["categories"].astype(str).apply(lambda c: any(t in c.split(";") for t in INPUT_IMPORT_BANS))]
    import_cut = pd.Series(0.0, index=years)
    import_note = {}
    for m in input_bans.itertuples():
        d = pd.Timestamp(m.date)
        year = d.year if d.month == 1 and d.day == 1 else d.year + 1  # first whole year in force
        if year in import_cut.index and year in imports.index and year - 1 in imports.index:
            fall = max(float(imports.loc[year - 1] - imports.loc[year]), 0.0)
            import_cut.loc[year] += fall
            import_note[year] = f"{m.instrument} import bans (China imports {imports.loc[year - 1]:,.0f} -> {imports.loc[year]:,.0f})"
    months = exposure.info["monthly"]
    measures = {}
    for y in years:
        now = set(str(months.loc[months["year"] == y, "products_banned"].iloc[-1] or "").split(";")) - {""}
        before = set(str(months.loc[months["year"] == y - 1, "products_banned"].iloc[-1] or "").split(";")) - {""} \
            if (months["year"] == y - 1).any() else set()
        new = sorted(now - before)
        text = (f"export bans on {', '.join(new)}" if new else "")
        if cut_lo.loc[y] > 0 and not new:
            text = "full-year effect of the export bans of the year before"
        if y in import_note:
            text = "; ".join(t for t in (text, import_note[y]) if t)
        measures[y] = text
    frame = pd.DataFrame({"year": years, "exports_cut_lower_usd_mn": cut_lo.to_numpy(),
                          "exports_cut_upper_usd_mn": cut_hi.to_numpy(), "imports_cut_usd_mn": import_cut.to_numpy()})
    frame["shock_usd_mn"] = -((frame["exports_cut_lower_usd_mn"] + frame["exports_cut_upper_usd_mn"]) / 2
                              + frame["imports_cut_usd_mn"])
    cuts = frame[["exports_cut_lower_usd_mn", "exports_cut_upper_usd_mn"]]
    frame["shock_lower_usd_mn"] = 0.0 - (cuts.max(axis=1) + frame["imports_cut_usd_mn"])
    frame["shock_upper_usd_mn"] = 0.0 - (cuts.min(axis=1) + frame["imports_cut_usd_mn"])
    frame["shock_usd_mn"] = frame["shock_usd_mn"] + 0.0
    base_year = int(exposure.info["base_year"])
    base_trade = latest_annual(trade, series="china_customs", partner="china", flow="total").get(base_year, np.nan)
    frame["shock_pct_of_base"] = 100 * frame["shock_usd_mn"] / base_trade
    frame["measures"] = pd.array([measures[y] for y in years], dtype="string")
    if lag:
        for col in [c for c in frame.columns if c.endswith("usd_mn")]:
            frame[col] = frame[col].shift(lag, fill_value=0.0)
        frame["measures"] = frame["measures"].shift(lag, fill_value="")
    return Result(
        "sanctions_shock", frame,
        sample=(f"{exposure.info['partner']} exports by product in {exposure.info['base_year']} under the bans in force "
                f"(month by month), China customs annual imports; {first}-{last}"),
        method=("exports newly cut: the year's increase in the base-year value under bans in force (yearly mean of "
                "months); imports newly cut: the fall of China imports in the first whole year of an import ban on "
                "industrial inputs" + (f"; lagged {lag} year(s)" if lag else "")),
        uncertainty="between the exposure's lower bound (full bans) and upper bound (also caps and partial bans)",
        caveat=("base-year (2016) prices and mix; the import cut is an upper bound (no import composition by product); "
                "the bans' later enforcement (smuggling, ship-to-ship transfers) is not measured"),
        info={"lag": lag, "base_year": exposure.info["base_year"], "partner": exposure.info["partner"]},
    )
