"""Run one report in its own build folder: execute with papermill, export, check, record.

:func:`run_job` runs in a forked worker process (see :mod:`nkecon.reports.pool`). The kernel
runs in the build folder and gets its settings (data folder, figure folder) through its own
environment. The worker's output, and so the kernel's noise, goes to ``worker.log`` in the
build folder, never to the terminal or the cron log. The outcome is ``result.json``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .files import MARKER, atomic_json

__all__ = ["Job", "run_job", "cell_failure"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Job:
    notebook: str
    notebook_path: str
    title: str
    slug: str
    parameters: dict[str, Any]
    changed: dict[str, Any]
    figures: tuple[str, ...]
    inputs: str
    build_dir: str
    runtime_dir: str
    data_dir: str
    shipped_data: bool
    timeout: int
    digests: dict[str, dict[str, str]] | None = None  # per dataset, sha256 of its rows and metadata
    data_changes: list[dict[str, Any]] | None = None  # since the last build (None: never built)


def _without_slow_imports() -> None:
    # jsonschema builds an IRI grammar at import when rfc3987_syntax is installed (about
    # 1.4 s in every process that imports papermill); the report path never checks IRIs.
    sys.modules.setdefault("rfc3987_syntax", None)


def _engine(holder: dict):
    from papermill.engines import NBClientEngine, papermill_engines

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            holder["nb"] = nb_man.nb
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("nkecon", Engine)
    return "nkecon"


def _tags(cell: Any) -> list:
    return cell.get("metadata", {}).get("tags", []) or []


def _executed_cells(nb: Any) -> list:
    """The executed notebook's cells without the error cells papermill adds after a failure
    (its ``cell_index`` counts cells before those were inserted)."""
    return [c for c in nb.cells if "papermill-error-cell-tag" not in _tags(c)]


def _source_cell_number(cells: list, index: int) -> int:
    """The 1-based number, in the source notebook, of executed cell ``index`` (papermill
    inserts the injected-parameters cell after the parameters cell)."""
    return sum(1 for c in cells[: index + 1] if "injected-parameters" not in _tags(c))


def _failing_line(source: str, traceback: list[str]) -> str:
    """The line of the cell that raised, from IPython's traceback (``Cell In[3], line 2``)."""
    text = _ANSI.sub("", "\n".join(traceback or []))
    m = re.search(r"Cell In\s*\[\d*\],\s*line (\d+)", text)
    lines = source.splitlines()
    if m and 1 <= int(m.group(1)) <= len(lines):
        line = lines[int(m.group(1)) - 1].strip()
    else:
        line = next((x.strip() for x in lines if x.strip() and not x.strip().startswith("#")), "")
    return line if len(line) <= 100 else line[:97] + "..."


def _running_cell(cells: list) -> int | None:
    """The cell that was running when the kernel timed out or died: the last one started."""
    started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def cell_failure(exc: BaseException | None, nb: Any, notebook: str, timeout: int) -> str:
    """One line: which cell failed (numbered as in the source notebook), its failing line, the error."""
    index = getattr(exc, "cell_index", None)
    cells = _executed_cells(nb) if nb is not None else []
    if not isinstance(index, int):
        index = _running_cell(cells)
    name = type(exc).__name__ if exc is not None else "error"
    if isinstance(index, int) and 0 <= index < len(cells):
        cell = cells[index]
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        where = f"cell {_source_cell_number(cells, index)} of {notebook}.ipynb"
        line = _failing_line(source, getattr(exc, "traceback", None) or [])
        where += f" `{line}`" if line else ""
    else:
        where = f"{notebook}.ipynb before any cell ran"
    if "Timeout" in name or "timed out" in str(exc).lower():
        return f"{where} ran longer than the {timeout} s timeout and was stopped"
    if "DeadKernel" in name or "Kernel died" in str(exc):
        return f"{where}: the kernel died (out of memory, or killed)"
    ename = getattr(exc, "ename", None) or name
    evalue = getattr(exc, "evalue", None)
    evalue = str(exc) if evalue is None else str(evalue)
    detail = _ANSI.sub("", evalue).strip().splitlines()
    detail = detail[0][:300] if detail else ""
    return f"{where} raised {ename}: {detail}".rstrip(": ")


def _redirect_output(log_path: Path) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


def run_job(job: Job) -> dict[str, Any]:
    """Execute, export and check one report in its build folder; write ``result.json``."""
    build = Path(job.build_dir)
    _redirect_output(build / "worker.log")
    start = time.perf_counter()
    try:
        outcome = _run(job, build, start)
    except OSError as exc:
        from .files import describe_os_error

        outcome = {"ok": False, "message": describe_os_error(exc, "building the report")}
    except Exception as exc:  # anything else is a bug in a library: one line, details in worker.log
        import traceback

        traceback.print_exc()
        outcome = {"ok": False, "message": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    outcome["seconds"] = round(time.perf_counter() - start, 3)
    atomic_json(build / "result.json", {"nkecon_record": 1, **outcome})
    return outcome


def _run(job: Job, build: Path, start: float) -> dict[str, Any]:
    _without_slow_imports()
    from .._kernel import Prefork

    # the kernel is forked now, before papermill creates any event loop or socket, and is
    # handed its command, environment and folder when papermill starts it
    prefork = Prefork()
    try:
        return _execute(job, build, start, prefork)
    finally:
        prefork.discard()


def _execute(job: Job, build: Path, start: float, prefork: Any) -> dict[str, Any]:
    import logging

    import nbformat
    import papermill as pm

    from .._kernel import job_kernel_manager

    logging.getLogger("papermill").setLevel(logging.WARNING)
    figures_dir = build / "figures"
    figures_dir.mkdir(exist_ok=True)
    nb_out = build / "notebook.ipynb"
    env = {"NKECON_DATA_DIR": job.data_dir, "NKECON_FIGURE_DIR": str(figures_dir),
           "NKECON_TABLE_DIR": str(build / "tables"), "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1",
           "NKECON_READ_LOG": str(build / "reads.jsonl")}
    km = job_kernel_manager(env=env, cwd=build, runtime=Path(job.runtime_dir), pidfile=build / "kernel.pid",
                            prefork=prefork)
    holder: dict[str, Any] = {}
    timings: dict[str, float] = {}
    try:
        nb = pm.execute_notebook(
            job.notebook_path, str(nb_out), parameters=job.parameters, kernel_name="python3", language="python",
            kernel_manager_class=km, progress_bar=False, execution_timeout=job.timeout, cwd=str(build),
            shutdown_kernel="immediate", request_save_on_cell_execute=False, engine_name=_engine(holder),
            log_output=False,
        )
    except Exception as exc:  # papermill's and nbclient's errors become one line
        partial = holder.get("nb")
        if partial is not None and not nb_out.exists():
            nbformat.write(partial, str(nb_out))
        if partial is None and nb_out.exists():
            partial = nbformat.read(str(nb_out), as_version=4)
        return {"ok": False, "message": cell_failure(exc, partial, job.notebook, job.timeout),
                "partial": "notebook.ipynb" if nb_out.exists() else ""}
    timings["execute_s"] = round(time.perf_counter() - start, 3)
    missing = [f for f in job.figures if not (figures_dir / f"{f}.png").is_file()]
    if missing:
        return {"ok": False, "partial": "notebook.ipynb",
                "message": f"declared figure(s) {', '.join(missing)} were not produced"}
    t = time.perf_counter()
    links = {"figures": sorted(f"figures/{p.name}" for p in figures_dir.iterdir() if p.suffix in (".png", ".svg")),
             "tables": sorted(f"tables/{p.name}" for p in (build / "tables").glob("*.csv"))}
    from .export import export_html

    # the page names the data, never a local path (the folder stays in provenance.json)
    data_label = "shipped data" if job.shipped_data else f"a copy of the data ({Path(job.data_dir).name})"
    page = export_html(nb, title=job.title, parameters=job.parameters, data_dir=data_label, links=links,
                       changes=job.data_changes)
    (build / "index.html").write_text(page, encoding="utf-8")
    timings["export_s"] = round(time.perf_counter() - t, 3)
    timings["total_s"] = round(time.perf_counter() - start, 3)
    from .planning import input_hash, library_versions
    from ..notebook import data_hashes, fetch_records

    reads = _reads(build / "reads.jsonl", job.data_dir, job.digests or {})

    provenance = {
        "nkecon_record": 1,
        "notebook": job.notebook,
        "title": job.title,
        "slug": job.slug,
        "parameters": job.parameters,
        "changed": job.changed,
        "inputs_hash": input_hash(job.inputs, job.digests or {}, reads),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "status": "success",
        "figures": [f"figures/{f}.png" for f in job.figures],
        "figure_titles": _figure_titles(figures_dir, job.figures),
        "downloads": links,
        "data_dir": job.data_dir,
        "shipped_data": job.shipped_data,
        "data_files": data_hashes(job.data_dir),
        "data_read": reads,
        "data_changes": job.data_changes,
        "fetched": fetch_records(job.data_dir),
        "versions": library_versions(),
        "timings": timings,
    }
    atomic_json(build / "provenance.json", provenance)
    (build / MARKER).touch()
    return {"ok": True}


def _reads(log: Path, data_dir: str, digests: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """The datasets the report's kernel read (see ``nkecon.datasets``), with the sha256 of
    each one's rows and metadata as they were when the build was planned, and its row count."""
    import csv

    found: dict[str, set[str]] = {}
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
        log.unlink()
    except OSError:
        lines = []
    for line in lines:
        try:
            rec = json.loads(line)
            found.setdefault(str(rec["dataset"]), set()).add(str(rec["read"]))
        except (ValueError, KeyError, TypeError):
            continue
    out = {}
    for name in sorted(found):
        d = digests.get(name, {})
        entry: dict[str, Any] = {"read": sorted(found[name]), "meta_sha256": d.get("meta")}
        if "rows" in found[name]:
            entry["rows_sha256"] = d.get("rows")
            try:
                with open(Path(data_dir) / f"{name}.csv", newline="", encoding="utf-8") as fh:
                    entry["rows"] = max(0, sum(1 for _ in csv.reader(fh)) - 1)
            except (OSError, UnicodeDecodeError, csv.Error):
                pass
        out[name] = entry
    return out


def _figure_titles(folder: Path, figures: tuple[str, ...]) -> dict[str, str]:
    titles = {}
    for f in figures:
        try:
            meta = json.loads((folder / f"{f}.json").read_text(encoding="utf-8"))
            titles[f] = str(meta.get("title") or f)
        except (OSError, ValueError, AttributeError):
            titles[f] = f.replace("_", " ")
    return titles
