"""Warm kernels, the no-change path and rebuilds that know their data, on the real notebooks."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape

import nkecon as nk
from nkecon import paths

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
HEAVY = ("pandas", "numpy", "papermill", "nbclient", "nbconvert", "matplotlib", "statsmodels")


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "nkecon", *args], capture_output=True, text=True, env=env,
                          timeout=900)


def _env(data_dir=None):
    env = {k: v for k, v in os.environ.items() if k not in ("NKECON_DATA_DIR", "NKECON_NOTEBOOKS_DIR")}
    if data_dir is not None:
        env["NKECON_DATA_DIR"] = str(data_dir)
    return env


def _imports_after(argv, env=None):
    """The exit status and the heavy modules imported by ``nkecon`` run in a fresh process."""
    code = ("import sys\nfrom nkecon.cli import main\nrc = main(%r)\n"
            "print(rc, sorted(m for m in %r if m in sys.modules))" % (list(argv), HEAVY))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env or _env(), timeout=300)
    rc, _, mods = res.stdout.strip().splitlines()[-1].partition(" ")
    return int(rc), json.loads(mods.replace("'", '"')), res


# ------------------------------------------------------------------ refused by the contract alone
def test_an_undeclared_parameter_is_refused_without_papermill_or_pandas(tmp_path):
    rc, heavy, res = _imports_after(["report", "contraction", "-p", "no_such=1", "--out", str(tmp_path / "out")])
    assert rc == 2 and heavy == []
    assert "has no parameter 'no_such'; its parameters are: focus_year, baseline_start" in res.stdout + res.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ warm kernels
CHECK = ["label: str = 'a'  # a label",
         "import json, os, sys\n"
         "print(json.dumps({'pid': os.getpid(), 'warm': 'statsmodels.tsa.arima.model' in sys.modules,\n"
         "                  'names': sorted(k for k in globals() if not k.startswith('_')),\n"
         "                  'cwd': os.getcwd(), 'figures': os.environ.get('NKECON_FIGURE_DIR', ''),\n"
         "                  'path0': sys.path[0], 'main': sys.modules['__main__'].__name__}))"]


def _check_notebook(folder):
    nb = nbformat.v4.new_notebook()
    nb.metadata["nkecon"] = {"report": True, "title": "check", "figures": []}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CHECK]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, folder / "check.ipynb")
    return folder / "check.ipynb"


def _printed(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    return json.loads(nb.cells[-1].outputs[0]["text"])


def test_each_report_gets_a_fresh_warm_kernel_of_its_own(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _check_notebook(nbdir)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("- label: a\n- label: b\n- label: c\n")
    env = {**_env(), "NKECON_NOTEBOOKS_DIR": str(nbdir)}
    res = _cli("report", "check", "--params-file", str(sweep), "--jobs", "2", "--out", str(tmp_path / "out"), env=env)
    assert res.returncode == 0, res.stderr
    seen = [_printed(p) for p in sorted((tmp_path / "out" / "check").glob("*/notebook.ipynb"))]
    assert len(seen) == 3
    assert len({s["pid"] for s in seen}) == 3, "one kernel process per report"
    assert all(s["warm"] for s in seen), "the stack arrives imported"
    # what the notebook sees is what a kernel papermill starts itself sees: the same names (and
    # none of the runner's), '' first on sys.path, a __main__ of its own; its build folder
    import papermill as pm

    plain = tmp_path / "plain"
    plain.mkdir()
    pm.execute_notebook(str(nbdir / "check.ipynb"), str(plain / "out.ipynb"), parameters={"label": "b"},
                        kernel_name="nkecon", language="python", cwd=str(plain), progress_bar=False)
    usual = _printed(plain / "out.ipynb")
    assert "label" in usual["names"] and "main" not in usual["names"]
    for s in seen:
        assert (s["names"], s["path0"], s["main"]) == (usual["names"], usual["path0"], usual["main"])
        assert s["cwd"] == str(Path(s["figures"]).parent)


def _shape(path):
    nb = nbformat.read(path, as_version=4)
    cells = []
    for c in nb.cells:
        outs = []
        for o in c.get("outputs", []):
            item = [o.output_type, o.get("name"), o.get("text")]
            if "data" in o:
                item += [sorted(o.data), o.data.get("text/html")]
                if "image/png" not in o.data:
                    item.append(o.data.get("text/plain"))
            outs.append(item)
        cells.append([c.cell_type, c.source, c.metadata.get("tags"), c.get("execution_count"), outs])
    return cells, nb.metadata.get("language_info"), sorted(nb.metadata.get("papermill", {}))


@pytest.mark.parametrize("name", ["contraction", "food"])
def test_a_warm_kernel_produces_what_papermill_alone_produces(tmp_path, name):
    import papermill as pm

    out = tmp_path / "out"
    res = _cli("report", name, "--force", "--out", str(out), env=_env())
    assert res.returncode == 0, res.stderr
    built = out / name / "default" / "notebook.ipynb"
    params = json.loads((out / name / "default" / "provenance.json").read_text())["parameters"]
    plain = tmp_path / "plain"
    plain.mkdir()
    os.environ.pop("NKECON_DATA_DIR", None)
    # the report's environment, as the runner gives it: where charts and tables are saved
    saved = {k: os.environ.get(k) for k in ("NKECON_FIGURE_DIR", "NKECON_TABLE_DIR")}
    for key, sub in (("NKECON_FIGURE_DIR", "figures"), ("NKECON_TABLE_DIR", "tables")):
        (plain / sub).mkdir()
        os.environ[key] = str(plain / sub)
    try:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(plain / "out.ipynb"), parameters=params,
                            kernel_name="nkecon", cwd=str(plain), progress_bar=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert _shape(built) == _shape(plain / "out.ipynb")


# ------------------------------------------------------------------ the no-change path
@pytest.fixture(scope="module")
def food_built(tmp_path_factory):
    out = tmp_path_factory.mktemp("food-out")
    data = tmp_path_factory.mktemp("food-data") / "data"
    shutil.copytree(paths.shipped_data_dir(), data)
    res = _cli("report", "food", "--out", str(out), env=_env(data))
    assert res.returncode == 0, res.stderr
    return out, data


def test_nothing_changed_decides_before_papermill_or_pandas(food_built):
    out, data = food_built
    rc, heavy, res = _imports_after(["report", "food", "--out", str(out)], env=_env(data))
    assert rc == 0 and heavy == [] and "0 built, 1 unchanged" in res.stdout
    # touched, same contents: hashed again, still unchanged, still light
    os.utime(data / "food.csv")
    rc, heavy, res = _imports_after(["report", "food", "--out", str(out)], env=_env(data))
    assert rc == 0 and heavy == [] and "0 built, 1 unchanged" in res.stdout
    # a dataset the report does not read changed: the full path decides, and skips it
    _change_one_figure(data, "weather")
    rc, heavy, res = _imports_after(["report", "food", "--out", str(out)], env=_env(data))
    assert rc == 0 and "pandas" in heavy and "0 built, 1 unchanged" in res.stdout


# ------------------------------------------------------------------ rebuilds that know their data
def _key_columns():
    package = json.loads((paths.shipped_data_dir() / "datapackage.json").read_text())
    out = {}
    for res in package["resources"]:
        fields = res["schema"]["fields"]
        pk = res["schema"].get("primaryKey") or []
        out[res["name"]] = ([pk] if isinstance(pk, str) else pk, fields)
    return out


def _change_one_figure(folder, name):
    """Change one value of ``name`` so that the data folder stays valid: a number where the
    dataset has one (a figure), else a text field such as a title; returns (column, old, new)."""
    key, fields = _key_columns()[name]
    path = folder / f"{name}.csv"
    original = path.read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(original)))
    integer = {f["name"] for f in fields if f.get("type") == "integer"}
    numeric = [f["name"] for f in fields if f.get("type") in ("number", "integer") and f["name"] not in key
               and f["name"] != "year"]
    text = [f["name"] for f in fields if f.get("type") == "string" and f["name"] not in key and f["name"] not in
            ("source_id", "source_ids", "url")]
    for column in numeric + text:
        col = header.index(column)
        for row in reversed(rows):
            old = row[col]
            if not old:
                continue
            if column in integer:
                new = str(int(old) + 1)
            elif column in numeric:
                new = f"{float(old) * 1.01:.4g}"
            else:
                new = old + " (revised)"
            if new == old:
                continue
            row[col] = new
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows([header, *rows])
            path.write_text(buf.getvalue(), encoding="utf-8")
            nk.datasets._FRAME_CACHE.clear()
            if not nk.validate(folder):
                return column, old, new
            row[col] = old
            path.write_text(original, encoding="utf-8")
    raise AssertionError(f"no value of {name} can change and keep the data valid")


def test_a_changed_figure_rebuilds_exactly_the_reports_that_read_it(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.shipped_data_dir(), data)
    out = tmp_path / "out"
    res = _cli("report", "--out", str(out), "--jobs", "2", env=_env(data))
    assert res.returncode == 0, res.stderr
    folders = {p.parent.parent.name: p.parent for p in out.glob("*/*/provenance.json")}
    reads = {}
    for report, folder in folders.items():
        prov = json.loads((folder / "provenance.json").read_text())
        assert prov["data_changes"] is None, "a first build has nothing to compare with"
        reads[report] = {n for n, r in prov["data_read"].items() if "rows" in r["read"]}
    # what each report reads, as its notebook says
    # (every report reads sources: each chart's and table's download names the sources it cites)
    assert reads["food"] == {"food", "events", "sources"}
    # the contraction's weather shock is the harvest against trend, so it reads food too
    assert "un_designations" not in reads["contraction"]
    assert {"sectors", "food", "trade", "product_bans", "gdp_releases"} <= reads["contraction"]
    assert "un_designations" in reads["sanctions"] and "luxury_imports" in reads["relief"]
    for name in nk.DATASETS:
        readers = {r for r, names in reads.items() if name in names}
        assert readers, f"no report reads {name}"
        column, old, new = _change_one_figure(data, name)
        res = _cli("report", "--out", str(out), "--jobs", "2", env=_env(data))
        assert res.returncode == 0, res.stderr
        rebuilt = {line.split()[3].split("/")[0] for line in res.stderr.splitlines() if " built " in line}
        assert rebuilt == readers, f"{name}.csv changed ({column} {old} -> {new}): rebuilt {rebuilt}, read by {readers}"
        index = (out / "index.html").read_text()
        for report in readers:
            prov = json.loads((folders[report] / "provenance.json").read_text())
            (change,) = prov["data_changes"]
            assert change["dataset"] == name and change["rows_changed"] == 1
            assert change["changed"][0]["values"] == [{"column": column, "old": old, "new": new}]
            page = (folders[report] / "index.html").read_text()
            assert f"<code>{column}</code> {escape(old)} &rarr; {escape(new)}" in page
        assert f"{column} {escape(old)} &rarr; {escape(new)}" in index, f"the index does not name {name}'s change"
