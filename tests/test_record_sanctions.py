"""The sanctions record: every product ban in both directions, the whole UN 1718 list, and
national measures since 2018, loaded through nkecon's loaders and checked against each other."""

import numpy as np
import pandas as pd
import pytest

import nkecon as nk
from nkecon import plots
from test_validator import _rows, _write  # the CSV helpers the validator tests use

RESOLUTIONS = ("unscr-2270", "unscr-2321", "unscr-2371", "unscr-2375", "unscr-2397")


@pytest.fixture(scope="module")
def bans():
    return nk.load_product_bans()


@pytest.fixture(scope="module")
def sanctions():
    return nk.load_sanctions()


@pytest.fixture(scope="module")
def designations():
    return nk.load_un_designations()


# ------------------------------------------------------------------------ product bans
def test_every_resolution_bans_exports_and_most_ban_imports(bans):
    assert len(bans) >= 30
    assert set(bans["direction"].astype(str)) == {"export", "import"}
    by = bans.groupby(["measure_id", "direction"], observed=True).size()
    for measure in RESOLUTIONS:
        assert by.get((measure, "export"), 0) >= 3, measure
    for measure in ("unscr-2270", "unscr-2321", "unscr-2375", "unscr-2397"):
        assert by.get((measure, "import"), 0) >= 1, measure
    assert (bans["direction"] == "import").sum() >= 10


@pytest.mark.parametrize("product, measure, direction, kind", [
    ("gold", "unscr-2270", "export", "ban"),
    ("titanium_ore", "unscr-2270", "export", "ban"),
    ("vanadium_ore", "unscr-2270", "export", "ban"),
    ("rare_earths", "unscr-2270", "export", "ban"),
    ("aviation_fuel", "unscr-2270", "import", "ban"),
    ("coal", "unscr-2270", "export", "partial"),
    ("silver", "unscr-2321", "export", "ban"),
    ("nickel", "unscr-2321", "export", "ban"),
    ("statues", "unscr-2321", "export", "ban"),
    ("coal", "unscr-2321", "export", "cap"),
    ("helicopters_new", "unscr-2321", "import", "ban"),
    ("vessels_new", "unscr-2321", "import", "ban"),
    ("lead", "unscr-2371", "export", "ban"),
    ("lead_ore", "unscr-2371", "export", "ban"),
    ("iron", "unscr-2371", "export", "ban"),
    ("condensates_ngl", "unscr-2375", "import", "ban"),
    ("refined_petroleum", "unscr-2375", "import", "cap"),
    ("crude_oil", "unscr-2375", "import", "cap"),
    ("fishing_rights", "unscr-2397", "export", "ban"),
    ("industrial_machinery", "unscr-2397", "import", "ban"),
    ("transport_vehicles", "unscr-2397", "import", "ban"),
    ("iron_steel_metals", "unscr-2397", "import", "ban"),
    ("refined_petroleum", "unscr-2397", "import", "cap"),
    ("crude_oil", "unscr-2397", "import", "cap"),
])
def test_named_bans_are_present(bans, product, measure, direction, kind):
    row = bans[(bans["product"] == product) & (bans["measure_id"] == measure) & (bans["direction"] == direction)]
    assert len(row) == 1
    assert row["ban_kind"].iloc[0] == kind


def test_2397_export_bans_carry_their_hs_chapters(bans):
    hs = bans[(bans["measure_id"] == "unscr-2397") & (bans["direction"] == "export")].set_index("product")["hs_codes"]
    assert hs["food_agricultural"] == "07;08;12"
    assert (hs["machinery"], hs["electrical_equipment"], hs["earth_stone"], hs["wood"], hs["vessels"]) == (
        "84", "85", "25", "44", "89")
    assert pd.isna(hs["fishing_rights"])


def test_empty_hs_codes_are_explained(bans):
    """Where no source states the HS chapters the note says so instead of a guess."""
    empty = bans[bans["hs_codes"].isna()]
    assert len(empty) and all(any(w in n.lower() for w in ("not stated", "no hs chapter", "not read")) for n in empty["note"])


def test_china_suspension_is_a_chinese_measure(bans, sanctions):
    row = bans[(bans["product"] == "coal") & (bans["ban_kind"] == "suspension")]
    assert len(row) == 1
    measure = sanctions.set_index("measure_id").loc[row["measure_id"].iloc[0]]
    assert measure["authority"] == "CN"
    assert row["effective_date"].iloc[0] == pd.Timestamp("2017-02-19")
    assert measure["date"] == pd.Timestamp("2017-02-18")


def test_wind_downs_and_effective_dates_follow_adoption(bans, sanctions):
    adopted = sanctions.set_index("measure_id")["date"]
    when = bans["measure_id"].map(adopted)
    assert when.notna().all()
    for column in ("effective_date", "wind_down_end"):
        dated = bans[column].notna()
        assert (bans.loc[dated, column] >= when[dated]).all(), column
    textiles = bans[(bans["measure_id"] == "unscr-2375") & bans["product"].isin(["textiles", "apparel"])]
    assert (textiles["wind_down_end"] == pd.Timestamp("2017-12-10")).all()
    workers = bans[bans["product"] == "overseas_workers"]
    assert workers["wind_down_end"].iloc[0] == pd.Timestamp("2019-12-22")  # 24 months from 2017-12-22


def test_import_products_never_pose_as_priced_exports(bans):
    """The exposure index weighs export_composition's products by name: an import ban must not
    share a name with an export product, or it would count as an export ban."""
    exported = set(nk.load("export_composition")["product"].astype(str))
    imports = set(bans.loc[bans["direction"] == "import", "product"].astype(str))
    assert imports and not imports & exported


def test_existing_ban_facts_are_kept(bans):
    keep = bans.set_index(["product", "measure_id"])
    assert keep.loc[("coal", "unscr-2371"), "effective_date"] == pd.Timestamp("2017-09-05")
    assert keep.loc[("textiles", "unscr-2375"), "effective_date"] == pd.Timestamp("2017-12-11")
    assert keep.loc[("coal", "unscr-2321"), "ban_kind"] == "cap"


# -------------------------------------------------------------------- UN designations
def test_the_whole_1718_list(designations):
    assert len(designations) == 155
    counts = designations["kind"].astype(str).value_counts()
    assert (counts["individual"], counts["entity"]) == (80, 75)
    refs = set(designations["reference_number"])
    assert refs == {f"KPi.{i:03d}" for i in range(1, 81)} | {f"KPe.{i:03d}" for i in range(1, 76)}
    kinds = designations.set_index("reference_number")["kind"].astype(str)
    assert all((ref.startswith("KPi.")) == (kind == "individual") for ref, kind in kinds.items())
    assert not designations["name"].str.contains(r"^\s|\s$|\s\s").any()  # trimmed
    assert designations["note"].str.fullmatch(r"DATAID \d{6,7}(;.*)?").all()


def test_listing_dates_by_year(designations):
    by_year = designations["listed_on"].dt.year.value_counts().sort_index()
    assert by_year.to_dict() == {2009: 13, 2012: 3, 2013: 15, 2014: 1, 2016: 49, 2017: 52, 2018: 22}
    assert designations["listed_on"].min() == pd.Timestamp("2009-04-24")
    assert designations["listed_on"].max() == pd.Timestamp("2018-03-30")


def test_transcribed_rows_agree_with_the_parsed_list(designations):
    d = designations.set_index("reference_number")
    transcribed = d[d["source_id"].str.startswith("unsc-consolidated-list-")]
    assert len(transcribed) == 11
    assert transcribed["note"].str.contains("match the Ammitto parsed copy").all()
    assert d.loc["KPe.053", "name"] == "PROPAGANDA AND AGITATION DEPARTMENT (PAD)"
    assert d.loc["KPi.080", "name"] == "TSANG YUNG YUAN"


def test_designations_chart_counts_every_entry(designations, sanctions):
    ax = plots.plot_designations()
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("designations-")]
    assert sum(p.get_height() for p in bars) == 155
    markers = [c for c in ax.collections if c.get_gid() == "resolutions"][0]
    resolutions = sanctions[(sanctions["authority"] == "UN") & sanctions["instrument"].str.startswith("UNSCR")]
    assert len(markers.get_offsets()) == len(resolutions)
    assert np.max(markers.get_offsets()[:, 0]) < 2018  # the 2024 veto is not drawn as a resolution
    totals = {t.get_text() for t in ax.texts if t.get_gid() == "designations-total"}
    assert {"49", "52", "22*"} <= totals
    assert "80 individuals, 75 entities" in ax.get_title(loc="left")


# ------------------------------------------------------------------ national measures
def test_measures_since_2018(sanctions):
    recent = sanctions[sanctions["date"] >= "2018-01-01"]
    assert {"US", "KR", "JP", "EU", "UN"} <= set(recent["authority"].astype(str))
    assert len(recent) >= 12
    ids = set(recent["measure_id"])
    assert {"us-2018-02-23", "us-2020-04-15", "kr-2022-10-14", "un-poe-veto-2024-03-28"} <= ids
    poe = sanctions.set_index("measure_id").loc["un-poe-veto-2024-03-28"]
    assert poe["date"] == pd.Timestamp("2024-03-28") and poe["categories"] == "monitoring"
    assert "30 April 2024" in poe["summary"]


# ------------------------------------------------------------------------ bad rows
def _break(path, column, value, row=1):
    rows = _rows(path)
    rows[row][rows[0].index(column)] = value
    _write(path, rows)
    return row + 1


@pytest.mark.parametrize("name, column, value, hint", [
    ("product_bans", "direction", "sideways", "one of export, import"),
    ("product_bans", "ban_kind", "embargo", "one of ban, cap, partial, suspension"),
    ("product_bans", "hs_codes", "84, 85", "matching"),
    ("product_bans", "measure_id", "unscr-9999", "no such id in sanctions.csv"),
    ("product_bans", "wind_down_end", "2017-12-32", "not a real calendar date"),
    ("un_designations", "reference_number", "KPx.001", "matching"),
    ("un_designations", "kind", "person", "one of individual, entity"),
    ("sanctions", "authority", "RU", "one of UN, US, KR, JP, EU, CN"),
    ("sanctions", "categories", "advisory;embargo", "embargo"),
])
def test_a_broken_row_is_refused(data_copy, name, column, value, hint):
    line = _break(data_copy / f"{name}.csv", column, value)
    with pytest.raises(nk.DataError) as info:
        nk.load(name, data_dir=data_copy)
    msg = str(info.value)
    assert f"{name}.csv, line {line}, column '{column}': value {value!r}" in msg
    assert hint in msg


def test_a_duplicated_ban_is_refused(data_copy):
    path = data_copy / "product_bans.csv"
    rows = _rows(path)
    rows.append(list(rows[1]))
    _write(path, rows)
    with pytest.raises(nk.DataError, match=r"duplicate key \(product=.*, measure_id=.*, direction=export\)"):
        nk.load("product_bans", data_dir=data_copy)
