"""Every shipped dataset loads typed, keyed, documented and sourced."""

import re
import subprocess
import sys

import pandas as pd
import pytest

import nkecon as nk
from nkecon.datasets import DATASETS

LOADERS = {name: getattr(nk, f"load_{name}") for name in DATASETS}
EXPECTED_DTYPES = {
    "integer": ("int64", "Int64"),
    "number": ("float64",),
    "category": ("category",),
    "string": ("string",),
    "tags": ("string",),
}


@pytest.mark.parametrize("name", DATASETS)
def test_dataset_loads_with_declared_dtypes(name):
    frame = LOADERS[name]()
    meta = nk.get_metadata(name)
    assert list(frame.columns) == [c.name for c in meta.schema.columns]
    assert len(frame) > 0
    for col in meta.schema.columns:
        dtype = frame[col.name].dtype
        if col.type == "date":
            assert pd.api.types.is_datetime64_dtype(dtype), col.name
        elif col.type == "integer" and col.required:
            assert str(dtype) == "int64", col.name
        else:
            assert str(dtype) in EXPECTED_DTYPES[col.type] or (
                col.type in ("string", "tags") and isinstance(dtype, pd.StringDtype)
            ), (col.name, dtype)
        if col.required:
            assert frame[col.name].notna().all(), col.name


@pytest.mark.parametrize("name", DATASETS)
def test_keys_unique_and_sorted(name):
    frame = LOADERS[name]()
    key = list(nk.get_metadata(name).schema.primary_key)
    assert not frame.duplicated(key).any()
    assert frame.equals(frame.sort_values(key, kind="stable").reset_index(drop=True))


@pytest.mark.parametrize("name", DATASETS)
def test_metadata_complete(name):
    meta = nk.get_metadata(name)
    for field in ("title", "description", "producer", "citation", "url", "date_published",
                  "date_accessed", "licence"):
        assert str(getattr(meta, field)).strip(), field
    for col in meta.schema.columns:
        assert col.description.strip(), col.name
        if col.type in ("integer", "number"):
            assert col.unit, f"{name}.{col.name} has no unit"
    assert meta.to_dict()["columns"][0]["name"] == meta.schema.columns[0].name


@pytest.mark.parametrize("name", [n for n in DATASETS if n != "sources"])
def test_every_row_cites_a_known_source(name):
    frame = LOADERS[name]()
    known = set(nk.load_sources()["source_id"].astype(str))
    for col in nk.get_metadata(name).schema.columns:
        if col.references == "sources":
            cited = set(frame[col.name].dropna().astype(str))
            assert cited, col.name
            assert cited <= known, cited - known


# Source ids follow <outlet>-<yyyy-mm-dd>-<topic>; notes name other sources that way.
NOTE_ID = re.compile(r"(?<![a-z0-9-])[a-z0-9]+(?:-[a-z0-9]+)*-(?:19|20)\d\d-\d\d-\d\d(?:-[a-z0-9]+)+")


def _texts_and_citations():
    cited, notes = set(), []
    for name in DATASETS:
        if name == "sources":
            continue
        frame = LOADERS[name]()
        for col in nk.get_metadata(name).schema.columns:
            if col.references == "sources":
                cited |= set(frame[col.name].dropna().astype(str))
        notes.extend(frame["note"].dropna().astype(str))
    return cited, notes


def test_every_source_is_cited():
    cited, notes = _texts_and_citations()
    text = "\n".join(notes)
    unused = {s for s in nk.load_sources()["source_id"].astype(str)
              if s not in cited and not re.search(rf"(?<![a-z0-9-]){re.escape(s)}(?![a-z0-9-])", text)}
    assert not unused, f"sources neither cited by a row nor named in a note: {sorted(unused)}"


def test_source_ids_named_in_notes_resolve():
    _, notes = _texts_and_citations()
    known = set(nk.load_sources()["source_id"].astype(str))
    named = {m for note in notes for m in NOTE_ID.findall(note)}
    assert named, "expected notes to name other sources"
    assert named <= known, sorted(named - known)


def test_list_datasets_counts_rows():
    listing = nk.list_datasets()
    assert list(listing["name"]) == list(DATASETS)
    for row in listing.itertuples():
        assert row.rows == len(nk.load(row.name))
    gdp = listing.set_index("name").loc["gdp_releases"]
    assert gdp["period"] == "1990-2025"


def test_unknown_dataset_says_what_exists():
    with pytest.raises(nk.UnknownDatasetError, match=r"No dataset named 'gdp_relases'.*Did you mean 'gdp_releases'"):
        nk.get_metadata("gdp_relases")
    with pytest.raises(KeyError):
        nk.load("nope")


def test_loaders_return_copies():
    first = nk.load_gdp()
    first.loc[0, "growth_pct"] = 99.0
    assert nk.load_gdp().loc[0, "growth_pct"] != 99.0


def test_data_dir_argument_and_environment(data_copy, monkeypatch):
    path = data_copy / "gdp_releases.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    current = nk.load_gdp().set_index("year").loc[2020, "release_date"]
    idx = [i for i, line in enumerate(lines) if line.startswith(f"{current:%Y-%m-%d},") and line.split(",")[2] == "2020"][0]
    cells = lines[idx].split(",")
    cells[header.index("growth_pct")] = "-4.6"
    lines[idx] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def g2020(frame):
        return float(frame.loc[frame.year == 2020, "growth_pct"].iloc[0])

    assert g2020(nk.load_gdp(data_dir=data_copy)) == -4.6
    monkeypatch.setenv("NKECON_DATA_DIR", str(data_copy))
    assert g2020(nk.load_gdp()) == -4.6
    monkeypatch.delenv("NKECON_DATA_DIR")
    assert g2020(nk.load_gdp()) == -4.5


def test_import_is_light():
    code = (
        "import sys, nkecon; "
        "bad = [m for m in ('matplotlib', 'statsmodels', 'scipy', 'papermill', 'nbclient') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
