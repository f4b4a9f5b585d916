"""Charts of the attribution: a year's growth by driver, and beside published estimates."""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from .. import analysis, datasets
from .style import DRIVER_COLOURS, DRIVER_HATCH, DRIVER_LABEL, GREY, HIGHLIGHT, SECTOR_LABEL, driver_legend, new_axes, source_line, styled, un_resolutions

__all__ = ["plot_sector_contributions", "plot_driver_attribution", "plot_estimates_comparison", "plot_structural_alternatives", "plot_driver_shocks"]


# ------------------------------------------------------------------------- 3. driver attribution
@styled
def plot_driver_attribution(
    data: "analysis.Result | None" = None,
    *,
    year: int = 2020,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Percentage points of growth per driver, with its interval (pass-through, shock
    bounds, BOK revisions, rounding) as error bars.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.attribute_drivers` (computed for ``year`` if omitted).
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_driver_attribution(year=2020)
    >>> ax.get_title(loc="left")
    'Why the economy shrank 4.5% in 2020'
    """
    result = analysis.attribute_drivers(year=year, draws=1000) if data is None else data
    table = result.table
    year = int(result.info["year"])
    headline = float(result.info["headline_pct"])
    ax = new_axes(ax, figsize=(8, 4))
    rows = table.reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    drivers = [str(d) for d in rows["driver"]]
    ax.barh(y, rows["pp"], color=[DRIVER_COLOURS[d] for d in drivers],
            hatch=None, edgecolor="white", height=0.6, gid="driver-bars", **kwargs)
    for bar, d in zip(ax.patches, drivers):
        bar.set_hatch(DRIVER_HATCH[d])
    err = np.vstack([rows["pp"] - rows["lower_pp"], rows["upper_pp"] - rows["pp"]]).clip(min=0)
    ax.errorbar(rows["pp"], y, xerr=err, fmt="none", ecolor="black", capsize=4, linewidth=1, gid="intervals")
    lo = float(min(rows["lower_pp"].min(), 0))
    hi = float(max(rows["upper_pp"].max(), 0))
    span = (hi - lo) or 1.0
    for yi, row in zip(y, rows.itertuples()):
        share = f" ({row.share_of_change:.0%})" if np.isfinite(row.share_of_change) else ""
        text = (f"0 ({result.info['why_zero'][row.driver]})" if row.driver in result.info["absent"]
                else f"{row.pp:+.2f} pp{share}")
        ax.annotate(text, (hi + span * 0.02, yi), ha="left", va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [DRIVER_LABEL[d] for d in drivers])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(lo - span * 0.1, hi + span * 0.45)
    ax.set_xlabel(f"Contribution to real GDP growth in {year} (percentage points)")
    if headline < 0:
        ax.set_title(f"Why the economy shrank {abs(headline):.1f}% in {year}")
    elif headline > 0:
        ax.set_title(f"Why the economy grew {headline:.1f}% in {year}")
    else:
        ax.set_title(f"What moved the economy in {year}, a year of no growth")
    measured = result.info["mapping_source"] == "measured"
    source_line(ax, "sectors", "trade", "food", extra=(
        ("Bars: industry share x fitted pass-through x measured shock (trade cut by bans, trade change in the closure's "
         "years, harvest against trend); " if measured else "Bars: a user-supplied allocation; ")
        + f"whiskers: {result.info['interval']:.0%} interval (" + ("pass-through, shock bounds, " if measured else "")
        + "BOK revisions, rounding)." + ("" if abs(headline) >= 1 else " Shares of the change are not shown: the headline is within 1 pp of zero.")))
    return ax


# ------------------------------------------------------------------ 10. beside published estimates
@styled
def plot_estimates_comparison(data: "analysis.Result", *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """nkecon's figure for each driver (with its interval) beside each published estimate.

    Parameters
    ----------
    data : Result
        From :func:`nkecon.analysis.compare_estimates`.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from nkecon import analysis
    >>> ax = plot_estimates_comparison(analysis.compare_estimates(analysis.attribute_drivers(year=2020, draws=200)))
    >>> '2020' in ax.get_title(loc='left')
    True
    """
    import re
    import textwrap

    from matplotlib.lines import Line2D

    t = data.table.reset_index(drop=True)
    ax = new_axes(ax, figsize=(9, 1.8 + 0.75 * max(len(t), 1)))
    y = np.arange(len(t))[::-1].astype(float)
    interval = data.info.get("interval")
    for yi, row in zip(y, t.itertuples()):
        driver = "border_closure" if row.driver == "covid_total" else row.driver
        colour = DRIVER_COLOURS.get(driver, GREY)
        ax.plot([row.nkecon_lower, row.nkecon_upper], [yi + 0.12] * 2, color=colour, linewidth=5, alpha=0.45,
                solid_capstyle="butt", gid="nkecon-interval")
        ax.scatter([row.nkecon_pp], [yi + 0.12], color=colour, s=30, zorder=3, gid="nkecon-point")
        lo, hi = row.published_low, row.published_high
        mid = row.published if pd.notna(row.published) else (lo + hi) / 2
        ax.errorbar([mid], [yi - 0.12], xerr=[[mid - min(lo, hi)], [max(lo, hi) - mid]], fmt="D", color="black",
                    markersize=5, capsize=3, gid="published", **kwargs)
    def name(r) -> str:
        who = r.publisher if isinstance(r.publisher, str) and r.publisher else str(r.study)
        short = re.search(r"\(([A-Z][A-Za-z/&]+)\)", who)
        who = short.group(1) if short else who
        return textwrap.fill(f"{who}: {r.driver.replace('_', ' ')} ({r.method}, {r.unit})", 34)
    ax.set_yticks(y, [name(r) for r in t.itertuples()], fontsize=8)
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Effect on growth in {data.info['year']} (pp; GDP-level effects in %)")
    ax.set_title(f"{data.info['year']}: nkecon's split beside published estimates")
    level = f" ({interval:.0%} interval)" if interval else ""
    ax.legend(handles=[Line2D([], [], color=GREY, linewidth=5, alpha=0.45, marker="o", markerfacecolor=GREY,
                              label=f"nkecon{level}"),
                       Line2D([], [], color="black", marker="D", linestyle="", label="published (with its range)")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    source_line(ax, "published_estimates", "sectors")
    return ax


# ------------------------------------------------------------------------- sector contributions
@styled
def plot_sector_contributions(
    data: "analysis.Result | None" = None,
    *,
    year: int = 2020,
    attribution: "analysis.Result | None" = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Each industry's contribution to growth in ``year``, each bar split by driver.

    A driver's segment is signed: what a driver added is drawn right of zero, what it took
    away left of it, so an industry whose growth the drivers over-explain shows an
    unexplained segment of the other sign.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.sector_contributions` (computed for ``year`` if omitted).
    year : int
        The year, when ``data`` is omitted.
    attribution : Result, optional
        From :func:`nkecon.analysis.attribute_drivers`; its ``by_industry`` splits the bars.
    ax : Axes, optional
        Where to draw; a new figure if omitted.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh` for every bar segment.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_sector_contributions(year=2023)
    >>> ax.get_title(loc="left").startswith("Which industries grew in 2023")
    True
    """
    contrib = analysis.sector_contributions(year=year) if data is None else data
    year = int(contrib.info["year"])
    attribution = analysis.attribute_drivers(contrib, draws=200) if attribution is None else attribution
    split = attribution.info["by_industry"].set_index("sector")
    headline = float(contrib.info["headline_pct"])
    ax = new_axes(ax, figsize=(9, 4.8))
    rows = contrib.table.reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows.itertuples()):
        parts = ({"unexplained": row.contribution_pp} if row.sector == "residual"
                 else {d: float(split.loc[str(row.sector), d]) for d in analysis.DRIVERS})
        right = left = 0.0
        for driver in analysis.DRIVERS:
            v = parts.get(driver, 0.0)
            if not v:
                continue
            start = right if v > 0 else left
            ax.barh(yi, v, left=start, color=DRIVER_COLOURS[driver], hatch=DRIVER_HATCH[driver],
                    edgecolor="white", height=0.6, gid=f"{row.sector}:{driver}", **kwargs)
            if v > 0:
                right += v
            else:
                left += v
        ax.plot([row.contribution_pp], [yi], marker="|", color="black", markersize=14, gid=f"{row.sector}:total")
        ax.annotate(f"{row.contribution_pp:+.2f}", (max(right, 0) if row.contribution_pp >= 0 else min(left, 0), yi),
                    xytext=(-4 if row.contribution_pp < 0 else 4, 0), textcoords="offset points",
                    ha="right" if row.contribution_pp < 0 else "left", va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [SECTOR_LABEL.get(str(s), str(s)) for s in rows["sector"]])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ends = [0.0]
    for seg in ax.patches:
        ends += [seg.get_x(), seg.get_x() + seg.get_width()]
    lo, hi = min(ends), max(ends)
    pad = (hi - lo) * 0.25 or 0.5
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(f"Contribution to real GDP growth in {year} (percentage points); black tick: the industry's total")
    what = ("Which industries grew" if headline > 0 else "Which industries shrank" if headline < 0 else "What moved")
    ax.set_title(f"{what} in {year} ({headline:+.1f}%), and why")
    driver_legend(ax, loc="best", fontsize=8)
    source_line(ax, "sectors", extra=f"{year - 1} share of nominal GDP x {year} real growth; driver split: "
                + ("measured shocks x fitted pass-through." if attribution.info["mapping_source"] == "measured"
                   else "a user-supplied allocation."))
    return ax


# ---------------------------------------------------------------------- structural alternatives
@styled
def plot_structural_alternatives(data: "analysis.Result", *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Each driver's points and interval under each structural alternative, the headline first.

    Parameters
    ----------
    data : Result
        From :func:`nkecon.analysis.structural_alternatives`.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_structural_alternatives(analysis.structural_alternatives(2020, draws=100))
    >>> "2020" in ax.get_title(loc="left")
    True
    """
    t = data.table
    specs = list(dict.fromkeys(t["spec"]))
    drivers = [d for d in analysis.DRIVERS if d in set(t["driver"])]
    ax = new_axes(ax, figsize=(9, 1.5 + 0.55 * len(specs) * 1.1))
    y = np.arange(len(specs))[::-1].astype(float)
    offsets = np.linspace(-0.27, 0.27, len(drivers))
    for off, d in zip(offsets, drivers):
        sub = t[t["driver"] == d].set_index("spec").reindex(specs)
        err = np.vstack([sub["pp"] - sub["lower_pp"], sub["upper_pp"] - sub["pp"]]).clip(min=0)
        ax.errorbar(sub["pp"], y + off, xerr=err, fmt="o", color=DRIVER_COLOURS[d], markersize=4, capsize=2,
                    linewidth=1, label=DRIVER_LABEL[d], gid=f"alt-{d}", **kwargs)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [s.replace("_", " ") for s in specs], fontsize=8)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"Contribution to real GDP growth in {data.info['year']} (percentage points)")
    ax.set_title(f"{data.info['year']}: the split under each structural alternative, with its 90% interval")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    skipped = data.info.get("not_estimable", {})
    source_line(ax, "sectors", "trade", "food", extra=("Not estimable: " + "; ".join(skipped) + "." if skipped else ""))
    return ax


# ---------------------------------------------------------------------------- measured shocks
@styled
def plot_driver_shocks(data: "analysis.Result | None" = None, *, focus_year: int | None = None,
                       ax: Axes | None = None, **kwargs: Any) -> Axes:
    """The measured shocks by year: trade cut by the bans and trade change in the closure's
    years (bars, US$ bn), and the weather shock (points, right axis).

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.driver_shocks`.
    focus_year : int, optional
        A year to mark.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_driver_shocks(focus_year=2020)
    >>> ax.get_title(loc="left").startswith("The measured shocks")
    True
    """
    result = analysis.driver_shocks() if data is None else data
    t = result.table
    t = t[(t["year"] >= 2010)]
    ax = new_axes(ax, figsize=(10, 4.8))
    x = t["year"].to_numpy()
    ax.bar(x - 0.2, t["sanctions_bn"], width=0.4, color=DRIVER_COLOURS["sanctions"], hatch=DRIVER_HATCH["sanctions"],
           edgecolor="white", label="Trade newly cut by UN bans (US$ bn)", gid="shock-sanctions", **kwargs)
    err = np.vstack([t["sanctions_bn"] - t["sanctions_lower_bn"], t["sanctions_upper_bn"] - t["sanctions_bn"]]).clip(min=0)
    ax.errorbar(x - 0.2, t["sanctions_bn"], yerr=err, fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    ax.bar(x + 0.2, t["closure_bn"], width=0.4, color=DRIVER_COLOURS["border_closure"], edgecolor="white",
           label="Change of trade in the closure's years (US$ bn)", gid="shock-closure")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("US$ billion of trade with China")
    ax2 = ax.twinx()
    ax2.plot(x, t["weather"], marker="o", linestyle="none", color=DRIVER_COLOURS["weather"],
             label=f"Weather: {result.info['weather_unit']} (right axis)", gid="shock-weather")
    ax2.axhline(0, color=DRIVER_COLOURS["weather"], linewidth=0.5, linestyle=":")
    ax2.set_ylabel(f"Weather shock, {result.info['weather_unit']}")
    ax2.spines["right"].set_visible(True)
    ax2.grid(False)
    lo1, hi1 = ax.get_ylim()  # zero at the same height on both axes
    lo2, hi2 = (float(np.nanmin(t["weather"])), float(np.nanmax(t["weather"]))) if t["weather"].notna().any() else (-1, 1)
    p = -lo1 / (hi1 - lo1)
    scale = 1.1 * max(-min(lo2, 0) / p if p > 0 else 0, max(hi2, 0) / (1 - p) if p < 1 else 0, 1.0)
    ax2.set_ylim(-p * scale, (1 - p) * scale)
    if focus_year is not None:
        ax.axvspan(focus_year - 0.5, focus_year + 0.5, color="#f0e442", alpha=0.25, lw=0, gid="focus")
    ax.set_xticks(x)
    ax.tick_params(axis="x", labelsize=8)
    handles = ax.get_legend_handles_labels()
    h2 = ax2.get_legend_handles_labels()
    ax.legend(handles[0] + h2[0], handles[1] + h2[1], loc="lower left", fontsize=8)
    ax.set_title("The measured shocks: what the bans cut, what the closure moved, what the weather did")
    source_line(ax, "product_bans", "export_composition", "trade", "food",
                extra="Bans: base-year (2016) exports under bans in force, yearly mean of months, and 2018's import fall; "
                      "whiskers: lower (full bans) to upper (also caps and partial bans) bound.")
    return ax
