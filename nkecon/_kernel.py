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
    job_prefork: "Prefork | None" = None

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
        if self.job_prefork is not None and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = _fork_provisioner()(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            self.provisioner.prefork = self.job_prefork
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid = getattr(self.provisioner, "pid", None)
        if self.job_pidfile and pid:
            Path(self.job_pidfile).write_text(str(pid), encoding="utf-8")


def job_kernel_manager(*, env: dict[str, str], cwd: Path, runtime: Path, pidfile: Path,
                       prefork: "Prefork | None" = None) -> type:
    """A kernel manager class for one report's kernel (started from ``prefork`` if given)."""
    return type("JobKernelManager", (CurrentPythonKernelManager,), {
        "job_env": dict(env), "job_cwd": str(cwd), "job_runtime": str(runtime), "job_pidfile": str(pidfile),
        "job_prefork": prefork})


def _fork_provisioner() -> type:
    """jupyter_client's local provisioner, launching the kernel from a :class:`Prefork`."""
    from jupyter_client.launcher import launch_kernel
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        prefork = None

        async def launch_kernel(self, cmd, **kwargs):
            scrubbed = LocalProvisioner._scrub_kwargs(kwargs)
            env = dict(scrubbed.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
            process = self.prefork.launch([os.path.expanduser(c) for c in cmd], env, scrubbed.get("cwd"))
            if process is None:  # not an ipykernel command: start it the usual way
                self.prefork.discard()
                process = launch_kernel(cmd, **scrubbed)
            self.process = process
            self.pid = self.pgid = process.pid
            return self.connection_info

    return ForkProvisioner


# ----------------------------------------------------------------------------- warm kernels
#: What a report's kernel imports (the stack and nkecon) and what a report worker imports
#: (papermill, nbclient, the HTML export). :func:`warm_up` imports them once in the runner,
#: so that every worker and every kernel forked from it arrives with them imported.
KERNEL_MODULES = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "scipy.stats",
                  "statsmodels.regression.linear_model", "statsmodels.tsa.arima.model", "statsmodels.tsa.statespace.sarimax", "nkecon.datasets",
                  "nkecon.analysis", "nkecon.plots", "nkecon.relief", "nkecon.notebook", "IPython",
                  "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython.display",
                  "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg", "PIL.PngImagePlugin")
WORKER_MODULES = ("nbformat", "papermill", "papermill.engines", "nbclient", "nbconvert", "nh3", "jinja2",
                  "nkecon.reports.export")


def warm_up() -> None:
    """Import what reports need, once, in the process that forks the report workers.

    Only imports: nothing is executed that a report's kernel would not do itself when it
    imports the same modules, and no data is read here. Matplotlib is imported with the
    backend the report kernels use (``Agg``)."""
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in WORKER_MODULES + KERNEL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a kernel without it imports nothing more than it would anyway
            pass


class ForkedProcess:
    """A kernel forked from this process, with the part of :class:`subprocess.Popen` that
    jupyter_client's local provisioner uses (poll, wait, signals)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:
                self.returncode = -signal.SIGKILL
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int | None:
        if timeout is None:
            return self._reap(0)
        import time

        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Prefork:
    """A kernel process forked ahead of time, before any event loop or socket exists.

    The child waits on a pipe for what jupyter_client would have started: the command, its
    environment and working folder. It then becomes that kernel in-process, with the
    modules of this process already imported (see :func:`warm_up`). If the pipe closes with
    nothing written (papermill failed before starting a kernel), the child exits."""

    def __init__(self) -> None:
        read, self._write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the kernel-to-be
            os.close(self._write)
            _become_kernel(read)  # never returns
        os.close(read)
        self.pid = pid
        self.used = False

    def launch(self, cmd: list[str], env: dict[str, str], cwd: str | None) -> ForkedProcess | None:
        """Hand the kernel its command; ``None`` when the command is not an ipykernel one."""
        import json

        if self.used or "ipykernel_launcher" not in cmd[:3] or cmd[1:2] != ["-m"]:
            return None
        payload = json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}).encode()
        view = memoryview(payload)
        while view:
            view = view[os.write(self._write, view):]
        os.close(self._write)
        self.used = True
        return ForkedProcess(self.pid)

    def discard(self) -> None:
        """The kernel was never handed over: close the pipe and reap the child."""
        if not self.used:
            self.used = True
            try:
                os.close(self._write)
            except OSError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass


def _become_kernel(read_fd: int) -> None:
    """In the forked child: wait for the command, then run ipykernel as a fresh kernel would."""
    import atexit
    import json
    import logging

    code = 1
    try:
        os.setsid()  # the kernel leads its own session, as jupyter_client starts it
        die_with_parent(signal.SIGKILL)
        chunks = []
        while True:
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_fd)
        if not chunks:
            os._exit(0)
        spec = json.loads(b"".join(chunks))
        # what a new process would not have: this process's exit handlers, open files, logging
        atexit._clear()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.closerange(3, _max_fd())
        for name in ("nkecon", "papermill", "traitlets", "nbclient", "nbconvert"):
            logger = logging.getLogger(name)
            logger.handlers[:] = [h for h in logger.handlers if not getattr(h, "_nkecon", False)]
            logger.setLevel(logging.NOTSET)
            logger.propagate = True
        os.environ.clear()
        os.environ.update(spec["env"])
        if spec.get("cwd"):
            os.chdir(spec["cwd"])
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *spec["argv"]]
        if sys.path:  # the runner's own entry folder; ipykernel adds '' back, as for `python -m`
            del sys.path[0]
        import asyncio

        from ipykernel.kernelapp import IPKernelApp

        asyncio.set_event_loop_policy(None)  # no event loop of this process's past: a new one
        # no IPython singletons of this process's past either (a caller that ran cells in an
        # in-process shell, as nk.explore() does, would otherwise leave its shell to the kernel,
        # which refuses it and dies before the first cell)
        from IPython.core.interactiveshell import InteractiveShell

        InteractiveShell.clear_instance()
        IPKernelApp.clear_instance()
        app = IPKernelApp.instance()
        # settings ipykernel reads from the environment when it is imported (here, earlier)
        app.parent_handle = int(os.environ.get("JPY_PARENT_PID") or 0)
        app.interrupt = int(os.environ.get("JPY_INTERRUPT_EVENT") or 0)
        app.initialize(spec["argv"])
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
        finally:
            os._exit(code)


def _max_fd() -> int:
    try:
        return min(os.sysconf("SC_OPEN_MAX"), 1 << 16)
    except (OSError, ValueError):
        return 1024
