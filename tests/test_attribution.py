"""The measured attribution over every year and every parameter the notebooks accept.

Each property names the mistake it would catch: a driver charged without a shock, a
weather sign that does not follow the harvest, a share printed for a near-zero year, a
user mapping that blames an absent driver, words that do not follow the data.
"""

import shutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import nkecon as nk  # noqa: E402
from nkecon import analysis as an, narrative, plots  # noqa: E402
from nkecon.reports import checks  # noqa: E402

SHOCKS = an.driver_shocks()
S = SHOCKS.table.set_index("year")
FITS = an.channel_fits(shocks=SHOCKS).table.set_index(["sector", "term"])["coef"]


def _years():
    out = []
    for y in range(1990, 2031):
        try:
            an.sector_contributions(year=y)
        except nk.ParameterError:
            continue
        out.append(y)
    return out


YEARS = _years()
RELEASES = sorted(nk.load_gdp_releases()["release_date"].unique())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from(YEARS), draws=st.integers(100, 600), interval=st.floats(0.5, 0.99),
       seed=st.integers(0, 2**32 - 1))
def test_every_year_is_split_by_measured_shocks(year, draws, interval, seed):
    r = an.attribute_drivers(year=year, draws=draws, interval=interval, seed=seed)
    t = r.table.set_index("driver")
    assert np.isfinite(t[["pp", "lower_pp", "upper_pp"]].to_numpy()).all()
    assert (t["lower_pp"] <= t["pp"] + 1e-9).all() and (t["pp"] <= t["upper_pp"] + 1e-9).all()
    row = S.loc[year]
    # sanctions are 0 (point and interval) in a year without a new measure: no ratchet
    if row["sanctions_bn"] == 0 and row["sanctions_lower_bn"] == 0:
        assert t.loc["sanctions", ["pp", "lower_pp", "upper_pp"]].eq(0).all()
    else:
        assert t.loc["sanctions", "pp"] < 0  # a cut of trade is a loss
    if row["closure_bn"] == 0:
        assert t.loc["border_closure", ["pp", "lower_pp", "upper_pp"]].eq(0).all()
    # weather follows the measured harvest: positive in a good year, negative in a bad one
    if pd.isna(row["weather"]):
        assert t.loc["weather", "pp"] == 0 and "weather" in r.info["absent"]
    elif FITS[("agriculture_forestry_fishing", "weather")] > 0 and FITS[("electricity_gas_water", "weather")] > 0:
        assert np.sign(t.loc["weather", "pp"]) == np.sign(row["weather"])
    # the closure's sign follows the trade it moved: a reopening adds growth
    if row["closure_bn"] and all(FITS[(s, "trade_bn")] > 0 for s in an.CHANNELS if (s, "trade_bn") in FITS.index):
        assert np.sign(t.loc["border_closure", "pp"]) == np.sign(row["closure_bn"])
    # no share of the change in a year within 1 pp of zero (2021's -1862% cannot come back)
    headline = r.info["headline_pct"]
    if abs(headline) < 1:
        assert t["share_of_change"].isna().all()
    else:
        assert t["share_of_change"].to_numpy() == pytest.approx(t["pp"].to_numpy() / headline)
    # industry splits add up to what the table reports, industry by industry
    by = r.info["by_industry"].set_index("sector")
    for d in ("sanctions", "border_closure", "weather"):
        assert by[d].sum() == pytest.approx(t.loc[d, "pp"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from(YEARS))
def test_no_chart_prints_a_share_over_100_percent_in_a_near_zero_year(year):
    r = an.attribute_drivers(year=year, draws=200)
    ax = plots.plot_driver_attribution(r)
    shares = [t.get_text() for t in ax.texts if "%)" in t.get_text()]
    if abs(r.info["headline_pct"]) < 1:
        assert not shares
    plt.close("all")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from(YEARS), driver=st.sampled_from(["sanctions", "border_closure", "weather"]),
       data=st.data())
def test_a_mapping_that_charges_an_absent_driver_is_refused_in_one_line(year, driver, data):
    mapping = {s: {"unexplained": 1.0} for s in an.TOP_SECTORS}
    victim = data.draw(st.sampled_from(list(an.TOP_SECTORS)))
    mapping[victim] = {driver: 1.0}
    absent = an.absent_drivers(year, SHOCKS)
    if driver in absent:
        with pytest.raises(nk.ParameterError) as err:
            checks.driver_mapping(mapping, year)
        message = str(err.value)
        assert driver in message and str(year) in message and "\n" not in message
        with pytest.raises(nk.ParameterError):
            an.attribute_drivers(year=year, mapping=mapping, draws=100)
    else:
        assert checks.driver_mapping(mapping, year)
        t = an.attribute_drivers(year=year, mapping=mapping, draws=100).table.set_index("driver")
        contrib = an.sector_contributions(year=year).table.set_index("sector")
        assert t.loc[driver, "pp"] == pytest.approx(contrib.loc[victim, "contribution_pp"])


def test_2018_all_on_the_closure_is_refused():
    mapping = {s: {"border_closure": 1.0} for s in an.TOP_SECTORS}
    with pytest.raises(nk.ParameterError, match="border_closure in 2018"):
        checks.driver_mapping(mapping, 2018)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(as_of=st.sampled_from(RELEASES), data=st.data())
def test_words_follow_focus_year_and_as_of(as_of, data):
    known = nk.load_gdp(as_of=as_of)
    year = data.draw(st.sampled_from(sorted(int(y) for y in known["year"])))
    growth = float(known.set_index("year").loc[year, "growth_pct"])
    title = narrative.title(year, growth)
    opening = narrative.opening(year, known, current=nk.load_gdp(), as_of=as_of)
    assert str(year) in title and str(year) in opening
    if growth < 0:
        assert "shrink" in title and "shrank" in opening
    elif growth > 0:
        assert "grow" in title and "grew" in opening and "shrank" not in opening
    assert f"{abs(growth):.1f}%" in title
    # the chart of the record draws the series as known then, not the current one
    ax = plots.plot_gdp_growth(known)
    assert str(int(known["year"].max())) in ax.get_title(loc="left")
    plt.close("all")


def test_edited_data_show_up_in_the_words(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(nk.paths.data_dir(), data)
    path = data / "gdp_releases.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    latest = frame[frame["year"] == "2020"]["release_date"].max()
    frame.loc[(frame["year"] == "2020") & (frame["release_date"] == latest), "growth_pct"] = "-4.8"
    frame.to_csv(path, index=False)
    gdp = nk.load_gdp(data_dir=data)
    assert "shrank 4.8% in 2020" in narrative.opening(2020, gdp)
    assert narrative.title(2020, float(gdp.set_index("year").loc[2020, "growth_pct"])).endswith("4.8% in 2020?")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from([y for y in YEARS if y >= 2016]))
def test_structural_alternatives_cover_the_choices(year):
    alts = an.structural_alternatives(year, draws=100)
    specs = set(alts.table["spec"]) | set(alts.info["not_estimable"])
    assert specs == set(an.SPECIFICATIONS)
    head = alts.table[alts.table.spec == "headline"].set_index("driver")["pp"]
    ref = an.attribute_drivers(year=year, draws=100).table.set_index("driver")["pp"]
    assert head.to_numpy() == pytest.approx(ref.reindex(head.index).to_numpy())


def test_no_interaction_charges_the_closure_for_flows_the_bans_had_stopped():
    net = an.closure_shock().table.set_index("year").loc[2020, "shock_usd_mn"]
    gross = an.closure_shock(interaction=False).table.set_index("year").loc[2020, "shock_usd_mn"]
    trade = an.latest_annual(nk.load_trade(), series="china_customs", partner="china", flow="total")
    assert net == pytest.approx(trade[2020] - trade[2019])
    assert gross == pytest.approx(trade[2020] - trade[2016]) and gross < net


def test_sanctions_shock_is_what_the_bans_newly_cut():
    exposure = an.sanctions_exposure()
    cut = an.sanctions_shock(exposure).table.set_index("year")
    e = exposure.table.set_index("year")
    assert cut.loc[2017, "exports_cut_lower_usd_mn"] == pytest.approx(e.loc[2017, "lower_usd_mn"] - e.loc[2016, "lower_usd_mn"])
    assert (cut.loc[2019:, ["exports_cut_lower_usd_mn", "imports_cut_usd_mn"]] == 0).all().all()
    imports = an.latest_annual(nk.load_trade(), series="china_customs", partner="china", flow="imports")
    assert cut.loc[2018, "imports_cut_usd_mn"] == pytest.approx(imports[2017] - imports[2018])  # 2397's import bans
    lagged = an.sanctions_shock(exposure, lag=1).table.set_index("year")
    assert lagged.loc[2019, "shock_usd_mn"] == pytest.approx(cut.loc[2018, "shock_usd_mn"])


def test_harvest_shock_against_trend_by_hand():
    food = nk.load_food()
    rda = food.query("measure == 'production' and commodity == 'grain_total' and publisher == 'RDA'")
    rda = rda.groupby("year")["value_kt"].last()
    h = an.harvest_shock()
    t = h.table.set_index("year")
    growth = 100 * (rda[2021] / rda[2020] - 1)
    assert t.loc[2021, "shock_pct"] == pytest.approx(growth - h.info["trend_pct"])
    assert t.loc[2020, "shock_pct"] < 0 < t.loc[2021, "shock_pct"]


def test_a_chart_leaves_interactive_mode_as_it_found_it():
    for state in (True, False):
        plt.interactive(state)
        plots.plot_gdp_growth()
        assert plt.isinteractive() == state
        plt.close("all")
    plt.interactive(False)


def test_no_private_names_cross_modules():
    import ast
    import pathlib

    root = pathlib.Path(nk.__file__).parent
    offenders = []
    for path in list((root / "analysis").glob("*.py")) + list((root / "plots").glob("*.py")) + [root / "narrative.py"]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level:
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")
                              and not a.name.startswith("__")]
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_") \
                    and node.value.id in ("analysis", "plots", "datasets", "narrative") and not node.attr.startswith("__"):
                offenders.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert not offenders, offenders
