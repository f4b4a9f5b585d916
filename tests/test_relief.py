"""relief_scenario, its tables, sentences and chart, checked against hand calculations from the CSVs."""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nkecon as nk
from nkecon import paths, relief
from nkecon.errors import ParameterError

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
subsets = st.lists(st.sampled_from(relief.MEASURES), min_size=1, max_size=4, unique=True)
DATA = paths.shipped_data_dir()


# --------------------------------------------------------------------------------------
# hand calculations, straight from the CSV files (not through nkecon's loaders)
# --------------------------------------------------------------------------------------

def _rows(name: str, folder: Path = DATA) -> list[dict[str, str]]:
    with open(folder / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _export(product: str, year: int = 2016, folder: Path = DATA) -> float:
    (row,) = [r for r in _rows("export_composition", folder)
              if r["product"] == product and r["partner"] == "china" and int(r["year"]) == year]
    return float(row["value_usd_mn"])


def _price(commodity: str, year: int) -> float:
    (row,) = [r for r in _rows("commodity_prices") if r["commodity"] == commodity and int(r["year"]) == year]
    return float(row["price_usd"])


def _ratio(commodity: str, base: int = 2016, now: int = 2024) -> float:
    return _price(commodity, now) / _price(commodity, base)


ORES = ("iron_ore", "zinc", "copper", "lead", "nickel", "silver")


def _gni_usd_mn(year: int = 2024) -> float:
    releases = [r for r in _rows("gdp_releases") if int(r["year"]) == year and r["gni_nominal_krw_tn"]]
    gni_krw = float(max(releases, key=lambda r: r["release_date"])["gni_nominal_krw_tn"])
    (conv,) = [r for r in _rows("bok_dollar_conversions") if int(r["year"]) == year]
    return gni_krw * 1e6 / (1000 * float(conv["value_krw_tn"]) / float(conv["value_usd_bn"]))


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
        kw["wedge_usd_per_bbl"] = draw(st.one_of(st.none(), st.floats(1, 300)))
    return measures, kw


# --------------------------------------------------------------------------------------
# the whole advertised space
# --------------------------------------------------------------------------------------

@SETTINGS
@given(scenarios())
def test_results_finite_ordered_and_one_row_per_measure(case):
    measures, kw = case
    r = relief.relief_scenario(measures, **kw)
    t = r.table
    assert list(t["measure"]) == [m for m in relief.MEASURES if m in measures]
    assert (t["low"] >= 0).all() and (t["low"] <= t["high"]).all()
    for lo, hi in (("usd_mn_low", "usd_mn_high"), ("usd_mn_now_low", "usd_mn_now_high"),
                   ("pct_gni_low", "pct_gni_high"), ("pct_gni_now_low", "pct_gni_now_high")):
        priced = t.dropna(subset=[lo])
        assert (priced[lo] <= priced[hi] + 1e-9).all() and (priced[lo] >= 0).all()
    assert set(t.loc[t["measure"].isin(relief.EXPORT_MEASURES), "flow"]) <= {"exports"}
    assert set(t.loc[t["measure"].isin(relief.IMPORT_MEASURES), "flow"]) <= {"imports"}
    known = set(nk.load_sources()["source_id"])
    for ids in t["source_ids"]:
        assert ids and set(ids.split(";")) <= known
    # the metal scope is part of the mineral scope at every price
    if {"metals", "minerals"} <= set(measures):
        m = t.set_index("measure")
        for col in ("usd_mn_low", "usd_mn_high", "usd_mn_now_low", "usd_mn_now_high"):
            assert m.at["metals", col] <= m.at["minerals", col] + 1e-9


@SETTINGS
@given(scenarios())
def test_sentences_keep_earnings_and_spending_apart(case):
    measures, kw = case
    r = relief.relief_scenario(measures, **kw)
    sentences = relief.relief_sentences(r)
    t = r.table
    spending = t[(t["flow"] == "imports")].dropna(subset=["usd_mn_now_low"])
    ranked = [s for s in sentences if "weigh most" in s]
    if len(spending) >= 2:
        mid = (spending["usd_mn_now_low"] + spending["usd_mn_now_high"]) / 2
        top = spending.loc[mid.idxmax()]
        assert len(ranked) == 1 and f"import spending, {top['quantity']} weigh most" in ranked[0]
        ratio = re.search(r"([\d.]+) times", ranked[0])
        if ratio:
            assert float(ratio.group(1)) == pytest.approx(mid.max() / mid.min(), abs=0.051)
    else:
        assert not ranked
    # the ranking sets imports against imports only, never against an export measure
    for s in ranked:
        assert not any(q in s for q in ("mineral export", "metal export", "export earnings restored"))
    if "minerals" in measures:
        assert any(s.startswith("Easing the mineral export bans") for s in sentences)
    g = r.info["gni_usd_mn"]
    assert any(f"{_fmt_bn(g)}" in s for s in sentences)


def _fmt_bn(x: float) -> str:
    return f"${x / 1000:.2f} billion"


# --------------------------------------------------------------------------------------
# hand calculations
# --------------------------------------------------------------------------------------

def test_metals_match_a_hand_calculation():
    t = relief.relief_scenario(["metals"]).table.iloc[0]
    zinc, copper, ores = _export("zinc"), _export("copper"), _export("ores_hs26")
    # low: the fully banned items (zinc, copper); high: the HS 26 row or its items, never both
    assert t["low"] == pytest.approx(zinc + copper)
    assert t["high"] == pytest.approx(max(ores, zinc + copper)) == pytest.approx(200)
    assert t["usd_mn_now_low"] == pytest.approx(zinc * _ratio("zinc") + copper * _ratio("copper"))
    rest = ores - zinc - copper
    assert t["usd_mn_now_high"] == pytest.approx(zinc * _ratio("zinc") + copper * _ratio("copper")
                                                 + rest * max(_ratio(c) for c in ORES))
    assert t["pct_gni_now_high"] == pytest.approx(100 * t["usd_mn_now_high"] / _gni_usd_mn())


def test_minerals_match_a_hand_calculation():
    t = relief.relief_scenario(["minerals"]).table.iloc[0]
    coal, zinc, copper = _export("coal"), _export("zinc"), _export("copper")
    ores, total = _export("ores_hs26"), _export("mineral_products_aggregate")
    assert t["low"] == pytest.approx(coal + zinc + copper)
    assert t["high"] == pytest.approx(max(total, coal + max(ores, zinc + copper))) == pytest.approx(1450)
    items_now = coal * _ratio("coal_australia") + zinc * _ratio("zinc") + copper * _ratio("copper")
    assert t["usd_mn_now_low"] == pytest.approx(items_now)
    top = max([_ratio("coal_australia")] + [_ratio(c) for c in ORES])
    high_now = items_now + (ores - zinc - copper) * max(_ratio(c) for c in ORES) + (total - coal - ores) * top
    assert t["usd_mn_now_high"] == pytest.approx(high_now)
    assert t["pct_gni_low"] == pytest.approx(100 * (coal + zinc + copper) / _gni_usd_mn())


def test_benchmarks_are_the_officials_sums_and_the_reasons_are_given():
    r = relief.relief_scenario(["metals", "minerals"])
    pub = {row["estimate_id"]: abs(float(row["effect"])) for row in _rows("published_estimates") if row["effect"]}
    for m, ids in relief.DEFAULT_BENCHMARKS.items():
        assert r.info["scopes"][m]["benchmark_usd_mn"] == pytest.approx(sum(pub[i] for i in ids))
    assert r.info["scopes"]["metals"]["benchmark_usd_mn"] == pytest.approx(464)
    text = " ".join(relief.relief_sentences(r))
    assert "metal export bans add up to $464 million a year: above nkecon's range" in text
    assert "Why:" in text and "every destination" in text
    bench = relief.relief_tables(r)["benchmarks"]
    assert "un_diplomat_2017_unscr2371_iron_revenue" in set(bench["estimate"])


def test_petroleum_matches_a_hand_calculation():
    r = relief.relief_scenario(["petroleum"], price_usd_per_bbl=(60, 90), wedge_usd_per_bbl=30)
    t = r.table.iloc[0]
    pet = _rows("refined_petroleum")
    pre = float(next(x["value_bbl"] for x in pet if x["measure"] == "pre_cap_imports" and x["year"] == "2016"))
    cap = min(float(x["refined_petroleum_cap_bbl"]) for x in _rows("sanctions") if x["refined_petroleum_cap_bbl"])
    best = {}
    for x in pet:
        if x["measure"] == "estimated_imports" and x["value_bbl"]:
            best[x["year"]] = max(best.get(x["year"], 0.0), float(x["value_bbl"]))
    raise_bbl = pre - cap
    legal = sorted(min(max(v - cap, 0), raise_bbl) for v in (min(best.values()), max(best.values())))
    new = (raise_bbl - legal[1], raise_bbl - legal[0])
    assert (t["low"], t["high"]) == pytest.approx(new)
    ends = [n * p + (raise_bbl - n) * 30 for n in new for p in (60, 90)]
    assert (t["usd_mn_low"], t["usd_mn_high"]) == pytest.approx((min(ends) / 1e6, max(ends) / 1e6))
    unpriced = relief.relief_scenario(["petroleum"]).table.iloc[0]
    assert math.isnan(unpriced["usd_mn_low"]) and unpriced["high"] == t["high"]


def test_luxury_counts_only_the_groups_no_other_ban_blocks():
    r = relief.relief_scenario(["luxury"])
    lux = {(int(x["year"]), x["product_group"]): float(x["value_usd_mn"]) for x in _rows("luxury_imports")}
    before = lux[(2016, "luxury_total")] - lux[(2016, "electronics")] - lux[(2016, "cars")]
    after = lux[(2023, "luxury_total")] - lux[(2023, "electronics")] - lux[(2023, "cars")]
    assert r.info["luxury_binding_before_usd_mn"] == pytest.approx(before)
    assert r.info["luxury_binding_after_usd_mn"] == {2023: pytest.approx(after)}
    assert r.table.iloc[0]["high"] == pytest.approx(max(before - after, 0)) == 0
    assert "no longer binds" in " ".join(relief.relief_sentences(r))


# --------------------------------------------------------------------------------------
# no double counting, missing groups
# --------------------------------------------------------------------------------------

def _set_export(folder: Path, product: str, value: float | None) -> None:
    rows = _rows("export_composition", folder)
    fields = list(rows[0])
    for x in rows:
        if x["product"] == product and x["partner"] == "china" and x["year"] == "2016":
            x["value_usd_mn"] = "" if value is None else f"{value:.3f}"
    with open(folder / "export_composition.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(ores=st.one_of(st.none(), st.integers(1, 500)), zinc=st.integers(1, 300), total=st.integers(1, 3000))
def test_an_aggregate_and_its_items_are_never_both_counted(tmp_path_factory, ores, zinc, total):
    folder = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DATA, folder)
    _set_export(folder, "ores_hs26", ores)  # None: the row between the total and its ores is missing
    _set_export(folder, "zinc", zinc)
    _set_export(folder, "mineral_products_aggregate", total)
    copper, coal = _export("copper", folder=folder), _export("coal", folder=folder)
    t = relief.relief_scenario(["metals"], data_dir=folder).table.iloc[0]
    assert t["low"] == pytest.approx(zinc + copper)
    ores_part = zinc + copper if ores is None else max(ores, zinc + copper)  # never ores + zinc + copper
    assert t["high"] == pytest.approx(ores_part)
    m = relief.relief_scenario(["minerals"], data_dir=folder).table.iloc[0]
    assert m["high"] == pytest.approx(max(total, coal + ores_part))
    assert m["low"] == pytest.approx(coal + zinc + copper) and m["low"] <= m["high"]


def test_a_missing_luxury_group_is_an_error_never_zero(data_copy):
    # 2015 has no "cars" row: not a base year for luxury, refused up front in one line
    assert 2015 not in relief.relief_base_years(measures=["luxury"])
    with pytest.raises(ParameterError, match=r"must be one of \[2011, 2014, 2016\]") as e:
        relief.relief_scenario(["luxury"], base_year=2015)
    assert "\n" not in str(e.value)
    with pytest.raises(ParameterError, match="a missing group is not read as 0"):
        relief.relief_scenario(["luxury"], luxury_after_years=[2022])
    # without the 2023 cars row no "after" year has every group
    rows = [x for x in _rows("luxury_imports", data_copy) if not (x["year"] == "2023" and x["product_group"] == "cars")]
    with open(data_copy / "luxury_imports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ParameterError, match="publishes every group"):
        relief.relief_scenario(["luxury"], data_dir=data_copy)


def test_a_product_without_a_price_is_an_error(data_copy):
    with pytest.raises(ParameterError, match="has no commodity price for product 'zinc'"):
        relief.relief_scenario(["metals"], price_series={k: v for k, v in relief.DEFAULT_PRICE_SERIES.items()
                                                         if k != "zinc"})


# --------------------------------------------------------------------------------------
# every advertised base year builds or is refused up front, in one line
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("measures", [[m] for m in relief.MEASURES] + [list(relief.MEASURES)])
def test_every_advertised_base_year_builds_or_is_refused_in_one_line(measures):
    years = sorted({int(x["year"]) for x in _rows("luxury_imports")})  # the report's [luxury_imports.year]
    allowed = relief.relief_base_years(measures=measures)
    assert allowed
    for y in range(min(years), max(years) + 1):
        if y in allowed:
            relief.check_parameters(measures, y)
        else:
            with pytest.raises(ParameterError) as e:
                relief.check_parameters(measures, y)
            assert "\n" not in str(e.value) and str(y) in str(e.value)


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
    (dict(wedge_usd_per_bbl=-1), "`wedge_usd_per_bbl` must be positive"),
    (dict(compare_year=1990), "`compare_year`"),
    (dict(metal_products=("gold_bars",)), "'gold_bars'"),
    (dict(benchmarks={"metals": ("no_such_estimate",)}), "no_such_estimate"),
    (dict(luxury_otherwise_banned={"cars": "import_ban:spaceships"}), "import_ban:spaceships"),
])
def test_bad_parameters_name_the_parameter_and_value(kw, needle):
    with pytest.raises(ParameterError, match=re.escape(needle)):
        relief.relief_scenario(**kw)


def test_eased_nothing_is_refused_by_the_report_check():
    with pytest.raises(ParameterError):
        relief.check_parameters([], 2016)
    relief.check_parameters(["luxury"], 2011)


def test_bigger_raise_never_worth_less():
    for raise_bbl in (1e5, 1e6, 4e6, 1e7):
        small = relief.relief_scenario(["petroleum"], cap_raise_bbl=raise_bbl).table.iloc[0]
        big = relief.relief_scenario(["petroleum"], cap_raise_bbl=raise_bbl * 2).table.iloc[0]
        assert big["high"] >= small["high"] and big["low"] >= small["low"]


# --------------------------------------------------------------------------------------
# tables and chart
# --------------------------------------------------------------------------------------

def test_tables_put_earnings_and_spending_apart_and_long_text_in_notes():
    tabs = relief.relief_tables(relief.relief_scenario())
    assert list(tabs["earnings"]["measure"]) == ["minerals", "metals"]
    assert list(tabs["spending"]["measure"]) == ["petroleum", "luxury"]
    for name in ("earnings", "spending"):
        assert "basis" not in tabs[name].columns
        # numbers are short strings that never need to wrap mid-value
        assert all(len(str(v)) <= 24 for v in tabs[name].drop(columns="measure").to_numpy().ravel())
    assert len(tabs["notes"]) == 4
    assert set(tabs["bans"]["product"]) >= {"coal", "iron ore", "lead ore", "zinc", "copper", "nickel", "silver"}


@pytest.mark.parametrize("measures", [[m] for m in relief.MEASURES] + [list(relief.MEASURES)])
def test_chart_draws_each_measure_with_its_range(measures):
    r = relief.relief_scenario(measures)
    ax = relief.plot_relief_scenario(r)
    fig = ax.figure
    labels = [t.get_text() for a in fig.axes for t in a.get_yticklabels()]
    assert sorted(labels) == sorted(q[0].upper() + q[1:] for q in r.table["quantity"])
    bars = [p for a in fig.axes for p in a.patches]
    expect = []
    for row in r.table.itertuples():
        if row.flow == "exports":
            expect += [row.usd_mn_high - row.usd_mn_low, row.usd_mn_now_high - row.usd_mn_now_low]
        elif pd.isna(row.usd_mn_low):
            expect.append((row.high - row.low) / 1e6)
        else:
            expect.append(row.usd_mn_high - row.usd_mn_low)
    assert sorted(round(p.get_width(), 6) for p in bars) == pytest.approx(sorted(round(w, 6) for w in expect))
    for m in measures:
        assert m in ax.get_title(loc="left")
    # earnings and spending never share an axis
    for a in fig.axes:
        xlabel = a.get_xlabel()
        assert not ("earnings" in xlabel and "spending" in xlabel)
    plt.close("all")


def test_summary_gives_each_range_at_both_prices_with_its_share_of_gni_and_benchmark():
    r = relief.relief_scenario()
    summary = relief.relief_tables(r)["summary"].set_index("measure")
    t = r.table.set_index("measure")
    metals = t.loc["metals"]
    assert summary.at["metals", "2016 prices"] == (
        f"US$ {metals.usd_mn_low:,.0f} to {metals.usd_mn_high:,.0f} mn "
        f"({metals.pct_gni_low:.2f}-{metals.pct_gni_high:.2f}% of 2024 GNI)")
    assert f"{metals.usd_mn_now_high:,.0f} mn" in summary.at["metals", "2024 prices"]
    assert summary.at["metals", "published estimate"].startswith("US$ 464 mn")
    assert summary.at["luxury", "published estimate"] == "none published"
    assert summary.at["petroleum", "2016 prices"].endswith("bbl (unpriced)")
    assert list(summary["flow"]) == ["export earnings", "export earnings", "import spending", "import spending"]
