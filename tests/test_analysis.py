"""Each helper's numbers, checked by an independent calculation on the shipped data."""

import math

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
    table = an.sector_contributions(year=2020).set_index("sector")["contribution_pp"]
    for sector, value in by_hand.items():
        assert table[sector] == pytest.approx(value)
    assert by_hand["agriculture_forestry_fishing"] == pytest.approx(-1.6112)
    headline = nk.load_gdp().set_index("year").loc[2020, "growth_pct"]
    assert sum(by_hand.values()) == pytest.approx(headline, abs=0.05)  # rounding residual only
    assert table.sum() == pytest.approx(headline)
    assert table["residual"] == pytest.approx(headline - sum(by_hand.values()))


def test_sector_contributions_missing_share_is_a_clear_error():
    with pytest.raises(nk.ParameterError, match="2020 share or the 2021 growth of mining"):
        an.sector_contributions(year=2021, industries=("mining", "services"))


def test_attribution_sums_to_headline_and_follows_mapping():
    contrib = an.sector_contributions(year=2020)
    table = an.attribute_drivers(contrib).set_index("driver")
    assert table["pp"].sum() == pytest.approx(-4.5)
    assert table["share_of_change"].sum() == pytest.approx(1.0)
    c = contrib.set_index("sector")["contribution_pp"]
    expected_border = 0.2 * c["agriculture_forestry_fishing"] + 0.6 * c["mining_manufacturing"] + c["services"]
    assert table.loc["border_closure", "pp"] == pytest.approx(expected_border)
    for driver in an.DRIVERS:
        row = table.loc[driver]
        assert row["lower_pp"] <= row["pp"] + 1e-9 and row["pp"] - 1e-9 <= row["upper_pp"]


def test_attribution_with_everything_on_weather():
    mapping = {s: {"weather": 1.0} for s in TOP}
    table = an.attribute_drivers(mapping=mapping).set_index("driver")
    contrib = an.sector_contributions().set_index("sector")["contribution_pp"]
    assert table.loc["weather", "pp"] == pytest.approx(contrib.drop("residual").sum())
    assert table.loc["sanctions", "pp"] == 0


def test_attribution_interval_narrows_with_confidence():
    wide = an.attribute_drivers(concentration=2).set_index("driver")
    narrow = an.attribute_drivers(concentration=200).set_index("driver")
    width = lambda t: (t["upper_pp"] - t["lower_pp"]).loc["border_closure"]  # noqa: E731
    assert width(narrow) < width(wide)


@pytest.mark.parametrize(
    "mapping, match",
    [
        ({**an.DEFAULT_DRIVER_MAPPING, "services": {"border_closure": 0.5}}, "sum to 1"),
        ({**an.DEFAULT_DRIVER_MAPPING, "services": {"covid": 1.0}}, "unknown driver 'covid'"),
        ({k: v for k, v in an.DEFAULT_DRIVER_MAPPING.items() if k != "services"}, "no entry for industry 'services'"),
    ],
)
def test_attribution_rejects_bad_mapping(mapping, match):
    with pytest.raises(nk.ParameterError, match=match):
        an.attribute_drivers(mapping=mapping)


def test_counterfactual_mean_and_trend_by_hand():
    growth = nk.load_gdp().set_index("year")["growth_pct"].loc[1999:2019]
    cf = an.counterfactual().set_index("method")
    n, m, s = len(growth), growth.mean(), growth.std(ddof=1)
    half = stats.t.ppf(0.975, n - 1) * s * math.sqrt(1 + 1 / n)
    assert cf.loc["mean", "expected_pct"] == pytest.approx(m)
    assert cf.loc["mean", "expected_upper"] == pytest.approx(m + half)
    slope, intercept = np.polyfit(growth.index, growth.to_numpy(), 1)
    assert cf.loc["linear trend", "expected_pct"] == pytest.approx(intercept + slope * 2020)
    assert (cf["shortfall_pp"] == -4.5 - cf["expected_pct"]).all()


def test_counterfactual_arima_forecast_follows_its_parameters():
    cf = an.counterfactual(order=(1, 0, 0))
    fit = cf.attrs["arima_results"]
    mu, phi = fit.params["const"], fit.params["ar.L1"]
    last = nk.load_gdp().set_index("year").loc[2019, "growth_pct"]
    assert cf.loc[0, "expected_pct"] == pytest.approx(mu + phi * (last - mu), rel=1e-6)
    assert cf.loc[0, "expected_lower"] < cf.loc[0, "expected_pct"] < cf.loc[0, "expected_upper"]
    assert "21 annual observations" in cf.attrs["sample"]


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


def test_sanctions_exposure_steps_in_2017():
    comp = nk.load_export_composition()
    base = comp[(comp.year == 2016) & (comp.partner == "world")].set_index("product")["value_usd_mn"]
    exp = an.sanctions_exposure().set_index("year")["exposure_pct"]
    assert exp.loc[2006:2015].eq(0).all()
    # resolution 2321 (Nov 2016) capped coal: half of coal counts until the 2017 full ban
    assert exp.loc[2016] == pytest.approx(0.5 * base["coal"] / base["total"] * 100)
    # 2371 (coal) and 2375 (textiles), both 2017
    assert exp.loc[2017] == pytest.approx((base["coal"] + base["textiles"]) / base["total"] * 100)
    steps = exp.diff()
    assert steps.idxmax() == 2017
    full = an.sanctions_exposure(cap_coverage=1.0).set_index("year")["exposure_pct"]
    assert full.loc[2016] == pytest.approx(base["coal"] / base["total"] * 100)


def test_trade_shock_against_monthly_figures():
    trade = nk.load_trade()
    imports = trade[(trade.series == "china_customs") & (trade.flow == "imports") & trade.month.notna()]
    before = imports[(imports.year == 2019) | ((imports.year == 2020) & (imports.month == 1))]
    shock = an.trade_shock()
    row = shock.iloc[0]
    assert row["pre_mean_usd_mn"] == pytest.approx(before["value_usd_mn"].mean())
    assert row["months_before"] == len(before)
    assert row["pct_change"] < -80 and row["pct_upper"] < 0
    assert row["pct_lower"] < row["pct_change"] < row["pct_upper"]
    assert row["change_usd_mn"] == pytest.approx(row["pre_mean_usd_mn"] * (math.exp(row["log_change"]) - 1))
    assert shock.attrs["results"].params["closure"] == pytest.approx(row["log_change"])


def test_trade_shock_rejects_closure_outside_window():
    with pytest.raises(nk.ParameterError, match="`closure` must fall inside"):
        an.trade_shock(closure="2018-05-01")


def test_trade_yoy_by_hand():
    trade = nk.load_trade()
    annual = trade[(trade.series == "china_customs") & trade.month.isna() & (trade.flow == "total")]
    total = annual.set_index("year")["value_usd_mn"]
    yoy = an.trade_yoy().set_index(["flow", "year"])["yoy_pct"]
    assert yoy[("total", 2020)] == pytest.approx((total[2020] / total[2019] - 1) * 100)


def test_growth_regression_matches_least_squares():
    reg = an.growth_regression()
    X = reg.attrs["design"]
    y = nk.load_gdp().set_index("year")["growth_pct"].loc[2000:2024]
    beta, *_ = np.linalg.lstsq(X.to_numpy(), y.to_numpy(), rcond=None)
    assert reg["coef"].to_numpy() == pytest.approx(beta)
    assert reg.attrs["n_obs"] == 25
    assert "only 25 annual observations" in reg.attrs["caveat"]
    assert reg.attrs["leave_one_out"].shape == (25, 4)
    assert (reg["loo_min"] <= reg["coef"] + 1e-9).all() and (reg["coef"] - 1e-9 <= reg["loo_max"]).all()
    # the border indicator: closed from 31 Jan 2020 to the citizens' return in August 2023
    assert X.loc[2021, "border_closed"] == 1 and 0.9 < X.loc[2020, "border_closed"] < 1
    assert X.loc[2019, "border_closed"] == 0


def test_food_balance_months_by_hand():
    fb = an.food_balance(year=2020).set_index("publisher")
    assert fb.loc["NIS", "months_of_consumption"] == pytest.approx(1000 / (5500 / 12))
    assert fb.loc["FAO", "need_kt"] == pytest.approx(5600 + 1100)
    assert fb.attrs["harvest_drop_kt"] == 240
    assert fb.attrs["harvest_loss_kt"] == 200


def test_describe_states_sample_method_uncertainty():
    text = an.describe(an.attribute_drivers())
    assert "sample:" in text and "method:" in text and "uncertainty:" in text
