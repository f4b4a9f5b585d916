"""Kernel managers that always start this environment's Python.

A kernelspec named ``python3`` elsewhere on the machine (a user-wide Jupyter install, say)
can point at another interpreter without nkecon or its dependencies; reports always run on
``sys.executable`` instead. :func:`job_kernel_manager` makes a manager class for one report:
the kernel's environment, working folder and socket folder are settings of that class, not
changes to this process's environment.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

__all__ = ["CurrentPythonKernelManager", "job_kernel_manager", "die_with_parent"]


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class CurrentPythonKernelManager(AsyncKernelManager):
    """Starts ``sys.executable`` as the kernel, talking over private local sockets (IPC)."""

    job_env: dict[str, str] = {}
    job_cwd: str | None = None
    job_runtime: str | None = None
    job_pidfile: str | None = None

    def __init__(self, **kwargs):
        runtime = self.job_runtime or os.environ.get("TMPDIR", "/tmp")
        key = uuid.uuid4().hex[:10]
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(runtime) / f"k-{key}"))
        if self.job_runtime:
            kwargs.setdefault("connection_file", str(Path(runtime) / f"k-{key}.json"))
        super().__init__(**kwargs)

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                      "--HistoryManager.enabled=False"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (nkecon)",
                language="python",
                metadata={"debugger": False},
            )
        return self._kernel_spec

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.job_env or self.job_cwd:
            env = dict(kw.get("env") or os.environ)
            env.update(self.job_env)
            kw["env"] = env
            if self.job_cwd:
                kw["cwd"] = self.job_cwd
            kw["preexec_fn"] = die_with_parent
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid = getattr(self.provisioner, "pid", None)
        if self.job_pidfile and pid:
            Path(self.job_pidfile).write_text(str(pid), encoding="utf-8")


def job_kernel_manager(*, env: dict[str, str], cwd: Path, runtime: Path, pidfile: Path) -> type:
    """A kernel manager class for one report's kernel."""
    return type("JobKernelManager", (CurrentPythonKernelManager,), {
        "job_env": dict(env), "job_cwd": str(cwd), "job_runtime": str(runtime), "job_pidfile": str(pidfile)})
