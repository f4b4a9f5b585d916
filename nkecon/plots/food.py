"""Charts of food: grain production against need."""

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

__all__ = ["plot_food_balance"]


# ------------------------------------------------------------------------------- 6. food balance
@styled
def plot_food_balance(
    data: pd.DataFrame | None = None,
    *,
    events: pd.DataFrame | None = None,
    start: int = 2015,
    end: int = 2024,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """RDA grain production against published needs, with gaps and weather shocks.

    Parameters
    ----------
    data : DataFrame, optional
        The ``food`` data.
    events : DataFrame, optional
        The ``events`` data.
    start, end : int
        The years shown.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_food_balance()
    >>> ax.get_title(loc='left')
    'Grain production against estimated need'
    """
    food = datasets.load_food() if data is None else data
    events = datasets.load_events() if events is None else events
    ax = new_axes(ax, figsize=(9, 4.8))
    meta = datasets.get_metadata("food")
    prod = food[(food["measure"] == "production") & (food["commodity"] == "grain_total") & (food["publisher"] == "RDA")]
    prod = prod[prod["year"].between(start, end)]
    ax.bar(prod["year"], prod["value_kt"] / 1000, color="#009E73", width=0.7, label="Grain production (RDA)",
           gid="production", **kwargs)
    needs = food[(food["measure"] == "need") & food["year"].between(start, end)]
    for row in needs.itertuples():
        ax.hlines(row.value_kt / 1000, row.year - 0.45, row.year + 0.45, colors="black", linewidth=2, gid="need")
        ax.annotate(f"need {row.value_kt / 1000:.2f} Mt ({row.publisher})", (row.year + 0.47, row.value_kt / 1000),
                    fontsize=7, va="center")
    gaps = food[(food["measure"] == "gap") & food["year"].between(start, end)].sort_values("value_kt")
    for i, row in enumerate(gaps.groupby("year").tail(1).itertuples()):
        ax.annotate(f"gap\n{row.value_kt / 1000:.2f} Mt\n{row.publisher}", (row.year, 0.25), ha="center",
                    fontsize=6.5, color="white", fontweight="bold", gid="gap-label")
    weather = events[(events["kind"] == "weather") & events["start_date"].dt.year.between(start, end)]
    wyears = sorted(set(weather["start_date"].dt.year))
    top = max(float(prod["value_kt"].max()), float(needs["value_kt"].max() if len(needs) else 0)) / 1000
    strip = ax.get_xaxis_transform()  # x in years, y in axes fraction: markers are not data
    ax.scatter(wyears, [0.96] * len(wyears), marker="v", color="#56B4E9", s=30, transform=strip, clip_on=False,
               label="Year with a flood, typhoon or drought (marker, not a value)", gid="weather-years", zorder=3)
    ax.set_ylim(0, top * 1.32)
    ax.set_xlim(start - 0.7, end + 1.2)
    ax.set_xticks(range(start, end + 1))
    ax.set_ylabel(f"{meta.columns['value_kt'].description}, million tonnes")
    ax.set_title("Grain production against estimated need")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.93), ncols=2, fontsize=8)  # below the marker strip
    source_line(ax, "food", "events", extra="Need and gap as published (food or grain; see the food dataset's basis column).")
    return ax
