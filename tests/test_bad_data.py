"""What analysts really do to a CSV by hand, and the clear error each one gets."""

import csv
import io
import subprocess
import sys

import pytest

import nkecon as nk
from nkecon.cli import main


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path, rows, encoding="utf-8"):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _set_cell(path, key_value, column, value, *, key_column=None):
    """Set one cell of the row whose ``key_column`` (default the first, or ``year`` in
    gdp_releases, today's row of that year) is ``key_value``; return its line number."""
    rows = _rows(path)
    col = rows[0].index(column)
    key = rows[0].index(key_column or ("year" if path.name == GDP else rows[0][0]))
    matches = [i for i, row in enumerate(rows) if row[key] == key_value]
    for i, row in enumerate(rows):
        if matches and i == matches[-1]:
            row[col] = value
            _write(path, rows)
            return i + 1  # the header is line 1, no multi-line cells in these files
    raise AssertionError(f"no row {key_value!r}")


GDP = "gdp_releases.csv"


def _error(data_dir, name="gdp_releases"):
    with pytest.raises(nk.DataError) as info:
        nk.load(name, data_dir=data_dir)
    return str(info.value)


def test_renamed_column(data_copy):
    path = data_copy / GDP
    rows = _rows(path)
    rows[0][rows[0].index("growth_pct")] = "growth"
    _write(path, rows)
    msg = _error(data_copy)
    assert str(path) in msg and "line 1" in msg
    assert "missing column(s) 'growth_pct'" in msg and "unexpected column(s) 'growth'" in msg


@pytest.mark.parametrize(
    "value, hint",
    [
        ("-4.5%", "without the % sign"),
        ("-4,5", "'.' as the decimal mark"),
        ("four", "plain decimal number"),
        ("\u22124.5", "ASCII minus"),
    ],
)
def test_malformed_number(data_copy, value, hint):
    line = _set_cell(data_copy / GDP, "2020", "growth_pct", value)
    msg = _error(data_copy)
    assert f"gdp_releases.csv, line {line}, column 'growth_pct': value {value!r}" in msg
    assert hint in msg


def test_thousands_separator(data_copy):
    path = data_copy / "trade.csv"
    rows = _rows(path)
    col = rows[0].index("value_usd_mn")
    rows[1][col] = "1,234.5"
    _write(path, rows)
    msg = _error(data_copy, "trade")
    assert "trade.csv, line 2, column 'value_usd_mn': value '1,234.5'" in msg
    assert "thousands separator" in msg


def test_duplicated_year(data_copy):
    path = data_copy / GDP
    rows = _rows(path)
    year = rows[0].index("year")
    first = next(i for i, r in enumerate(rows) if r[year] == "2019")
    rows.append(list(rows[first]))
    _write(path, rows)
    msg = _error(data_copy)
    assert f"line {len(rows)}" in msg and f"duplicate key (release_date={rows[first][0]}, year=2019)" in msg
    assert f"already on line {first + 1}" in msg


def test_date_in_another_format(data_copy):
    line = _set_cell(data_copy / GDP, "2020", "release_date", "30/07/2021")
    msg = _error(data_copy)
    assert f"line {line}, column 'release_date': value '30/07/2021'" in msg and "YYYY-MM-DD" in msg


def test_impossible_date(data_copy):
    _set_cell(data_copy / GDP, "2020", "release_date", "2021-02-30")
    assert "not a real calendar date" in _error(data_copy)


def test_unknown_source_id(data_copy):
    line = _set_cell(data_copy / GDP, "2020", "source_id", "no-such-source")
    msg = _error(data_copy)
    assert f"line {line}, column 'source_id': value 'no-such-source'" in msg
    assert "no such id in sources.csv" in msg


def test_out_of_range(data_copy):
    line = _set_cell(data_copy / GDP, "2020", "growth_pct", "45")
    msg = _error(data_copy)
    assert f"line {line}, column 'growth_pct': value '45'" in msg and "between -30 and 30" in msg


def test_unknown_category(data_copy):
    path = data_copy / "sectors.csv"
    rows = _rows(path)
    col = rows[0].index("sector")
    rows[1][col] = "Agriculture"
    _write(path, rows)
    msg = _error(data_copy, "sectors")
    assert "line 2, column 'sector': value 'Agriculture'" in msg and "agriculture_forestry_fishing" in msg


def test_empty_file(data_copy):
    (data_copy / GDP).write_text("", encoding="utf-8")
    msg = _error(data_copy)
    assert "gdp_releases.csv" in msg and "the file is empty" in msg


def test_header_only_is_not_an_error_of_parsing_but_has_no_rows(data_copy):
    path = data_copy / GDP
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    msg = _error(data_copy)
    assert "has a header but no data rows" in msg and "line 1" in msg


def test_truncated_file(data_copy):
    path = data_copy / GDP
    text = path.read_text(encoding="utf-8")
    cut = text.rstrip("\n")
    cut = cut[: cut.rfind(",", 0, len(cut) - 5)]  # lose the last fields of the last row
    path.write_text(cut, encoding="utf-8")
    msg = _error(data_copy)
    last_line = cut.count("\n") + 1
    assert f"line {last_line}" in msg
    assert "truncated" in msg


def test_unclosed_quote(data_copy):
    path = data_copy / GDP
    path.write_text(path.read_text(encoding="utf-8") + '2026-07-25,published,2025,1.0,,,x,"unfinished note\n', encoding="utf-8")
    msg = _error(data_copy)
    assert "truncated" in msg or "unclosed quote" in msg


def test_other_encoding(data_copy):
    path = data_copy / "events.csv"
    rows = _rows(path)
    rows[3][rows[0].index("note")] = "Pyongyang caf\u00e9 closed"
    _write(path, rows, encoding="latin-1")
    msg = _error(data_copy, "events")
    assert "events.csv, line 4" in msg and "not UTF-8" in msg


def test_utf8_with_bom_is_accepted(data_copy):
    path = data_copy / GDP
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(nk.load_gdp(data_dir=data_copy)) == len(nk.load_gdp())


def test_missing_metadata_field(data_copy):
    import json

    path = data_copy / "datapackage.json"
    package = json.loads(path.read_text())
    gdp = next(r for r in package["resources"] if r["name"] == "gdp_releases")
    del gdp["nkecon:citation"]
    path.write_text(json.dumps(package))
    msg = _error(data_copy)
    assert "datapackage.json, resource 'gdp_releases'" in msg and "'citation'" in msg


def test_validate_lists_every_problem_and_exits_nonzero(data_copy, capsys):
    _set_cell(data_copy / GDP, "2020", "growth_pct", "-4.5%")
    _set_cell(data_copy / GDP, "2019", "release_date", "July 2021")
    (data_copy / "food.csv").write_text("", encoding="utf-8")
    problems = nk.validate(data_copy)
    assert len(problems) == 3
    assert main(["data", "validate", str(data_copy)]) == 1
    out = capsys.readouterr()
    assert "'-4.5%'" in out.out and "'July 2021'" in out.out and "food.csv" in out.out
    assert "3 problem(s)" in out.err


def test_validate_shipped_data_passes():
    out = subprocess.run([sys.executable, "-m", "nkecon", "data", "validate"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "all datasets valid" in out.stdout


def test_cli_list_prints_every_dataset():
    out = subprocess.run([sys.executable, "-m", "nkecon", "data", "list"], capture_output=True, text=True, check=True)
    for name in nk.DATASETS:
        assert name in out.stdout
    assert "1990-2025" in out.stdout
