"""The no-change path: decide that nothing needs building before papermill or pandas load.

After a run in which every report ended built or unchanged, the runner writes
``<out>/.nkecon-state.json``: for that request (report, parameters, data, notebooks and
output folders), the fingerprint of every input file (notebooks, data files, nkecon's code,
the parameters file) as size, modification time and sha256, the installed versions of the
libraries that build reports, and each report's folder and input hash. The next identical
request compares fingerprints: a file whose size and modification time are unchanged is
taken as unchanged, and only a file where either moved is hashed again. If every file is
the same and every report is still published with that input hash, the run ends there.
Anything else (a moved file with new contents, a missing report, a failure record, a
contract that reads today's date on a new day) takes the full path, which decides per report.
Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .files import FAILED_DIR, atomic_json

__all__ = ["STATE_FILE", "input_files", "fingerprint", "request_key", "unchanged", "record"]

STATE_FILE = ".nkecon-state.json"
#: Libraries whose installed version counts (as in :data:`nkecon.reports.planning.LIBRARIES`).
_LIBRARIES = ("nkecon", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill", "nbclient",
              "nbconvert", "nbformat", "ipykernel", "jinja2", "nh3", "pyyaml")


def input_files(notebooks_dir: Path, data_dir: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """Every file a build's decisions read: the notebooks, the data files, nkecon's code."""
    from ..registry import data_files

    pkg = Path(__file__).resolve().parents[1]
    code = []
    for root, dirs, files in os.walk(pkg):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        code += [Path(root) / f for f in sorted(files) if f.endswith((".py", ".mplstyle", ".j2"))]
    try:
        notebooks = sorted(p for p in notebooks_dir.iterdir() if p.suffix == ".ipynb")
    except OSError:
        notebooks = []
    return notebooks + data_files(data_dir=data_dir) + code + list(extra)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(files: Iterable[Path], known: Mapping[str, Any] | None = None) -> dict[str, list]:
    """``path -> [size, mtime_ns, sha256]``; a file is hashed only when its size or
    modification time differ from ``known``."""
    known = known or {}
    out: dict[str, list] = {}
    for path in files:
        key = str(path)
        try:
            st = os.stat(path)
        except OSError:
            out[key] = [None, None, "missing"]
            continue
        old = known.get(key)
        if isinstance(old, list) and len(old) == 3 and old[0] == st.st_size and old[1] == st.st_mtime_ns:
            out[key] = old
            continue
        try:
            out[key] = [st.st_size, st.st_mtime_ns, _sha256(path)]
        except OSError:
            out[key] = [None, None, "unreadable"]
    return out


def libraries() -> list[str]:
    """The installed distributions (``name-version.dist-info``) of the libraries that count."""
    wanted = {n.replace("-", "_").lower() for n in _LIBRARIES}
    found = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.split("-")[0].lower() in wanted:
                found.append(name)
    return sorted(found) + [sys.version.split()[0]]


def request_key(**parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _read(out: Path) -> dict:
    try:
        data = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) and data.get("nkecon_record") == 1 else {}


def known_fingerprints(out: Path, key: str) -> dict:
    entry = _read(out).get("runs", {}).get(key)
    return entry.get("files", {}) if isinstance(entry, dict) and isinstance(entry.get("files"), dict) else {}


def unchanged(out: Path, key: str, files: list[Path]) -> list[tuple[str, str]] | None:
    """The reports of the last identical request if nothing they depend on changed, else ``None``."""
    entry = _read(out).get("runs", {}).get(key)
    if not isinstance(entry, dict):
        return None
    recorded = entry.get("files")
    if not isinstance(recorded, dict) or set(recorded) != {str(p) for p in files}:
        return None
    if entry.get("libraries") != libraries():
        return None
    if entry.get("day") not in (None, date.today().isoformat()):
        return None
    now = fingerprint(files, recorded)
    if {k: v[2] for k, v in now.items()} != {k: v[2] for k, v in recorded.items()}:
        return None
    if not (out / "index.html").is_file() or (out / ".nkecon-build").exists():
        return None
    reports = []
    for item in entry.get("reports", []):
        try:
            notebook, slug, inputs, figures = item
            folder = out / notebook / slug
            prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, UnicodeDecodeError):
            return None
        if (not isinstance(prov, dict) or prov.get("inputs_hash") != inputs or not (folder / "index.html").is_file()
                or not all((folder / f).is_file() for f in figures)
                or (out / FAILED_DIR / notebook / slug).exists()):
            return None
        reports.append((notebook, slug))
    if now != recorded:  # touched but the same contents: remember the new times
        entry["files"] = now
        data = _read(out)
        if data.get("runs", {}).get(key) is not None:
            data["runs"][key] = entry
            try:
                atomic_json(out / STATE_FILE, data)
            except OSError:
                pass
    return reports


def record(out: Path, key: str, files: dict[str, list], reports: list[tuple[str, str]], *, uses_today: bool) -> None:
    """Remember this request's fingerprints and reports (only after a run with no failure)."""
    entries = []
    for notebook, slug in reports:
        try:
            prov = json.loads((out / notebook / slug / "provenance.json").read_text(encoding="utf-8"))
            entries.append([notebook, slug, prov["inputs_hash"], [f for f in prov.get("figures", []) if isinstance(f, str)]])
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return  # a report is not as published: let the next run decide in full
    data = _read(out) or {"nkecon_record": 1, "runs": {}}
    runs = data.setdefault("runs", {})
    runs.pop(key, None)
    runs[key] = {"files": files, "libraries": libraries(), "reports": entries,
                 "day": date.today().isoformat() if uses_today else None}
    while len(runs) > 32:  # the most recent requests only
        runs.pop(next(iter(runs)))
    atomic_json(out / STATE_FILE, data)
