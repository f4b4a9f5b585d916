"""`nkecon data fetch` and the validator as an attacker and a power cut would try them.

Every case of issue 19 has a test here: interrupted seeding and writes (a fault injected
between two writes, and a real SIGKILL, SIGTERM or SIGINT of a child process), two fetches at
once, poisoned answers, read-only and full folders (a small tmpfs in a private mount
namespace, where the tests run as root), damaged data folders, and the runner's last holes.
Recorded responses only (respx, and tests/fixtures/fetch/child.py in child processes); no
network, no sleeps: a child that must pause stops itself (SIGSTOP) and is waited for.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nkecon as nk
from nkecon import fetch as F
from nkecon import paths, reports
from nkecon.cli import main
from nkecon.errors import DataError, FetchError, ParameterError
from nkecon.fetch import folder, open_meteo, un_list
from nkecon.reports import files
from nkecon.reports import values as V
from nkecon.reports.expr import DataView
from nkecon.strict import BodyError, loads
from test_fetch import POINTS, TODAY, _ecos, _fixture, _isolated, services  # noqa: F401 (fixtures)

CHILD = Path(__file__).parent / "fixtures" / "fetch" / "child.py"
SHIPPED = paths.shipped_data_dir()
FEW = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
ROOT_ONLY = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("mount") is None,
    reason="read-only and full folders need a private mount namespace (root, unshare, mount)")


def _tree(folder: Path) -> dict[str, str] | None:
    """Every file below ``folder`` by relative path and sha256; None when it does not exist."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(folder: Path) -> list[str]:
    """What a fetch of ``folder`` may leave beside it, other than its lock file."""
    return sorted(p.name for p in folder.parent.iterdir()
                  if p.name.startswith(f".{folder.name}.nkecon-") and not p.name.endswith("nkecon-lock"))


def _one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def _fails_one_line(data_dir, names, match, **kw) -> FetchError:
    before = _tree(Path(data_dir))
    with pytest.raises(FetchError, match=match) as info:
        F.fetch(names, data_dir=data_dir, today=TODAY, weather_points=POINTS, start_year=2019, end_year=2021, **kw)
    assert "\n" not in str(info.value) and len(str(info.value)) < 600
    assert _tree(Path(data_dir)) == before and _leftovers(Path(data_dir)) == []
    return info.value


def _weather_body(edit) -> bytes:
    payload = json.loads(_fixture("open_meteo_archive_era5.json"))
    edit(payload["daily"])
    return json.dumps(payload).encode()


# ------------------------------------------------------ 1 and 3: interrupted seeding and writes


def _child(tmp: Path, *args: str, fault: str = "", exchange: bool = True, wait: bool = True):
    env = {k: v for k, v in os.environ.items() if k not in ("NKECON_DATA_DIR", "NKECON_ECOS_KEY")}
    (tmp / "tmp").mkdir(exist_ok=True)
    env.update(NKECON_CACHE_DIR=str(tmp / "cache"), TMPDIR=str(tmp / "tmp"), NKECON_TEST_FAULT=fault,
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]))
    if not exchange:
        env["NKECON_TEST_NO_EXCHANGE"] = "1"
    cmd = [sys.executable, str(CHILD), "data", "fetch", *args]
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def _un_added() -> bytes:
    """The recorded UN list with KPi.037 renamed KPi.081 (a reference the shipped list does not hold), as tests/fixtures/fetch/child.py serves it."""
    return _fixture("un_consolidated_dprk_excerpt.xml").replace(b"KPi.037", b"KPi.081")


@pytest.mark.parametrize("kind, step, sig, exchange", [
    ("seeded", "stage", "SIGKILL", True),      # issue: SIGKILL after the first seeded file
    ("seeded", "stage", "SIGTERM", True),      # issue: SIGTERM while seeding
    ("existing", "stage", "SIGINT", True),
    ("existing", "swapped", "SIGTERM", True),  # held back until the swap is done
    ("existing", "journal", "SIGKILL", False),
    ("existing", "moved-aside", "SIGKILL", False),  # issue: killed between two writes
    ("existing", "moved-aside", "SIGTERM", False),
])
def test_an_interrupted_fetch_leaves_the_folder_as_before_or_fully_updated(tmp_path, services, kind, step, sig,
                                                                           exchange):
    services["un"].mock(return_value=httpx.Response(200, content=_un_added()))
    target, reference = tmp_path / ("data" if kind == "existing" else "new"), tmp_path / "reference"
    if kind == "existing":
        for folder_ in (target, reference):
            shutil.copytree(SHIPPED, folder_, ignore=shutil.ignore_patterns("__pycache__"))
    before = _tree(target)
    F.fetch(["un_designations"], data_dir=reference)  # what an uninterrupted fetch leaves (and the cache the child reads)
    after = _tree(reference)
    assert after != before
    run = _child(tmp_path, "un_designations", "--data-dir", str(target), fault=f"{step}:{sig}", exchange=exchange)
    expected_code = {"SIGKILL": -9, "SIGTERM": 143, "SIGINT": 130}[sig]
    assert run.returncode == expected_code, run.stderr
    if sig != "SIGKILL":
        assert "interrupted by" in _one_line(run.stderr) and "Traceback" not in run.stderr
        assert _leftovers(target) == []                    # staging removed on the way out
    state = _tree(target)
    if (step, sig) != ("moved-aside", "SIGKILL"):
        assert state in (before, after)                   # never a mixture
    if state == after:
        assert nk.get_metadata("un_designations", data_dir=target).fetched["source"] == "un_designations"
    assert not any((tmp_path / "tmp").iterdir())           # no staging copies in the temp folder
    # the next fetch finishes or undoes what is left, then finds the folder complete
    F.fetch(["un_designations"], data_dir=target)
    assert _tree(target) == after and _leftovers(target) == []
    assert nk.validate(target) == []


@pytest.mark.parametrize("step", ["stage", "journal", "moved-aside", "swapped"])
@pytest.mark.parametrize("exchange", [True, False])
def test_a_fault_between_two_writes_changes_nothing_or_everything(data_copy, services, monkeypatch, step, exchange):
    reference = data_copy.parent / "reference"
    shutil.copytree(data_copy, reference)
    F.fetch(["un_designations"], data_dir=reference, today=TODAY)
    before, after = _tree(data_copy), _tree(reference)

    reached = []

    def fault(point):
        if point == step:
            reached.append(point)
            raise RuntimeError(f"fault injected at {point}")

    monkeypatch.setattr(folder, "_fault", fault)
    monkeypatch.setattr(folder, "USE_EXCHANGE", exchange)
    try:
        F.fetch(["un_designations"], data_dir=data_copy, today=TODAY)
    except RuntimeError:
        assert reached
    else:
        assert not reached  # the exchange takes no journal and moves nothing aside
    done = step == "swapped" or (step == "moved-aside" and not exchange) or not reached
    assert _tree(data_copy) == (after if done else before)
    assert _leftovers(data_copy) == []


# ------------------------------------------------------------------- 2: two fetches at once


def test_a_second_fetch_waits_for_the_lock_and_builds_on_the_first(tmp_path, data_copy, services):
    """A real second process holds the lock (stopped while staging): this fetch is refused
    at once with lock_timeout=0; once the other finishes, this one builds on what it wrote."""
    other = _child(tmp_path, "un_designations", "--data-dir", str(data_copy), fault="stage:SIGSTOP", wait=False)
    try:
        _, status = os.waitpid(other.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        before = _tree(data_copy)
        with pytest.raises(FetchError, match=r"^fetch: another `nkecon data fetch` has held the lock .* for 0 s"):
            F.fetch(["weather"], data_dir=data_copy, today=TODAY, weather_points=POINTS, lock_timeout=0)
        assert _tree(data_copy) == before and services["weather"].call_count == 0
    finally:
        os.kill(other.pid, signal.SIGCONT)
        _, err = other.communicate(timeout=300)
    assert other.returncode == 0, err
    F.fetch(["weather"], data_dir=data_copy, today=TODAY, weather_points=POINTS, start_year=2019, end_year=2021)
    assert nk.validate(data_copy) == []
    sources = set(nk.load_sources(data_dir=data_copy)["source_id"])
    for dataset in ("un_designations", "weather"):
        assert nk.get_metadata(dataset, data_dir=data_copy).fetched["source_id"] in sources


def test_two_fetches_racing_both_land_whole(data_copy, services):
    services["un"].mock(return_value=httpx.Response(200, content=_un_added()))
    results, errors = [], []

    def run(names):
        try:
            results.append(F.fetch(names, data_dir=data_copy, today=TODAY, weather_points=POINTS, start_year=2019,
                                   end_year=2021))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(names,)) for names in (["weather"], ["un_designations"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and all(r.wrote for r in results)
    assert nk.validate(data_copy) == [] and _leftovers(data_copy) == []
    sources = set(nk.load_sources(data_dir=data_copy)["source_id"])
    cited = set(nk.load_un_designations(data_dir=data_copy)["source_id"]) | set(nk.load_weather(data_dir=data_copy)["source_id"])
    assert cited <= sources
    for dataset in ("un_designations", "weather"):
        assert nk.get_metadata(dataset, data_dir=data_copy).fetched


# --------------------------------------------------------------------- 4: impossible values


@pytest.mark.parametrize("value, match", [
    (-50, r"precipitation_sum on 1991-01-01 is -50 mm; expected between 0 and 1000 mm"),
    (1e300, r"precipitation_sum on 1991-01-01 is 1e\+300 mm"),
    (True, r"precipitation_sum on 1991-01-01 is True; expected a number"),
    ("12", r"precipitation_sum on 1991-01-01 is '12'; expected a number"),
    ([1], r"precipitation_sum on 1991-01-01 is \[1\]; expected a number"),
])
def test_impossible_or_mistyped_daily_values_are_refused(data_copy, services, value, match):
    def edit(daily):
        daily["precipitation_sum"] = [value] * len(daily["precipitation_sum"])

    services["weather"].mock(return_value=httpx.Response(200, content=_weather_body(edit)))
    _fails_one_line(data_copy, ["weather"], r"^weather: .*point 'A': " + match)


@pytest.mark.parametrize("raw, match", [
    (b"1" + b"0" * 400, "has 401 digits"),           # 10**400
    (b"1e400", "overflows"),
    (b"NaN", "not a number JSON allows"),
])
def test_numbers_json_lets_through_are_refused(data_copy, services, raw, match):
    body = _fixture("open_meteo_archive_era5.json").replace(b'"precipitation_sum":[', b'"precipitation_sum":[' + raw + b",", 1)
    services["weather"].mock(return_value=httpx.Response(200, content=body))
    _fails_one_line(data_copy, ["weather"], rf"^weather: malformed response for point 'A': .*{match}")


@FEW
@given(value=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1000.001), st.booleans(), st.text(max_size=5),
                       st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
                       st.integers(min_value=1001)),
       day=st.integers(0, 11322))
def test_any_poisoned_day_is_refused_naming_the_point_and_date(value, day):
    payload = json.loads(_fixture("open_meteo_archive_era5.json"))
    payload["daily"]["precipitation_sum"][day] = value
    try:
        body = json.dumps(payload, allow_nan=True).encode()
    except ValueError:
        return
    with pytest.raises(FetchError) as info:
        open_meteo.parse(body, "A", 1991, 2021)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400 and message.startswith("weather: ")
    assert "'A'" in message


@pytest.mark.parametrize("digits", ["١٠٠٠", "-٤.٥", "1_5", "４.５", "nan", "inf", "", "1e9999"])
def test_ecos_figures_must_be_ascii_numbers(data_copy, services, monkeypatch, digits):
    monkeypatch.setenv("NKECON_ECOS_KEY", "test-key")

    def poisoned(request, key, item):
        def edit(rows):
            rows[-1]["DATA_VALUE"] = digits
        return httpx.Response(200, content=_ecos(item, edit))

    services["ecos"].mock(side_effect=poisoned)
    _fails_one_line(data_copy, ["bok_gdp"], r"^bok_gdp: malformed response for item 1010400: DATA_VALUE of 2025 is")


def test_a_list_naming_one_reference_twice_is_refused(data_copy, services):
    body = _fixture("un_consolidated_dprk_excerpt.xml").replace(b"KPi.037", b"KPi.033")
    services["un"].mock(return_value=httpx.Response(200, content=body))
    _fails_one_line(data_copy, ["un_designations"], r"^un_designations: the answer lists un_designations \(KPi\.033\) twice")


def test_ecos_naming_one_year_twice_is_refused(data_copy, services, monkeypatch):
    monkeypatch.setenv("NKECON_ECOS_KEY", "test-key")

    def twice(request, key, item):
        return httpx.Response(200, content=_ecos(item, lambda rows: rows.append(dict(rows[-1]))))

    services["ecos"].mock(side_effect=twice)
    _fails_one_line(data_copy, ["bok_gdp"], r"^bok_gdp: .*year 2025 appears twice")


@pytest.mark.parametrize("row, match", [
    ("2020,2020,1,12,,,precipitation_mm,annual,era5_reanalysis,,,-18263,,derived,{sid},x", "expected between 0 and 4000 mm where measure=precipitation_mm, season=annual"),
    ("2020,2020,6,8,,,precipitation_mm,jja,era5_reanalysis,,,3500.5,,derived,{sid},x", "expected between 0 and 3000 mm"),
    ("2020,2020,1,12,,,mean_temperature_c,annual,era5_reanalysis,,,80,,derived,{sid},x", "expected between -10 and 25 °C"),
    ("2020,2020,6,8,,,precipitation_pct_of_normal,jja,era5_reanalysis,,,-3,1991-2020,derived,{sid},x", "expected between 0 and 500 %"),
    ("2020,2020,6,8,,,temperature_anomaly_c,jja,era5_reanalysis,,,45,1991-2020,derived,{sid},x", "expected between -10 and 10 °C"),
])
def test_the_schema_knows_each_measures_plausible_range(data_copy, row, match):
    sid = nk.load_weather()["source_id"].iloc[0]
    with (data_copy / "weather.csv").open("a", encoding="utf-8") as fh:
        fh.write(row.format(sid=sid) + "\n")
    problems = nk.validate(data_copy)
    assert len(problems) == 1 and "weather.csv" in str(problems[0]) and match in str(problems[0])
    assert problems[0].column == "value"
    with pytest.raises(DataError):
        nk.load_weather(data_dir=data_copy)


def test_shares_and_other_bounded_measures_are_declared():
    package = json.loads((SHIPPED / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        for f in res["schema"]["fields"]:
            if f["name"].endswith("share_pct"):
                assert f["constraints"]["minimum"] == 0 and f["constraints"]["maximum"] == 100
    weather = next(r for r in package["resources"] if r["name"] == "weather")
    measures = {r["when"]["measure"] for r in weather["nkecon:ranges"]}
    assert measures == set(next(f for f in weather["schema"]["fields"] if f["name"] == "measure")["constraints"]["enum"])


# ---------------------------------------------------------------- 5: one line for each failure


@pytest.mark.parametrize("route, name, env", [("weather", "weather", {}), ("ecos", "bok_gdp", {"NKECON_ECOS_KEY": "k"})])
@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_answers_are_one_line(data_copy, services, monkeypatch, route, name, env, depth):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    body = b"[" * depth + b"]" * depth
    services[route].mock(return_value=httpx.Response(200, content=body))
    _fails_one_line(data_copy, [name], rf"^{name}: malformed response .*nests {depth} levels deep")


@FEW
@given(doc=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
                        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
                        max_leaves=20))
def test_strict_json_gives_back_what_it_accepts(doc):
    text = json.dumps(doc)
    try:
        assert loads(text.encode()) == doc
    except BodyError as exc:
        assert "NaN" in text or "Infinity" in text, exc


@pytest.mark.parametrize("body, match", [
    (b'{"a": 1, "a": 2}', "key 'a' appears twice"),
    (b'\xff\xfe{}', "not UTF-8"),
    (b'{"a": -Infinity}', "not a number JSON allows"),
])
def test_strict_json_refuses(body, match):
    with pytest.raises(BodyError, match=match):
        loads(body)


def test_a_data_dir_that_is_a_file_is_one_line(tmp_path, services, capsys):
    target = tmp_path / "file"
    target.write_text("not a folder")
    assert main(["data", "fetch", "un_designations", "--data-dir", str(target)]) == 1
    assert "is a file; expected a folder" in _one_line(capsys.readouterr().err)
    assert main(["data", "fetch", "un_designations", "--data-dir", str(target / "below")]) == 1
    assert "which is a file" in _one_line(capsys.readouterr().err)
    assert services["un"].call_count == 0


@pytest.mark.parametrize("damage", ["truncated", "deep", "repeated key"])
def test_an_invalid_target_says_so_before_it_fetches(data_copy, services, damage):
    package = data_copy / "datapackage.json"
    text = package.read_text(encoding="utf-8")
    package.write_text({"truncated": text[: len(text) // 2],
                        "deep": '{"resources": ' + "[" * 5000 + "]" * 5000 + "}",
                        "repeated key": '{"resources": [], "resources": []}'}[damage], encoding="utf-8")
    err = _fails_one_line(data_copy, ["un_designations"], r"^fetch: the data folder .* is not valid, so nothing is fetched")
    assert "datapackage.json" in str(err) and services["un"].call_count == 0


def _private_mount(tmp: Path, script: str) -> subprocess.CompletedProcess:
    """Run a shell ``script`` in a private mount namespace; ``$M`` is a fresh mount point."""
    mount = tmp / "mnt"
    mount.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NKECON_DATA_DIR", "NKECON_ECOS_KEY")}
    env.update(M=str(mount), PY=sys.executable, CHILD=str(CHILD), DATA=str(SHIPPED), NKECON_CACHE_DIR=str(tmp / "cache"),
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    return subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-ec", script], env=env,
                          capture_output=True, text=True, timeout=300)


SNAPSHOT = ('import hashlib, json, pathlib, sys; p = pathlib.Path(sys.argv[1]); '
            'print(json.dumps({str(f.relative_to(p)): hashlib.sha256(f.read_bytes()).hexdigest() '
            'for f in sorted(p.rglob("*")) if f.is_file()}))')


@ROOT_ONLY
@pytest.mark.parametrize("kind, expect", [
    ("read-only", "the file system is read-only"),
    ("full", "no space left on the device"),
])
def test_read_only_and_full_folders_are_one_line_and_unchanged(tmp_path, kind, expect):
    prepare = {"read-only": 'mount -o remount,ro "$M"',
               "full": 'dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null || true'}[kind]
    script = f'''
mount -t tmpfs -o size=2m tmpfs "$M"
cp -r "$DATA" "$M/data"; rm -rf "$M/data/__pycache__"
{prepare}
"$PY" -c '{SNAPSHOT}' "$M/data"
set +e; "$PY" "$CHILD" data fetch un_designations --data-dir "$M/data" 2>"$M/../err"; echo "exit $?"; set -e
"$PY" -c '{SNAPSHOT}' "$M/data"
ls -a "$M"
'''
    run = _private_mount(tmp_path, script)
    assert run.returncode == 0, run.stderr
    before, code, after, listing = run.stdout.strip().split("\n", 3)
    assert code == "exit 1", (run.stdout, (tmp_path / "err").read_text())
    line = _one_line((tmp_path / "err").read_text())
    assert line.startswith("nkecon: error: fetch: cannot use the data folder") and expect in line
    assert json.loads(before) == json.loads(after)
    assert not [n for n in listing.split() if ".nkecon-stage" in n or ".nkecon-old" in n]


@pytest.fixture(scope="module")
def dates_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dates") / "data"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@settings(FEW, max_examples=8)
@given(when=st.one_of(st.dates(min_value=date(2262, 4, 12)), st.dates(max_value=date(1677, 9, 21))))
def test_any_date_pandas_cannot_hold_is_one_line(dates_folder, when):
    folder = dates_folder
    path = folder / "events.csv"
    lines = (SHIPPED / "events.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[1].split(",")
    cells[head.index("start_date")] = f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = nk.validate(folder)
    assert problems and "events.csv, line 2, column 'start_date'" in str(problems[0])
    assert "expected a date between 1677-09-22 and 2262-04-11" in str(problems[0])
    with pytest.raises(DataError):
        nk.load_events(data_dir=folder)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["data", "list", "--data-dir", str(folder)]) == 1
    _one_line(err.getvalue())


def test_as_of_beyond_what_pandas_holds_is_one_line():
    with pytest.raises(ParameterError, match=r"`as_of` must be a date between 1677-09-22 and 2262-04-11"):
        nk.load_gdp(as_of="3000-01-01")
    assert nk.load_gdp(as_of=date.today() + timedelta(days=365)).equals(nk.load_gdp())


@pytest.mark.parametrize("key, value, match", [
    ("sources", {"path": "x"}, "'sources' must be a list of objects"),
    ("sources", [{"path": 3}], "'sources' entries must give title, path as text"),
    ("licenses", "CC BY", "'licenses' must be a list of objects"),
    ("nkecon:fetched", ["url"], "'nkecon:fetched' must be an object"),
    ("path", "other.csv", "'path' is 'other.csv'; nkecon reads weather.csv"),
    ("title", ["a"], "metadata field 'title' ('title') is missing or empty"),
])
def test_wrong_shaped_metadata_is_one_line(data_copy, key, value, match):
    package = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in package["resources"] if r["name"] == "weather")[key] = value
    (data_copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    problems = nk.validate(data_copy)
    assert any(match in str(p) for p in problems), problems
    with pytest.raises(DataError, match=match.replace("(", r"\(").replace(")", r"\)").replace("'", "'")):
        nk.get_metadata("weather", data_dir=data_copy)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["data", "list", "--data-dir", str(data_copy)]) == 1
    _one_line(err.getvalue())


@pytest.mark.parametrize("text, match", [
    ('{"resources": [' + "[" * 3000 + "]" * 3000 + "]}", "nests"),
    ('{"resources": [], "resources": []}', "key 'resources' appears twice"),
])
def test_deep_or_repeated_datapackage_json_is_one_line(data_copy, text, match):
    (data_copy / "datapackage.json").write_text(text, encoding="utf-8")
    problems = nk.validate(data_copy)
    assert len(problems) == 1 and match in str(problems[0]) and "datapackage.json" in str(problems[0])


# ------------------------------------------------------------------------- 6: the runner


def test_a_users_own_build_folder_is_never_adopted_or_deleted(tmp_path, capsys):
    out = tmp_path / "out"
    mine = out / files.BUILD_DIR / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine")
    with pytest.raises(ParameterError, match="was not created by nkecon"):
        files.check_out_dir(out)
    assert main(["report", "relief", "--out", str(out)]) == 2
    assert "was not created by nkecon" in _one_line(capsys.readouterr().err)
    assert mine.read_text() == "mine" and not (mine.parent / files.MARKER).exists()


def test_a_full_disk_while_creating_a_build_folder_is_one_line(tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(files.OutputError, match="no space left on the device") as info:
        files.make_owned_dir(tmp_path / "b")
    assert "\n" not in str(info.value) and not (tmp_path / "b").exists()


@ROOT_ONLY
def test_a_report_into_an_output_disk_with_no_byte_free_is_one_line(tmp_path):
    script = '''
mount -t tmpfs -o size=256k tmpfs "$M"
dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null || true
set +e; "$PY" -m nkecon report relief --out "$M/out"; echo "exit $?"
'''
    run = _private_mount(tmp_path, script)
    assert run.stdout.strip().splitlines()[-1] == "exit 1", run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "no space left on the device" in errors[0]


@pytest.mark.parametrize("type_name, text", [("float", "1_5"), ("int", "1_5"), ("int", "２０１９"), ("float", "١٠٠٠"),
                                             ("float", "٣.٥"), ("date", "２０２０-０１-３１"), ("month", "２０１９-０１")])
def test_report_parameters_refuse_what_the_data_validator_refuses(type_name, text):
    with pytest.raises(ParameterError, match="was passed"):
        V.from_text(type_name, text, "The value for `x`")


@pytest.fixture(scope="module")
def specs():
    return reports.discover(paths.notebooks_dir())


def test_measures_is_a_set(specs):
    data = DataView(SHIPPED)
    relief = specs["relief"]
    a = reports.resolve(relief.params, relief.rules, "relief", {"measures": "[luxury, metals]"}, data)
    b = reports.resolve(relief.params, relief.rules, "relief", {"measures": "[metals, luxury]"}, data)
    assert a == b and a["measures"] == ["metals", "luxury"]
    with pytest.raises(ParameterError, match="names an item twice"):
        reports.resolve(relief.params, relief.rules, "relief", {"measures": "[metals, metals]"}, data)
    with pytest.raises(ParameterError, match="must hold items among minerals, metals, petroleum, luxury") as info:
        reports.resolve(relief.params, relief.rules, "relief", {"measures": "[" + ", ".join(["gold"] * 9000) + "]"}, data)
    assert len(str(info.value)) < 400


def test_as_of_may_be_any_date_up_to_today(specs):
    contraction = specs["contraction"]
    today = date.today().isoformat()
    resolved = reports.resolve(contraction.params, contraction.rules, "contraction", {"as_of": today}, DataView(SHIPPED))
    assert resolved["as_of"] == today


def test_a_rule_echoing_a_huge_value_is_cut(specs):
    relief = specs["relief"]
    long = "[" + ", ".join(["metals"] * 9000) + "]"
    with pytest.raises(ParameterError) as info:
        reports.resolve(relief.params, relief.rules, "relief", {"measures": long}, DataView(SHIPPED))
    assert len(str(info.value)) < 500


def test_a_key_twice_in_a_params_file_is_refused():
    with pytest.raises(ParameterError, match="gives the key 'focus_year' twice in one mapping \\(line 2\\)"):
        V.compose_yaml("focus_year: 2019\nfocus_year: 2020\n", "The parameters file 'p.yaml'")


def test_a_misnamed_report_notebook_is_named_in_a_warning(tmp_path, caplog):
    shutil.copy(paths.notebooks_dir() / "relief.ipynb", tmp_path / "Relief-2.ipynb")
    with caplog.at_level(logging.WARNING, logger="nkecon"):
        assert reports.discover(tmp_path) == {}
    assert "Relief-2.ipynb" in caplog.text and "relief_2.ipynb" in caplog.text


# ------------------------------------------------------------------------------ 7: minor


def test_an_answer_above_the_size_cap_is_refused(data_copy, services, monkeypatch):
    monkeypatch.setattr(un_list, "MAX_BYTES", 1000)
    _fails_one_line(data_copy, ["un_designations"], r"^un_designations: the answer from scsanctions\.un\.org is "
                                                    r"larger than 0\.001 MB")
    assert not any((paths.cache_dir()).rglob("*.raw"))


@pytest.mark.parametrize("damage", ["future", "body", "record"])
def test_a_cache_entry_is_used_only_when_its_record_vouches_for_it(data_copy, services, caplog, damage):
    F.fetch(["un_designations"], data_dir=data_copy, today=TODAY)
    assert services["un"].call_count == 1
    (raw,) = paths.cache_dir().rglob("*.raw")
    record_path = raw.with_suffix(".json")
    record = json.loads(record_path.read_text())
    if damage == "future":
        record["time"] = "2100-01-01T00:00:00+00:00"
        record_path.write_text(json.dumps(record))
    elif damage == "body":
        raw.write_bytes(raw.read_bytes().replace(b"KPi.037", b"KPi.099"))
    else:
        record_path.write_text('{"nkecon_cache": 1, "url": ')
    with caplog.at_level(logging.INFO, logger="nkecon"):
        F.fetch(["un_designations"], data_dir=data_copy, today=TODAY)
    assert services["un"].call_count == 2
    assert "ignoring the cache entry" in caplog.text
    assert nk.validate(data_copy) == []
