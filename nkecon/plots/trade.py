"""Charts of China-North Korea trade and its shocks."""

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

__all__ = ["plot_china_trade", "plot_trade_shocks"]


# ------------------------------------------------------------------------------- 4. China trade
@styled
def plot_china_trade(
    data: pd.DataFrame | None = None,
    *,
    start: str = "2019-01",
    end: str = "2021-12",
    closure: str = "2020-01-31",
    shock: "analysis.Result | None" = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Monthly China-North Korea trade, the border closure marked, the estimated drop shown.

    ``shock`` is a :func:`nkecon.analysis.trade_shock` result; its flow and interval level
    name the label. ``**kwargs`` go to :meth:`matplotlib.axes.Axes.plot`.

    Parameters
    ----------
    data : DataFrame, optional
        The ``trade`` data.
    start, end : str
        The months shown.
    closure : str
        The closure date.
    shock : Result, optional
        From :func:`nkecon.analysis.trade_shock`.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_china_trade()
    >>> 'imports' in [t.get_text() for t in ax.texts if t.get_gid() == 'shock-label'][0]
    True
    """
    trade = datasets.load_trade() if data is None else data
    shock = analysis.trade_shock(trade, closure=closure, start=start, end=end) if shock is None else shock
    ax = new_axes(ax, figsize=(9, 4.8))
    meta = datasets.get_metadata("trade")
    idx = pd.period_range(start, end, freq="M")
    styles = {"imports": ("#0072B2", "o", "North Korea's imports from China"),
              "exports": ("#E69F00", "s", "North Korea's exports to China")}
    for flow, (colour, marker, label) in styles.items():
        series = analysis.monthly_series(trade, series="china_customs", flow=flow).reindex(idx)
        x = idx.to_timestamp()
        ax.plot(x, series.to_numpy(), color=colour, marker=marker, markersize=4, label=label, gid=f"trade-{flow}", **kwargs)
    row = shock.table.iloc[0]
    flow = str(shock.info["flow"])
    level = 100 * (1 - float(shock.info["alpha"]))
    colour = styles.get(flow, ("#555555",))[0]
    closure_ts = pd.Timestamp(row["closure"])
    pre = float(row["pre_mean_usd_mn"])
    post = pre * np.exp(row["log_change"])
    ax.hlines(pre, idx[0].to_timestamp(), closure_ts, colors=colour, linestyles="--", linewidth=1, gid="level-before")
    ax.hlines(post, closure_ts, idx[-1].to_timestamp(), colors=colour, linestyles="--", linewidth=1, gid="level-after")
    ax.axvline(closure_ts, color=HIGHLIGHT, linewidth=1.5, gid="closure")
    ax.annotate(f"Border closed {closure_ts:%d %b %Y}", (closure_ts, pre * 1.6), xytext=(6, 0),
                textcoords="offset points", color=HIGHLIGHT, fontsize=9, fontweight="bold")
    ax.annotate(
        f"Estimated level change of {flow} at the closure: {row['pct_change']:+.0f}%\n"
        f"({level:.0f}% CI {row['pct_lower']:+.0f}% to {row['pct_upper']:+.0f}%); dashed: level before and after",
        (0.5, 0.9), xycoords="axes fraction", fontsize=8, color=colour, gid="shock-label",
    )
    ax.set_yscale("log")
    ax.set_ylabel(f"Monthly trade, {meta.columns['value_usd_mn'].unit} (log scale)")
    ax.set_title("Monthly China-North Korea trade around the border closure")
    ax.legend(loc="lower left")
    source_line(ax, "trade", extra="China customs figures as reported; gaps are months without a published figure. Dashed: SARIMAX step model.")
    return ax


# ------------------------------------------------------------------------------ 8. trade shocks
@styled
def plot_trade_shocks(
    data: "analysis.Result | None" = None,
    *,
    trade: pd.DataFrame | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Monthly China customs exports and imports with the two shock dates, the estimated
    steps, and the months no source publishes marked along the bottom.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.trade_shocks`.
    trade : DataFrame, optional
        The ``trade`` data.
    ax : Axes, optional
        Where to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_trade_shocks()
    >>> len([t for t in ax.texts if "unpublished" in t.get_text()])
    1
    """
    result = analysis.trade_shocks() if data is None else data
    trade = datasets.load_trade() if trade is None else trade
    ax = new_axes(ax, figsize=(10, 5))
    idx = pd.period_range(result.info["start"], result.info["end"], freq="M")
    level = 100 * (1 - float(result.info["alpha"]))
    table = result.table.set_index(["flow", "shock"])
    styles = {"exports": ("#E69F00", "s", "export_bans"), "imports": ("#0072B2", "o", "border_closure")}
    strip = ax.get_xaxis_transform()
    for k, (flow, (colour, marker, own)) in enumerate(styles.items()):
        series = analysis.monthly_series(trade, series="china_customs", flow=flow).reindex(idx)
        x = idx.to_timestamp()
        r = table.loc[(flow, own)]
        label = (f"North Korea's {flow} ({own.replace('_', ' ')}: {r['pct_change']:+.0f}%, "
                 f"{level:.0f}% CI {r['pct_lower']:+.0f}% to {r['pct_upper']:+.0f}%)")
        ax.plot(x, series.to_numpy(), color=colour, marker=marker, markersize=3, linewidth=1, label=label,
                gid=f"trade-{flow}", **kwargs)
        gaps = x[series.isna().to_numpy()]
        ax.scatter(gaps, [0.02 + 0.03 * k] * len(gaps), marker="|", color=colour, s=25, transform=strip,
                   gid=f"missing-{flow}")
    ax.annotate("ticks at the bottom: months unpublished", (0.01, 0.08), xycoords="axes fraction", fontsize=7, color="#555555")
    names = {"coal_suspension": "China suspends coal", "export_bans": "UN export bans", "border_closure": "border closed",
             "partial_reopening": "freight trains resume", "reopening": "border reopens"}
    for i, (key, when) in enumerate(result.info["dates"].items()):
        ax.axvline(when, color=HIGHLIGHT, linewidth=1.0)
        ax.annotate(f"{names.get(key, key)}\n{when:%d %b %Y}", (when, 0.97 - 0.09 * (i % 2)), xycoords=("data", "axes fraction"),
                    xytext=(3, 0), textcoords="offset points", va="top", fontsize=7, color=HIGHLIGHT)
    ax.set_yscale("log")
    ax.set_ylabel("Monthly trade with China, US$ million (log scale)")
    ex, im = table.loc[("exports", "export_bans")], table.loc[("imports", "border_closure")]
    ax.set_title(f"Exports {analysis.verb(ex['pct_change'], up='rose', down='fell')} {abs(ex['pct_change']):.0f}% at the "
                 f"export bans; imports {analysis.verb(im['pct_change'], up='rose', down='fell')} "
                 f"{abs(im['pct_change']):.0f}% at the border closure")
    ax.legend(loc="lower left", fontsize=8, bbox_to_anchor=(0.0, 0.1))
    source_line(ax, "trade", extra="China customs figures as reported; steps from OLS on log trade over the months published.")
    return ax
