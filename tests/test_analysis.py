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


def test_attribution_follows_its_year_mapping():
    contrib = an.sector_contributions(year=2020)
    result = an.attribute_drivers(contrib)
    table = result.table.set_index("driver")
    mapping = result.info["mapping"]
    c = contrib.table.set_index("sector")["contribution_pp"]
    # recomputed from the mapping the result reports: a wrong weighting or a dropped industry fails
    expected_border = sum(mapping[s].get("border_closure", 0.0) * c[s] for s in TOP)
    assert table.loc["border_closure", "pp"] == pytest.approx(expected_border)
    assert expected_border < 0
    # 2020's closure covered 92% of the year: services carry it, with sanctions a smaller share
    assert mapping["services"]["border_closure"] > mapping["services"]["sanctions"] > 0
    for driver in an.DRIVERS:
        row = table.loc[driver]
        assert row["lower_pp"] <= row["pp"] + 1e-9 and row["pp"] - 1e-9 <= row["upper_pp"]


def test_attribution_with_everything_on_weather():
    mapping = {s: {"weather": 1.0} for s in TOP}
    table = an.attribute_drivers(mapping=mapping).table.set_index("driver")
    contrib = an.sector_contributions().table.set_index("sector")["contribution_pp"]
    assert table.loc["weather", "pp"] == pytest.approx(contrib.drop("residual").sum())
    assert table.loc["sanctions", "pp"] == 0


def test_attribution_interval_narrows_with_confidence():
    wide = an.attribute_drivers(concentration=2).table.set_index("driver")
    narrow = an.attribute_drivers(concentration=200).table.set_index("driver")
    width = lambda t: (t["upper_pp"] - t["lower_pp"]).loc["border_closure"]  # noqa: E731
    assert width(narrow) < width(wide)


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
    # the published "over 90%" lies within the bounds once the bans are in force, and not before
    assert t.loc[2018, "lower_pct"] <= 90 <= t.loc[2018, "upper_pct"]
    assert t.loc[2016, "upper_pct"] < 90
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


def test_growth_regression_matches_least_squares_with_t_inference():
    reg = an.growth_regression()
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
def test_attribution_every_year(year, interval, concentration):
    r = an.attribute_drivers(year=year, interval=interval, concentration=concentration, draws=400)
    t = r.table.set_index("driver")
    assert np.isfinite(t[["pp", "lower_pp", "upper_pp"]].to_numpy()).all()
    events = nk.load_events()
    closed = an.border_closure_share(events, years=[year]).iloc[0]
    if closed == 0:
        assert t.loc["border_closure", ["pp", "lower_pp", "upper_pp"]].eq(0).all()
    if not (events[(events.kind == "weather") & (events.start_date.dt.year == year)]).shape[0]:
        assert t.loc["weather", "pp"] == 0
    contrib = an.sector_contributions(year=year).table.set_index("sector")
    # adverse drivers never take credit for growth: each is <= 0
    for d in ("sanctions", "border_closure", "weather"):
        assert t.loc[d, "pp"] <= 1e-12
    # what the drivers do not take stays with "unexplained": no double counting
    shrinking = contrib.loc[[s for s in TOP if contrib.loc[s, "contribution_pp"] < 0], "contribution_pp"].sum()
    assert t.loc[["sanctions", "border_closure", "weather"], "pp"].sum() >= shrinking - 1e-9
    assert r.info["interval"] == interval


def test_2018_has_no_border_closure_and_2023_credits_no_shock_with_growth():
    r2018 = an.attribute_drivers(year=2018).table.set_index("driver")
    assert r2018.loc["border_closure", "pp"] == 0 and r2018.loc["sanctions", "pp"] < 0
    r2023 = an.attribute_drivers(year=2023)
    t = r2023.table.set_index("driver")
    assert r2023.info["headline_pct"] > 0
    assert t.loc[["sanctions", "border_closure", "weather"], "pp"].eq(0).all()


def test_trade_shocks_are_told_apart_by_timing():
    t = an.trade_shocks().table.set_index(["flow", "shock"])
    assert t.loc[("exports", "export_bans"), "pct_upper"] < 0     # the bans cut exports
    assert t.loc[("imports", "border_closure"), "pct_upper"] < 0  # the closure cut imports
    # the bans were on exports: imports fell far less at the bans than at the closure
    assert t.loc[("imports", "export_bans"), "pct_change"] > t.loc[("imports", "border_closure"), "pct_change"]


def test_regression_verdict_words_follow_the_interval():
    reg = an.growth_regression()
    text = an.regression_verdict(reg, an.attribute_drivers(year=2020))
    row = reg.table.set_index("term").loc["border_closed"]
    x = reg.info["design"].loc[2020, "border_closed"]
    lo, hi = sorted((row["ci_lower"] * x, row["ci_upper"] * x))
    expected = "cannot tell" if lo <= 0 <= hi else ("supports" if lo <= -2.16 <= hi else "contradicts")
    assert expected in text


def test_revisions_first_against_latest():
    r = an.gdp_revisions().table.set_index("year")
    assert r.loc[2007, "first_pct"] == -2.3 and r.loc[2007, "latest_pct"] == -1.2
    assert r.loc[1991, "first_pct"] == -5.2
    assert r.loc[2020, "first_release"] == pd.Timestamp("2021-07-30")


def test_compare_estimates_says_when_intervals_miss():
    r = an.compare_estimates(an.attribute_drivers(year=2020)).table.set_index("estimate_id")
    cge = r.loc["cge_covid_trade_informal_gdp_2020"]
    assert cge["agrees"] == (cge["nkecon_lower"] <= cge["published"] <= cge["nkecon_upper"])


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
