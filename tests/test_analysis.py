"""Each helper's numbers, checked by an independent calculation on the shipped data."""

import math

import pandas as pd

import numpy as np
import pytest
from scipy import stats

import nkecon as nk
from nkecon import analysis as an

TOP = list(an.TOP_SECTORS)


def _pivot(column):
    return nk.load_sectors().pivot_table(index="year", columns="sector", values=column, observed=True)


def test_sector_contributions_recomputed_by_hand_add_up_to_headline():
    share, growth = _pivot("share_pct"), _pivot("growth_pct")
    by_hand = {s: share.loc[2019, s] * growth.loc[2020, s] / 100 for s in TOP}
    table = an.sector_contributions(year=2020).table.set_index("sector")["contribution_pp"]
    for sector, value in by_hand.items():
        assert table[sector] == pytest.approx(value)
    assert by_hand["agriculture_forestry_fishing"] == pytest.approx(-1.6112)
    headline = nk.load_gdp().set_index("year").loc[2020, "growth_pct"]
    assert sum(by_hand.values()) == pytest.approx(headline, abs=0.05)  # rounding residual only
    assert table["residual"] == pytest.approx(headline - sum(by_hand.values()))


def test_sector_contributions_missing_share_is_a_clear_error():
    with pytest.raises(nk.ParameterError, match="2020 share or the 2021 growth of mining"):
        an.sector_contributions(year=2021, industries=("mining", "services"))


def test_attribution_recomputed_from_shocks_and_fitted_pass_through():
    result = an.attribute_drivers(year=2020, draws=200)
    table = result.table.set_index("driver")
    contrib = an.sector_contributions(year=2020).table.set_index("sector")
    shocks = an.driver_shocks().table.set_index("year").loc[2020]
    fits = an.channel_fits().table.set_index(["sector", "term"])["coef"]
    # by hand: share x pass-through of a US$ bn of trade x the closure's measured US$ bn
    by_hand = sum(contrib.loc[s, "share_prev_pct"] / 100 * fits[(s, "trade_bn")] * shocks["closure_bn"] for s in TOP)
    assert table.loc["border_closure", "pp"] == pytest.approx(by_hand)
    total = an.latest_annual(nk.load_trade(), series="china_customs", partner="china", flow="total")
    assert shocks["closure_bn"] == pytest.approx((total[2020] - total[2019]) / 1000)  # from 2019's post-ban level
    weather = sum(contrib.loc[s, "share_prev_pct"] / 100 * fits[(s, "weather")] * shocks["weather"]
                  for s in TOP if (s, "weather") in fits.index)
    assert table.loc["weather", "pp"] == pytest.approx(weather)
    # no new UN measure in 2020: the bans get exactly 0, and the closure is measured from 2019's post-ban level
    assert table.loc["sanctions", ["pp", "lower_pp", "upper_pp"]].eq(0).all()
    assert table["pp"].sum() == pytest.approx(result.info["headline_pct"])
    for driver in an.DRIVERS:
        row = table.loc[driver]
        assert row["lower_pp"] <= row["pp"] + 1e-9 and row["pp"] - 1e-9 <= row["upper_pp"]


def test_attribution_with_everything_on_weather():
    mapping = {s: {"weather": 1.0} for s in TOP}
    table = an.attribute_drivers(mapping=mapping).table.set_index("driver")
    contrib = an.sector_contributions().table.set_index("sector")["contribution_pp"]
    assert table.loc["weather", "pp"] == pytest.approx(contrib.drop("residual").sum())
    assert table.loc["sanctions", "pp"] == 0


def test_attribution_interval_carries_the_bok_revision_error():
    r = an.attribute_drivers(year=2012, draws=4000)
    t = r.table.set_index("driver")
    rev = an.gdp_revisions().info["mean_abs_revision_pp"]
    # 2012 has no measured shock: the interval is the revision error (and rounding), not +/-0.05
    width = t.loc["unexplained", "upper_pp"] - t.loc["unexplained", "lower_pp"]
    assert width > 2 * 1.5 * rev * np.sqrt(np.pi / 2) * 0.9
    assert t.loc[["sanctions", "border_closure"], "pp"].eq(0).all()


BASE = {s: {"unexplained": 1.0} for s in TOP}


@pytest.mark.parametrize(
    "mapping, match",
    [
        ({**BASE, "services": {"border_closure": 0.5}}, "sum to 1"),
        ({**BASE, "services": {"covid": 1.0}}, "unknown driver 'covid'"),
        ({k: v for k, v in BASE.items() if k != "services"}, "no entry for industry 'services'"),
        ({**BASE, "services": {"border_closure": float("nan")}}, "sum to 1"),
    ],
)
def test_attribution_rejects_bad_mapping(mapping, match):
    with pytest.raises(nk.ParameterError, match=match):
        an.attribute_drivers(mapping=mapping)


def test_counterfactual_mean_and_trend_by_hand():
    growth = nk.load_gdp().set_index("year")["growth_pct"].loc[1999:2019]
    cf = an.counterfactual().table.set_index("method")
    n, m, s = len(growth), growth.mean(), growth.std(ddof=1)
    half = stats.t.ppf(0.975, n - 1) * s * math.sqrt(1 + 1 / n)
    assert cf.loc["mean", "expected_pct"] == pytest.approx(m)
    assert cf.loc["mean", "expected_upper"] == pytest.approx(m + half)
    slope, intercept = np.polyfit(growth.index, growth.to_numpy(), 1)
    assert cf.loc["linear trend", "expected_pct"] == pytest.approx(intercept + slope * 2020)
    assert (cf["shortfall_pp"] == -4.5 - cf["expected_pct"]).all()


def test_counterfactual_arima_forecast_follows_its_parameters():
    result = an.counterfactual(order=(1, 0, 0))
    cf, fit = result.table, result.fit
    mu, phi = fit.params["const"], fit.params["ar.L1"]
    last = nk.load_gdp().set_index("year").loc[2019, "growth_pct"]
    assert cf.loc[0, "expected_pct"] == pytest.approx(mu + phi * (last - mu), rel=1e-6)
    assert cf.loc[0, "expected_lower"] < cf.loc[0, "expected_pct"] < cf.loc[0, "expected_upper"]
    assert "21 annual observations" in result.sample


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"focus_year": 2030}, "`focus_year` must be between"),
        ({"focus_year": 2010}, "must come after the baseline"),
        ({"baseline": (2015, 2019)}, "at least 8 years"),
        ({"order": (1, 0)}, "three integers"),
        ({"focus_year": "2020"}, "integer year"),
    ],
)
def test_counterfactual_rejects_bad_parameters(kwargs, match):
    with pytest.raises(nk.ParameterError, match=match):
        an.counterfactual(**kwargs)


def test_sanctions_exposure_from_products_timed_at_the_bans():
    r = an.sanctions_exposure()
    t = r.table.set_index("year")
    monthly = r.info["monthly"].set_index("month")
    comp = nk.load_export_composition().query("year == 2016 and partner == 'china'").set_index("product")["value_usd_mn"]
    total = r.info["base_total_usd_mn"]
    # zinc and copper are banned from resolution 2321 (30 Nov 2016): in force at November's end, not October's
    assert monthly.loc["2016-10", "lower_pct"] == 0
    assert monthly.loc["2016-11", "lower_pct"] == pytest.approx(100 * (comp["zinc"] + comp["copper"]) / total)
    # textiles from 11 Dec 2017 (2375's 90 days): the annual 2017 figure counts them for one month only
    assert "textiles_nonknit_hs62" not in monthly.loc["2017-11", "products_banned"]
    assert "textiles_nonknit_hs62" in monthly.loc["2017-12", "products_banned"]
    assert t.loc[2017, "lower_pct"] == pytest.approx(monthly.loc["2017-01":"2017-12", "lower_pct"].mean())
    # the upper bound counts only products some ban covers; the unpriced rest is beside it
    assert t.loc[2018, "upper_pct"] <= 100 - t.loc[2018, "unpriced_pct"] + 1e-9
    assert t.loc[2018, "lower_pct"] <= 90 <= t.loc[2018, "upper_pct"] + t.loc[2018, "unpriced_pct"]
    assert t.loc[2016, "upper_pct"] < 90
    # in US$ at the base year's values: what sanctions_shock differences
    assert t.loc[2018, "lower_usd_mn"] == pytest.approx(t.loc[2018, "lower_pct"] * total / 100)
    # stops at the last year with annual trade data
    assert int(t.index.max()) == r.info["end"]


def test_trade_shock_against_monthly_figures():
    trade = nk.load_trade()
    imports = trade[(trade.series == "china_customs") & (trade.flow == "imports") & trade.month.notna()]
    before = imports[(imports.year == 2019) | ((imports.year == 2020) & (imports.month == 1))]
    shock = an.trade_shock()
    row = shock.table.iloc[0]
    assert row["pre_mean_usd_mn"] == pytest.approx(before["value_usd_mn"].mean())
    assert row["months_before"] == len(before)
    assert row["pct_change"] < -80 and row["pct_upper"] < 0
    assert row["pct_lower"] < row["pct_change"] < row["pct_upper"]
    assert row["change_usd_mn"] == pytest.approx(row["pre_mean_usd_mn"] * (math.exp(row["log_change"]) - 1))
    assert shock.fit.params["closure"] == pytest.approx(row["log_change"])


def test_trade_shock_rejects_closure_outside_window():
    with pytest.raises(nk.ParameterError, match="`closure` must fall inside"):
        an.trade_shock(closure="2018-05-01")


def test_trade_yoy_by_hand():
    trade = nk.load_trade()
    annual = trade[(trade.series == "china_customs") & trade.month.isna() & (trade.flow == "total")]
    total = annual.set_index("year")["value_usd_mn"]
    yoy = an.trade_yoy().table.set_index(["flow", "year"])["yoy_pct"]
    assert yoy[("total", 2020)] == pytest.approx((total[2020] / total[2019] - 1) * 100)


def test_growth_regression_in_changes_uses_the_measured_shocks():
    reg = an.growth_regression()
    X = reg.info["design"]
    shocks = an.driver_shocks().table.set_index("year")
    assert X.loc[2020, "closure_bn"] == pytest.approx(shocks.loc[2020, "closure_bn"])
    assert X.loc[2019, "sanctions_bn"] == 0 and X.loc[2018, "sanctions_bn"] < 0
    row = reg.table.set_index("term").loc["closure_bn"]
    df = reg.info["df_resid"]
    assert row["mde"] == pytest.approx((stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * row["se"])


def test_growth_regression_matches_least_squares_with_t_inference():
    reg = an.growth_regression(spec="levels")
    X = reg.info["design"]
    y = nk.load_gdp().set_index("year")["growth_pct"].loc[2000:2024]
    beta, *_ = np.linalg.lstsq(X.to_numpy(), y.to_numpy(), rcond=None)
    t = reg.table
    assert t["coef"].to_numpy() == pytest.approx(beta)
    assert reg.info["n_obs"] == 25
    df = reg.info["df_resid"]
    assert df == 25 - X.shape[1]
    half = stats.t.ppf(0.975, df) * t["se"]
    assert (t["ci_upper"] - t["coef"]).to_numpy() == pytest.approx(half.to_numpy())
    assert not reg.info["weather_used"] and "Weather is left out" in reg.caveat
    assert (t["loo_min"] <= t["coef"] + 1e-9).all() and (t["coef"] - 1e-9 <= t["loo_max"]).all()
    # the border indicator: closed from 31 Jan 2020 to the citizens' return in August 2023
    assert X.loc[2021, "border_closed"] == 1 and 0.9 < X.loc[2020, "border_closed"] < 1
    assert X.loc[2019, "border_closed"] == 0


def test_food_balance_months_by_hand():
    result = an.food_balance(year=2020)
    fb = result.table.set_index("publisher")
    assert fb.loc["NIS", "months_of_consumption"] == pytest.approx(1000 / (5500 / 12))
    assert fb.loc["FAO", "need_kt"] == pytest.approx(5600 + 1100)
    assert result.info["harvest_change_kt"] == -240
    # FAO states its gap as about 2.3 months of food use; its requirement is total utilisation,
    # so a gap / (utilisation / 12) figure (1.54) would understate it
    assert fb.loc["FAO", "months_of_consumption"] == 2.3 and fb.loc["FAO", "months_basis"] == "as the source states it"
    assert result.info["harvest_loss_kt"] == 200


def test_describe_states_sample_method_uncertainty():
    text = an.attribute_drivers().describe()
    assert "sample:" in text and "method:" in text and "uncertainty:" in text


# ------------------------------------------------------------- every year and parameter
from hypothesis import given, settings, strategies as st  # noqa: E402

def _years_with_sectors():
    years = []
    for y in range(1990, 2031):
        try:
            an.sector_contributions(year=y)
        except nk.ParameterError:
            continue
        years.append(y)
    return years


YEARS = _years_with_sectors()


def test_attribution_years_are_the_years_with_industry_data():
    assert YEARS and 2020 in YEARS and 2023 in YEARS


@settings(max_examples=25, deadline=None)
@given(year=st.sampled_from(YEARS), interval=st.floats(0.5, 0.99), concentration=st.floats(0.5, 50))
def test_attribution_every_year_old_properties_that_still_hold(year, interval, concentration):
    r = an.attribute_drivers(year=year, interval=interval, draws=400)
    t = r.table.set_index("driver")
    assert np.isfinite(t[["pp", "lower_pp", "upper_pp"]].to_numpy()).all()
    shocks = an.driver_shocks().table.set_index("year")
    if shocks.loc[year, "closure_bn"] == 0:
        assert t.loc["border_closure", ["pp", "lower_pp", "upper_pp"]].eq(0).all()
    assert r.info["interval"] == interval


def test_2018_has_no_border_closure_and_2023_credits_the_reopening_and_the_harvest():
    r2018 = an.attribute_drivers(year=2018).table.set_index("driver")
    assert r2018.loc["border_closure", "pp"] == 0 and r2018.loc["sanctions", "pp"] < 0
    r2023 = an.attribute_drivers(year=2023)
    t = r2023.table.set_index("driver")
    assert r2023.info["headline_pct"] > 0
    assert t.loc["sanctions", "pp"] == 0
    assert t.loc["border_closure", "pp"] > 0 and t.loc["weather", "pp"] > 0  # drivers can add growth


def test_trade_shocks_are_told_apart_by_timing():
    t = an.trade_shocks().table.set_index(["flow", "shock"])
    assert t.loc[("exports", "export_bans"), "pct_upper"] < 0     # the bans cut exports
    assert t.loc[("imports", "border_closure"), "pct_upper"] < 0  # the closure cut imports
    # the bans were on exports: imports fell far less at the bans than at the closure
    assert t.loc[("imports", "export_bans"), "pct_change"] > t.loc[("imports", "border_closure"), "pct_change"]
    # China's coal suspension of 19 Feb 2017 is its own step, from March 2017
    assert t.loc[("exports", "coal_suspension"), "from_month"] == "2017-03"
    assert t.loc[("exports", "coal_suspension"), "pct_upper"] < 0
    # phases, not one permanent step: the partial reopening and the reopening add trade back
    assert t.loc[("imports", "partial_reopening"), "pct_lower"] > 0
    # one month convention: the month of a date counts after it only when the date is its first day
    assert t.loc[("imports", "border_closure"), "from_month"] == "2020-02"


@pytest.mark.parametrize("spec", ["changes", "levels"])
def test_regression_verdict_words_follow_the_interval(spec):
    from nkecon import narrative

    reg = an.growth_regression(spec=spec)
    attribution = an.attribute_drivers(year=2020, draws=400)
    text = narrative.regression_verdict(reg, attribution)
    term = reg.info["terms"]["border_closure"]
    row = reg.table.set_index("term").loc[term]
    x = reg.info["design"].loc[2020, term]
    lo, hi = sorted((row["ci_lower"] * x, row["ci_upper"] * x))
    attributed = attribution.table.set_index("driver").loc["border_closure", "pp"]
    expected = ("contradicts" if not lo <= attributed <= hi else "cannot tell" if lo <= 0 <= hi else "supports")
    assert expected in text and f"{row['mde'] * abs(x):.1f} pp" in text


def test_revisions_first_against_latest():
    r = an.gdp_revisions().table.set_index("year")
    assert r.loc[2007, "first_pct"] == -2.3 and r.loc[2007, "latest_pct"] == -1.2
    assert r.loc[1991, "first_pct"] == -5.2
    assert r.loc[2020, "first_release"] == pd.Timestamp("2021-07-30")


def test_compare_estimates_says_when_intervals_miss():
    attribution = an.attribute_drivers(year=2020, draws=400)
    r = an.compare_estimates(attribution).table.set_index("estimate_id")
    cge = r.loc["cge_covid_trade_informal_gdp_2020"]
    assert cge["agrees"] == (cge["nkecon_lower"] <= cge["published"] <= cge["nkecon_upper"])
    assert "fitch_2020_06_covid_forecast_revision" not in r.index  # a forecast revision is not an estimate
    # with the alternatives, 'agrees' must hold under every one of them
    alts = an.structural_alternatives(2020, draws=200)
    r2 = an.compare_estimates(attribution, alternatives=alts).table.set_index("estimate_id").loc["cge_covid_trade_informal_gdp_2020"]
    sub = alts.table[alts.table.driver == "border_closure"]
    holds = [(lo <= cge["published"] <= hi) for lo, hi in zip(sub.lower_pp, sub.upper_pp)]
    assert r2["verdict"] == ("agrees" if all(holds) else "disagrees" if not any(holds) else "depends on the specification")


def test_public_helpers_and_charts_are_documented_in_numpydoc():
    from nkecon import plots

    helpers = [getattr(an, n) for n in an.__all__ if callable(getattr(an, n)) and not isinstance(getattr(an, n), type)]
    charts = [getattr(plots, n) for n in plots.__all__ if n.startswith("plot_")]
    missing = []
    for f in helpers + charts:
        doc = f.__doc__ or ""
        for section in ("Parameters", "Returns", "Examples"):
            if section not in doc:
                missing.append(f"{f.__name__}: {section}")
    assert not missing, missing
