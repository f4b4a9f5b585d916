"""The merge: what a source brings against what the data folder holds, row by row.

A source hands over a :class:`Plan` (rows for one dataset, its row in ``sources.csv``, the
provenance of the answers); :func:`merge` applies it to the staged copy of the dataset and
returns the :class:`Change` rows that the summary prints. Rows the source owns (its own
earlier rows) are updated; curated rows it disagrees with are reported and kept unless
``accept``. A plan that names one key twice is refused: the service contradicts itself.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .. import paths
from ..errors import FetchError
from ..registry import PACKAGE_FILE
from .http import Raw

__all__ = ["Change", "FetchResult", "Plan", "merge", "read_csv", "csv_bytes", "same", "fmt"]


@dataclass(frozen=True)
class Change:
    """One row that a fetch adds, changes, or disagrees with."""

    dataset: str
    key: tuple[str, ...]
    kind: str  # "added" | "changed" | "disagrees" | "removed"
    old: Mapping[str, str] = field(default_factory=dict)
    new: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        key = ", ".join(self.key)
        if self.kind == "added":
            return f"+ {self.dataset} ({key})"
        diffs = "; ".join(f"{c} {self.old.get(c, '')!s} -> {self.new.get(c, '')!s}"
                          for c in self.new if self.old.get(c, "") != self.new.get(c, ""))
        if self.kind == "changed":
            return f"~ {self.dataset} ({key}): {diffs}"
        if self.kind == "removed":
            return f"- {self.dataset} ({key}): no longer in the source (kept)"
        return f"! {self.dataset} ({key}): curated {diffs} (kept; --accept takes the fetched value)"


@dataclass(frozen=True)
class FetchResult:
    """What a fetch found and did: ``changes``, the ``data_dir`` and whether it ``wrote``."""

    sources: tuple[str, ...]
    data_dir: Path
    changes: tuple[Change, ...]
    provenance: Mapping[str, Mapping[str, Any]]
    wrote: bool
    dry_run: bool
    from_cache: tuple[str, ...] = ()

    def _count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)

    @property
    def changed(self) -> bool:
        """Whether any row was added or changed (disagreements kept do not count)."""
        return any(c.kind in ("added", "changed") for c in self.changes)

    def summary(self, *, limit: int = 40) -> str:
        """The summary the command line prints: counts, then the rows themselves."""
        lines = [
            f"{', '.join(self.sources)}: {self._count('added')} row(s) added, {self._count('changed')} changed, "
            f"{self._count('disagrees')} curated figure(s) the fetch disagrees with (kept), "
            f"{self._count('removed')} no longer in the source (kept)"
        ]
        shown = [c for c in self.changes]
        lines += [c.describe() for c in shown[:limit]]
        if len(shown) > limit:
            lines.append(f"... and {len(shown) - limit} more")
        if self.dry_run:
            lines.append(f"dry run: nothing written to {self.data_dir}")
        elif self.wrote:
            lines.append(f"written to {self.data_dir}")
        else:
            lines.append(f"nothing changed in {self.data_dir}")
        return "\n".join(lines)


@dataclass
class Plan:
    """What one source wants in the data: rows per dataset, the source row, provenance."""

    source: str
    dataset: str
    rows: list[dict[str, str]]
    source_row: dict[str, str]
    provenance: dict[str, Any]
    owns: Callable[[Mapping[str, str]], bool]
    compare: tuple[str, ...]
    raws: list[Raw]
    # Curated rows of other keys that the fetch disagrees with (reported, never replaced).
    disagreements: list[Change] = field(default_factory=list)
    # gdp_releases: years whose fetched figures disagree with a curated latest release.
    held_back: set[str] = field(default_factory=set)


def fmt(value: float | None, digits: int) -> str:
    """A figure as the CSV holds it: rounded to ``digits``, no trailing zeros, never ``-0``."""
    if value is None:
        return ""
    out = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), [dict(r) for r in reader]


def csv_bytes(header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in header})
    return buf.getvalue().encode("utf-8")


def same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False


def _schema_key(dataset: str) -> list[str]:
    package = json.loads((paths.shipped_data_dir() / PACKAGE_FILE).read_text(encoding="utf-8"))
    res = next(r for r in package["resources"] if r["name"] == dataset)
    key = res["schema"]["primaryKey"]
    return [key] if isinstance(key, str) else list(key)


def merge(plan: Plan, folder: Path, *, accept: bool) -> tuple[list[str], list[dict[str, str]], list[Change], bool]:
    """The dataset's rows after the fetch, the changes, and whether the source row is cited."""
    header, rows = read_csv(folder / f"{plan.dataset}.csv")
    key_cols = _schema_key(plan.dataset)
    index = {tuple(r[c] for c in key_cols): i for i, r in enumerate(rows)}
    changes: list[Change] = list(plan.disagreements)
    cited = False
    fetched_keys: dict[tuple[str, ...], int] = {}
    for n, new in enumerate(plan.rows):
        key = tuple(str(new.get(c, "")) for c in key_cols)
        if key in fetched_keys:
            raise FetchError(plan.source, f"the answer lists {plan.dataset} ({', '.join(key)[:80]}) twice; "
                                          "refused rather than keep one of the two silently")
        fetched_keys[key] = n
    for new in plan.rows:
        new = {**new, "source_id": plan.source_row["source_id"]}
        key = tuple(new[c] for c in key_cols)
        i = index.get(key)
        if i is None:
            rows.append(new)
            index[key] = len(rows) - 1
            changes.append(Change(plan.dataset, key, "added", {}, {c: new[c] for c in plan.compare}))
            cited = True
            continue
        old = rows[i]
        if all(same(old.get(c, ""), new.get(c, "")) for c in plan.compare):
            continue
        diff_old, diff_new = {c: old.get(c, "") for c in plan.compare}, {c: new[c] for c in plan.compare}
        if plan.owns(old) or accept:
            if not plan.owns(old):
                new["note"] = (new.get("note", "") + f"; replaces curated {diff_old} from {old.get('source_id')}").lstrip("; ")
            rows[i] = {**old, **new}
            changes.append(Change(plan.dataset, key, "changed", diff_old, diff_new))
            cited = True
        else:
            changes.append(Change(plan.dataset, key, "disagrees", diff_old, diff_new))
    if plan.dataset == "un_designations":
        fetched = {tuple(r[c] for c in key_cols) for r in plan.rows}
        for r in rows:
            key = tuple(r[c] for c in key_cols)
            if key not in fetched:
                changes.append(Change(plan.dataset, key, "removed", {}, {}))
    return header, rows, changes, cited


