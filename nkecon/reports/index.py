"""``<out>/index.html``: every published or failed report, from a jinja2 template."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path

from .files import FAILED_DIR, atomic_write, read_json

log = logging.getLogger("nkecon")

_FIGURE_RE = re.compile(r"figures/[a-z0-9][a-z0-9_-]*\.png")

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
    thumbs = _thumbnails(out, found)
    for (nb, slug), e in sorted(found.items()):
        figures = [f for f in e.get("figures", []) if isinstance(f, str)]
        titles = e.get("figure_titles") if isinstance(e.get("figure_titles"), dict) else {}
        e["thumb"] = thumbs.get((nb, slug)) if e["rel"] else None
        e["thumb_alt"] = titles.get(e["thumb"].split("/")[-1].rsplit(".", 1)[0], "") if e["thumb"] else ""
        seconds = (e.get("timings") or {}).get("total_s") if isinstance(e.get("timings"), dict) else None
        e["seconds"] = seconds if isinstance(seconds, (int, float)) else None
        e["data_label"] = "shipped data" if e.get("shipped_data", True) else str(e.get("data_dir", ""))
        e["built_label"] = _when(e.get("built_at"))
        downloads = e.get("downloads") if isinstance(e.get("downloads"), dict) else {}
        e["downloads"] = [d for d in downloads.get("tables", []) + downloads.get("figures", [])
                          if isinstance(d, str) and d.endswith((".csv", ".svg"))]
        rows.append(e)
    return rows


def _when(stamp) -> str:
    """``2026-12-03T12:15:15+00:00`` as ``2026-12-03 12:15 UTC`` (anything else as it is)."""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp or "")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _digest(path: Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _thumbnails(out: Path, found: dict[tuple[str, str], dict]) -> dict[tuple[str, str], str]:
    """Each variant's thumbnail: of the figures a report's variants share, the one that differs
    most between them (fewest identical images; ties go to the order the notebook declares),
    so that variants do not all show the same picture. A report with one variant shows its
    first figure."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, e in found.items():
        if e.get("rel"):
            groups.setdefault(key[0], []).append(key)
    chosen = {}
    for nb, keys in groups.items():
        figure_lists = [[f for f in found[k].get("figures", []) if isinstance(f, str) and _FIGURE_RE.fullmatch(f)]
                        for k in keys]
        if not any(figure_lists):
            continue
        order = [f for f in figure_lists[0] if all(f in fl for fl in figure_lists)]
        best = order[0] if order else None
        if len(keys) > 1 and order:
            def distinct(fig: str) -> int:
                return len({_digest(out / found[k]["rel"] / fig) for k in keys})
            best = max(order, key=lambda f: (distinct(f), -order.index(f)))
        for k, fl in zip(keys, figure_lists):
            chosen[k] = best if best in fl else (fl[0] if fl else None)
    return chosen


def write_index(out: Path) -> Path:
    """Write ``out/index.html`` atomically and return its path."""
    from .export import environment

    rows = entries(out)
    groups: dict[str, list[dict]] = {}
    for e in rows:
        groups.setdefault(e["notebook"], []).append(e)
    titles = {nb: next((e["title"] for e in variants if e["slug"] == "default"),
                       min((e["title"] for e in variants), key=len)) for nb, variants in groups.items()}
    page = environment().get_template("index.html.j2").render(
        rows=rows, groups=groups, titles=titles, written=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
    index = out / "index.html"
    atomic_write(index, page)
    return index
