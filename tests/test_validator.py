"""The validator's passes, the checks across files and the release record, each on damaged
copies of the real data; and the package read by a tool outside nkecon (frictionless)."""

import csv
import io
import json
import os
import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import nkecon as nk
from nkecon import paths
from nkecon.schema import Column, Schema, SchemaError, read_table


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _error(folder, name):
    with pytest.raises(nk.DataError) as info:
        nk.load(name, data_dir=folder)
    return str(info.value)


# ------------------------------------------------------------------------------ keys and rows
def test_duplicated_annual_row_with_an_empty_month_is_caught(data_copy):
    path = data_copy / "trade.csv"
    rows = _rows(path)
    month = rows[0].index("month")
    annual = next(i for i, r in enumerate(rows) if i and r[month] == "")
    rows.append(list(rows[annual]))
    _write(path, rows)
    msg = _error(data_copy, "trade")
    assert f"line {len(rows)}" in msg and "month=(empty)" in msg and f"already on line {annual + 1}" in msg


def test_header_only_file_is_refused(data_copy):
    path = data_copy / "weather.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert "has a header but no data rows" in _error(data_copy, "weather")


@pytest.mark.parametrize("value, hint", [("1_5", "underscore"), ("\u0661\u0669\u0669\u0664", "ASCII digits"),
                                         ("nan", "leave the cell empty"), ("inf", "leave the cell empty"),
                                         ("1e400", "too large")])
def test_numbers_python_would_accept_are_refused(data_copy, value, hint):
    path = data_copy / "gdp_releases.csv"
    rows = _rows(path)
    rows[1][rows[0].index("growth_pct")] = value
    _write(path, rows)
    msg = _error(data_copy, "gdp_releases")
    assert f"line 2, column 'growth_pct': value {value!r}" in msg and hint in msg


def test_non_ascii_digits_in_an_integer_column(data_copy):
    path = data_copy / "gdp_releases.csv"
    rows = _rows(path)
    rows[1][rows[0].index("year")] = "\u0661\u0669\u0669\u0664"
    _write(path, rows)
    assert "ASCII digits" in _error(data_copy, "gdp_releases")


@pytest.mark.parametrize("bounds, value, words", [({"min": 0.0}, "-1", "at least 0"), ({"max": 10.0}, "11", "at most 10"),
                                                  ({"min": 0.0, "max": 10.0}, "11", "between 0 and 10")])
def test_one_sided_bounds(tmp_path, bounds, value, words):
    schema = Schema((Column("x", "number", "a number", unit="t", **bounds),), ("x",))
    path = tmp_path / "x.csv"
    path.write_text(f"x\n{value}\n", encoding="utf-8")
    frame, problems = read_table(path, schema)
    assert len(problems) == 1 and words in str(problems[0])


# --------------------------------------------------------------------------- malformed schema
BAD_FIELDS = [
    ({"type": "decimal"}, "type 'decimal' is not supported"),
    ({"constraints": {"minimum": "zero"}}, "expected a number"),
    ({"constraints": {"pattern": "([a-z"}}, "not a valid regular expression"),
    ({"constraints": {"maximum": 3, "fancy": 1}}, "constraints must be an object"),
]


@pytest.mark.parametrize("change, words", BAD_FIELDS)
def test_malformed_field_is_one_line(change, words):
    field = {"name": "x", "type": "number", "description": "d", **change}
    with pytest.raises(SchemaError, match=words):
        Schema.from_resource({"name": "r", "schema": {"fields": [field], "primaryKey": ["x"]}})


@pytest.mark.parametrize("schema, words", [({"fields": []}, "no fields"),
                                           ({"fields": [{"name": "x"}], "primaryKey": ["y"]}, "primaryKey"),
                                           (None, "no 'schema'")])
def test_malformed_resource_is_one_line(schema, words):
    with pytest.raises(SchemaError, match=words):
        Schema.from_resource({"name": "r", "schema": schema} if schema is not None else {"name": "r"})


def test_a_malformed_shipped_schema_reaches_the_user_as_one_data_error(data_copy, monkeypatch):
    package = json.loads((data_copy / "datapackage.json").read_text())
    weather = next(r for r in package["resources"] if r["name"] == "weather")
    weather["schema"]["fields"][0]["type"] = "decimal"
    (data_copy / "datapackage.json").write_text(json.dumps(package))
    monkeypatch.setattr(paths, "shipped_data_dir", lambda: data_copy)
    msg = _error(data_copy, "weather")
    assert "datapackage.json" in msg and "resource 'weather'" in msg and "'decimal'" in msg


# ----------------------------------------------------------------------------- files, folders
@pytest.mark.parametrize("content, words", [("[]", "'resources' list"), ("{", "not valid UTF-8 JSON"),
                                            (None, "is a folder")])
def test_broken_package_file(data_copy, content, words):
    path = data_copy / "datapackage.json"
    path.unlink()
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    assert words in _error(data_copy, "sources")


def test_a_folder_named_like_a_csv(data_copy):
    (data_copy / "events.csv").unlink()
    (data_copy / "events.csv").mkdir()
    assert "is a folder; expected a CSV file" in _error(data_copy, "events")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_csv_does_not_hang(data_copy):
    (data_copy / "events.csv").unlink()
    os.mkfifo(data_copy / "events.csv")
    assert "not a regular file" in _error(data_copy, "events")


def test_a_symlink_out_of_the_data_folder_is_not_followed(data_copy, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("top secret first line\n")
    (data_copy / "events.csv").unlink()
    (data_copy / "events.csv").symlink_to(outside)
    msg = _error(data_copy, "events")
    assert "outside the data folder" in msg and "top secret" not in msg


def test_a_data_folder_that_is_a_file(tmp_path):
    path = tmp_path / "data"
    path.write_text("not a folder")
    problems = nk.validate(path)
    assert len(problems) == 1 and "is not a folder" in str(problems[0])


# ---------------------------------------------------------------------------- across files
def _edit_trade(folder, match, column, value):
    path = folder / "trade.csv"
    rows = _rows(path)
    head = rows[0]
    for row in rows[1:]:
        if all(row[head.index(k)] == v for k, v in match.items()):
            row[head.index(column)] = value
            _write(path, rows)
            return
    raise AssertionError(match)


def test_a_total_that_disagrees_with_its_flows_names_both(data_copy):
    _edit_trade(data_copy, {"series": "kotra", "partner": "world", "year": "2020", "flow": "total", "release_date": "2021-07-29"},
                "value_usd_mn", "999")
    msg = _error(data_copy, "trade")
    assert "trade.csv row (series=kotra, partner=world, year=2020" in msg
    assert "999" in msg and "exports 89.3" in msg and "imports 773.67" in msg


def test_months_declared_in_the_metadata_must_match_the_rows(data_copy):
    path = data_copy / "trade.csv"
    rows = _rows(path)
    head = rows[0]
    kept = [r for r in rows if not (r[head.index("year")] == "2024" and r[head.index("month")] == "4"
                                    and r[head.index("flow")] == "exports")]
    assert len(kept) == len(rows) - 1
    _write(path, kept)
    msg = _error(data_copy, "trade")
    assert "months_published" in msg and "says 4 month(s) of exports in 2024" in msg and "holds 3" in msg


def test_a_composition_total_must_agree_with_trade(data_copy):
    path = data_copy / "export_composition.csv"
    rows = _rows(path)
    head = rows[0]
    new = dict.fromkeys(head, "")
    new.update(year="2016", partner="world", product="total", role="item", value_usd_mn="2900",
               source_id="kotra-2017-07-21-nk-trade-2016")
    rows.append([new[h] for h in head])
    _write(path, rows)
    msg = _error(data_copy, "export_composition")
    assert "export_composition.csv row (year=2016, partner=world, product=total)" in msg
    assert "trade.csv row (series=kotra, partner=world, year=2016, flow=exports)" in msg and "2820" in msg


def test_validate_cli_reports_cross_file_problems(data_copy, capsys):
    from nkecon.cli import main

    _edit_trade(data_copy, {"series": "kotra", "partner": "world", "year": "2020", "flow": "total", "release_date": "2021-07-29"},
                "value_usd_mn", "999")
    assert main(["data", "validate", str(data_copy)]) == 1
    assert "999" in capsys.readouterr().out


# ----------------------------------------------------------------------- damaged cells at random
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=8))
def test_any_text_in_a_number_cell_loads_exactly_or_is_named(data_copy, text):
    path = data_copy / "gdp_releases.csv"
    rows = _rows(path)
    col = rows[0].index("growth_pct")
    rows[1][col] = text
    _write(path, rows)
    cell = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8").splitlines()[1])))[col].strip()
    try:
        frame = nk.load_gdp_releases(data_dir=data_copy)
    except nk.DataError as exc:
        assert "column 'growth_pct'" in str(exc) and "line 2" in str(exc)
        return
    row = frame[(frame.release_date == rows[1][0]) & (frame.year == int(rows[1][2]))]
    value = row["growth_pct"].iloc[0]
    if cell == "":
        assert pd.isna(value)
    else:
        assert value == float(cell) and cell.replace(".", "").lstrip("+-").isascii()


# ---------------------------------------------------------------------------------- releases
def test_as_of_reproduces_what_was_published():
    as_known = nk.load_gdp(as_of="2021-07-30").set_index("year")
    assert as_known.loc[2020, "growth_pct"] == -4.5 and as_known.index.max() == 2020
    assert nk.load_gdp(as_of="2008-06-18").set_index("year").loc[2007, "growth_pct"] == -2.3
    assert nk.load_gdp(as_of="2010-12-31").set_index("year").loc[2007, "growth_pct"] == -1.2
    assert nk.load_gdp(as_of="1992-08-12").set_index("year").loc[1991, "growth_pct"] == -5.2
    assert nk.load_gdp(as_of="1991-01-01").empty
    # each year's row is the latest release on or before the date
    releases = nk.load_gdp_releases()
    for when in ("1996-06-17", "2016-07-22", "2023-07-28"):
        known = nk.load_gdp(as_of=when)
        for row in known.itertuples():
            same = releases[(releases.year == row.year) & (releases.release_date <= when)]
            assert row.release_date == same.release_date.max()


def test_today_is_one_release():
    gdp = nk.load_gdp()
    assert gdp["release_date"].nunique() == 1
    assert list(gdp.year) == list(range(1990, int(gdp.year.max()) + 1))
    assert gdp[["growth_pct", "gni_nominal_krw_tn", "gni_per_capita_krw_mn"]].notna().all().all()


@pytest.mark.parametrize("bad", ["2021-13-01", "yesterday", 2021, "30/07/2021"])
def test_bad_as_of(bad):
    with pytest.raises(nk.ParameterError, match="`as_of`"):
        nk.load_gdp(as_of=bad)


# ---------------------------------------------------------------------------- frictionless
def test_frictionless_validates_the_package():
    from frictionless import Package

    report = Package(str(paths.shipped_data_dir() / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_frictionless_sees_a_broken_foreign_key(data_copy):
    from frictionless import Package

    path = data_copy / "weather.csv"
    rows = _rows(path)
    rows[1][rows[0].index("source_id")] = "no-such-source"
    _write(path, rows)
    report = Package(str(data_copy / "datapackage.json")).validate()
    assert not report.valid


def test_sources_have_one_id_per_publication():
    # one id per URL; a live document (the UN list) may appear once per dated version
    sources = nk.load_sources()
    dup = sources.duplicated(["url", "date_published"], keep=False)
    assert not dup.any(), sources.loc[dup, ["source_id", "url"]]
