"""Worker processes: one forked worker per report, at most ``jobs`` at once.

A worker runs in its own session (a Ctrl-C at the terminal reaches only the runner) and is
killed by the kernel if the runner dies, even by ``kill -9``; its kernel likewise dies with
it. A worker that dies fails its own report only. On SIGINT or SIGTERM the runner stops every
worker and kernel, waits for them, and raises :class:`Interrupted`.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .files import read_json
from .worker import Job, run_job

__all__ = ["Interrupted", "run_all", "signal_guard"]


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class signal_guard:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` in the main thread while active."""

    def __enter__(self):
        self._old = {}
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._old[sig] = signal.signal(sig, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        # a second signal during cleanup is ignored: cleanup must finish
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        raise Interrupted(signum)

    def __exit__(self, *exc):
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        return False


def _start(job: Job) -> int:
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            os.setsid()
            from .._kernel import die_with_parent

            die_with_parent(signal.SIGKILL)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            run_job(job)
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"the report worker was killed by signal {sig} ({name})"
    return f"the report worker exited with status {os.WEXITSTATUS(status)} without a result"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().split(b") ")[-1][:1] != b"Z"
    except OSError:
        return True


def _kill_kernel(build_dir: Path) -> None:
    """Make sure the kernel of a stopped worker is gone (it should die with its worker)."""
    try:
        pid = int((build_dir / "kernel.pid").read_text().strip())
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + 3
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session
        except OSError:
            pass


def _stop(running: dict[int, Job]) -> None:
    for pid in running:
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while running and time.monotonic() < deadline:
        for pid in list(running):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                _kill_kernel(Path(running.pop(pid).build_dir))
        time.sleep(0.02)
    for pid, job in list(running.items()):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
        _kill_kernel(Path(job.build_dir))
        running.pop(pid)


def run_all(jobs: list[Job], workers: int, on_done: Callable[[Job, dict[str, Any]], None]) -> None:
    """Run every job, at most ``workers`` at once; call ``on_done(job, outcome)`` as each ends."""
    queue = list(jobs)
    running: dict[int, Job] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                job = queue.pop(0)
                running[_start(job)] = job
            pid, status = os.waitpid(-1, 0)
            job = running.pop(pid, None)
            if job is None:
                continue
            _kill_kernel(Path(job.build_dir))
            outcome = read_json(Path(job.build_dir) / "result.json")
            if outcome is None:
                outcome = {"ok": False, "message": _describe_status(status), "seconds": 0.0}
            on_done(job, outcome)
    except BaseException:
        _stop(running)
        raise
