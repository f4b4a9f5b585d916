"""What changed in the data a report read since its last build, row by row.

Each published report records the datasets it read and the sha256 of each file
(``data_read`` in its ``provenance.json``). The runner keeps a copy of every data file a
published report read, under ``<out>/.nkecon-data/NAME-SHA.csv`` (content-addressed, pruned
when no report cites it), so that the next build of that report can say which rows were
added, removed or changed, with the old and new values. Plain :mod:`csv`: no pandas.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .files import MARKER, atomic_write

log = logging.getLogger("nkecon")

__all__ = ["SNAPSHOT_DIR", "changes_since", "cited_snapshots", "diff_rows", "keep_snapshots", "prune_snapshots", "summary"]

SNAPSHOT_DIR = ".nkecon-data"
#: At most this many rows of each kind are listed one by one; the counts are always whole.
MAX_LISTED = 20


def _snapshot(out: Path, name: str, sha: str) -> Path:
    return out / SNAPSHOT_DIR / f"{name}-{sha[:16]}.csv"


def _primary_keys() -> dict[str, list[str]]:
    from .. import paths
    from ..registry import PACKAGE_FILE

    package = json.loads((paths.shipped_data_dir() / PACKAGE_FILE).read_text(encoding="utf-8"))
    keys = {}
    for res in package.get("resources", []):
        pk = (res.get("schema") or {}).get("primaryKey") or []
        keys[res["name"]] = [pk] if isinstance(pk, str) else list(pk)
    return keys


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _key_text(key: tuple[str, ...], names: list[str]) -> str:
    return ", ".join(f"{n}={v if v != '' else '(empty)'}" for n, v in zip(names, key))


def diff_rows(old_text: str, new_text: str, key: list[str]) -> dict[str, Any]:
    """Rows added, removed and changed (with each changed column's old and new value)."""
    old_cols, old = _rows(old_text)
    new_cols, new = _rows(new_text)
    key = [k for k in key if k in old_cols and k in new_cols] or [c for c in new_cols if c in old_cols]

    def index(rows):
        return {tuple(r.get(k) or "" for k in key): r for r in rows}

    a, b = index(old), index(new)
    added = [k for k in b if k not in a]
    removed = [k for k in a if k not in b]
    changed = []
    for k in b:
        if k in a and a[k] != b[k]:
            cols = [c for c in new_cols if c not in key and (a[k].get(c) or "") != (b[k].get(c) or "")]
            changed.append({"row": _key_text(k, key),
                            "values": [{"column": c, "old": a[k].get(c) or "", "new": b[k].get(c) or ""} for c in cols]})
    return {
        "rows_added": len(added), "rows_removed": len(removed), "rows_changed": len(changed),
        "added": [_key_text(k, key) for k in added[:MAX_LISTED]],
        "removed": [_key_text(k, key) for k in removed[:MAX_LISTED]],
        "changed": changed[:MAX_LISTED],
        "columns_added": [c for c in new_cols if c not in old_cols],
        "columns_removed": [c for c in old_cols if c not in new_cols],
    }


def changes_since(prev_reads: Mapping[str, Any] | None, digests: Mapping[str, Mapping[str, str]], data_dir: Path,
                  out: Path) -> list[dict[str, Any]] | None:
    """What changed in the datasets a report read at its last build (``None``: never built)."""
    if not isinstance(prev_reads, Mapping):
        return None
    found = []
    keys = None
    for name in sorted(prev_reads):
        rec = prev_reads[name]
        if not isinstance(rec, Mapping) or name not in digests:
            continue
        kinds = rec.get("read") or []
        now = digests[name]
        entry: dict[str, Any] = {"dataset": name}
        if rec.get("meta_sha256") not in (None, now["meta"]):
            entry["metadata_changed"] = True
        old_sha = rec.get("rows_sha256")
        if "rows" in kinds and isinstance(old_sha, str) and old_sha != now["rows"]:
            snap = _snapshot(out, name, old_sha)
            try:
                old_text = snap.read_text(encoding="utf-8")
                new_text = (data_dir / f"{name}.csv").read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                entry["rows_note"] = "the file changed; its previous version was not kept, so rows cannot be compared"
            else:
                keys = keys if keys is not None else _primary_keys()
                entry.update(diff_rows(old_text, new_text, keys.get(name, [])))
        if len(entry) > 1:
            found.append(entry)
    return found


def summary(change: Mapping[str, Any]) -> str:
    """One line: ``food: 1 row changed (year=2020, ...: value_kt 4400 -> 4500)``."""
    parts = []
    for kind in ("added", "removed", "changed"):
        n = change.get(f"rows_{kind}") or 0
        if n:
            parts.append(f"{n} row{'s' if n != 1 else ''} {kind}")
    if change.get("rows_note"):
        parts.append(change["rows_note"])
    if change.get("metadata_changed"):
        parts.append("metadata changed")
    text = f"{change.get('dataset')}: {', '.join(parts) or 'changed'}"
    first = (change.get("changed") or [None])[0]
    if first:
        values = "; ".join(f"{v['column']} {v['old'] or '(empty)'} -> {v['new'] or '(empty)'}" for v in first["values"][:3])
        text += f" ({first['row']}: {values})"
    return text


def keep_snapshots(out: Path, data_dir: Path, reads: Mapping[str, Any]) -> None:
    """Keep a copy of each data file a published report read (if it is still that version)."""
    folder = out / SNAPSHOT_DIR
    for name, rec in reads.items():
        sha = rec.get("rows_sha256") if isinstance(rec, Mapping) else None
        if not isinstance(sha, str) or "rows" not in (rec.get("read") or []):
            continue
        target = _snapshot(out, name, sha)
        if target.is_file():
            continue
        try:
            raw = (data_dir / f"{name}.csv").read_bytes()
        except OSError:
            continue
        if hashlib.sha256(raw).hexdigest() != sha:
            continue  # the file moved on during the build; the next build compares with nothing
        if not folder.is_dir():
            folder.mkdir(exist_ok=True)
            (folder / MARKER).touch()
        atomic_write(target, raw)


def prune_snapshots(out: Path, cited: set[str]) -> None:
    """Delete kept copies that no published report cites (file names ``NAME-SHA16.csv``)."""
    folder = out / SNAPSHOT_DIR
    if not folder.is_dir() or folder.is_symlink() or not (folder / MARKER).is_file():
        return
    for path in folder.glob("*.csv"):
        if path.name not in cited and not path.is_symlink():
            try:
                os.unlink(path)
            except OSError:
                pass


def cited_snapshots(out: Path) -> set[str]:
    """File names of the kept copies that published reports' provenance cites."""
    from .files import read_json

    cited = set()
    for prov_path in out.glob("*/*/provenance.json"):
        if prov_path.parent.parent.name.startswith("."):
            continue
        prov = read_json(prov_path)
        reads = prov.get("data_read") if isinstance(prov, dict) else None
        if isinstance(reads, dict):
            for name, rec in reads.items():
                if isinstance(rec, dict) and isinstance(rec.get("rows_sha256"), str):
                    cited.add(_snapshot(out, name, rec["rows_sha256"]).name)
    return cited

