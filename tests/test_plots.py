"""Each chart draws the right data with labels from the metadata and a source line."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import nkecon as nk  # noqa: E402
from nkecon import analysis as an  # noqa: E402
from nkecon import plots  # noqa: E402


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _source_text(ax):
    texts = [t for t in ax.texts if t.get_gid() == "source-line"]
    assert len(texts) == 1
    return texts[0].get_text()


def test_gdp_growth_bars_events_and_labels():
    ax = plots.plot_gdp_growth()
    gdp = nk.load_gdp()
    bars = _by_gid(ax, "growth-bars")
    heights = np.array([b.get_height() for b in bars])
    np.testing.assert_allclose(heights, gdp["growth_pct"].to_numpy())
    colours = {int(x): b.get_facecolor() for x, b in zip(gdp["year"], bars)}
    assert colours[2020] == colours[1997] != colours[2019]
    assert ax.get_ylabel() == nk.get_metadata("gdp_releases").label("growth_pct")
    un = _by_gid(ax, "un-resolutions")[0]
    sanctions = nk.load_sanctions()
    resolutions = (sanctions["authority"] == "UN") & sanctions["instrument"].str.startswith("UNSCR")
    assert len(un.get_offsets()) == resolutions.sum() < (sanctions["authority"] == "UN").sum()  # not the Panel's veto
    assert len(_by_gid(ax, "nuclear-tests")[0].get_offsets()) == 6
    assert _by_gid(ax, "border-closure")
    assert "Bank of Korea" in _source_text(ax)
    assert any("2020: -4.5%" in t.get_text() for t in ax.texts)


def test_sector_contributions_segments_sum_to_contribution():
    ax = plots.plot_sector_contributions(year=2020)
    contrib = an.sector_contributions(year=2020).table
    for row in contrib.itertuples():
        patches = [p for c in ax.containers for p in c if str(p.get_gid()).startswith(f"{row.sector}:")]
        assert patches, row.sector
        assert sum(p.get_width() for p in patches) == pytest.approx(row.contribution_pp)
    weather = [p for c in ax.containers for p in c if p.get_gid() == "agriculture_forestry_fishing:weather"]
    assert weather[0].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(plots.DRIVER_COLOURS["weather"]))
    assert "percentage points" in ax.get_xlabel()
    assert len(ax.get_legend().get_texts()) == 4


def test_driver_attribution_bars_and_intervals():
    table = an.attribute_drivers(draws=400)
    ax = plots.plot_driver_attribution(table)
    bars = _by_gid(ax, "driver-bars")
    np.testing.assert_allclose([b.get_width() for b in bars], table["pp"])
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
    assert [label for _, label in ticks] == [plots.DRIVER_LABEL[d] for d in table["driver"]]
    errorbars = [c for c in ax.containers if isinstance(c, matplotlib.container.ErrorbarContainer)]
    assert len(errorbars) == 1
    assert "90% interval" in _source_text(ax)


def test_china_trade_lines_and_closure():
    ax = plots.plot_china_trade()
    imports = [l for l in ax.get_lines() if l.get_gid() == "trade-imports"][0]
    y = imports.get_ydata()
    assert len(y) == 36  # monthly 2019-01..2021-12, gaps as NaN
    trade = nk.load_trade()
    published = trade[(trade.series == "china_customs") & (trade.flow == "imports") & trade.month.notna()]
    assert np.isfinite(y).sum() == len(published[published.year.between(2019, 2021)])
    closure = [l for l in ax.get_lines() if l.get_gid() == "closure"][0]
    assert pd.Timestamp(closure.get_xdata()[0]) == pd.Timestamp("2020-01-31")
    assert ax.get_yscale() == "log"
    assert "million US dollars" in ax.get_ylabel()


@pytest.mark.parametrize("year", [2018, 2019, 2020, 2021, 2022, 2023])
def test_titles_follow_the_sign_of_growth(year):
    growth = nk.load_gdp().set_index("year").loc[year, "growth_pct"]
    title = plots.plot_driver_attribution(year=year).get_title(loc="left")
    assert ("shrank" in title) == (growth < 0) and ("grew" in title) == (growth > 0)
    title = plots.plot_sector_contributions(year=year).get_title(loc="left")
    assert ("shrank" in title.lower()) == (growth < 0)


def test_sanctions_exposure_bounds_and_resolutions():
    exposure = an.sanctions_exposure()
    ax = plots.plot_sanctions_exposure(exposure)
    monthly = exposure.info["monthly"]
    lower = [l for l in ax.get_lines() if l.get_gid() == "exposure-lower"][0]
    upper = [l for l in ax.get_lines() if l.get_gid() == "exposure-upper"][0]
    np.testing.assert_allclose(lower.get_ydata(), monthly["lower_pct"])
    np.testing.assert_allclose(upper.get_ydata(), monthly["upper_pct"])
    labels = {t.get_text() for t in ax.texts if t.get_gid() == "resolution-label"}
    assert {"2270", "2321", "2371", "2375", "2397"} <= labels
    assert "bound" in ax.get_title(loc="left")


def test_food_balance_production_need_gap():
    ax = plots.plot_food_balance()
    food = nk.load_food()
    rda = food[(food.measure == "production") & (food.commodity == "grain_total") & (food.publisher == "RDA")
               & food.year.between(2015, 2024)]
    bars = _by_gid(ax, "production")
    np.testing.assert_allclose([b.get_height() for b in bars], rda["value_kt"] / 1000)
    assert _by_gid(ax, "need")
    assert any("0.86 Mt" in t.get_text() for t in ax.texts if t.get_gid() == "gap-label")
    assert "million tonnes" in ax.get_ylabel()


def test_counterfactual_points_and_intervals():
    cf = an.counterfactual()
    ax = plots.plot_counterfactual(cf)
    for method in cf["method"]:
        assert any(c.get_label().startswith(f"Expected, {method}") for c in ax.containers)
    focus = _by_gid(ax, "focus-actual")[0]
    assert focus.get_offsets()[0][1] == -4.5


def test_plots_draw_on_a_given_axes():
    fig, (a1, a2) = plt.subplots(1, 2)
    assert plots.plot_driver_attribution(ax=a1) is a1
    assert plots.plot_counterfactual(ax=a2) is a2
    assert len(fig.axes) == 2


def test_estimates_comparison_draws_each_estimate_beside_nkecon():
    result = an.compare_estimates(an.attribute_drivers(year=2017))
    ax = plots.plot_estimates_comparison(result)
    table = result.table
    intervals = [l for l in ax.get_lines() if l.get_gid() == "nkecon-interval"]
    assert len(intervals) == len(table) >= 1
    for line, row in zip(intervals, table.itertuples()):
        assert tuple(line.get_xdata()) == pytest.approx((row.nkecon_lower, row.nkecon_upper))
    assert "2017" in ax.get_title(loc="left") and "90%" in ax.get_legend().get_texts()[0].get_text()


def test_trade_shocks_title_follows_the_estimates():
    result = an.trade_shocks()
    title = plots.plot_trade_shocks(result).get_title(loc="left")
    t = result.table.set_index(["flow", "shock"])["pct_change"]
    assert f"{abs(t[('exports', 'export_bans')]):.0f}%" in title and f"{abs(t[('imports', 'border_closure')]):.0f}%" in title
    assert ("Exports fell" in title) == (t[("exports", "export_bans")] < 0)
