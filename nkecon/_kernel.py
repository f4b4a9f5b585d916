"""A kernel manager that always starts this environment's Python.

A kernelspec named ``python3`` elsewhere on the machine (a user-wide Jupyter install, say)
can point at another interpreter without nkecon or its dependencies; reports always run on
``sys.executable`` instead.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager


class CurrentPythonKernelManager(AsyncKernelManager):
    """Starts ``sys.executable`` as the kernel, talking over private local sockets (IPC)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"nkecon-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)
    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (nkecon)",
                language="python",
                metadata={"debugger": False},
            )
        return self._kernel_spec
