"""The BOK record: industry data for every year the contraction is explained, the BOK's stated
causes, and the GNI per head of the 2011 release."""

import csv
import io

import pandas as pd
import pytest

import nkecon as nk
from nkecon import analysis as an
from nkecon.reports import checks as report_checks

#: Shares the BOK did not print but its releases bound: derived in sectors.csv and said so.
DERIVED_SHARES = {(2013, "construction"), (2013, "electricity_gas_water"),
                  (2015, "construction"), (2015, "electricity_gas_water")}


@pytest.mark.parametrize("year", range(2011, 2025))
def test_every_year_2011_2024_decomposes_into_industry_contributions(year):
    assert report_checks.sector_year(year)  # the contraction report's own rule for focus_year
    result = an.sector_contributions(year=year)
    table = result.table.set_index("sector")
    assert list(table.index) == [*an.TOP_SECTORS, "residual"]
    assert table.loc[list(an.TOP_SECTORS), ["share_prev_pct", "growth_pct"]].notna().all().all()
    # shares of the year before add up to GDP, and the published growth rates reproduce the
    # headline up to the rounding of ten published figures
    assert abs(table.loc[list(an.TOP_SECTORS), "share_prev_pct"].sum() - 100) <= 0.3
    assert abs(result.info["residual_pp"]) < 0.1


def test_2011_combined_mining_and_manufacturing_agrees_with_its_parts():
    s = nk.load_sectors().set_index(["year", "sector"])
    combined = s.loc[(2011, "mining_manufacturing"), "growth_pct"]
    parts = (s.loc[(2011, "mining"), ["growth_pct", "share_pct"]], s.loc[(2011, "manufacturing"), ["growth_pct", "share_pct"]])
    weighted = sum(p.growth_pct * p.share_pct for p in parts) / sum(p.share_pct for p in parts)
    assert combined == -1.4 and abs(weighted - combined) < 0.2


def test_every_sector_vintage_is_a_bok_release_and_early_years_are_first_releases():
    sectors = nk.load_sectors()
    releases = nk.load_gdp_releases()
    assert set(sectors["vintage"].dropna()) <= set(releases["release_date"])
    first = releases.groupby("year")["release_date"].min()
    early = sectors[sectors["year"] < 2010]
    assert sorted(early["year"].unique()) == list(range(1998, 2010))
    for row in early.itertuples():
        if row.year in first.index:
            assert row.vintage == first[row.year] or "second vintage" in row.note, row
        else:
            assert "second vintage" in row.note, row


# ------------------------------------------------------------------------------- bok_causes
@pytest.fixture(scope="module")
def causes():
    return nk.load_bok_causes()


def test_causes_load_with_their_sources(causes):
    assert nk.load("bok_causes").equals(causes)
    assert "bok_causes" in nk.DATASETS
    assert set(causes["source_id"]) <= set(nk.load_sources()["source_id"])
    assert causes["year"].between(1999, 2024).all() and causes["year"].nunique() >= 20
    # the release that named a cause is that year's first BOK release
    first = nk.load_gdp_releases().groupby("year")["release_date"].min()
    assert (causes["release_date"] == causes["year"].map(first)).all()
    translated = causes[causes["words_en_basis"] == "translation"]
    assert translated["words_original"].notna().all() and (translated["words_original"].str.len() > 0).all()
    assert set(causes["industry"].cat.categories) - {"economy"} == set(nk.load_sectors()["sector"].cat.categories)


def test_causes_hold_what_the_bok_said_of_the_known_years(causes):
    said = {(r.year, r.cause, r.industry, r.direction) for r in causes.itertuples()}
    assert {
        (2015, "weather", "electricity_gas_water", "lowered"),
        (2018, "sanctions", "economy", "lowered"),
        (2019, "sanctions", "economy", "raised"),
        (2020, "border_closure", "economy", "lowered"),
        (2020, "sanctions", "economy", "lowered"),
        (2020, "weather", "agriculture_forestry_fishing", "lowered"),
        (2021, "weather", "agriculture_forestry_fishing", "raised"),
        (2022, "border_closure", "economy", "raised"),
        (2024, "russia_cooperation", "economy", "raised"),
    } <= said
    row = causes.set_index(["year", "cause", "industry", "direction"]).loc[(2015, "weather", "electricity_gas_water", "lowered")]
    assert "가뭄" in row.words_original and "12.7%" in row.words_original and "drought" in row.words_en


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.mark.parametrize(
    "column, value, expected",
    [
        ("cause", "covid", "column 'cause': value 'covid'"),
        ("direction", "up", "column 'direction': value 'up'"),
        ("source_id", "no-such-source", "no such id in sources.csv"),
        ("release_date", "26/07/2024", "column 'release_date': value '26/07/2024'"),
        ("words_en", "", "column 'words_en'"),
    ],
)
def test_a_damaged_causes_row_is_refused_in_one_line(data_copy, column, value, expected):
    path = data_copy / "bok_causes.csv"
    rows = _rows(path)
    rows[5][rows[0].index(column)] = value
    _write(path, rows)
    with pytest.raises(nk.DataError) as info:
        nk.load_bok_causes(data_dir=data_copy)
    msg = str(info.value)
    assert len(msg.strip().splitlines()) == 1, msg
    assert "bok_causes.csv, line 6" in msg and expected in msg


def test_a_repeated_cause_is_refused(data_copy):
    path = data_copy / "bok_causes.csv"
    rows = _rows(path)
    rows.append(list(rows[3]))
    _write(path, rows)
    with pytest.raises(nk.DataError) as info:
        nk.load_bok_causes(data_dir=data_copy)
    assert f"line {len(rows)}" in str(info.value) and "duplicate key" in str(info.value)


# ---------------------------------------------------------------------------- gdp_releases
def test_2010_gni_per_head_of_the_2011_release():
    g = nk.load_gdp_releases().set_index(["release_date", "year"])
    row = g.loc[(pd.Timestamp("2011-11-03"), 2010)]
    assert row.gni_per_capita_krw_mn == 1.24 and row.gni_nominal_krw_tn == 30.0
    sources = nk.load_sources().set_index("source_id")
    assert "124만원" in sources.loc["wowtv-2011-11-03-bok-nk-gdp-2010", "note"]
    assert "wowtv-2011-11-03-bok-nk-gdp-2010" in row.note


def test_derived_shares_say_so_and_close_the_year():
    s = nk.load_sectors().set_index(["year", "sector"])
    for key in DERIVED_SHARES:
        assert "DERIVED" in s.loc[key, "note"], key
    for year in (2013, 2015):
        total = s.loc[[(year, x) for x in an.TOP_SECTORS], "share_pct"].sum()
        assert abs(total - 100) <= 0.05, (year, total)
