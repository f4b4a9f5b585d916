"""relief_scenario, its sentences and its chart, over the whole parameter space."""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nkecon as nk
from nkecon import relief
from nkecon.errors import ParameterError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
subsets = st.lists(st.sampled_from(relief.MEASURES), min_size=1, max_size=3, unique=True)


@st.composite
def scenarios(draw):
    measures = draw(subsets)
    years = relief.relief_base_years(measures=measures)
    base_year = draw(st.sampled_from(years))
    kw = dict(base_year=base_year)
    if "petroleum" in measures:
        kw["cap_raise_bbl"] = draw(st.one_of(st.none(), st.floats(1, 2e7, allow_nan=False)))
        kw["price_usd_per_bbl"] = draw(st.one_of(
            st.none(), st.floats(1, 300),
            st.tuples(st.floats(1, 150), st.floats(0, 150)).map(lambda t: (t[0], t[0] + t[1]))))
    return measures, kw


@SETTINGS
@given(scenarios())
def test_results_finite_ordered_and_one_row_per_measure(case):
    measures, kw = case
    r = relief.relief_scenario(measures, **kw)
    t = r.table
    assert list(t["measure"]) == [m for m in relief.MEASURES if m in measures]
    assert (t["low"] >= 0).all() and (t["low"] <= t["high"]).all()
    assert all(math.isfinite(v) for v in t[["low", "high"]].to_numpy().ravel())
    priced = t.dropna(subset=["usd_mn_low"])
    assert (priced["usd_mn_low"] <= priced["usd_mn_high"]).all()
    assert (priced["pct_trade_high"] >= priced["pct_trade_low"]).all()
    # every row cites sources that exist
    known = set(nk.load_sources()["source_id"])
    for ids in t["source_ids"]:
        assert ids and set(ids.split(";")) <= known


@SETTINGS
@given(scenarios())
def test_sentences_follow_the_numbers(case):
    measures, kw = case
    r = relief.relief_scenario(measures, **kw)
    sentences = relief.relief_sentences(r)
    text = " ".join(sentences)
    t = r.table
    priced = t.dropna(subset=["usd_mn_low"]).assign(mid=lambda d: (d.usd_mn_low + d.usd_mn_high) / 2)
    if len(priced) >= 2:
        top = priced.sort_values("mid", ascending=False, kind="stable").iloc[0]
        most = [s for s in sentences if "matter most" in s]
        assert len(most) == 1 and most[0].startswith(top["quantity"].capitalize())
        runner_up = priced.sort_values("mid", ascending=False, kind="stable").iloc[1]
        overlap = top["usd_mn_low"] <= runner_up["usd_mn_high"]
        assert ("ranges overlap" in most[0]) == bool(overlap)
        ratio = re.search(r"([\d.]+) times", most[0])
        if ratio and runner_up["mid"] > 0:
            assert float(ratio.group(1)) == pytest.approx(top["mid"] / runner_up["mid"], abs=0.051)
            assert float(ratio.group(1)) >= 1.0
    else:
        assert "matter most" not in text
    g = r.info["growth_2020_pct"]
    assert (f"shrank {abs(g):.1f}% in 2020" in text) == (g < 0)
    if "petroleum" in measures and not r.info["priced"]:
        assert "barrels" in text and "petroleum" not in " ".join(s for s in sentences if "matter most" in s).lower()


def test_default_values_match_the_sources():
    r = relief.relief_scenario()
    t = r.table.set_index("measure")
    # metals: zinc 51.027 + copper 20.881 fully banned; ores_hs26 200 partly banned
    assert t.at["metals", "low"] == pytest.approx(71.908)
    assert t.at["metals", "high"] == pytest.approx(271.908)
    # petroleum: back to 4.5 mn bbl from 2397's 500,000; 2018 estimate 3.78 mn bbl
    assert t.at["petroleum", "high"] == pytest.approx(4_000_000)
    assert t.at["petroleum", "low"] == pytest.approx(720_000)
    assert math.isnan(t.at["petroleum", "usd_mn_low"])
    # luxury: 666.42 in 2016, 1.84 (2021) to 85.94 (2023) after; 2024 is a half year
    assert t.at["luxury", "high"] == pytest.approx(666.42 - 1.84)
    assert 2024 not in r.info["luxury_after_years"]
    assert r.info["luxury_otherwise_banned_usd_mn"] == pytest.approx(330.25 + 260.60)


def test_price_scales_petroleum_and_nothing_else():
    a = relief.relief_scenario(cap_raise_bbl=1e6)
    b = relief.relief_scenario(cap_raise_bbl=1e6, price_usd_per_bbl=(50, 100))
    pa, pb = a.table.set_index("measure"), b.table.set_index("measure")
    assert pb.at["petroleum", "usd_mn_high"] == pytest.approx(1e6 * 100 / 1e6)
    assert pb.at["petroleum", "usd_mn_low"] == pytest.approx(pb.at["petroleum", "low"] * 50 / 1e6)
    pd.testing.assert_series_equal(pa.loc["metals"], pb.loc["metals"])


@SETTINGS
@given(st.floats(1, 5e7))
def test_bigger_raise_never_worth_less(raise_bbl):
    small = relief.relief_scenario(["petroleum"], cap_raise_bbl=raise_bbl).table.iloc[0]
    big = relief.relief_scenario(["petroleum"], cap_raise_bbl=raise_bbl * 2).table.iloc[0]
    assert big["high"] >= small["high"] and big["low"] >= small["low"]


@pytest.mark.parametrize("kw, needle", [
    (dict(measures=[]), "`measures` is empty"),
    (dict(measures=["oil"]), "'oil'"),
    (dict(measures=["metals", "metals"]), "repeats"),
    (dict(measures=["petroleum"], cap_raise_bbl=0), "`cap_raise_bbl` must be positive"),
    (dict(measures=["petroleum"], cap_raise_bbl=-5), "-5"),
    (dict(measures=["petroleum"], cap_raise_bbl=float("nan")), "finite"),
    (dict(measures=["metals"], base_year=2012), "2012"),
    (dict(base_year=2016.0), "integer year"),
    (dict(price_usd_per_bbl=0), "positive"),
    (dict(price_usd_per_bbl=(90, 60)), "low <= high"),
    (dict(compare_year=1990), "`compare_year`"),
    (dict(metal_products=("gold",)), "'gold'"),
    (dict(luxury_otherwise_banned={"cars": "import_ban:spaceships"}), "import_ban:spaceships"),
])
def test_bad_parameters_name_the_parameter_and_value(kw, needle):
    with pytest.raises(ParameterError, match=re.escape(needle)):
        relief.relief_scenario(**kw)


def test_eased_nothing_is_refused_by_the_report_check():
    with pytest.raises(ParameterError):
        relief.check_parameters([], 2016)
    relief.check_parameters(["luxury"], 2010)


@pytest.mark.parametrize("measures", [["metals"], ["petroleum"], ["luxury"], list(relief.MEASURES)])
def test_chart_draws_each_measure_with_its_range(measures):
    r = relief.relief_scenario(measures)
    ax = relief.plot_relief_scenario(r)
    fig = ax.figure
    labels = [t.get_text() for a in fig.axes for t in a.get_yticklabels()]
    assert sorted(labels) == sorted(q[0].upper() + q[1:] for q in r.table["quantity"])
    bars = [p for a in fig.axes for p in a.patches]
    assert len(bars) == len(measures)
    for m in measures:
        assert m in ax.get_title(loc="left")
    # bar extents are the ranges (US$ mn, or million barrels)
    widths = sorted(round(p.get_width(), 6) for p in bars)
    expect = sorted(round((r2.usd_mn_high - r2.usd_mn_low) if not pd.isna(r2.usd_mn_low)
                          else (r2.high - r2.low) / 1e6, 6) for r2 in r.table.itertuples())
    assert widths == pytest.approx(expect)
    plt.close("all")
