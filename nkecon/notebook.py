"""Helpers for report notebooks: show and save figures, show tables, write the provenance footer.

These run inside a notebook's kernel. ``nkecon report`` sets ``NKECON_FIGURE_DIR`` (and
``NKECON_TABLE_DIR``) in the kernel's environment so that :func:`show_figure` also saves each
figure as PNG and SVG (with its title, the alt text of the report) and :func:`show_table`
each table as CSV; in JupyterLab, where they are not set, both only display.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import platform
from pathlib import Path
from typing import Any

from . import datasets, paths, registry

__all__ = ["show_figure", "show_table", "provenance", "data_hashes", "fetch_records"]


def show_figure(ax_or_fig: Any, name: str) -> None:
    """Display a chart and, under ``nkecon report``, save it as ``<name>.png`` for the report."""
    import re

    import matplotlib.pyplot as plt

    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"The figure name must be lowercase letters, digits, '_' or '-', but {name!r} was passed.")
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    title = _figure_title(fig) or name.replace("_", " ")
    folder = os.environ.get("NKECON_FIGURE_DIR")
    # Render once: the PNG shown in the notebook is the file the report publishes.
    buffer = io.BytesIO()
    svg = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", bbox_inches="tight", dpi=120)
        if folder:
            fig.savefig(svg, format="svg", bbox_inches="tight")
    finally:
        plt.close(fig)
    data = buffer.getvalue()
    if folder:
        import json

        path = Path(folder) / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.with_suffix(".svg").write_bytes(svg.getvalue())
        path.with_suffix(".json").write_text(json.dumps({"title": title}), encoding="utf-8")
    from IPython.display import Image, display

    display(Image(data=data, format="png", metadata={"alt": title}))


def _figure_title(fig: Any) -> str:
    """The figure's title (suptitle, else its axes' titles), for alt text."""
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text():
        return sup.get_text()
    titles = []
    for ax in getattr(fig, "axes", []):
        for loc in ("center", "left", "right"):
            text = ax.get_title(loc=loc)
            if text and text not in titles:
                titles.append(text)
    return "; ".join(titles)


def show_table(frame: Any, *, digits: int = 2, caption: str | None = None) -> None:
    """Display a frame as an HTML table (text escaped), rounded to ``digits``."""
    from IPython.display import HTML, display

    shown = frame.round(digits).copy()
    for col in shown.columns:
        if shown[col].dtype == object or str(shown[col].dtype) in ("string", "str", "category"):
            # ';'-joined tags and long text wrap at their separators
            shown[col] = shown[col].astype(object).map(lambda v: v.replace(";", "; ") if isinstance(v, str) else v)
    shown = shown.astype(object).where(shown.notna(), "")
    table = shown.to_html(index=False, escape=True, border=0, classes="nk-table")
    folder = os.environ.get("NKECON_TABLE_DIR")
    if folder:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        n = len(list(out.glob("table-*.csv"))) + 1
        frame.to_csv(out / f"table-{n}.csv", index=False)
    cap = f"<p class='nk-caption'>{html.escape(caption).replace(chr(10), '<br>')}</p>" if caption else ""
    display(HTML(f"{cap}<div class='nk-scroll'>{table}</div>"))


def data_hashes(data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of every data file in use."""
    out = {}
    for path in registry.data_files(data_dir=data_dir):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else "missing"
        out[path.name] = digest
    return out


def fetch_records(data_dir: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """What ``nkecon data fetch`` recorded for each fetched dataset of the data in use (URL,
    query, time, sha256 of the raw responses, licence, citation); empty for curated data."""
    out = {}
    for name in datasets.DATASETS:
        try:
            fetched = datasets.get_metadata(name, data_dir=data_dir).fetched
        except datasets.DataError:
            continue
        if fetched:
            out[name] = dict(fetched)
    return out


def provenance(parameters: dict[str, Any], *, datasets_used: tuple[str, ...] = datasets.DATASETS) -> None:
    """Display the provenance footer: the datasets' sources, the hashes of the data files this
    notebook read, nkecon's version and the parameters.

    Only the datasets named in ``datasets_used`` (their metadata) and those whose rows were
    loaded (their files) are read here, so the footer changes only when they do."""
    from IPython.display import HTML, display

    import nkecon

    rows = []
    metas = {name: datasets.get_metadata(name) for name in datasets_used}
    for meta in metas.values():
        rows.append(f"<li><b>{html.escape(meta.title)}</b>: {html.escape(meta.citation)}</li>")
    folder = paths.data_dir()
    read = sorted(name for name, kinds in datasets.datasets_read().items() if "rows" in kinds)
    hashes = "".join(
        f"<tr><td>{html.escape(name)}.csv</td><td><code>{html.escape(_file_digest(folder / f'{name}.csv'))}</code></td></tr>"
        for name in read
    )
    params = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td><code>{html.escape(repr(v))}</code></td></tr>"
        for k, v in parameters.items()
    )
    fetch_rows = "".join(
        f"<li><b>{html.escape(name)}</b> fetched {html.escape(str(rec.get('time', '')))} from "
        f"<code>{html.escape(str(rec.get('url', '')))}</code>: {html.escape(str(rec.get('citation', '')))} "
        f"({html.escape(str(rec.get('licence', '')))})</li>"
        for name, rec in ((n, m.fetched) for n, m in metas.items()) if rec
    )
    display(HTML(
        "<div class='nk-provenance'><h3>Provenance</h3>"
        f"<p>Data: nkecon's curated datasets in <code>{html.escape(str(folder))}</code>; every row cites a "
        "source (publisher, title, URL and dates in <code>sources.csv</code>).</p>"
        f"<ul>{''.join(rows)}</ul>"
        + (f"<p>Fetched from the producers' services:</p><ul>{fetch_rows}</ul>" if fetch_rows else "")
        + f"<p>nkecon {html.escape(nkecon.__version__)}, Python {html.escape(platform.python_version())}.</p>"
        f"<table class='nk-table'><tr><th>parameter</th><th>value</th></tr>{params}</table>"
        f"<table class='nk-table'><tr><th>data file read</th><th>sha256</th></tr>{hashes}</table></div>"
    ))


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"
