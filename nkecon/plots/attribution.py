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
from .style import DRIVER_COLOURS, DRIVER_HATCH, DRIVER_LABEL, GREY, HIGHLIGHT, SECTOR_LABEL, driver_legend, new_axes, source_line, styled

__all__ = ["plot_driver_attribution", "plot_estimates_comparison"]


# ------------------------------------------------------------------------- 3. driver attribution
@styled
def plot_driver_attribution(
    data: "analysis.Result | None" = None,
    *,
    year: int = 2020,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Percentage points of growth per driver, with the sensitivity interval as error bars.

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
    result = analysis.attribute_drivers(year=year) if data is None else data
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
        ax.set_title(f"What drove the growth of {headline:.1f}% in {year}")
    else:
        ax.set_title(f"What moved the economy in {year}, a year of no growth")
    source_line(ax, "sectors", extra=(f"Bars: {'the mapping built from ' + str(year) + ' evidence' if result.info['mapping_source'] == 'default' else 'a user-supplied mapping'}; "
                                       f"whiskers: {result.info['interval']:.0%} sensitivity interval over the mapping and rounding."))
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
    >>> ax = plot_estimates_comparison(analysis.compare_estimates(analysis.attribute_drivers(year=2020)))
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
    level = f" ({interval:.0%} sensitivity interval)" if interval else ""
    ax.legend(handles=[Line2D([], [], color=GREY, linewidth=5, alpha=0.45, marker="o", markerfacecolor=GREY,
                              label=f"nkecon{level}"),
                       Line2D([], [], color="black", marker="D", linestyle="", label="published (with its range)")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    source_line(ax, "published_estimates", "sectors")
    return ax
