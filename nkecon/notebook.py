"""Helpers for report notebooks: show and save figures, show tables, write the provenance footer.

These run inside a notebook's kernel. ``nkecon report`` sets ``NKECON_FIGURE_DIR`` (and
``NKECON_TABLE_DIR``) in the kernel's environment so that :func:`show_figure` also saves each
figure as PNG and SVG (with its title, the alt text of the report) and :func:`show_table`
each table as CSV; in JupyterLab, where they are not set, both only display.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import io
import itertools
import os
import re
import platform
from pathlib import Path
from typing import Any

from . import datasets, paths, registry

__all__ = ["show_figure", "show_table", "render_table", "cited_sources", "provenance", "data_hashes", "fetch_records", "show_text"]


_NAME_RE = r"[a-z0-9][a-z0-9_-]*"
_TABLE_NUMBERS = itertools.count(1)  # tables shown in this kernel: unique note anchors on a page

#: a text column with a value longer than this moves to numbered notes below its table
NOTE_CHARS = 80
#: ... as does one with a word (between spaces and hyphens) longer than this, which cannot wrap
NOTE_WORD = 24
#: a table of this many columns or more may use the page's full width (up to 74rem), not the text's
WIDE_COLUMNS = 10
#: a table of at most this many columns keeps its one long text column in place
MAX_COLUMNS_WITH_PROSE = 6


def show_figure(ax_or_fig: Any, name: str, *, data: Any = None, sources: tuple[str, ...] = ()) -> None:
    """Display a chart and, under ``nkecon report``, save it as ``<name>.png`` and ``.svg``
    for the report, with the data it draws as ``<name>.csv`` and the sources of that data as
    ``<name>.sources.csv``.

    Parameters
    ----------
    ax_or_fig : matplotlib Axes or Figure
        The chart (closed once shown).
    name : str
        The chart's file name: lowercase letters, digits, ``_`` or ``-``.
    data : DataFrame or Result, optional
        The data the chart draws (a Result gives its table). Its ``source_id`` or
        ``source_ids`` column, where it has one, names the sources of each row.
    sources : tuple of str
        The datasets the chart draws from; their producer, title and URL join the sources.
    """
    import re

    import matplotlib.pyplot as plt

    if not re.fullmatch(_NAME_RE, name):
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
    png = buffer.getvalue()
    links = ""
    if folder:
        import json

        path = Path(folder) / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        path.with_suffix(".svg").write_bytes(svg.getvalue())
        path.with_suffix(".json").write_text(json.dumps({"title": title}), encoding="utf-8")
        links = _save_data(name, data, sources, what="chart")
    from IPython.display import HTML, Image, display

    display(Image(data=png, format="png", metadata={"alt": title}))
    if links:
        display(HTML(links))


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


def show_text(text: str, *, heading: int = 0) -> None:
    """Display a generated sentence (escaped) as a paragraph, or as a heading of level
    ``heading`` (1-3), so that a report's title and opening come from the data."""
    from IPython.display import HTML, display

    tag = f"h{heading}" if heading in (1, 2, 3) else "p"
    display(HTML(f"<{tag}>{html.escape(text)}</{tag}>"))


def _frame_of(data: Any):
    if data is None:
        return None
    table = getattr(data, "table", None)
    return table if table is not None and hasattr(table, "to_csv") else data


def cited_sources(frame: Any = None, datasets_used: tuple[str, ...] = ()):
    """The sources behind a table or chart: each ``source_id`` its rows cite (with publisher,
    title, URL and date from ``sources.csv``), then each dataset it draws from (its producer,
    title and URL from the metadata, as ``dataset:NAME``).

    >>> import nkecon as nk
    >>> gdp = nk.load_gdp().tail(2)
    >>> cited = cited_sources(gdp, ("gdp_releases",))
    >>> list(cited.columns)
    ['source_id', 'publisher', 'title', 'url', 'date_published']
    >>> cited.source_id.iloc[-1]
    'dataset:gdp_releases'
    """
    import pandas as pd

    ids: list[str] = []
    frame = _frame_of(frame)
    if frame is not None:
        for col in ("source_id", "source_ids"):
            if col in frame.columns:
                for value in frame[col].dropna().astype(str):
                    for sid in value.split(";"):
                        if sid.strip() and sid.strip() not in ids:
                            ids.append(sid.strip())
    columns = ["source_id", "publisher", "title", "url", "date_published"]
    registry_rows = datasets.load_sources()
    rows = registry_rows[registry_rows.source_id.isin(ids)].copy()
    rows["date_published"] = rows["date_published"].astype(str).str.slice(0, 10)
    rows = rows.set_index("source_id").reindex([i for i in ids if i in set(registry_rows.source_id)]).reset_index()
    extra = []
    for name in datasets_used:
        meta = datasets.get_metadata(name)
        extra.append({"source_id": f"dataset:{name}", "publisher": meta.producer, "title": meta.title,
                      "url": meta.url, "date_published": meta.date_published})
    return pd.concat([rows[columns], pd.DataFrame(extra, columns=columns)], ignore_index=True)


def _free_stem(folder: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3`` ... when a table of that name was already saved."""
    candidate, n = stem, 1
    while (folder / f"{candidate}.csv").exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _save_data(name: str, data: Any, sources: tuple[str, ...], *, what: str) -> str:
    """Under ``nkecon report``, write ``<name>.csv`` and ``<name>.sources.csv`` to the report's
    tables folder; return the download links shown below the chart or table."""
    folder = os.environ.get("NKECON_TABLE_DIR")
    frame = _frame_of(data)
    if not folder or (frame is None and not sources):
        return ""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = _free_stem(out, name)
    parts = []
    if frame is not None:
        frame.to_csv(out / f"{stem}.csv", index=False)
        parts.append(f"<a href='tables/{stem}.csv'>{stem}.csv</a> (the data)")
    cited = cited_sources(frame, sources)
    if len(cited):
        cited.to_csv(out / f"{stem}.sources.csv", index=False)
        parts.append(f"<a href='tables/{stem}.sources.csv'>{stem}.sources.csv</a> ({len(cited)} sources)")
    return f"<p class='nk-download'>Download this {what}'s data: {' &middot; '.join(parts)}</p>" if parts else ""


def show_table(frame: Any, *, digits: int = 2, caption: str | None = None, name: str | None = None,
               sources: tuple[str, ...] = ()) -> None:
    """Display a frame as a readable HTML table and, under ``nkecon report``, save it as
    ``<name>.csv`` (with ``<name>.sources.csv``) for the report's downloads.

    Numbers (rounded to ``digits``) and dates never wrap; a text column with long values or
    long words (a ``basis``, a URL, ``source_ids``) moves to numbered notes below the table.
    ``name`` defaults to ``table-N``; ``sources`` names the datasets the table draws from.
    """
    import re

    from IPython.display import HTML, display

    if name is not None and not re.fullmatch(_NAME_RE, name):
        raise ValueError(f"The table name must be lowercase letters, digits, '_' or '-', but {name!r} was passed.")
    page = render_table(frame, digits=digits, caption=caption, number=next(_TABLE_NUMBERS))
    folder = os.environ.get("NKECON_TABLE_DIR")
    links = ""
    if folder:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        if name is None:
            name = f"table-{len(list(out.glob('table-*.csv'))) + 1}"
        links = _save_data(name, frame, sources, what="table")
    display(HTML(page + links))


def _kind(series: Any) -> str:
    import pandas as pd

    if series.name == "source_ids":  # several citations joined by ';': listed below the table
        return "note"
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_numeric_dtype(series):
        return "num"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    present = series.dropna().tolist()
    if present and all(isinstance(v, (datetime.date, pd.Timestamp)) for v in present):
        return "date"
    values = [v for v in present if isinstance(v, str)]
    if values and all(re.fullmatch(r"\d{4}(-\d{2}){0,2}", v) for v in values):
        return "date"
    if any(len(w) > NOTE_WORD for v in values for w in re.split(r"[\s-]+", v)):
        return "note"  # a word that cannot wrap: a URL, a path, joined codes
    if any(len(v) > NOTE_CHARS for v in values):
        return "prose"
    return "text"


def _decimals(values: list[float], digits: int) -> int:
    """The fewest decimals (at most ``digits``) that show every value as rounded to ``digits``."""
    for d in range(digits + 1):
        if all(abs(round(v, d) - round(v, digits)) < 10 ** -(digits + 3) for v in values):
            return d
    return digits


def _number(value: Any, decimals: int) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (hasattr(value, "is_integer") and decimals == 0):
        v = int(round(value))
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    return f"{value:,.{decimals}f}" if abs(value) >= 10_000 else f"{value:.{decimals}f}"


def render_table(frame: Any, *, digits: int = 2, caption: str | None = None, number: int = 1) -> str:
    """The HTML of one report table (see :func:`show_table`), from the template ``table.html.j2``.

    >>> import pandas as pd
    >>> html = render_table(pd.DataFrame({"year": [2020], "value_usd_mn": [720000.0],
    ...                                   "url": ["https://www.example.org/nk/food/2020/balance.html"]}))
    >>> '<td class="num">720,000</td>' in html, "note&nbsp;1" in html, 'class="nk-notes"' in html
    (True, True, True)
    >>> import datetime
    >>> '<td class="date">2020-08-01</td>' in render_table(pd.DataFrame({"start": [datetime.date(2020, 8, 1)]}))
    True
    """
    import math

    import pandas as pd

    from .reports.export import environment

    table_id = f"nk-table-{number}"
    columns, kinds = [], {}
    for col in frame.columns:
        kinds[col] = _kind(frame[col])
    if len(kinds) > MAX_COLUMNS_WITH_PROSE and "source_id" in kinds:
        kinds["source_id"] = "note"  # a wide table's citations are listed below it
    prose = [col for col, kind in kinds.items() if kind == "prose"]
    for col in prose:
        # one long text column of a narrow table reads best in place; otherwise long text
        # would squeeze the numbers, so it moves to the notes
        kinds[col] = "text" if len(prose) == 1 and len(kinds) <= MAX_COLUMNS_WITH_PROSE else "note"
    for col in frame.columns:
        columns.append({"kind": kinds[col], "parts": str(col).split("_")})
    decimals = {}
    for col, kind in kinds.items():
        if kind == "num":
            floats = [float(v) for v in frame[col].dropna().tolist() if not isinstance(v, bool)]
            decimals[col] = _decimals([v for v in floats if math.isfinite(v)], digits)
    notes: list[dict[str, Any]] = []
    index: dict[tuple[str, str], int] = {}
    rows = []
    for record in frame.itertuples(index=False, name=None):
        row = []
        for col, value in zip(frame.columns, record):
            kind = kinds[col]
            if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
                row.append({"kind": kind, "text": ""})
            elif kind == "num":
                row.append({"kind": kind, "text": _number(value, decimals[col])})
            elif kind == "date":
                text = value.date().isoformat() if hasattr(value, "date") and callable(value.date) else str(value)
                row.append({"kind": kind, "text": text})
            elif kind == "note":
                text = str(value).replace(";", "; ")
                key = (str(col), text)
                if key not in index:
                    notes.append({"column": str(col), "text": text, "url": bool(re.fullmatch(r"https?://\S+", text))})
                    index[key] = len(notes)
                row.append({"kind": kind, "text": text, "note": index[key]})
            else:
                row.append({"kind": kind, "text": str(value).replace(";", "; ")})
        rows.append(row)
    return environment().get_template("table.html.j2").render(
        table_id=table_id, columns=columns, rows=rows, notes=notes, wide_columns=WIDE_COLUMNS,
        caption=caption.splitlines() if caption else None)


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
    # name the data, never a local path (the hashes below identify the files)
    folder = paths.data_dir()
    where = ("the curated datasets shipped with nkecon" if folder.resolve() == paths.shipped_data_dir().resolve()
             else f"a copy of nkecon's datasets (folder <code>{html.escape(folder.name)}</code>)")
    display(HTML(
        "<div class='nk-provenance'><h3>Provenance</h3>"
        f"<p>Data: {where}; every row cites a source (publisher, title, URL and dates in "
        "<code>sources.csv</code>).</p>"
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
