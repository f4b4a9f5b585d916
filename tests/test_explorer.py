"""The explorer's controls follow each report's parameter contract, and each control's callback
shows the report's outputs for the new value (or the contract's reason for refusing it).

Values are changed as a reader does, by setting a control's ``value``; the callback runs the
report notebook's own cells on the real data.
"""

from datetime import date

import pytest


pytest.importorskip("ipywidgets")

from nkecon import ParameterError  # noqa: E402
from nkecon import datasets  # noqa: E402
from nkecon.reports import checks as report_checks  # noqa: E402
from nkecon.explorer import Explorer, explorer_notebook  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def contraction():
    return Explorer("contraction")


@pytest.fixture(scope="module")
def relief():
    return Explorer("relief")


def _stream(run) -> str:
    """What the report says in words: printed text and the generated sentences it shows."""
    return run.text()


def test_controls_take_their_ranges_from_the_contract(contraction):
    c = contraction.controls
    years = c["focus_year"].options
    # the slider offers exactly the years the contract's rules accept: every year whose
    # industries decompose (report_checks.sector_year) within the declared range
    assert min(years) >= 2011 and max(years) == max(datasets.load("sectors").year)
    for year in range(min(years), max(years) + 1):
        try:
            accepted = report_checks.sector_year(year)
        except ParameterError:
            accepted = False
        assert (year in years) == accepted, year
    assert 2020 in years and c["focus_year"].value == 2020
    releases = sorted({d.date().isoformat() for d in datasets.load("gdp_releases").release_date})
    # as_of is any date from the first release to today (the figures as published then)
    assert c["as_of"].min.isoformat() == releases[0] and c["as_of"].max == date.today()
    assert c["as_of"].value.isoformat() == releases[-1]
    assert (c["draws"].min, c["draws"].max, c["draws"].value) == (100, 100000, 4000)
    assert c["baseline_end"].value == 2019  # the computed default, focus_year - 1


def test_first_run_shows_the_report(contraction):
    run = contraction.last
    assert run.ok, run.error
    assert "Real GDP shrank 4.5% in 2020" in _stream(run)
    assert "Which industries shrank in 2020 (-4.5%), and why" in run.images()
    assert contraction.output.outputs == tuple(run.outputs)
    assert "contraction (defaults)" in contraction.status.value


def test_focus_year_callback(contraction):
    contraction.controls["focus_year"].value = 2018
    run = contraction.last
    assert run.ok, run.error
    assert run.values["focus_year"] == 2018 and run.values["baseline_end"] == 2017
    assert "in 2018" in _stream(run)
    assert any("2018" in alt for alt in run.images()) and not any("in 2020" in alt for alt in run.images())
    assert contraction.controls["baseline_end"].value == 2017  # the computed default follows
    assert "focus_year=2018" in contraction.status.value


def test_as_of_callback_narrows_the_years_and_tells_the_story_as_known(contraction):
    contraction.controls["as_of"].value = date(2021, 7, 30)
    run = contraction.last
    assert run.ok, run.error
    assert "as known on 30 July 2021" in _stream(run)
    assert max(contraction.controls["focus_year"].options) == 2020  # estimated by then
    with pytest.raises(ParameterError, match="a year the BOK had estimated by 2021-07-30"):
        contraction.set(focus_year=2021)


def test_a_value_the_rules_refuse_shows_the_reason_and_keeps_the_outputs(contraction):
    shown = contraction.output.outputs
    contraction.controls["draws"].value = 100
    assert contraction.last.ok
    contraction.controls["arima_order"].value = "[1, 0]"
    assert not contraction.last.ok
    assert "arima_order must be three integers" in contraction.last.error
    assert "arima_order must be three integers" in contraction.status.value
    assert contraction.output.outputs != shown  # the draws=100 run, not cleared by the refusal
    contraction.controls["arima_order"].value = "[1, 0, 0]"
    assert contraction.last.ok


def test_relief_measures_are_check_boxes_of_the_declared_choices(relief):
    measures = relief.controls["measures"]
    assert [cb.description for cb in measures.box.children] == ["minerals", "metals", "petroleum", "luxury"]
    assert measures.value == ["minerals", "metals", "petroleum", "luxury"]
    assert relief.controls["base_year"].options == (2016,)  # the only year every measure has data for
    everything = _stream(relief.last)
    assert "mineral export bans" in everything and "refined petroleum cap" in everything
    for cb in measures.box.children[1:]:
        cb.value = False
    run = relief.last
    assert run.ok and run.values["measures"] == ["minerals"]
    text = _stream(run)
    assert "mineral export bans" in text and "refined petroleum cap" not in text
    measures.box.children[0].value = False
    assert not relief.last.ok and "name at least one measure" in relief.last.error
    measures.box.children[3].value = True
    assert relief.last.ok and "luxury" in _stream(relief.last)


def test_relief_price_callback_prices_petroleum(relief):
    relief.set(measures=["petroleum"])
    assert "$" not in _stream(relief.last).split("refined petroleum cap", 1)[1].split("\n")[0]
    relief.controls["price_usd_per_bbl"].value = 80.0
    run = relief.last
    assert run.ok and run.values["price_usd_per_bbl"] == 80.0
    assert "$" in _stream(run).split("refined petroleum cap", 1)[1].split("\n")[0]
    assert relief.controls["price_usd_per_bbl"].max == 1000


def test_sanctions_closure_date_callback():
    ex = Explorer("sanctions")
    closure = ex.controls["closure"]
    assert closure.value == date(2020, 1, 31)
    closure.value = date(2020, 6, 15)
    run = ex.last
    assert run.ok, run.error
    assert run.values["closure"] == "2020-06-15"
    assert "11 months with figures before the closure" in run.text()
    closure.value = date(2022, 3, 1)  # after the trade window
    assert not ex.last.ok and "closure must fall inside the trade window" in ex.last.error


def test_food_focus_year_callback_and_report_menu():
    ex = Explorer("food")
    ex.controls["focus_year"].value = 2018
    assert ex.last.ok and "RDA harvest 2018" in _stream(ex.last)
    ex.report_menu.value = "relief"  # choosing another report shows its controls and runs it
    assert ex.spec.name == "relief" and set(ex.controls) == {"measures", "base_year", "cap_raise_bbl",
                                                              "price_usd_per_bbl", "wedge_usd_per_bbl"}
    assert ex.last.ok and "mineral export bans" in _stream(ex.last)


def test_a_failing_cell_is_one_line(contraction, monkeypatch):
    import nkecon.analysis as an

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(an, "counterfactual", broken)
    run = contraction.run()
    assert not run.ok
    assert run.error.startswith("cell 7 of contraction.ipynb `baseline = (baseline_start")
    assert "RuntimeError: broken on purpose" in run.error


def test_explorer_notebook_calls_explore(tmp_path):
    import nbformat

    nb = nbformat.read(str(explorer_notebook(tmp_path, "food")), as_version=4)
    assert "nk.explore('food')" in nb.cells[-1].source


def _png(run) -> list:
    return [o["data"]["image/png"] for o in run.outputs if "image/png" in o.get("data", {})]


def test_every_other_contraction_parameter_reaches_the_report():
    ex = Explorer("contraction", run=False)
    run = ex.set(baseline_start=2005)
    assert run.ok and "BOK real GDP growth 2005-2019" in run.text()
    run = ex.set(baseline_end=2015)
    assert run.ok and "BOK real GDP growth 2005-2015" in run.text()
    ex.controls["focus_year"].value = 2018  # a baseline_end the reader set stays as set
    assert ex.last.ok and ex.last.values["baseline_end"] == 2015 and ex.controls["baseline_end"].value == 2015
    mapping = {"agriculture_forestry_fishing": {"weather": 1.0}, "mining_manufacturing": {"sanctions": 1.0},
               "electricity_gas_water": {"unexplained": 1.0}, "construction": {"unexplained": 1.0},
               "services": {"sanctions": 1.0}}  # the border was open in 2018: no closure
    ex.controls["driver_mapping"].value = __import__("json").dumps(mapping)
    assert ex.last.ok and ex.last.values["driver_mapping"] == mapping
    assert "a user-supplied allocation (a judgement, not a measurement)" in ex.last.text()
    ex.controls["driver_mapping"].value = '{"services": {"aliens": 1.0}}'
    assert not ex.last.ok and "driver_mapping must map every industry to known drivers" in ex.last.error


def test_relief_cap_raise_reaches_the_sentences():
    ex = Explorer("relief", run=False)
    run = ex.set(measures=["petroleum"], cap_raise_bbl=1_000_000.0)
    assert run.ok and "from 500,000 to 1,500,000 barrels a year" in run.text()


def test_sanctions_base_year_and_trade_window_reach_the_report():
    ex = Explorer("sanctions", run=False)
    assert ex.controls["base_year"].options == (2016, 2017)
    run = ex.set(base_year=2017)
    assert run.ok and run.values["base_year"] == 2017
    default = ex.set(base_year=2016)
    assert _png(run) != _png(default)  # the exposure chart weighs another year's exports
    run = ex.set(trade_start="2019-06")
    assert run.ok and "2019-06 to 2021-12" in run.text()
    run = ex.set(trade_end="2021-06")
    assert run.ok and "2019-06 to 2021-06" in run.text()
    run = ex.set(trade_end="2020-02")
    assert not run.ok and "at least 3 months of figures from closure on" in run.error


def test_food_chart_window_reaches_the_chart():
    ex = Explorer("food")
    default = _png(ex.last)
    ex.controls["start"].value = 2018
    assert ex.last.ok and _png(ex.last) != default
    narrowed = _png(ex.last)
    ex.controls["end"].value = 2022
    assert ex.last.ok and ex.last.values["end"] == 2022 and _png(ex.last) != narrowed
    assert 2018 not in ex.controls["end"].options  # start < end: the rules leave later years only


@pytest.mark.parametrize("args, message", [
    (["nosuch"], "No report named 'nosuch'"),
    (["food", "--port", "0"], "`--port` must be between 1 and 65535"),
])
def test_nkecon_explore_refuses_bad_input_in_one_line(args, message):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "nkecon", "explore", *args], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and "http://" not in result.stdout
