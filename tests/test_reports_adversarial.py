"""The report runner under hostile input, damaged folders, faults and signals.

Hypothesis draws parameter values, YAML, damaged data folders and broken output records; the
runner must answer each with the documented behaviour: a report, or one line and the
documented exit status, never a traceback, and nothing deleted that nkecon did not create.
No assertion is about time: waits poll for a state and then check it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import nkecon as nk
from nkecon import paths, reports
from nkecon.cli import main
from nkecon.reports import files, publish, values


from nkecon.reports.expr import DataView

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = paths.shipped_data_dir()
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def run_main(*argv: str) -> tuple[int, str, str]:
    """``nkecon ...`` in this process (no kernel may start for these)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def cli(*args, env=None, cwd=None, timeout=300):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "nkecon", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture(scope="module")
def specs():
    return reports.discover(paths.notebooks_dir())


@pytest.fixture(scope="module")
def data():
    return DataView(SHIPPED)


# ------------------------------------------------------------------ the parameter contract
TEXT = st.one_of(
    st.integers(-10_000, 10_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "nan", "inf", "-inf", "true", "no", "null", "~", "[1,0]", "[9,9,9]", "[1, 0, 0]",
                     "{a: 1}", "[1, [2, [3]]]", "2020-02-15", "2020-13-45", "2019-01", "2022-01", "2020-02",
                     "2021-12", "0x10", "1e3", "2018.0", "&a [1]", "*a", "!!python/object:os.system ls"]),
    st.dates().map(lambda d: d.isoformat()),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2010, 2026), st.integers(0, 13)),
    st.text(max_size=30),
)


@pytest.mark.parametrize("name", ["contraction", "food", "sanctions", "relief"])
@FAST
@given(raw=st.dictionaries(st.sampled_from(["focus_year", "baseline_start", "baseline_end", "arima_order",
                                            "driver_mapping", "draws", "start", "end", "base_year", "closure",
                                            "trade_start", "trade_end", "as_of", "measures", "cap_raise_bbl",
                                            "price_usd_per_bbl"]), TEXT, max_size=4))
def test_any_value_is_accepted_typed_or_refused_in_one_line(specs, data, name, raw):
    spec = specs[name]
    try:
        resolved = reports.resolve(spec.params, spec.rules, name, raw, data)
    except nk.ParameterError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert set(resolved) == set(spec.params)
    json.dumps(resolved, allow_nan=False)  # provenance must stay valid JSON
    for pname, p in spec.params.items():
        base, _ = values.split_type(p.type)
        expected = {"int": int, "float": float, "str": str, "date": str, "month": str, "list": list,
                    "dict": dict, "bool": bool}[base]
        assert isinstance(resolved[pname], expected)


def _run_notebook_in_process(spec, parameters: dict) -> None:
    """The notebook's code cells with the resolved values in place of the parameters cell."""
    import matplotlib

    matplotlib.use("Agg")
    nb = nbformat.read(spec.path, as_version=4)
    namespace: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(parameters)
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"<{spec.name}>", "exec"), namespace)


def _accepted(spec, data):
    """A strategy of parameter sets that the contract accepts (drawn inside the ranges)."""
    def one(p):
        base, item = values.split_type(p.type)
        vals = {n: q.default for n, q in spec.params.items()}
        if p.lo is not None and base == "int":
            return st.integers(p.lo.value(vals, data), p.hi.value(vals, data)).map(str)
        if p.lo is not None and base == "list":
            return st.lists(st.integers(p.lo.value(vals, data), p.hi.value(vals, data)), min_size=3,
                            max_size=3).map(json.dumps)
        if base == "date":
            return st.dates(min_value=__import__("datetime").date(2018, 1, 1),
                            max_value=__import__("datetime").date(2022, 12, 31)).map(lambda d: d.isoformat())
        if base == "month":
            return st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2018, 2022), st.integers(1, 12))
        return st.just(json.dumps(p.default) if base in ("list", "dict") else str(p.default))

    names = [n for n in spec.params if n not in ("draws", "driver_mapping")]
    return st.fixed_dictionaries({}, optional={n: one(spec.params[n]) for n in names})


@pytest.mark.parametrize("name", ["contraction", "food", "sanctions", "relief"])
def test_every_accepted_value_builds(specs, data, name):
    """The contract's promise: a value set its checks accept runs the notebook through."""
    spec = specs[name]

    @settings(max_examples=int(os.environ.get("NKECON_BUILD_EXAMPLES", "6")), deadline=None,
              suppress_health_check=list(HealthCheck), database=None)
    @given(raw=_accepted(spec, data))
    def check(raw):
        try:
            resolved = reports.resolve(spec.params, spec.rules, name, raw, data)
        except nk.ParameterError:
            assume(False)
        _run_notebook_in_process(spec, resolved)

    check()


@pytest.mark.parametrize("argv, expect", [
    (["food", "-p", "focus_year=2022"], "published food-gap estimate"),
    (["food", "-p", "start=2023", "-p", "end=2016"], "start must come before end"),
    (["sanctions", "-p", "trade_start=2022-01"], "closure must fall inside the trade window"),
    (["sanctions", "-p", "closure=2020-13-45"], "real calendar date"),
    (["contraction", "-p", "arima_order=[1,0]"], "three integers"),
    (["contraction", "-p", "arima_order=[9,9,9]"], "between 0 and 3"),
    (["contraction", "-p", "draws=nan"], "whole number"),
    (["contraction", "-p", "arima_order=" + "[" * 500 + "]" * 500], "deeper than 20 levels"),
    (["contraction", "-p", "arima_order=[&a [1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], "
      "&c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], [*d,*d,*d,*d,*d,*d,*d,*d,*d]]"],
     "more than 10000 values"),
    (["contraction", "-p", "driver_mapping={services: {covid: 1.0}}"], "driver_mapping"),
    (["nosuch"], "No report named 'nosuch'"),
])
def test_refused_before_any_kernel_in_one_line(tmp_path, argv, expect):
    code, out, err = run_main("report", *argv, "--out", str(tmp_path / "out"))
    assert code == 2, err
    assert expect in one_error_line(err)
    assert not (tmp_path / "out").exists(), "nothing is written for a refused request"


def test_a_date_stays_text_for_text_and_becomes_a_date_for_a_date(specs, data):
    resolved = reports.resolve(specs["sanctions"].params, specs["sanctions"].rules, "sanctions",
                               {"closure": "2020-02-15"}, data)
    assert resolved["closure"] == "2020-02-15"


@FAST
@given(text=st.text(alphabet="[]{}&*ab,: 01-!\n", max_size=60))
def test_yaml_for_lists_is_bounded_and_one_line(text):
    try:
        values.from_text("list", text, "The value for `x`")
    except nk.ParameterError as exc:
        assert "\n" not in str(exc)


def test_a_bad_declared_default_fails_only_its_notebook(tmp_path, monkeypatch):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _notebook(nbdir / "bad.ipynb", ["x: int = 'seven'  # a number [0..5]", "print(x)"])
    _notebook(nbdir / "good.ipynb", ["x: int = 1  # a number [0..5]", "print(x)"])
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(nbdir))
    code, out, err = run_main("report", "--list")
    assert code == 0 and "cannot be built" in out and "good: good" in out
    code, out, err = run_main("report", "bad", "-p", "x=1", "--out", str(tmp_path / "o"))
    assert code == 2 and "declared default" in one_error_line(err)


# ---------------------------------------------------------------------------- notebooks
def _notebook(path: Path, cells: list[str], *, report=True, figures=()):
    nb = nbformat.v4.new_notebook()
    if report is not None:
        nb.metadata["nkecon"] = {"report": report, "title": path.stem, "figures": list(figures)}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)


TINY = ["x: int = 1  # a number [0..9]\nlabel: str = 'a'  # a label\nwait: int = 0  # seconds to sleep [0..600]",
        "import os, time\nif x == 9:\n    os.kill(os.getppid(), 9)  # kill the worker\ntime.sleep(wait)\nprint(x, label)"]


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _notebook(nbdir / "tiny.ipynb", TINY)
    (nbdir / "scratch.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                     "nbformat_minor": 5}))
    _notebook(nbdir / "plain.ipynb", ["a = 1", "print(a)"], report=None)
    (nbdir / "broken.ipynb").write_text("{ not json")
    (nbdir / "Untitled.ipynb").write_text("{}")
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(nbdir))
    return nbdir


def test_only_marked_notebooks_are_reports(tiny):
    code, out, err = run_main("report", "--list")
    assert code == 0, err
    assert "tiny: tiny" in out
    for other in ("scratch", "plain", "broken", "Untitled"):
        assert f"{other}:" not in out
    assert "Traceback" not in err


def test_a_missing_notebooks_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(tmp_path / "nope"))
    code, out, err = run_main("report", "--out", str(tmp_path / "o"))
    assert code == 2 and "does not exist" in one_error_line(err)


@FAST
@given(a=st.dictionaries(st.sampled_from(["label", "x"]), st.text(min_size=1, max_size=8), min_size=1),
       b=st.dictionaries(st.sampled_from(["label", "x"]), st.text(min_size=1, max_size=8), min_size=1))
def test_distinct_parameter_sets_get_distinct_folders(a, b):
    assume(a != b)
    assert reports.slug_for(a) != reports.slug_for(b)
    for slug in (reports.slug_for(a), reports.slug_for(b)):
        assert "/" not in slug and ".." not in slug and not slug.startswith(".")


def test_case_variants_build_three_reports_not_one(tiny):
    specs = reports.discover(tiny)
    planned = reports.plan([("tiny", {"label": v}) for v in ("Hello", "hello", "HELLO", "a__b")], specs,
                           data_dir=SHIPPED)
    assert len({p.slug for p in planned}) == 4
    assert len({p.title for p in planned}) == 4


# ------------------------------------------------------------------------ paths and files
def test_relative_out_and_data_dir_are_made_absolute(tiny, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(SHIPPED, work / "mydata", ignore=shutil.ignore_patterns("__pycache__"))
    result = cli("report", "tiny", "--out", "rel-out", "--jobs", "1", cwd=work,
                 env={"NKECON_DATA_DIR": "mydata", "NKECON_NOTEBOOKS_DIR": str(tiny)})
    assert result.returncode == 0, result.stderr
    (folder,) = (work / "rel-out" / "tiny").glob("default--data-*")
    prov = json.loads((folder / "provenance.json").read_text())
    assert prov["data_dir"] == str(work / "mydata")
    assert not (tiny / "rel-out").exists() and not list(tiny.glob("**/.nkecon-build"))


@pytest.mark.parametrize("kind", ["root", "file", "under_file", "dangling", "foreign_index"])
def test_unusable_output_folders_are_refused(tmp_path, kind):
    target = {"root": Path("/"), "file": tmp_path / "f", "under_file": tmp_path / "f" / "out",
              "dangling": tmp_path / "link", "foreign_index": tmp_path / "site"}[kind]
    (tmp_path / "f").write_text("mine")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<html>my own page</html>")
    code, out, err = run_main("report", "food", "--out", str(target))
    assert code == 2, err
    one_error_line(err)
    assert (tmp_path / "f").read_text() == "mine"
    assert (tmp_path / "site" / "index.html").read_text() == "<html>my own page</html>"


def test_what_nkecon_did_not_create_is_never_deleted(tiny, tmp_path):
    out = tmp_path / "out"
    (out / ".build").mkdir(parents=True)
    (out / ".build" / "keep.txt").write_text("user file")
    outside = tmp_path / "outside"
    (outside / "tiny" / "default").mkdir(parents=True)
    (outside / "tiny" / "default" / "precious.txt").write_text("do not touch")
    (out / ".failed").symlink_to(outside)
    result = cli("report", "tiny", "-p", "x=9", "--out", str(out), "--jobs", "1")
    assert result.returncode == 1, result.stderr
    assert (out / ".build" / "keep.txt").read_text() == "user file"
    assert (outside / "tiny" / "default" / "precious.txt").read_text() == "do not touch"
    assert sorted(p.name for p in outside.rglob("*")) == ["default", "precious.txt", "tiny"]
    assert "Traceback" not in result.stderr


DAMAGE = ["folder_is_file", "package_is_list", "package_is_folder", "package_truncated", "resource_missing",
          "csv_is_folder", "fifo", "link_out", "csv_garbage", "csv_empty", "header_only", "cross_file"]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(DAMAGE), name=st.sampled_from(["gdp_releases", "food", "trade", "sources"]))
def test_a_damaged_data_folder_is_one_line_before_any_kernel(tmp_path_factory, kind, name):
    base = tmp_path_factory.mktemp("damaged")
    data = base / "data"
    shutil.copytree(SHIPPED, data, ignore=shutil.ignore_patterns("__pycache__"))
    csv, package = data / f"{name}.csv", data / "datapackage.json"
    if kind == "folder_is_file":
        shutil.rmtree(data)
        data.write_text("not a folder")
    elif kind == "package_is_list":
        package.write_text("[1, 2]")
    elif kind == "package_is_folder":
        package.unlink()
        package.mkdir()
    elif kind == "package_truncated":
        package.write_text(package.read_text()[:200])
    elif kind == "resource_missing":
        meta = json.loads(package.read_text())
        meta["resources"] = [r for r in meta["resources"] if r["name"] != name]
        package.write_text(json.dumps(meta))
    elif kind == "csv_is_folder":
        csv.unlink()
        csv.mkdir()
    elif kind == "fifo":
        csv.unlink()
        os.mkfifo(csv)
    elif kind == "link_out":
        secret = base / "secret.csv"
        secret.write_text("SECRET FIRST LINE\n")
        csv.unlink()
        csv.symlink_to(secret)
    elif kind == "csv_garbage":
        csv.write_bytes(b"\xff\xfe\x00garbage,\"unclosed\n1,2,3,4,5\n")
    elif kind == "csv_empty":
        csv.write_text("")
    elif kind == "header_only":
        csv.write_text(csv.read_text().splitlines()[0] + "\n")
    elif kind == "cross_file":
        trade = data / "trade.csv"
        lines = trade.read_text().splitlines()
        lines.append(lines[1])  # a duplicated annual row (its month is empty)
        trade.write_text("\n".join(lines) + "\n")
    out = base / "out"
    env_before = os.environ.get("NKECON_DATA_DIR")
    os.environ["NKECON_DATA_DIR"] = str(data)
    try:
        code, stdout, err = run_main("report", "food", "--out", str(out))
    finally:
        if env_before is None:
            os.environ.pop("NKECON_DATA_DIR", None)
        else:
            os.environ["NKECON_DATA_DIR"] = env_before
    if code == 0:  # a damage the schema tolerates still builds nothing secret
        return
    assert code == 2, (kind, err)
    assert "SECRET" not in one_error_line(err)
    assert not out.exists()


# ------------------------------------------------------------------------------ faults
def test_a_dead_worker_fails_only_its_report(tiny, tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("- {x: 1}\n- {x: 9}\n- {x: 2}\n")
    out = tmp_path / "out"
    result = cli("report", "tiny", "--params-file", str(sweep), "--out", str(out), "--jobs", "2")
    assert result.returncode == 1, result.stderr
    assert "killed by signal 9" in result.stderr and "Traceback" not in result.stderr
    built = sorted(p.name for p in (out / "tiny").iterdir())
    assert built[0] == "default" and built[1].startswith("x-2-") and len(built) == 2
    index = (out / "index.html").read_text()
    assert "tiny/x-9-" in index and "tiny/x-2-" in index and "killed by signal 9" in index
    assert not (out / ".nkecon-build").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.one_of(st.binary(max_size=40), st.just(b""), st.just(b"[]"), st.just(b'{"nkecon_record": 1}'),
                         st.just(b'{"nkecon_record": 1, "notebook": 3, "slug": [], "title": null}'),
                         st.just(b'{"notebook": "x"}')),
       which=st.sampled_from(["provenance.json", "failure.json"]))
def test_foreign_or_broken_records_are_skipped(tmp_path_factory, content, which):
    out = tmp_path_factory.mktemp("out")
    where = out / ("tiny" if which == "provenance.json" else ".failed/tiny") / "default"
    where.mkdir(parents=True)
    (where / which).write_bytes(content)
    (out / "nb" / "ok").mkdir(parents=True)
    files.atomic_json(out / "nb" / "ok" / "provenance.json", {"nkecon_record": 1, "notebook": "nb", "slug": "ok",
                                                              "title": "Fine", "parameters": {"x": 1}})
    page = reports.write_index(out).read_text()
    assert "Fine" in page and "nb/ok" in page


def test_an_interrupted_publish_is_repaired(tmp_path):
    out = tmp_path / "out"
    nb_dir = out / "food"
    aside = files.make_owned_dir(nb_dir / ".default.old-0123abcd")
    (aside / "index.html").write_text("last good")
    both = files.make_owned_dir(nb_dir / ".x-1.old-89abcdef")
    files.make_owned_dir(nb_dir / "x-1")
    foreign = nb_dir / ".y.old-00000000"
    foreign.mkdir()
    publish.recover(out)
    assert (nb_dir / "default" / "index.html").read_text() == "last good"
    assert not both.exists() and (nb_dir / "x-1").is_dir()
    assert foreign.is_dir(), "a folder nkecon did not create is left alone"
    page = reports.write_index(out).read_text()
    assert ".old-" not in page


def test_a_failure_is_cleared_by_a_later_success_and_pruned(tiny, tmp_path):
    out = tmp_path / "out"
    nb = nbformat.read(tiny / "tiny.ipynb", as_version=4)
    nb.cells[1].source = "raise RuntimeError('transient')"
    nbformat.write(nb, tiny / "tiny.ipynb")
    first = cli("report", "tiny", "--out", str(out))
    assert first.returncode == 1 and "transient" in (out / "index.html").read_text()
    _notebook(tiny / "tiny.ipynb", TINY)
    second = cli("report", "tiny", "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert "transient" not in (out / "index.html").read_text()
    cli("report", "tiny", "-p", "x=9", "--out", str(out))
    assert "killed by signal" in (out / "index.html").read_text()
    pruned = cli("report", "--prune", "--out", str(out))
    assert pruned.returncode == 0 and "1 entry pruned" in pruned.stdout
    assert "killed by signal" not in (out / "index.html").read_text()
    assert (out / "tiny" / "default" / "index.html").is_file()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


def _wait_for(predicate, limit=120.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_every_worker_and_kernel_and_cleans_up(tiny, tmp_path, sig, code):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("- {wait: 300, x: 1}\n- {wait: 300, x: 2}\n- {wait: 300, x: 3}\n")
    proc = subprocess.Popen([sys.executable, "-m", "nkecon", "report", "tiny", "--params-file", str(sweep),
                             "--out", str(out), "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert _wait_for(lambda: len(list(out.glob(".nkecon-build/*/kernel.pid"))) == 2)
    kernels = [int(p.read_text()) for p in out.glob(".nkecon-build/*/kernel.pid")]
    workers = [int(line.split()[0]) for line in subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)],
                                                                capture_output=True, text=True).stdout.split()]
    assert len(workers) == 2
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "Kernel died" not in stderr
    assert not any(_alive(pid) for pid in kernels + workers), "no orphans"
    assert not (out / ".nkecon-build").exists()
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"nkecon-run-{proc.pid}-*"))


def test_kill_9_of_the_runner_leaves_no_orphans(tiny, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "nkecon", "report", "tiny", "-p", "wait=300", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: len(list(out.glob(".nkecon-build/*/kernel.pid"))) == 1)
    kernel = int(next(out.glob(".nkecon-build/*/kernel.pid")).read_text())
    proc.kill()
    proc.wait()
    assert _wait_for(lambda: not _alive(kernel), limit=30), "the kernel dies with its worker"
    rerun = cli("report", "tiny", "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert not (out / ".nkecon-build").exists()


# ------------------------------------------------------------------- messages and output
def test_outputs_are_sanitised(tmp_path, monkeypatch):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _notebook(nbdir / "evil.ipynb", [
        "text: str = '<script>alert(1)</script>'  # injected text",
        "from IPython.display import HTML, Markdown, Javascript, display\n"
        "display(Markdown('# Hi ' + text))\ndisplay(HTML('<img src=x onerror=alert(2)><b>bold</b>' + text))\n"
        "display(Javascript('alert(3)'))"])
    monkeypatch.setenv("NKECON_NOTEBOOKS_DIR", str(nbdir))
    result = cli("report", "evil", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "evil" / "default" / "index.html").read_text()
    assert "<script" not in page.lower() and "onerror" not in page and "alert(3)" not in page
    assert "<b>bold</b>" in page


def test_quiet_on_a_broken_pipe():
    proc = subprocess.run(f"{sys.executable} -m nkecon report --list | head -c 10", shell=True,
                          capture_output=True, text=True)
    assert proc.stderr == ""


def test_version_and_kernel_install(tmp_path):
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("nkecon ")
    home = tmp_path / "home"
    result = cli("kernel", "install", "--user", env={"HOME": str(home), "JUPYTER_DATA_DIR": str(home / "jd")})
    assert result.returncode == 0, result.stderr
    spec = json.loads((home / "jd" / "kernels" / "nkecon" / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable


def test_notebook_hash_ignores_outputs_and_counts(tmp_path):
    from nkecon.reports.notebooks import load_spec

    src = ROOT / "notebooks" / "food.ipynb"
    copy = tmp_path / "food.ipynb"
    nb = nbformat.read(src, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", text="noise\n")]
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, copy)
    assert load_spec(copy).content_hash == load_spec(src).content_hash
    nb.cells[-1].source += "\n# a real change"
    nbformat.write(nb, copy)
    assert load_spec(copy).content_hash != load_spec(src).content_hash


def test_freshness_covers_library_versions_and_date_defaults(monkeypatch, tmp_path):
    from nkecon.reports import planning as P

    a = P.code_hash()
    real = P.library_versions
    monkeypatch.setattr(P, "library_versions", lambda: {**real(), "pandas": "0.0-other"})
    assert P.code_hash() != a
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _notebook(nbdir / "dated.ipynb", ["until: \"date\" = '2000-01-01'  # last day\n# default: until = today()",
                                      "print(until)"])
    (spec,) = reports.discover(nbdir).values()
    (item,) = reports.plan([("dated", {})], {"dated": spec}, data_dir=SHIPPED)
    assert item.parameters["until"] == __import__("datetime").date.today().isoformat()


def test_a_full_disk_fails_one_report_in_one_line_and_the_next_run_recovers(tiny, tmp_path, monkeypatch):
    """ENOSPC while publishing one report of a sweep: that report fails with one line, the
    others publish, the index is written; once space is back, the next run builds it."""
    import errno

    import importlib

    build_module = importlib.import_module("nkecon.reports.build")  # the module, not the function

    real_publish = build_module.publish

    def full_for_x2(build_dir, final):
        if "x-2-" in str(final):
            raise OSError(errno.ENOSPC, "No space left on device", str(final))
        return real_publish(build_dir, final)

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("- {x: 1}\n- {x: 2}\n- {x: 3}\n")
    out = tmp_path / "out"
    monkeypatch.setattr(build_module, "publish", full_for_x2)
    code, stdout, err = run_main("report", "tiny", "--params-file", str(sweep), "--out", str(out), "--jobs", "1")
    assert code == 1, err
    failed = [line for line in err.splitlines() if "x-2-" in line and "failed" in line]
    assert len(failed) == 1 and "no space left on the device while publishing" in failed[0]
    assert "Traceback" not in err
    built = sorted(p.name for p in (out / "tiny").iterdir())
    assert len(built) == 2 and built[0] == "default" and built[1].startswith("x-3-")  # x=1 is the default
    assert (out / "index.html").is_file()
    assert not list(out.glob(".nkecon-build*")) and not (out / ".build").exists()

    monkeypatch.setattr(build_module, "publish", real_publish)  # space is back
    code, stdout, err = run_main("report", "tiny", "--params-file", str(sweep), "--out", str(out), "--jobs", "1")
    assert code == 0, err
    assert any(p.name.startswith("x-2-") for p in (out / "tiny").iterdir())


def test_a_report_builds_after_the_caller_ran_cells_in_an_in_process_shell(tiny, tmp_path):
    """``nk.explore()`` runs a report's cells in this process's IPython shell; a report built
    afterwards in the same process forks its kernel from here and must not inherit that
    shell (ipykernel refuses a shell of another class, and the kernel died before any cell)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("x = 1")
    try:
        code, _, err = run_main("report", "tiny", "--out", str(tmp_path / "out"), "--jobs", "1")
        assert code == 0, err
        assert "kernel died" not in err
    finally:
        InteractiveShell.clear_instance()
