"""Charts of the sanctions: exports under UN bans and UN designations."""

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

__all__ = ["plot_sanctions_exposure", "plot_designations"]


# ------------------------------------------------------------------------ 5. sanctions exposure
@styled
def plot_sanctions_exposure(
    data: "analysis.Result | None" = None,
    *,
    sanctions: pd.DataFrame | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """The share of base-year exports under UN export bans, month by month, between its
    lower and upper bounds, resolutions marked at their dates.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.sanctions_exposure`.
    sanctions : DataFrame, optional
        The ``sanctions`` data.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.fill_between`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_sanctions_exposure()
    >>> "bound" in ax.get_title(loc="left")
    True
    """
    exposure = analysis.sanctions_exposure() if data is None else data
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    monthly = exposure.info["monthly"]
    base, partner = exposure.info["base_year"], exposure.info["partner"]
    ax = new_axes(ax, figsize=(9, 4.8))
    x = monthly["month"].dt.to_timestamp()
    ax.fill_between(x, monthly["lower_pct"], monthly["upper_pct"], step="post", color="#0072B2", alpha=0.2,
                    label="Between the bounds", gid="exposure-band", **kwargs)
    ax.step(x, monthly["lower_pct"], where="post", color="#0072B2", label="Lower bound: priced products under full bans",
            gid="exposure-lower")
    ax.step(x, monthly["upper_pct"], where="post", color="#0072B2", linestyle="--",
            label="Upper bound: also priced products under a cap or partial ban", gid="exposure-upper")
    un = un_resolutions(sanctions).sort_values("date")
    lo_t, hi_t = x.min(), x.max()
    shown = un[(un["date"] >= lo_t) & (un["date"] <= hi_t)]
    for i, row in enumerate(shown.itertuples()):
        ax.axvline(row.date, color=GREY, linewidth=0.6, linestyle=":")
        ax.annotate(row.instrument.replace("UNSCR ", ""), (row.date, 8 + (i % 3) * 7), fontsize=7, ha="center",
                    color="#333333", gid="resolution-label",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    national = sanctions[(sanctions["authority"] == "CN") & sanctions["date"].between(lo_t, hi_t)]
    for row in national.itertuples():  # China's own suspension of coal imports moved the index before 2371 did
        ax.axvline(row.date, color=GREY, linewidth=0.6, linestyle=":")
        ax.annotate("China\nsuspends coal", (row.date, 30), fontsize=7, ha="center", color="#333333",
                    gid="resolution-label", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    ax.set_ylim(0, 105)
    ax.set_xlim(lo_t, hi_t)
    ax.set_ylabel(f"Share of {base} exports to {partner.title()} under bans (%)")
    ax.set_title(f"North Korea's {base} exports to {partner.title()} under bans in force: lower and upper bound")
    ax.legend(loc="center right", fontsize=8)
    source_line(ax, "product_bans", "export_composition", "trade",
                 extra=f"Bans counted from the date they took effect; {exposure.info['priced_share_pct']:.0f}% of {base} exports are priced by product.")
    return ax


# --------------------------------------------------------------------------- 11. designations
@styled
def plot_designations(
    data: pd.DataFrame | None = None,
    *,
    sanctions: pd.DataFrame | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """UN 1718 Committee designations of individuals and entities by year of listing, with
    the UN sanctions resolutions marked at their dates.

    Parameters
    ----------
    data : DataFrame, optional
        The ``un_designations`` data (the shipped file holds the whole list: 80 individuals
        and 75 entities; ``nkecon data fetch un_designations`` compares it with the current list).
    sanctions : DataFrame, optional
        The ``sanctions`` data; its UN sanctions resolutions (instrument ``UNSCR ...``) are
        marked.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_designations()
    >>> "designations" in ax.get_title(loc="left")
    True
    """
    data = datasets.load("un_designations") if data is None else data
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    ax = new_axes(ax, figsize=(9, 4.5))
    counts = data.assign(year=data["listed_on"].dt.year).groupby(["year", "kind"], observed=False).size().unstack(fill_value=0)
    un = un_resolutions(sanctions)
    first = min([int(un["date"].dt.year.min())] + [int(y) for y in counts.index])
    last = max([int(un["date"].dt.year.max())] + [int(y) for y in counts.index])
    years = np.arange(first, last + 1)
    counts = counts.reindex(years, fill_value=0)
    bottom = np.zeros(len(years))
    colours = {"individual": "#0072B2", "entity": "#E69F00"}
    for kind in counts.columns:
        ax.bar(years, counts[kind].to_numpy(), bottom=bottom, color=colours.get(str(kind), GREY), width=0.7,
               label={"individual": "Individuals", "entity": "Entities"}.get(str(kind), str(kind)),
               gid=f"designations-{kind}", **kwargs)
        bottom += counts[kind].to_numpy()
    resolution_years = set(int(y) for y in un["date"].dt.year)
    for year, total in zip(years, bottom):
        if total:
            star = "" if int(year) in resolution_years else "*"
            ax.annotate(f"{int(total)}{star}", (year, total), xytext=(0, 2), textcoords="offset points", ha="center",
                        va="bottom", fontsize=8, color="#333333", gid="designations-total")
    strip = ax.get_xaxis_transform()
    xs = un["date"].dt.year + (un["date"].dt.day_of_year - 1) / 365 - 0.5
    ax.scatter(xs, [0.97] * len(xs), marker="v", color="black", s=25, transform=strip, clip_on=False,
               label="UN sanctions resolution (at its date)", gid="resolutions")
    ax.set_xlim(years.min() - 0.6, years.max() + 0.6)
    ax.set_ylim(0, max(bottom.max(), 1) * 1.25)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("Entries listed that year")
    by_kind = data["kind"].astype(str).value_counts()
    parts = [f"{by_kind[k]} {k}s" for k in ("individual", "entity") if k in by_kind]
    parts = [p.replace("entitys", "entities") for p in parts]
    ax.set_title(f"UN 1718 designations by year of listing ({', '.join(parts)})")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.9), fontsize=8)
    starred = any(t and int(y) not in resolution_years for y, t in zip(years, bottom))
    source_line(ax, "un_designations", extra="Year of listing as the consolidated list gives it; resolutions from the "
                "sanctions data." + (" * Listed by the 1718 Committee in a year without a sanctions resolution."
                                     if starred else ""))
    return ax
