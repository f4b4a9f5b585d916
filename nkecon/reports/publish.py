"""Publishing a build, keeping failures, and repairing an interrupted publish.

A build is published in two renames: the old report moves aside to ``.<slug>.old-<id>``,
the build moves in. :func:`recover` (run at the start of every build, under the lock) repairs
any state a crash can leave: an aside folder with no report is moved back; an aside folder
beside a report is deleted; stale build folders are removed.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .files import BUILD_DIR, FAILED_DIR, MARKER, atomic_json, is_owned, read_json, remove_owned, safe_path

log = logging.getLogger("nkecon")

__all__ = ["publish", "record_failure", "clear_failure", "recover", "prune"]

_OLD_RE = re.compile(r"\.(?P<slug>[a-z0-9][a-z0-9_.=-]*)\.old-[0-9a-f]{8}")


def publish(build: Path, final: Path) -> None:
    """Replace ``final`` with ``build`` (both under the output folder)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists() or final.is_symlink():
        if not is_owned(final):
            raise OSError(f"{final} exists and was not created by nkecon; refusing to replace it")
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(build, final)
    if old is not None:
        remove_owned(old)


def record_failure(out: Path, notebook: str, slug: str, build: Path, record: dict[str, Any]) -> Path:
    """Keep the failed build under ``.failed/<notebook>/<slug>/`` with ``failure.json``."""
    failed_root = safe_path(out, FAILED_DIR)
    failed_root.mkdir(exist_ok=True)
    (failed_root / MARKER).touch()
    nb_dir = safe_path(out, FAILED_DIR, notebook)
    nb_dir.mkdir(exist_ok=True)
    (nb_dir / MARKER).touch()
    target = safe_path(out, FAILED_DIR, notebook, slug)
    if target.exists():
        remove_owned(target)
    if target.exists():
        raise OSError(f"{target} exists and was not created by nkecon")
    os.replace(build, target)
    atomic_json(target / "failure.json", {"nkecon_record": 1, "notebook": notebook, "slug": slug,
                                          "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                          **record})
    return target


def clear_failure(out: Path, notebook: str, slug: str) -> None:
    try:
        target = safe_path(out, FAILED_DIR, notebook, slug)
    except OSError:
        return
    if target.exists():
        remove_owned(target)


def failure_of(out: Path, notebook: str, slug: str) -> dict | None:
    try:
        return read_json(safe_path(out, FAILED_DIR, notebook, slug, "failure.json"), ("message",))
    except OSError:
        return None


def recover(out: Path) -> None:
    """Repair what an interrupted run left behind (only folders nkecon created)."""
    if not out.is_dir():
        return
    for nb_dir in sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink()
                         and not p.name.startswith(".")):
        for aside in sorted(nb_dir.iterdir()):
            m = _OLD_RE.fullmatch(aside.name)
            if not m or not is_owned(aside):
                continue
            final = nb_dir / m.group("slug")
            if final.exists() or final.is_symlink():
                remove_owned(aside)
            else:
                os.replace(aside, final)
                log.warning("restored %s after an interrupted publish", final)
    builds = out / BUILD_DIR
    if builds.is_dir() and not builds.is_symlink():
        for b in builds.iterdir():
            if b.name != MARKER:
                remove_owned(b)
        try:
            builds.rmdir()
        except OSError:
            pass


def prune(out: Path, notebooks: set[str]) -> list[str]:
    """Delete failure records, and published reports of notebooks that no longer exist."""
    removed = []
    failed = out / FAILED_DIR
    if is_owned(failed):
        for nb_dir in sorted(failed.iterdir()):
            if nb_dir.is_dir() and not nb_dir.is_symlink():
                for slug in sorted(p for p in nb_dir.iterdir() if p.is_dir()):
                    if remove_owned(slug):
                        removed.append(f"{FAILED_DIR}/{nb_dir.name}/{slug.name}")
    for nb_dir in sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink()
                         and not p.name.startswith(".")):
        if nb_dir.name in notebooks:
            continue
        for slug in sorted(p for p in nb_dir.iterdir() if p.is_dir()):
            if read_json(slug / "provenance.json") is not None and remove_owned(slug):
                removed.append(f"{nb_dir.name}/{slug.name}")
        try:
            nb_dir.rmdir()
        except OSError:
            pass
    return removed
