"""The report runner on the real notebooks and data, and its failure paths."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import nkecon as nk
from nkecon import paths, reports
from nkecon.analysis import TOP_SECTORS
from nkecon.reports.expr import DataView

DEFAULT_DRIVER_MAPPING = {s: {"unexplained": 1.0} for s in TOP_SECTORS}

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "nkecon", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


# --------------------------------------------------------------------- parameters, no kernel
@pytest.fixture(scope="module")
def specs():
    return reports.discover(paths.notebooks_dir())


def _resolve(spec, given):
    return reports.resolve(spec.params, spec.rules, spec.name, given, DataView(paths.shipped_data_dir()))


def test_notebooks_declare_typed_parameters(specs):
    assert set(specs) == {"contraction", "sanctions", "food", "relief"}, "explore.ipynb is not marked as a report"
    focus = specs["contraction"].params["focus_year"]
    years = nk.load_sectors()["year"]
    data = DataView(paths.shipped_data_dir())
    assert (focus.type, focus.default) == ("int", 2020)
    assert (focus.lo.value({}, data), focus.hi.value({}, data)) == (years.min() + 1, years.max())
    assert "contraction is explained" in focus.help


def test_notebooks_are_committed_without_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name


#: The years of the industry data, whose range bounds the contraction report's focus_year.
_SECTOR_YEARS = nk.load_sectors()["year"]


@pytest.mark.parametrize(
    "given, match",
    [
        ({"no_such": "1"}, "has no parameter 'no_such'"),
        ({"focus_year": "2018.0"}, "must be a whole number such as 2020, but '2018.0' was passed"),
        ({"focus_year": "2030"}, f"must be between {_SECTOR_YEARS.min() + 1} and {_SECTOR_YEARS.max()}, but 2030"),
        ({"focus_year": True}, "must be a whole number"),
        ({"arima_order": "3"}, "must be a list"),
        ({"arima_order": "[1, 0]"}, "three integers"),
        ({"arima_order": "[9, 9, 9]"}, "every item of"),
        ({"driver_mapping": {**DEFAULT_DRIVER_MAPPING, "services": {"covid": 1.0}}}, "unknown driver 'covid'"),
        ({"driver_mapping": {"services": {"border_closure": 1.0}}}, "no entry for industry"),
        ({"focus_year": "2019", "baseline_end": "2019"}, "must end before focus_year"),
        ({"baseline_start": "2014", "baseline_end": "2017", "focus_year": "2018"}, "at least 8 years"),
    ],
)
def test_bad_parameters_rejected_before_any_kernel(specs, given, match):
    with pytest.raises(nk.ParameterError, match=match):
        _resolve(specs["contraction"], given)


def test_cli_bad_parameter_is_one_line_and_exit_2(tmp_path):
    out = _cli("report", "contraction", "-p", "no_such=1", "--out", str(tmp_path))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no parameter 'no_such'" in lines[0]
    assert not any(tmp_path.iterdir()), "nothing may be written for a rejected parameter"
    out = _cli("report", "nosuch", "--out", str(tmp_path))
    assert out.returncode == 2 and "No report named 'nosuch'" in out.stderr


def test_focus_year_alone_moves_the_baseline(specs):
    resolved = _resolve(specs["contraction"], {"focus_year": "2018"})
    assert resolved["baseline_end"] == 2017  # the computed default, resolved before the kernel


def test_params_file_sweep_and_slugs(specs, tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("- focus_year: 2021\n- focus_year: 2022\n  draws: 500\n- {}\n")
    from nkecon.report_cli import _read_params_file

    items = _read_params_file(str(sweep), None)
    planned = reports.plan([("contraction", i["parameters"]) for i in items], specs, data_dir=paths.shipped_data_dir())
    slugs = [p.slug for p in planned]
    assert slugs[0].startswith("focus_year-2021-") and slugs[1].startswith("focus_year-2022__draws-500-")
    assert slugs[2] == "default"
    assert planned[1].parameters["baseline_end"] == 2021
    bad = tmp_path / "bad.yaml"
    bad.write_text("- [1, 2]\n")
    with pytest.raises(nk.ParameterError, match="must be a mapping"):
        _read_params_file(str(bad), None)


def test_no_parameter_can_write_outside_the_output_folder():
    slug = reports.slug_for({"label": "../../../etc/passwd"})
    assert "/" not in slug and ".." not in slug and slug.startswith("label-")


# ------------------------------------------------------------------------ real builds
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = _cli("report", "--out", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return out, result


def test_default_set_builds_every_report(built):
    out, result = built
    assert "4 built, 0 unchanged, 0 failed" in result.stdout
    specs = reports.discover(paths.notebooks_dir())
    for name in ("contraction", "sanctions", "food", "relief"):
        folder = out / name / "default"
        prov = json.loads((folder / "provenance.json").read_text())
        assert prov["status"] == "success" and prov["notebook"] == name
        assert sorted(prov["figures"]) == sorted(f"figures/{f}.png" for f in specs[name].figures)
        for fig in prov["figures"]:
            assert (folder / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert set(prov["data_files"]) == {p.name for p in nk.datasets.data_files()}
        assert prov["timings"]["total_s"] > 0
        page = (folder / "index.html").read_text()
        assert "<img" in page and "data:image/png;base64" in page
        assert "import nkecon" not in page, "code must be hidden"
        assert "Provenance" in page
        nb = nbformat.read(folder / "notebook.ipynb", as_version=4)
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    index = (out / "index.html").read_text()
    for name in ("contraction/default", "sanctions/default", "food/default", "relief/default"):
        assert f'href="{name}/index.html"' in index
    assert "http://" not in index and "https://" not in index


def test_contraction_report_states_the_2020_answer(built):
    out, _ = built
    nb = nbformat.read(out / "contraction" / "default" / "notebook.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Real GDP shrank 4.5% in 2020" in text
    assert "The worst year since 1997" in text
    assert "border_closure" in text


def test_rebuild_with_nothing_changed_skips_everything(built):
    out, _ = built
    before = (out / "food" / "default" / "provenance.json").read_text()
    result = _cli("report", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "0 built, 4 unchanged, 0 failed" in result.stdout
    assert (out / "food" / "default" / "provenance.json").read_text() == before
    assert "papermill" not in result.stderr


def test_log_output_has_timestamps(built):
    out, _ = built
    result = _cli("report", "food", "--out", str(out))
    line = [l for l in result.stderr.splitlines() if "food/default" in l][0]
    assert line[:4].isdigit() and line[4] == "-" and "skipped" in line


# -------------------------------------------------------------------------- failure paths
def _notebook(path, cells, figures=()):
    nb = nbformat.v4.new_notebook()
    nb.metadata["nkecon"] = {"report": True, "title": path.stem, "figures": list(figures)}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)


GOOD = ["fail: bool = False  # raise in the second cell", "import nkecon as nk\nfrom nkecon import plots\nfrom nkecon.notebook import show_figure",
        "if fail:\n    raise ValueError('deliberately broken')\nshow_figure(plots.plot_counterfactual(), 'cf')"]


@pytest.fixture
def broken_env(tmp_path, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _notebook(nbdir / "broken.ipynb", GOOD, figures=["cf"])
    shutil.copy(ROOT / "notebooks" / "food.ipynb", nbdir / "food.ipynb")
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(nbdir))
    return nbdir, tmp_path / "out"


def test_failing_notebook_keeps_last_good_report(broken_env):
    nbdir, out = broken_env
    first = _cli("report", "--out", str(out))
    assert first.returncode == 0, first.stderr
    good = (out / "broken" / "default" / "provenance.json").read_text()

    nb = nbformat.read(nbdir / "broken.ipynb", as_version=4)
    nb.cells[0].source = "fail: bool = True  # raise in the second cell"
    nbformat.write(nb, nbdir / "broken.ipynb")
    shutil.rmtree(out / "food")  # the other report must still build
    second = _cli("report", "--out", str(out))
    assert second.returncode == 1
    failure_lines = [l for l in second.stderr.splitlines() if "nkecon: report broken/default failed" in l]
    assert len(failure_lines) == 1
    line = failure_lines[0]
    assert "cell 3 of broken.ipynb" in line and "`raise ValueError('deliberately broken')`" in line
    assert "ValueError: deliberately broken" in line
    partial = Path(line.split("partial notebook: ")[1])
    assert partial.is_file() and partial.is_relative_to(out)
    assert (out / "broken" / "default" / "provenance.json").read_text() == good
    assert (out / "food" / "default" / "index.html").is_file()
    index = (out / "index.html").read_text()
    assert "deliberately broken" in index and "showing the last good build" in index
    assert "1 built, 0 unchanged, 1 failed" in second.stdout


def test_missing_declared_figure_is_a_failure(tmp_path, monkeypatch):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _notebook(nbdir / "nofig.ipynb", ["x: int = 1  # a number [0..5]", "print(x)"], figures=["chart"])
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(nbdir))
    result = _cli("report", "nofig", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "declared figure(s) chart were not produced" in result.stderr
    assert not (tmp_path / "out" / "nofig" / "default").exists()


def test_hung_cell_is_stopped_by_the_timeout(tmp_path, monkeypatch):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _notebook(nbdir / "slow.ipynb", ["seconds: int = 120  # how long to hang", "import time\ntime.sleep(seconds)"])
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(nbdir))
    result = _cli("report", "slow", "--out", str(tmp_path / "out"), "--timeout", "3")
    assert result.returncode == 1
    assert "cell 2 of slow.ipynb `import time` ran longer than the 3 s timeout" in result.stderr
    partial = Path(result.stderr.split("partial notebook: ")[1].split()[0])
    assert partial.is_file()


def test_a_second_run_waits_for_the_lock_or_exits_3(tmp_path):
    from filelock import FileLock

    out = tmp_path / "out"
    out.mkdir()
    with FileLock(str(out / ".nkecon-report.lock")):
        result = _cli("report", "food", "--out", str(out), "--lock-timeout", "0.5")
    assert result.returncode == 3
    assert "held the lock" in result.stderr
    assert not (out / "food").exists()


def test_text_from_data_is_escaped(data_copy, tmp_path, monkeypatch):
    import csv
    import io

    path = data_copy / "events.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    col = rows[0].index("title")
    hit = next(r for r in rows[1:] if r[0] == "typhoon-maysak-2020")
    hit[col] = "<script>alert('x')</script><b>Maysak</b>"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    monkeypatch.setenv("NKECON_DATA_DIR", str(data_copy))
    out = tmp_path / "out"
    result = _cli("report", "food", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not (out / "food" / "default").exists(), "a report from another data folder has its own folder"
    (folder,) = (out / "food").glob("default--data-*")
    page = (folder / "index.html").read_text()
    assert json.loads((folder / "provenance.json").read_text())["data_dir"] == str(data_copy)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;b&gt;Maysak&lt;/b&gt;" in page or \
        "&lt;script&gt;alert('x')&lt;/script&gt;&lt;b&gt;Maysak&lt;/b&gt;" in page
    assert "<script>alert" not in page


def test_explore_notebook_runs_in_the_projects_kernel(tmp_path):
    """What an analyst gets in JupyterLab: the `nkecon` kernel of this environment."""
    import papermill as pm

    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "explore.ipynb"), str(out), kernel_name="nkecon",
                        parameters={"dataset": "food"}, progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Rural Development Administration" in text or "RDA" in text
    assert "border_closure" in text


def test_fetch_records_reach_the_provenance_of_every_report_built_from_them(tmp_path, data_copy):
    import hashlib

    package = json.loads((data_copy / "datapackage.json").read_text())
    events = next(r for r in package["resources"] if r["name"] == "events")
    record = {"source": "weather", "url": "https://example.invalid/archive", "query": {"daily": "precipitation_sum"},
              "time": "2026-11-28T03:00:00+00:00", "sha256": hashlib.sha256(b"raw").hexdigest(),
              "licence": "CC BY 4.0", "citation": "a service's own citation", "source_id": "x"}
    events["nkecon:fetched"] = record  # as `nkecon data fetch` writes it
    (data_copy / "datapackage.json").write_text(json.dumps(package))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "nkecon", "report", "food", "--out", str(out)],
                            capture_output=True, text=True, env={**os.environ, "NKECON_DATA_DIR": str(data_copy)})
    assert result.returncode == 0, result.stderr
    prov = json.loads(next(out.glob("food/*/provenance.json")).read_text())
    assert prov["fetched"]["events"]["sha256"] == record["sha256"]
    assert prov["fetched"]["events"]["citation"] == "a service's own citation"
    page = next(out.glob("food/*/index.html")).read_text()
    assert "a service&#x27;s own citation" in page or "a service's own citation" in page
