"""The record's fixes: BOK trade as released, one source per China customs triple, a
rounding check that refuses a rounded total, part-year rows that never pass for a year,
metadata that tells the truth, and checks that do not import the loaders."""

import csv
import io
import pandas as pd
import pytest

import nkecon as nk
from nkecon import checks, datasets, relief


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path, rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _trade_row(rows, **key):
    found = [r for r in rows if all(r[k] == str(v) for k, v in key.items())]
    assert len(found) == 1, key
    return found[0]


# ------------------------------------------------------------------------------ BOK trade
def test_bok_trade_2016_and_2017_are_the_released_figures():
    t = nk.load_trade()
    bok = t[(t.series == "bok") & t.month.isna()].set_index(["year", "flow"])["value_usd_mn"]
    assert (bok[(2016, "exports")], bok[(2016, "imports")], bok[(2016, "total")]) == (2820, 3730, 6550)
    assert (bok[(2017, "exports")], bok[(2017, "imports")], bok[(2017, "total")]) == (1770, 3780, 5550)
    for year in (2016, 2017):
        sources = set(t[(t.series == "bok") & (t.year == year)].source_id)
        assert len(sources) == 1, sources


def test_the_2016_and_2019_china_customs_figures_have_one_source_each():
    t = nk.load_trade()
    annual = t[(t.series == "china_customs") & t.month.isna()]
    assert annual[annual.year == 2019].source_id.nunique() == 1
    # 2016: KITA's 'about 3.1bn' imports disagreed with its own total minus exports: not stored
    y2019 = annual[annual.year == 2019].set_index("flow")["value_usd_mn"]
    assert y2019["exports"] + y2019["imports"] == y2019["total"] == 2805
    assert "imports" not in set(annual[annual.year == 2016].flow)


def test_january_2024_is_derived_from_the_january_february_totals():
    t = nk.load_trade()
    m = t[(t.series == "china_customs") & (t.year == 2024)].set_index(["month", "flow"])
    jan = m.loc[1]
    assert jan.loc["exports", "value_usd_mn"] + m.loc[(2, "exports"), "value_usd_mn"] == pytest.approx(62.20)
    assert jan.loc["imports", "value_usd_mn"] + m.loc[(2, "imports"), "value_usd_mn"] == pytest.approx(249.03)
    assert all(n.split("; ")[1].startswith("DERIVED") for n in jan["note"])


# ------------------------------------------------------------------------------ rounding
def test_a_rounded_bok_total_disagreeing_with_exact_flows_is_refused(data_copy):
    """The 2016 case as first stored: a total of 6600 against 2820 + 3730 = 6550."""
    path = data_copy / "trade.csv"
    rows = _rows(path)
    _trade_row(rows, series="bok", year=2016, flow="total")["value_usd_mn"] = "6600"
    _write(path, rows)
    with pytest.raises(nk.DataError) as info:
        nk.load_trade(data_dir=data_copy)
    msg = str(info.value)
    assert "series=bok, partner=world, year=2016" in msg and "value_usd_mn 6600" in msg
    assert "= 6550.00" in msg and "allows 15" in msg


def test_the_check_refuses_what_the_old_tolerance_accepted():
    """The rule it replaces (1%, US$ 0.5 mn or the coarsest trailing-zero step) let 6600 pass."""
    parts, total = 2820 + 3730, 6600
    assert abs(parts - total) <= max(0.5, 0.01 * total, 100)
    frame = nk.load_trade()
    frame.loc[(frame.series == "bok") & (frame.year == 2016) & (frame.flow == "total"), "value_usd_mn"] = 6600
    assert checks.flows_add_up({"trade": frame}, nk.paths.shipped_data_dir())


@pytest.mark.parametrize("total, problems", [("6600", 0), ("6700", 1)])
def test_a_total_is_judged_by_the_rounding_its_row_states(data_copy, total, problems):
    """2820 + 3730 = 6550: a total of 6600 passes once its row says it was rounded to 100;
    a stated rounding does not excuse a wrong figure (6700)."""
    path = data_copy / "trade.csv"
    rows = _rows(path)
    row = _trade_row(rows, series="bok", year=2016, flow="total")
    row["value_usd_mn"], row["rounding_usd_mn"] = total, "100"
    _write(path, rows)
    found = nk.validate(data_copy)
    assert len(found) == problems and all(f"value_usd_mn {total}" in str(p) for p in found)


def test_the_unit_of_a_figure_is_its_last_digit_unless_its_row_states_one():
    assert checks._unit(6600) == 1
    assert checks._unit(17.3) == pytest.approx(0.1)
    assert checks._unit(2.45) == pytest.approx(0.01)
    assert checks._unit(6600, 100.0) == 100


# ------------------------------------------------------------------------------ imports
def test_checks_does_not_import_the_loaders():
    """checks.py reads datasets through the reader the loaders pass in: no import cycle."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(checks))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert not any(m and m.split(".")[-1] == "datasets" for m in imported), imported
    assert datasets.TOTAL_SERIES is checks.TOTAL_SERIES


# ------------------------------------------------------------------------------ part years
def test_every_luxury_and_petroleum_row_says_which_months_it_covers():
    lux, pet = nk.load_luxury_imports(), nk.load_refined_petroleum()
    for frame in (lux, pet):
        assert frame["first_month"].notna().all() and frame["last_month"].notna().all()
    part = lux[lux.year == 2024]
    assert set(zip(part.first_month, part.last_month)) == {(1, 6)}
    deliveries = pet[pet.measure == "reported_deliveries"].set_index("year")
    assert (deliveries.loc[2022, "last_month"], deliveries.loc[2024, "last_month"]) == (11, 11)
    assert 2024 not in set(nk.full_years(lux).year)
    assert not (nk.full_years(pet).year.isin([2022, 2024]) & (nk.full_years(pet).measure == "reported_deliveries")).any()


def test_full_years_refuses_a_frame_without_months():
    with pytest.raises(nk.ParameterError, match="no column 'first_month'"):
        nk.full_years(nk.load_trade())


def test_a_part_year_never_counts_as_a_later_luxury_year(data_copy):
    """The scenario took part years out by a word in the note; now by the months: a note
    without the word no longer lets January-June 2024 pass for 2024."""
    path = data_copy / "luxury_imports.csv"
    rows = _rows(path)
    for r in rows:
        r["note"] = r["note"].replace("JANUARY-JUNE 2024 ONLY: ", "")
    _write(path, rows)
    r = relief.relief_scenario(["luxury"], data_dir=data_copy)
    assert 2024 not in r.info["luxury_after_years"] and 2023 in r.info["luxury_after_years"]


def test_a_part_year_petroleum_estimate_is_not_an_annual_one(data_copy):
    path = data_copy / "refined_petroleum.csv"
    rows = _rows(path)
    row = next(r for r in rows if r["year"] == "2020" and r["measure"] == "estimated_imports")
    row["value_bbl"] = "5000000"  # larger than any full-year estimate, but January-May only
    _write(path, rows)
    r = relief.relief_scenario(["petroleum"], cap_raise_bbl=1_000_000, data_dir=data_copy)
    assert r.info["estimated_imports_max_bbl"] == 3_780_000


def test_months_that_run_backwards_are_refused(data_copy):
    path = data_copy / "refined_petroleum.csv"
    rows = _rows(path)
    row = next(r for r in rows if r["year"] == "2024" and r["value_bbl"] == "165000")
    row["first_month"], row["last_month"] = "5", "3"
    _write(path, rows)
    with pytest.raises(nk.DataError, match="first_month 5 is after last_month 3"):
        nk.load_refined_petroleum(data_dir=data_copy)


# ------------------------------------------------------------------------------ metadata
def test_no_dataset_is_dated_before_its_newest_source():
    sources = nk.load_sources().set_index("source_id")["date_published"]
    for name in nk.DATASETS:
        if name == "sources":
            continue
        frame = nk.load(name)
        newest = sources.reindex(frame["source_id"].astype(str)).max()
        said = pd.Timestamp(nk.get_metadata(name).date_published)
        assert pd.isna(newest) or said >= newest, (name, said.date(), newest.date())


def test_the_sectors_description_claims_no_gdp_row():
    meta = nk.get_metadata("sectors")
    assert "gdp" not in set(nk.load_sectors()["sector"].astype(str))
    assert "'gdp'" not in meta.description and "repeats the headline" not in meta.description
