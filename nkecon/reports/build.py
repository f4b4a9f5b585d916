"""``build``: check the folders, repair, skip what is fresh, run the rest, publish, index."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NkeconError
from .files import BUILD_DIR, OutputError, describe_os_error, make_owned_dir, read_json, remove_owned, safe_path
from .index import write_index
from .changes import changes_since, cited_snapshots, keep_snapshots, prune_snapshots
from .planning import Planned, base_hash, code_hash, data_digests, input_hash
from .pool import run_all
from .publish import clear_failure, failure_of, publish, record_failure, recover
from .worker import Job

log = logging.getLogger("nkecon")

__all__ = ["ReportResult", "LockedError", "build"]


class LockedError(NkeconError):
    """Another ``nkecon report`` holds the lock on the reports folder."""


@dataclass
class ReportResult:
    """What happened to one report."""

    notebook: str
    slug: str
    parameters: dict[str, Any]
    status: str  # "built", "skipped", "failed"
    seconds: float = 0.0
    message: str = ""
    path: Path | None = None
    partial: Path | None = None


def _runtime_dir() -> Path:
    """A short private folder for kernel sockets and connection files (removed at the end;
    one left by a run that was killed is removed by the next run)."""
    base = Path(tempfile.gettempdir())
    for stale in base.glob("nkecon-run-*"):
        try:
            pid = int(stale.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if stale.is_dir() and not stale.is_symlink() and stale.stat().st_uid == os.getuid():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                shutil.rmtree(stale, ignore_errors=True)
            except PermissionError:
                pass
    return Path(tempfile.mkdtemp(prefix=f"nkecon-run-{os.getpid()}-"))


def build(planned: list[Planned], *, out: Path, data_dir: Path, shipped_data: bool,
          jobs: int = 1, force: bool = False, timeout: int = 600, lock_timeout: float = 600,
          on_event: Callable[[str, ReportResult], None] | None = None) -> list[ReportResult]:
    """Build the planned reports into ``out`` (absolute, checked) under a lock."""
    from filelock import FileLock, Timeout

    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(out / ".nkecon-report.lock"))
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise LockedError(f"another `nkecon report` has held the lock {out / '.nkecon-report.lock'} for "
                          f"{lock_timeout:g} s; try again later") from None
    except OSError as exc:
        raise OutputError(f"cannot use the output folder {out}: {describe_os_error(exc, 'creating it')}") from None
    try:
        return _build_locked(planned, out=out, data_dir=data_dir, shipped_data=shipped_data,
                             jobs=jobs, force=force, timeout=timeout, on_event=on_event)
    finally:
        lock.release()


def _build_locked(planned, *, out, data_dir, shipped_data, jobs, force, timeout, on_event):
    emit = on_event or (lambda kind, result: None)
    recover(out)
    results: dict[tuple[str, str], ReportResult] = {}
    todo: list[tuple[Job, ReportResult]] = []
    code = code_hash()
    digests = data_digests(data_dir)

    def fail(result: ReportResult, message: str) -> None:
        result.status, result.message = "failed", message
        log.info("failed %s/%s: %s", result.notebook, result.slug, message)
        emit("failed", result)

    staging = None
    runtime = None
    todo_started = False
    expected: dict[str, float] = {}  # last build's duration per job: the longest start first
    try:
        for item in planned:
            spec = item.spec
            result = ReportResult(spec.name, item.slug, item.parameters, "pending")
            results[(spec.name, item.slug)] = result
            try:
                final = safe_path(out, spec.name, item.slug)
            except OutputError as exc:
                fail(result, str(exc))
                continue
            result.path = final
            if item.error:
                fail(result, item.error)
                continue
            base = base_hash(item, code, data_dir)
            prev = read_json(final / "provenance.json")
            # the datasets it read last time decide; never built (or built before nkecon
            # recorded reads): every dataset counts
            prev_reads = prev.get("data_read") if isinstance(prev, dict) and isinstance(prev.get("data_read"), dict) else None
            inputs = input_hash(base, digests, prev_reads)
            if (not force and prev is not None and prev.get("inputs_hash") == inputs
                    and failure_of(out, spec.name, item.slug) is None
                    and all((final / f).is_file() for f in prev.get("figures", []) if isinstance(f, str))
                    and (final / "index.html").is_file()):
                result.status = "skipped"
                emit("skipped", result)
                continue
            if staging is None:
                staging = safe_path(out, BUILD_DIR)
                staging.mkdir(exist_ok=True)
                (staging / ".nkecon-owned").touch()
                runtime = _runtime_dir()
            build_dir = make_owned_dir(staging / f"{spec.name}-{uuid.uuid4().hex[:10]}")
            job = Job(notebook=spec.name, notebook_path=str(spec.path), title=item.title, slug=item.slug,
                      parameters=item.parameters, changed=item.changed, figures=spec.figures, inputs=base,
                      build_dir=str(build_dir), runtime_dir=str(runtime), data_dir=str(data_dir),
                      shipped_data=shipped_data, timeout=timeout, digests=digests,
                      data_changes=changes_since(prev_reads, digests, data_dir, out))
            todo.append((job, result))
            last = prev.get("timings", {}).get("total_s") if isinstance(prev, dict) and isinstance(prev.get("timings"), dict) else None
            expected[job.build_dir] = float(last) if isinstance(last, (int, float)) else float("inf")

        by_dir = {job.build_dir: result for job, result in todo}

        def finish(job: Job, outcome: dict[str, Any]) -> None:
            result = by_dir[job.build_dir]
            result.seconds = float(outcome.get("seconds") or 0.0)
            build_dir = Path(job.build_dir)
            try:
                if outcome.get("ok"):
                    for scratch in ("kernel.pid", "result.json", "worker.log"):
                        (build_dir / scratch).unlink(missing_ok=True)
                    publish(build_dir, result.path)
                    clear_failure(out, job.notebook, job.slug)
                    prov = read_json(result.path / "provenance.json")
                    if prov is not None and isinstance(prov.get("data_read"), dict):
                        keep_snapshots(out, data_dir, prov["data_read"])
                    result.status = "built"
                    log.info("built %s/%s in %.1f s", job.notebook, job.slug, result.seconds)
                    emit("built", result)
                    return
                message = str(outcome.get("message") or "failed")
                target = record_failure(out, job.notebook, job.slug, build_dir,
                                        {"message": message, "parameters": job.parameters, "title": job.title})
                partial = target / "notebook.ipynb"
                if partial.is_file():
                    result.partial = partial
                    message += f"; partial notebook: {partial}"
                fail(result, message)
            except OSError as exc:
                remove_owned(build_dir)
                fail(result, f"{outcome.get('message') or 'built'}, but {describe_os_error(exc, 'publishing')}")

        if todo:
            # longest first (by each report's last build; never built: first of all), so that
            # with several workers a long report does not start last and run alone
            todo.sort(key=lambda pair: -expected.get(pair[0].build_dir, float("inf")))
            for job, result in todo:
                emit("start", result)
            from .._kernel import warm_up

            todo_started = True

            warm_up()  # once here, instead of in every worker and every kernel
            run_all([job for job, _ in todo], max(1, jobs), finish)
    finally:
        if staging is not None:
            for child in list(staging.iterdir()) if staging.is_dir() else []:
                if child.name != ".nkecon-owned":
                    remove_owned(child)
            remove_owned(staging)
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)
        try:
            if todo_started:
                prune_snapshots(out, cited_snapshots(out))
            write_index(out)
        except OSError as exc:
            log.warning("the index was not rewritten: %s", describe_os_error(exc, "writing index.html"))
    order = {(p.spec.name, p.slug): i for i, p in enumerate(planned)}
    return sorted(results.values(), key=lambda r: order.get((r.notebook, r.slug), 0))
