"""Charts of North Korea's growth, its contraction and their drivers, in one house style.

Every function has the form ``name(data=None, *, ..., ax=None, **kwargs) -> Axes``: it draws
on ``ax`` (or a new figure), takes its labels and units from the datasets' metadata, writes
a source line under the plot, and returns the Axes. Nothing is shown or saved here; call
``ax.figure.savefig(...)`` yourself. Colours are the Okabe-Ito palette (colour-blind safe);
drivers also differ by hatching, so charts stay readable printed in grey.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = plot_gdp_growth()
>>> ax.get_ylabel()
'Real GDP growth on the previous year (%)'
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from . import analysis, datasets

__all__ = [
    "STYLE",
    "DRIVER_COLOURS",
    "house_style",
    "plot_gdp_growth",
    "plot_sector_contributions",
    "plot_driver_attribution",
    "plot_china_trade",
    "plot_sanctions_exposure",
    "plot_food_balance",
    "plot_counterfactual",
    "plot_trade_shocks",
    "plot_gdp_revisions",
    "plot_estimates_comparison",
    "plot_designations",
]

STYLE = Path(__file__).with_name("nkecon.mplstyle")

#: Okabe-Ito colours and hatches per driver (hatches keep them apart in grey print).
DRIVER_COLOURS = {
    "sanctions": "#0072B2",
    "border_closure": "#D55E00",
    "weather": "#009E73",
    "unexplained": "#999999",
}
DRIVER_HATCH = {"sanctions": "///", "border_closure": "", "weather": "...", "unexplained": "xx"}
DRIVER_LABEL = {
    "sanctions": "Sanctions",
    "border_closure": "Border closure / lockdown",
    "weather": "Floods and typhoons",
    "unexplained": "Unexplained / other",
}
SECTOR_LABEL = {
    "agriculture_forestry_fishing": "Agriculture, forestry, fishing",
    "mining_manufacturing": "Mining and manufacturing",
    "mining": "Mining",
    "manufacturing": "Manufacturing",
    "electricity_gas_water": "Electricity, gas, water",
    "construction": "Construction",
    "services": "Services",
    "residual": "Residual (rounding, weights)",
}
GREY = "#7f7f7f"
HIGHLIGHT = "#D55E00"


@contextmanager
def house_style() -> Iterator[None]:
    """Apply nkecon's matplotlib style inside a ``with`` block."""
    from . import fonts

    fonts.register()  # NanumGothic for Korean names, named in the style
    with plt.style.context(str(STYLE)):
        yield


def _axes(ax: Axes | None, **fig_kw: Any) -> Axes:
    if ax is not None:
        return ax
    with house_style():
        fig = plt.figure(layout="constrained", **fig_kw)
        return fig.add_subplot()


def _styled(func):
    """Run a chart function under the house style (rc settings apply at draw-time of artists)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with house_style():
            return func(*args, **kwargs)

    return wrapper


def _source_line(ax: Axes, *names: str, extra: str = "") -> None:
    producers = []
    for name in names:
        producer = datasets.get_metadata(name).producer
        if producer not in producers:
            producers.append(producer)
    import textwrap

    text = "Source: " + "; ".join(producers) + (f". {extra}" if extra else ".")
    if "nkecon" not in text:
        text += " Compiled by nkecon."
    # wrap to the axes' width (about 17 characters of 7-point type an inch)
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    text = "\n".join(textwrap.wrap(text, width=max(60, int(width_in * 17))))
    below = -42 if ax.get_xlabel() else -26
    ax.annotate(text, (0, 0), xycoords="axes fraction", xytext=(0, below), textcoords="offset points",
                fontsize=7, color="#555555", va="top", ha="left", annotation_clip=False, gid="source-line")


def _un_resolutions(sanctions: pd.DataFrame) -> pd.DataFrame:
    """The UN Security Council's sanctions resolutions among the ``sanctions`` rows (not the
    Council's other DPRK decisions, such as the vetoed renewal of the Panel of Experts)."""
    return sanctions[(sanctions["authority"] == "UN") & sanctions["instrument"].astype(str).str.startswith("UNSCR")]


def _driver_legend(ax: Axes, drivers=analysis.DRIVERS, **kwargs) -> None:
    handles = [Patch(facecolor=DRIVER_COLOURS[d], hatch=DRIVER_HATCH[d], label=DRIVER_LABEL[d],
                     edgecolor="white" if DRIVER_HATCH[d] else DRIVER_COLOURS[d]) for d in drivers]
    ax.legend(handles=handles, **kwargs)


# ----------------------------------------------------------------------------------- 1. growth
@_styled
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
    ax = _axes(ax, figsize=(10, 5))
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
    if len(closure) and len(reopen):
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
    un = _un_resolutions(sanctions)
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
    _source_line(ax, "gdp_releases",
                 extra="BOK estimates as released (each year from the latest release); events and resolutions from UN, press and agency reports.")
    return ax


# ------------------------------------------------------------------------- 2. sector contributions
@_styled
def plot_sector_contributions(
    data: "analysis.Result | None" = None,
    *,
    year: int = 2020,
    attribution: "analysis.Result | None" = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Each industry's contribution to growth in ``year``, each bar split by driver.

    Parameters
    ----------
    data : Result, optional
        From :func:`nkecon.analysis.sector_contributions` (computed for ``year`` if omitted).
    attribution : Result, optional
        From :func:`nkecon.analysis.attribute_drivers`; its mapping splits the bars.
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
    >>> ax.get_title(loc="left").startswith("What drove the growth in 2023")
    True
    """
    contrib = analysis.sector_contributions(year=year) if data is None else data
    year = int(contrib.info["year"])
    attribution = analysis.attribute_drivers(contrib) if attribution is None else attribution
    mapping = attribution.info["mapping"]
    headline = float(contrib.info["headline_pct"])
    ax = _axes(ax, figsize=(9, 4.8))
    rows = contrib.table.reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows.itertuples()):
        weights = {"unexplained": 1.0} if row.sector == "residual" else mapping[str(row.sector)]
        left = 0.0
        for driver in analysis.DRIVERS:
            w = weights.get(driver, 0.0)
            if not w:
                continue
            width = w * row.contribution_pp
            ax.barh(yi, width, left=left, color=DRIVER_COLOURS[driver], hatch=DRIVER_HATCH[driver],
                    edgecolor="white", height=0.6, gid=f"{row.sector}:{driver}", **kwargs)
            left += width
        ax.annotate(f"{row.contribution_pp:+.2f}", (row.contribution_pp, yi),
                    xytext=(-4 if row.contribution_pp < 0 else 4, 0), textcoords="offset points",
                    ha="right" if row.contribution_pp < 0 else "left", va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [SECTOR_LABEL.get(str(s), str(s)) for s in rows["sector"]])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    lo, hi = min(rows["contribution_pp"].min(), 0), max(rows["contribution_pp"].max(), 0)
    pad = (hi - lo) * 0.25 or 0.5
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(f"Contribution to real GDP growth in {year} (percentage points)")
    what = "What drove the growth" if headline > 0 else ("What shrank" if headline < 0 else "What moved")
    ax.set_title(f"{what} in {year}: contributions to the {headline:+.1f}% growth")
    _driver_legend(ax, loc="best", fontsize=8)
    _source_line(ax, "sectors", extra=f"{year - 1} share of nominal GDP x {year} real growth; driver split: "
                 f"{'the mapping built from ' + str(year) + ' evidence' if attribution.info['mapping_source'] == 'default' else 'a user-supplied mapping'}.")
    return ax


# ------------------------------------------------------------------------- 3. driver attribution
@_styled
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
    ax = _axes(ax, figsize=(8, 4))
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
    _source_line(ax, "sectors", extra=(f"Bars: {'the mapping built from ' + str(year) + ' evidence' if result.info['mapping_source'] == 'default' else 'a user-supplied mapping'}; "
                                       f"whiskers: {result.info['interval']:.0%} sensitivity interval over the mapping and rounding."))
    return ax


# ------------------------------------------------------------------------------- 4. China trade
@_styled
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
    ax = _axes(ax, figsize=(9, 4.8))
    meta = datasets.get_metadata("trade")
    idx = pd.period_range(start, end, freq="M")
    styles = {"imports": ("#0072B2", "o", "North Korea's imports from China"),
              "exports": ("#E69F00", "s", "North Korea's exports to China")}
    for flow, (colour, marker, label) in styles.items():
        series = analysis._monthly(trade, series="china_customs", flow=flow).reindex(idx)
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
    _source_line(ax, "trade", extra="China customs figures as reported; gaps are months without a published figure. Dashed: SARIMAX step model.")
    return ax


# ------------------------------------------------------------------------ 5. sanctions exposure
@_styled
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
    >>> "between" in ax.get_title(loc="left")
    True
    """
    exposure = analysis.sanctions_exposure() if data is None else data
    sanctions = datasets.load_sanctions() if sanctions is None else sanctions
    monthly = exposure.info["monthly"]
    base, partner = exposure.info["base_year"], exposure.info["partner"]
    ax = _axes(ax, figsize=(9, 4.8))
    x = monthly["month"].dt.to_timestamp()
    ax.fill_between(x, monthly["lower_pct"], monthly["upper_pct"], step="post", color="#0072B2", alpha=0.2,
                    label="Between the bounds", gid="exposure-band", **kwargs)
    ax.step(x, monthly["lower_pct"], where="post", color="#0072B2", label="Lower bound: priced products under full bans",
            gid="exposure-lower")
    ax.step(x, monthly["upper_pct"], where="post", color="#0072B2", linestyle="--",
            label="Upper bound: also capped, partly banned and unpriced exports", gid="exposure-upper")
    un = _un_resolutions(sanctions).sort_values("date")
    lo_t, hi_t = x.min(), x.max()
    shown = un[(un["date"] >= lo_t) & (un["date"] <= hi_t)]
    for i, row in enumerate(shown.itertuples()):
        ax.axvline(row.date, color=GREY, linewidth=0.6, linestyle=":")
        ax.annotate(row.instrument.replace("UNSCR ", ""), (row.date, 8 + (i % 3) * 7), fontsize=7, ha="center",
                    color="#333333", gid="resolution-label",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    ax.set_ylim(0, 105)
    ax.set_xlim(lo_t, hi_t)
    ax.set_ylabel(f"Share of {base} exports to {partner.title()} under UN bans (%)")
    ax.set_title(f"Share of North Korea's {base} exports to {partner.title()} under UN bans: between a lower and an upper bound")
    ax.legend(loc="center right", fontsize=8)
    _source_line(ax, "product_bans", "export_composition", "trade",
                 extra=f"Bans counted from the date they took effect; {exposure.info['priced_share_pct']:.0f}% of {base} exports are priced by product.")
    return ax


# ------------------------------------------------------------------------------- 6. food balance
@_styled
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
    ax = _axes(ax, figsize=(9, 4.8))
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
    _source_line(ax, "food", "events", extra="Need and gap as published (food or grain; see the food dataset's basis column).")
    return ax


# ------------------------------------------------------------------------------ 7. counterfactual
@_styled
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
    gdp = datasets.load_gdp() if gdp is None else gdp
    focus_year = int(result.info["focus_year"])
    baseline = tuple(result.info["baseline"])
    level = 100 * (1 - float(result.info["alpha"]))
    ax = _axes(ax, figsize=(9, 4.8))
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
    _source_line(ax, "gdp_releases", extra=f"Expected growth for {focus_year} drawn at {focus_year}; whiskers: {level:.0f}% prediction intervals.")
    return ax


# ------------------------------------------------------------------------------ 8. trade shocks
@_styled
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
    ax = _axes(ax, figsize=(10, 5))
    idx = pd.period_range(result.info["start"], result.info["end"], freq="M")
    level = 100 * (1 - float(result.info["alpha"]))
    table = result.table.set_index(["flow", "shock"])
    styles = {"exports": ("#E69F00", "s", "export_bans"), "imports": ("#0072B2", "o", "border_closure")}
    strip = ax.get_xaxis_transform()
    for k, (flow, (colour, marker, own)) in enumerate(styles.items()):
        series = analysis._monthly(trade, series="china_customs", flow=flow).reindex(idx)
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
    for when, name in ((result.info["bans"], "UN export bans take effect"), (result.info["closure"], "border closed")):
        ax.axvline(when, color=HIGHLIGHT, linewidth=1.2)
        ax.annotate(f"{name}\n{when:%d %b %Y}", (when, 0.97), xycoords=("data", "axes fraction"), xytext=(4, 0),
                    textcoords="offset points", va="top", fontsize=8, color=HIGHLIGHT)
    ax.set_yscale("log")
    ax.set_ylabel("Monthly trade with China, US$ million (log scale)")
    ex, im = table.loc[("exports", "export_bans")], table.loc[("imports", "border_closure")]
    ax.set_title(f"Exports {analysis.verb(ex['pct_change'], up='rose', down='fell')} {abs(ex['pct_change']):.0f}% at the "
                 f"export bans; imports {analysis.verb(im['pct_change'], up='rose', down='fell')} "
                 f"{abs(im['pct_change']):.0f}% at the border closure")
    ax.legend(loc="lower left", fontsize=8, bbox_to_anchor=(0.0, 0.1))
    _source_line(ax, "trade", extra="China customs figures as reported; steps from OLS on log trade over the months published.")
    return ax


# ----------------------------------------------------------------------------- 9. GDP revisions
@_styled
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
    ax = _axes(ax, figsize=(10, 4.8))
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
    _source_line(ax, "gdp_releases", extra="Every BOK release found in the press, and the current series (ECOS 251Y001).")
    return ax


# ------------------------------------------------------------------ 10. beside published estimates
@_styled
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
    ax = _axes(ax, figsize=(9, 1.8 + 0.75 * max(len(t), 1)))
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
    _source_line(ax, "published_estimates", "sectors")
    return ax


# --------------------------------------------------------------------------- 11. designations
@_styled
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
    ax = _axes(ax, figsize=(9, 4.5))
    counts = data.assign(year=data["listed_on"].dt.year).groupby(["year", "kind"], observed=False).size().unstack(fill_value=0)
    un = _un_resolutions(sanctions)
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
    _source_line(ax, "un_designations", extra="Year of listing as the consolidated list gives it; resolutions from the "
                 "sanctions data." + (" * Listed by the 1718 Committee in a year without a sanctions resolution."
                                      if starred else ""))
    return ax
