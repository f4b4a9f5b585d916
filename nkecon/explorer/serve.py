"""``nkecon explore``: the explorer as a web page, served by Voila on a loopback port."""

from __future__ import annotations

from pathlib import Path

from ..errors import NkeconError, ParameterError

__all__ = ["explorer_notebook", "serve"]

_CSP = "style-src 'self' 'unsafe-inline'; font-src 'self' data:"


def explorer_notebook(folder: Path, report: str = "contraction") -> Path:
    """Write the notebook that ``nkecon explore`` serves: a title and ``nk.explore()``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# nkecon explorer\n\nChoose a report and its parameters; the charts, tables and sentences below "
            "follow. The choices offered are the ones the report's parameter contract accepts."),
        nbformat.v4.new_code_cell(f"import nkecon as nk\n\nnk.explore({report!r})"),
    ]
    path = Path(folder) / "nkecon-explorer.ipynb"
    nbformat.write(nb, str(path))
    return path


def serve(report: str = "contraction", *, port: int = 8866, ip: str = "127.0.0.1", announce=None) -> int:
    """Serve the explorer as a web page with Voila on ``ip:port`` (loopback by default) until
    interrupted; returns Voila's exit status. Used by ``nkecon explore``."""
    import importlib.util
    import signal
    import subprocess
    import sys
    import tempfile

    from .. import paths
    from ..reports.notebooks import discover, get_notebook

    get_notebook(report, discover(paths.notebooks_dir()))  # an unknown report is one line, before Voila starts
    if importlib.util.find_spec("voila") is None or importlib.util.find_spec("ipywidgets") is None:
        raise NkeconError("nkecon explore needs voila and ipywidgets: pip install 'nkecon[lab]'")
    if not 0 < port < 65536:
        raise ParameterError(f"The value for `--port` must be between 1 and 65535, but {port} was passed.")
    with tempfile.TemporaryDirectory(prefix="nkecon-explore-") as tmp:
        notebook = explorer_notebook(Path(tmp), report)
        command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
                   "--Voila.port_retries=0", "--theme=light", "--show_tracebacks=False",
                   # the page's styles and fonts come from this server only: Voila's template links an
                   # icon stylesheet from a CDN, which the browser then does not fetch
                   "--Voila.tornado_settings=" + repr({"headers": {"Content-Security-Policy": _CSP}})]
        if announce is not None:
            announce(f"nkecon explorer of {report!r} on http://{ip}:{port}/ (Ctrl-C stops it)")
        child = subprocess.Popen(command, cwd=tmp)
        stopped = []

        def forward(signum, frame):  # SIGTERM (systemd's stop): Voila shuts its kernels down, then we go
            stopped.append(signum)
            child.terminate()

        try:
            previous = signal.signal(signal.SIGTERM, forward)
        except ValueError:  # not the main thread
            previous = None
        try:
            status = child.wait()
            return 143 if stopped else status
        except KeyboardInterrupt:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            return 130
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
