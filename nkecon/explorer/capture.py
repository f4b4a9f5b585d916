"""Run a report notebook's cells in this kernel and keep what they show, in order.

Printed text and every ``display()`` call (tables, figures, Markdown) become nbformat
outputs, so that an ipywidgets ``Output`` shows exactly what the report shows.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Run", "code_cells", "run_cells"]


@dataclass
class Run:
    """What one run of a report's cells showed: nbformat outputs, in order, and its status."""

    values: dict[str, Any]
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error

    def text(self) -> str:
        """Every printed line and every text/plain or text/html output, for searching."""
        parts = []
        for out in self.outputs:
            if out["output_type"] == "stream":
                parts.append(out["text"])
            else:
                data = out.get("data", {})
                parts.append(data.get("text/html") or data.get("text/markdown") or data.get("text/plain", ""))
        return "\n".join(parts)

    def images(self) -> list[str]:
        """The alt text of every image shown."""
        return [out.get("metadata", {}).get("image/png", {}).get("alt", "") or out.get("metadata", {}).get("alt", "")
                for out in self.outputs if "image/png" in out.get("data", {})]


class _Sink:
    """Collects stdout and display calls, in order, as nbformat outputs."""

    def __init__(self) -> None:
        self.outputs: list[dict[str, Any]] = []

    def text(self, text: str, name: str = "stdout") -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs else {}
        if last.get("output_type") == "stream" and last.get("name") == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def display(self, data: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> None:
        self.outputs.append({"output_type": "display_data", "data": dict(data), "metadata": dict(metadata or {})})


class _Stream(io.TextIOBase):
    def __init__(self, sink: _Sink, name: str):
        self.sink = sink
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.sink.text(text, self.name)
        return len(text)


def _publisher(sink: _Sink):
    from IPython.core.displaypub import DisplayPublisher

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            sink.display(data, metadata)

        def clear_output(self, wait=False):
            sink.outputs.clear()

    return Publisher()


def code_cells(nb: Any, parameters_cell: int) -> list[tuple[int, str, str]]:
    """(1-based cell number, cell type, source) of the cells after the parameters cell."""
    cells = []
    for i, cell in enumerate(nb.cells[parameters_cell:], parameters_cell + 1):
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if cell.cell_type in ("code", "markdown") and source.strip():
            cells.append((i, cell.cell_type, source))
    return cells


def _run_source(source: str, namespace: dict[str, Any], filename: str) -> Any:
    """Run a cell's source as a kernel would and return its last expression's value (``None``
    when the cell ends in a statement or a ``;``)."""
    tree = ast.parse(source, filename=filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not source.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - the report notebook's own cells
    if last is not None:
        return eval(compile(last, filename, "eval"), namespace)  # noqa: S307
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__



def run_cells(cells: list[tuple[int, str, str]], values: Mapping[str, Any], notebook: str) -> Run:
    """Run ``cells`` (from :func:`code_cells`) with the parameter ``values`` in a fresh
    namespace; a failing cell stops the run with one line naming it."""
    import contextlib

    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell

    if not InteractiveShell.initialized():  # outside IPython: a shell that keeps no history file
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        InteractiveShell.instance(config=config)
    shell = InteractiveShell.instance()
    sink = _Sink()
    namespace: dict[str, Any] = {"__name__": "__nkecon_explore__", **values}
    before = set(plt.get_fignums())
    saved = shell.display_pub
    shell.display_pub = _publisher(sink)
    error = ""
    try:
        with contextlib.redirect_stdout(_Stream(sink, "stdout")), contextlib.redirect_stderr(_Stream(sink, "stderr")):
            for number, kind, source in cells:
                if kind == "markdown":
                    sink.display({"text/markdown": source, "text/plain": source}, {})
                    continue
                try:
                    value = _run_source(source, namespace, f"<{notebook}.ipynb cell {number}>")
                except Exception as exc:  # a cell's failure is one line, as in nkecon report
                    line = source.strip().splitlines()[0][:100]
                    error = f"cell {number} of {notebook}.ipynb `{line}` raised {_one_line(exc)}"
                    break
                if value is not None:
                    from IPython.display import display

                    display(value)
    finally:
        shell.display_pub = saved
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    return Run(dict(values), sink.outputs, error)
