"""Charts of growth: the record, the counterfactual, the BOK's revisions and industry contributions."""

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

__all__ = ["plot_gdp_growth", "plot_counterfactual", "plot_gdp_revisions"]


# ----------------------------------------------------------------------------------- 1. growth
@styled
def plot_gdp_growth(
    data: pd.DataFrame | None = None,
    *,
    events: pd.DataFrame | None = None,
    sanctions: pd.DataFrame | None = None,
    highlight: tuple[int, ...] = (1997, 2020),
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """North Korea's real GDP growth by year, with shocks shaded and events marked.

    Bars are growth (BOK); ``highlight`` years are picked out in colour and labelled. The
    border-closure years are shaded; UN resolutions (triangles), nuclear tests (stars) and
    weather shocks (dots) are marked along the top.

    Parameters
    ----------
    data : DataFrame, optional
        The GDP series (default :func:`nkecon.load_gdp`).
    events, sanctions : DataFrame, optional
        The events and sanctions data.
    highlight : tuple of int
        Years picked out and labelled.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_gdp_growth()
    >>> ax.get_ylabel()
    'Real GDP growth on the previous year (%)'
    """
    gdp = datasets.load_gdp() if data is None else data
    events = datasets.load_events() if events is None else events
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    ax = new_axes(ax, figsize=(10, 5))
    meta = datasets.get_metadata("gdp_releases")
    years, growth = gdp["year"].to_numpy(), gdp["growth_pct"].to_numpy(dtype=float)
    colours = [HIGHLIGHT if y in highlight else "#0072B2" for y in years]
    ax.bar(years, growth, color=colours, width=0.75, gid="growth-bars", **kwargs)
    ax.axhline(0, color="black", linewidth=0.8)
    for y in highlight:
        if y in set(years):
            g = float(gdp.loc[gdp["year"] == y, "growth_pct"].iloc[0])
            ax.annotate(f"{y}: {g:+.1f}%", (y, g), xytext=(0, -12 if g < 0 else 4), textcoords="offset points",
                        ha="center", fontsize=9, fontweight="bold", color=HIGHLIGHT)

    closure = events[events["event_id"] == "border-closure-2020-01"]
    reopen = events[events["event_id"] == "border-reopening-citizens-2023-08"]
    if len(closure) and len(reopen) and closure["start_date"].iloc[0].year <= years.max():  # not after the series
        c0 = closure["start_date"].iloc[0]
        c1 = reopen["start_date"].iloc[0]
        x0 = c0.year + (c0.day_of_year - 1) / 365 - 0.5
        x1 = c1.year + (c1.day_of_year - 1) / 365 - 0.5
        ax.axvspan(x0, x1, color="#D55E00", alpha=0.12, lw=0, gid="border-closure",
                   label="Border closed (COVID-19)")

    lo, hi = np.nanmin(growth), np.nanmax(growth)
    top = hi + (hi - lo) * 0.22
    # event markers sit in a strip at the top, in axes fractions: they mark dates, not values
    strip = ax.get_xaxis_transform()
    rows = {"UN resolution": 0.97, "Nuclear test": 0.92, "Weather shock": 0.87}
    un = un_resolutions(sanctions)
    xs = un["date"].dt.year + (un["date"].dt.day_of_year - 1) / 365 - 0.5
    ax.scatter(xs, np.full(len(xs), rows["UN resolution"]), transform=strip, marker="v", color="#0072B2", s=28,
               label="UN sanctions resolution", gid="un-resolutions", zorder=3)
    tests = events[events["kind"] == "nuclear_test"]
    xs = tests["start_date"].dt.year + (tests["start_date"].dt.day_of_year - 1) / 365 - 0.5
    ax.scatter(xs, np.full(len(xs), rows["Nuclear test"]), transform=strip, marker="*", color="black", s=55,
               label="Nuclear test", gid="nuclear-tests", zorder=3)
    weather = events[(events["kind"] == "weather") & events["start_date"].dt.year.between(years.min(), years.max())]
    xs = weather["start_date"].dt.year + (weather["start_date"].dt.day_of_year - 1) / 365 - 0.5
    ax.scatter(xs, np.full(len(xs), rows["Weather shock"]), transform=strip, marker="o", color="#009E73", s=20,
               label="Flood, typhoon or drought", gid="weather-shocks", zorder=3)
    ax.set_ylim(lo - (hi - lo) * 0.12, top + (hi - lo) * 0.06)
    ticks = [t for t in ax.get_yticks() if lo - (hi - lo) * 0.12 <= t <= hi]
    ax.set_yticks(ticks)  # no value ticks beside the event strip
    ax.set_xlim(years.min() - 0.8, years.max() + 0.8)
    ax.set_ylabel(meta.label("growth_pct"))
    ax.set_xlabel("")
    ax.set_title(f"North Korea's real GDP growth, {years.min()}-{years.max()}")
    ax.legend(loc="lower center", bbox_to_anchor=(0.62, 0.0), ncols=2, fontsize=8)
    source_line(ax, "gdp_releases",
                 extra="BOK estimates as released (each year from the latest release); events and resolutions from UN, press and agency reports.")
    return ax


# ------------------------------------------------------------------------------ 7. counterfactual
@styled
def plot_counterfactual(
    data: pd.DataFrame | None = None,
    *,
    gdp: pd.DataFrame | None = None,
    baseline: tuple[int, int] = (1999, 2019),
    focus_year: int = 2020,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Actual growth against the baseline models' expected growth, with prediction intervals.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.counterfactual`.
    gdp : DataFrame, optional
        The GDP series.
    baseline : (int, int)
        Used only when ``data`` is computed here.
    focus_year : int
        Used only when ``data`` is computed here.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_counterfactual(focus_year=2020)
    >>> '1999-2019' in ax.get_title(loc='left')
    True
    """
    result = analysis.counterfactual(gdp, focus_year=focus_year, baseline=baseline) if data is None else data
    cf = result.table
    if gdp is None:  # the series the result was computed on, so that `as_of` reaches the chart
        series = result.info.get("series")
        gdp = (series.rename("growth_pct").rename_axis("year").reset_index() if series is not None
               else datasets.load_gdp())
    focus_year = int(result.info["focus_year"])
    baseline = tuple(result.info["baseline"])
    level = 100 * (1 - float(result.info["alpha"]))
    ax = new_axes(ax, figsize=(9, 4.8))
    meta = datasets.get_metadata("gdp_releases")
    window = gdp[gdp["year"].between(baseline[0], focus_year)]
    ax.plot(window["year"], window["growth_pct"], color=GREY, marker="o", markersize=3, label="Actual growth (BOK)",
            gid="actual", **kwargs)
    ax.axvspan(baseline[0] - 0.5, baseline[1] + 0.5, color="#56B4E9", alpha=0.08, lw=0)
    ax.annotate(f"baseline {baseline[0]}-{baseline[1]}", (baseline[0], ax.get_ylim()[1]), fontsize=8, color="#336699",
                va="top")
    offsets = np.linspace(-0.3, 0.3, len(cf))
    colours = ["#0072B2", "#E69F00", "#CC79A7"]
    for off, colour, row in zip(offsets, colours, cf.itertuples()):
        x = focus_year + off
        ax.errorbar([x], [row.expected_pct], yerr=[[row.expected_pct - row.expected_lower], [row.expected_upper - row.expected_pct]],
                    fmt="o", color=colour, capsize=3, label=f"Expected, {row.method}: {row.expected_pct:+.1f}%",
                    gid=f"expected-{row.method}")
    actual = float(cf["actual_pct"].iloc[0])
    ax.scatter([focus_year], [actual], color=HIGHLIGHT, s=60, zorder=4, marker="D", gid="focus-actual")
    ax.annotate(f"{focus_year}: {actual:+.1f}%", (focus_year, actual), xytext=(-18, -18), textcoords="offset points",
                ha="right", color=HIGHLIGHT, fontweight="bold", gid="focus-label",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlim(baseline[0] - 0.8, focus_year + 0.8)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(meta.label("growth_pct"))
    ax.set_title(f"{focus_year} against what the {baseline[0]}-{baseline[1]} record would predict")
    ax.legend(loc="lower left", fontsize=8)
    source_line(ax, "gdp_releases", extra=f"Expected growth for {focus_year} drawn at {focus_year}; whiskers: {level:.0f}% prediction intervals.")
    return ax


# ----------------------------------------------------------------------------- 9. GDP revisions
@styled
def plot_gdp_revisions(data: "analysis.Result | None" = None, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Each year's growth as first published against the latest release.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.gdp_revisions`.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_gdp_revisions()
    >>> "revised" in ax.get_title(loc="left")
    True
    """
    result = analysis.gdp_revisions() if data is None else data
    t = result.table
    ax = new_axes(ax, figsize=(10, 4.8))
    ax.vlines(t["year"], t["first_pct"], t["latest_pct"], color=GREY, linewidth=1, gid="revision-lines")
    ax.scatter(t["year"], t["first_pct"], marker="o", facecolor="white", edgecolor="#0072B2", s=28,
               label="First published", gid="first", zorder=3, **kwargs)
    ax.scatter(t["year"], t["latest_pct"], marker="o", color="#D55E00", s=18, label="Latest release", gid="latest", zorder=4)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(datasets.get_metadata("gdp_releases").label("growth_pct"))
    info = result.info
    ax.set_title(f"How the BOK revised its estimates: {info['years_revised']} of {len(t)} years revised, "
                 f"by {info['mean_abs_revision_pp']:.2f} points on average (at most {info['max_abs_revision_pp']:.1f})")
    ax.legend(loc="lower right", fontsize=8)
    source_line(ax, "gdp_releases", extra="Every BOK release found in the press, and the current series (ECOS 251Y001).")
    return ax
