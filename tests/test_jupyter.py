"""Jupyter habits: a notebook saved in JupyterLab is clean in git; `--list` advertises exactly
the values the rules accept."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkecon import paths, reports
from nkecon.errors import ParameterError
from nkecon.reports.contract import accepted_values, compact
from nkecon.reports.expr import DataView

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def _git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A git checkout holding the notebooks, with the filters `make setup` installs."""
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("git and make are needed")
    repo = tmp_path_factory.mktemp("checkout")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@nkecon.invalid")
    _git(repo, "config", "user.name", "nkecon test")
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    (repo / "notebooks").mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, repo / "notebooks" / name)
    (repo / ".venv").symlink_to(Path(sys.executable).parents[1])
    subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "git-filters"], cwd=repo,
                   check=True, capture_output=True)
    _git(repo, "add", ".gitattributes", "notebooks")
    _git(repo, "commit", "-qm", "notebooks")
    return repo


def _lab_save(repo, name, *, run: bool) -> Path:
    """Save a notebook the way `make lab` does: through jupyter_server's contents manager with
    nkecon's pre-save hook, after the kernel sent its full language_info and, if ``run``,
    after every cell ran (outputs, execution counts, cell timings)."""
    import nbformat
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_server.services.contents.filemanager import FileContentsManager

    path = repo / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    nb.metadata["language_info"] = dict(IPythonKernel.language_info, version=sys.version.split()[0])
    count = 0
    for cell in nb.cells:
        if run and cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {count}\n")]
            cell.metadata["execution"] = {"iopub.status.busy": "2026-12-03T10:00:00.000Z"}
    manager = FileContentsManager(root_dir=str(repo), pre_save_hook="nkecon.jupyter.pre_save")
    manager.save({"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))},
                 f"notebooks/{name}")
    return path


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_opened_and_saved_in_jupyterlab_is_unchanged(repo, name):
    path = _lab_save(repo, name, run=False)
    assert path.read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    assert _git(repo, "status", "--porcelain", "--", f"notebooks/{name}") == ""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_run_and_saved_in_jupyterlab_has_nothing_to_commit(repo, name):
    """Outputs stay on disk; git sees no change (nbstripout strips outputs, counts, timings and
    the kernel's language_info beyond its name, by the keys `make setup` configures)."""
    path = _lab_save(repo, name, run=True)
    assert "ran 1" in path.read_text(), "the outputs stay in the file on disk"
    assert _git(repo, "diff", "--", f"notebooks/{name}") == ""
    # git status compares sizes first and lists the file until `git add` refreshes it;
    # adding it then stages nothing
    _git(repo, "add", f"notebooks/{name}")
    assert _git(repo, "status", "--porcelain", "--", f"notebooks/{name}") == ""
    assert _git(repo, "diff", "--cached", "--", f"notebooks/{name}") == ""
    _git(repo, "checkout", "--", f"notebooks/{name}")


# ------------------------------------------------------------------ --list advertises exactly
@pytest.fixture(scope="module")
def listing():
    out = subprocess.run([sys.executable, "-m", "nkecon", "report", "--list"], capture_output=True, text=True,
                         check=True, env={k: v for k, v in os.environ.items() if k != "NKECON_DATA_DIR"}).stdout
    advertised = {}
    report = None
    for line in out.splitlines():
        if not line.startswith(" "):
            report = line.split(":", 1)[0]
        elif " -> accepts " in line:
            name = line.strip().split(":", 1)[0]
            text = line.split(" -> accepts ", 1)[1].rsplit("  (cell", 1)[0]
            values = set()
            for part in text.split(", "):
                lo, _, hi = part.partition("..")
                values.update(range(int(lo), int(hi or lo) + 1))
            advertised[(report, name)] = values
    return advertised


@pytest.fixture(scope="module")
def specs():
    return reports.discover(paths.notebooks_dir())


INT_PARAMS = [("contraction", "focus_year"), ("contraction", "baseline_start"), ("contraction", "baseline_end"),
              ("food", "focus_year"), ("food", "start"), ("food", "end"), ("relief", "base_year"),
              ("sanctions", "base_year")]


def test_list_names_the_holes_of_each_range(listing):
    assert set(INT_PARAMS) <= set(listing)
    focus = listing[("contraction", "focus_year")]
    # every year 2011-2024 decomposes; the earlier years of the sectors record (first releases
    # with a few industries each) do not, so the range the data declare has a hole before 2011
    assert set(range(2011, 2025)) <= focus and not set(range(1999, 2011)) & focus
    assert listing[("relief", "base_year")] == {2016}
    assert listing[("sanctions", "base_year")] <= {2015, 2016, 2017} and 2016 in listing[("sanctions", "base_year")]


@pytest.mark.parametrize("report,name", INT_PARAMS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_advertised_value_builds_and_nothing_else(listing, specs, report, name, data):
    """The value as the command line passes it (text), through the same planning a build uses."""
    advertised = listing[(report, name)]
    value = data.draw(st.integers(min(advertised) - 4, max(advertised) + 4) | st.sampled_from(sorted(advertised)))
    try:
        reports.plan([(report, {name: str(value)})], specs, data_dir=paths.shipped_data_dir())
    except ParameterError:
        assert value not in advertised, f"{report} {name}={value} is advertised by --list but refused"
    else:
        assert value in advertised, f"{report} {name}={value} is accepted but --list does not advertise it"


def test_compact_form():
    assert compact([2012, 2013, 2015, 2017, 2018, 2019]) == "2012, 2013, 2015, 2017..2019"
    assert compact([]) == "(none)"
    spec = reports.discover(paths.notebooks_dir())["contraction"]
    assert accepted_values(spec.params, spec.rules, spec.name, "draws", DataView(paths.shipped_data_dir())) is None
