"""nkecon's benchmarks: report builds and loading against doing it by hand, side by side.

Run with ``make bench``. Every comparison is a ratio of two figures measured in this run on
this machine (each a median of several runs, with min and max), so machine drift cancels.
Prints one table and writes it, with the machine's description, to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PY = sys.executable
NKECON = [str(BIN / "nkecon")]
REPORTS = ("contraction", "sanctions", "food")


def timed(cmd: list[str], *, env=None, check=True) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed


def repeat(fn, n: int) -> list[float]:
    return [fn() for _ in range(n)]


def stats(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


ROWS: list[tuple[str, str, tuple, str, tuple, float, str, bool]] = []


def row(what: str, ours_label: str, ours: list[float], base_label: str, base: list[float],
        target: str, ok: bool, unit: str = "s") -> None:
    o, b = stats(ours), stats(base)
    ratio = o[0] / b[0]
    ROWS.append((what, ours_label, o, base_label, b, ratio, target, ok))
    fmt = (lambda v: f"{v:.3f}") if unit == "s" else (lambda v: f"{v:.0f}")
    print(f"  {what}: {fmt(o[0])} vs {fmt(b[0])} {unit} -> {ratio:.2f}x (target {target}: {'met' if ok else 'NOT met'})",
          flush=True)


def load_script(kind: str) -> list[str]:
    if kind == "nkecon":
        body = ("import time, nkecon as nk\nnk.datasets  # pandas imported, as after `import pandas`\nt = time.perf_counter()\n"
                "for name in nk.DATASETS: nk.load(name)\nprint(time.perf_counter() - t)")
    else:
        body = ("import time, pandas as pd, nkecon as nk\nfiles = [p for p in nk.datasets.data_files() if p.suffix == '.csv']\n"
                "t = time.perf_counter()\nfor f in files: pd.read_csv(f)\nprint(time.perf_counter() - t)")
    return [PY, "-c", body]


def in_process(cmd: list[str]) -> float:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def _by_hand_one(name: str, out: Path) -> list[str]:
    executed = out / f"{name}.ipynb"
    return ["sh", "-c", f"{BIN / 'papermill'} --log-level WARNING -k nkecon {ROOT / 'notebooks' / f'{name}.ipynb'} "
            f"{executed} --cwd {out} && {BIN / 'jupyter'} nbconvert --to html --no-input {executed} >/dev/null 2>&1"]


def usual_way(out: Path) -> float:
    """The default notebooks run as people do: papermill CLI, then nbconvert CLI, one after another."""
    start = time.perf_counter()
    for name in REPORTS:
        timed(_by_hand_one(name, out))
    return time.perf_counter() - start


def usual_way_parallel(out: Path, n: int) -> float:
    """The same by-hand runs, ``n`` at a time (like ``--jobs n``)."""
    start = time.perf_counter()
    queue = list(REPORTS)
    running: list[subprocess.Popen] = []
    while queue or running:
        while queue and len(running) < n:
            running.append(subprocess.Popen(_by_hand_one(queue.pop(0), out), cwd=ROOT,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        running[0].wait()
        if running[0].returncode != 0:
            raise SystemExit("a by-hand benchmark run failed")
        running.pop(0)
    return time.perf_counter() - start


FLOOR = r"""
import json, os, sys, time
os.environ["MPLBACKEND"] = "Agg"
import nbformat
import matplotlib.pyplot, pandas, statsmodels.api, nkecon.analysis, nkecon.plots, nkecon.notebook  # the stack, once
nb = nbformat.read(sys.argv[1], as_version=4)
cells = [c.source for c in nb.cells if c.cell_type == "code"]
out = sys.argv[2]
sweep = json.loads(sys.argv[3])
start = time.perf_counter()
running = 0
for i, params in enumerate(sweep):
    if running == 2:
        os.wait(); running -= 1
    if os.fork() == 0:  # one child per report, two at a time, like --jobs 2
        folder = os.path.join(out, str(i))
        os.makedirs(folder, exist_ok=True)
        os.environ["NKECON_FIGURE_DIR"] = os.environ["NKECON_TABLE_DIR"] = folder
        sys.stdout = open(os.devnull, "w")
        namespace = {}
        exec(cells[0], namespace)
        namespace.update(params)
        if "baseline_end" not in params and "focus_year" in params:
            namespace["baseline_end"] = params["focus_year"] - 1
        for source in cells[1:]:
            exec(source, namespace)
        os._exit(0)
    running += 1
while running:
    os.wait(); running -= 1
print(time.perf_counter() - start)
"""

SWEEP = [{"focus_year": y} for y in range(2018, 2024)] + [{"draws": 2000}, {"arima_order": [2, 0, 0]}]


def no_jupyter_floor(out: Path) -> float:
    """The same 8 contraction analyses as plain Python: the stack imported once, one forked
    child per report running the notebook's code cells, two at a time. Whole process timed."""
    import json

    return timed([PY, "-c", FLOOR, str(ROOT / "notebooks" / "contraction.ipynb"), str(out), json.dumps(SWEEP)])


def memory(out: Path) -> tuple[float, float]:
    code = (
        "import resource, sys\nfrom nkecon.cli import main\n"
        f"rc = main(['report', 'contraction', '--force', '--jobs', '1', '--out', {str(out)!r}])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    res = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    own, kernel = (int(v) / 1024 for v in res.stdout.split()[-2:])
    return own, kernel


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> int:
    quick = "--quick" in sys.argv
    n_fast, n_slow, n_sweep = (3, 1, 1) if quick else (7, 3, 2)
    tmp = Path(tempfile.mkdtemp(prefix="nkecon-bench-"))
    print(f"nkecon benchmarks on {machine()}", flush=True)
    try:
        # 1. import
        ours = repeat(lambda: timed([PY, "-c", "import nkecon"]), n_fast)
        base = repeat(lambda: timed([PY, "-c", "import pandas"]), n_fast)
        row("import nkecon vs import pandas", "import nkecon", ours, "import pandas", base, "<= 1.15x",
            stats(ours)[0] / stats(base)[0] <= 1.15)
        # 2. load and validate everything
        ours = repeat(lambda: in_process(load_script("nkecon")), n_fast)
        base = repeat(lambda: in_process(load_script("pandas")), n_fast)
        row("load + validate all datasets vs pandas.read_csv", "nk.load() of every dataset", ours, "pd.read_csv of every CSV", base,
            "load < 0.1 s", stats(ours)[0] < 0.1)
        # 3. reject a bad parameter: refused by the contract alone
        ours, base = [], []
        for _ in range(n_fast):  # paired, in turn
            ours.append(timed(NKECON + ["report", "contraction", "-p", "no_such=1", "--out", str(tmp / "x")], check=False))
            base.append(timed([PY, "-c", "import pandas"]))
        row("reject a bad parameter vs import pandas", "nkecon report contraction -p no_such=1", ours, "import pandas",
            base, "<= 1.0x", stats(ours)[0] / stats(base)[0] <= 1.0)
        # 4. default set, forced, like against like: one at a time, then N at a time
        out = tmp / "reports"
        jobs = max(2, os.cpu_count() or 1)
        ours = repeat(lambda: timed(NKECON + ["report", "--force", "--jobs", "1", "--out", str(out)]), n_slow)
        base = []
        for i in range(n_slow):
            folder = tmp / f"usual-{i}"
            folder.mkdir()
            base.append(usual_way(folder))
        row("default report set, forced, --jobs 1 vs by-hand CLIs one after another", "nkecon report --jobs 1",
            ours, "papermill then nbconvert, in turn", base, "<= 0.35x", stats(ours)[0] / stats(base)[0] <= 0.35)
        ours = repeat(lambda: timed(NKECON + ["report", "--force", "--jobs", str(jobs), "--out", str(out)]), n_slow)
        base = []
        for i in range(n_slow):
            folder = tmp / f"usual-par-{i}"
            folder.mkdir()
            base.append(usual_way_parallel(folder, jobs))
        row(f"default report set, forced, --jobs {jobs} vs {jobs} by-hand runs in parallel",
            f"nkecon report --jobs {jobs}", ours, f"papermill then nbconvert, {jobs} at a time", base, "<= 0.6x",
            stats(ours)[0] / stats(base)[0] <= 0.6)
        # 5. no-change rebuild: file fingerprints decide before papermill or pandas load
        ours, base = [], []
        for _ in range(n_fast):
            ours.append(timed(NKECON + ["report", "--out", str(out)]))
            base.append(timed([PY, "-c", "import pandas"]))
        row("no-change rebuild vs import pandas", "nkecon report (unchanged)", ours, "import pandas", base,
            "<= 0.8x", stats(ours)[0] / stats(base)[0] <= 0.8)
        # 6. one forced contraction report (target in seconds; the stack's import as the yardstick)
        ours = repeat(lambda: timed(NKECON + ["report", "contraction", "--force", "--out", str(tmp / "one")]), n_slow)
        base = repeat(lambda: timed([PY, "-c", "import matplotlib.pyplot, pandas, statsmodels.api"]), n_slow)
        row("one forced contraction report vs importing pandas, matplotlib, statsmodels", "nkecon report contraction --force",
            ours, "import of the stack", base, "<= 1.5 s", stats(ours)[0] <= 1.5)
        # 7. sweep of 8 with 2 jobs against the no-Jupyter floor
        sweep = tmp / "sweep.yaml"
        sweep.write_text("".join(f"- focus_year: {y}\n" for y in range(2018, 2024))
                         + "- draws: 2000\n- arima_order: [2, 0, 0]\n")
        j2, floor = [], []
        for i in range(n_sweep):
            j2.append(timed(NKECON + ["report", "contraction", "--params-file", str(sweep), "--force",
                                      "--jobs", "2", "--out", str(tmp / "sweep")]))
            floor.append(no_jupyter_floor(tmp / f"floor-{i}"))
        row("sweep of 8 contraction reports, --jobs 2 vs the same analyses without Jupyter", "--jobs 2", j2,
            "plain Python, forked per report, 2 at a time", floor, "<= 2x and <= 10 s",
            stats(j2)[0] / stats(floor)[0] <= 2 and stats(j2)[0] <= 10)
        # 8. memory
        mems = [memory(tmp / "mem") for _ in range(n_slow)]
        own = [m[0] for m in mems]
        kernel = [m[1] for m in mems]
        row("peak RSS: report kernel vs nkecon process", "kernel (contraction)", kernel, "nkecon process", own,
            "kernel < 300 MiB", stats(kernel)[0] < 300, unit="MiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [
        "# nkecon benchmarks", "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} on {machine()}, by `make bench`",
        f"({'quick: fewer repeats' if quick else f'medians of {n_fast} runs for fast rows, {n_slow} for report builds, {n_sweep} for sweeps'}).",
        "Each ratio compares two figures measured in the same run.", "",
        "| what | nkecon | median (min-max) | baseline | median (min-max) | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for what, ol, o, bl, b, ratio, target, ok in ROWS:
        unit = "MiB" if "RSS" in what else "s"
        f = (lambda v: f"{v:.0f}") if unit == "MiB" else (lambda v: f"{v:.3f}")
        lines.append(f"| {what} | {ol} | {f(o[0])} {unit} ({f(o[1])}-{f(o[2])}) | {bl} | {f(b[0])} {unit} "
                     f"({f(b[1])}-{f(b[2])}) | {ratio:.2f}x | {target} | {'yes' if ok else 'no'} |")
    table = "\n".join(lines) + "\n"
    print()
    print(table)
    (ROOT / "benchmarks" / "RESULTS.md").write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
