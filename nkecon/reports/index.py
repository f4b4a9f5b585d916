"""``<out>/index.html``: every published or failed report, from a jinja2 template."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from .files import FAILED_DIR, atomic_write, read_json

log = logging.getLogger("nkecon")

__all__ = ["write_index", "entries"]


def _real_dirs(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    except OSError:
        return []


def entries(out: Path) -> list[dict]:
    found: dict[tuple[str, str], dict] = {}
    for nb_dir in _real_dirs(out):
        for folder in _real_dirs(nb_dir):
            prov = read_json(folder / "provenance.json", ("notebook", "slug", "title"))
            if prov is None or not isinstance(prov.get("parameters"), dict):
                continue
            prov["rel"] = f"{nb_dir.name}/{folder.name}"
            prov["failure"] = None
            found[(nb_dir.name, folder.name)] = prov
    failed = out / FAILED_DIR
    if failed.is_dir() and not failed.is_symlink():
        for nb_dir in _real_dirs(failed):
            for folder in _real_dirs(nb_dir):
                rec = read_json(folder / "failure.json", ("message", "failed_at"))
                if rec is None:
                    continue
                key = (nb_dir.name, folder.name)
                if key in found:
                    found[key]["failure"] = rec
                else:
                    found[key] = {"notebook": nb_dir.name, "slug": folder.name, "rel": None, "failure": rec,
                                  "title": str(rec.get("title") or nb_dir.name), "built_at": "",
                                  "parameters": rec.get("parameters") if isinstance(rec.get("parameters"), dict) else {},
                                  "figures": []}
    rows = []
    for (nb, slug), e in sorted(found.items()):
        figures = [f for f in e.get("figures", []) if isinstance(f, str)]
        titles = e.get("figure_titles") if isinstance(e.get("figure_titles"), dict) else {}
        e["thumb"] = figures[0] if figures and e["rel"] else None
        e["thumb_alt"] = titles.get(figures[0].split("/")[-1].rsplit(".", 1)[0], "") if figures else ""
        seconds = (e.get("timings") or {}).get("total_s") if isinstance(e.get("timings"), dict) else None
        e["seconds"] = seconds if isinstance(seconds, (int, float)) else None
        e["data_label"] = "shipped data" if e.get("shipped_data", True) else str(e.get("data_dir", ""))
        downloads = e.get("downloads") if isinstance(e.get("downloads"), dict) else {}
        e["downloads"] = [d for d in downloads.get("tables", []) + downloads.get("figures", [])
                          if isinstance(d, str) and d.endswith((".csv", ".svg"))]
        rows.append(e)
    return rows


def write_index(out: Path) -> Path:
    """Write ``out/index.html`` atomically and return its path."""
    from .export import environment

    rows = entries(out)
    page = environment().get_template("index.html.j2").render(
        rows=rows, written=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
    index = out / "index.html"
    atomic_write(index, page)
    return index
