"""From requests to a checked plan: resolved parameters, a unique folder (slug) and title per
report, and the input hash that decides whether a published report is still fresh."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from . import values as V
from .contract import ContractError, changed_values, resolve
from .expr import DataView
from .notebooks import NotebookSpec, get_notebook

__all__ = ["Planned", "plan", "slug_for", "title_for", "code_hash", "data_digests", "base_hash", "input_hash", "LIBRARIES"]

#: Libraries whose version changes what a report shows or how it is built.
LIBRARIES = ("nkecon", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill", "nbclient",
             "nbconvert", "nbformat", "ipykernel", "jinja2", "nh3", "pyyaml")


@dataclass(frozen=True)
class Planned:
    """One report to build (or skip): everything decided before any kernel starts."""

    spec: NotebookSpec
    parameters: dict[str, Any]
    changed: dict[str, Any]
    slug: str
    title: str
    error: str = ""  # the notebook is malformed: this report fails alone with this line


def _text(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":")) if isinstance(v, (list, dict)) else str(v)


def slug_for(changed: Mapping[str, Any], data_tag: str = "") -> str:
    """A folder name: ``default``, or the changed values made safe plus a digest of their
    exact values (so ``Hello`` and ``hello``, or a value holding ``__``, never share one)."""
    if not changed:
        slug = "default"
    else:
        readable = "__".join(f"{k}-{_text(v)}" for k, v in changed.items()).lower()
        readable = re.sub(r"[^a-z0-9_.-]+", "_", readable)
        readable = re.sub(r"\.{2,}", "_", readable).strip("._-")[:48].rstrip("._-")
        digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:8]
        slug = f"{readable}-{digest}" if readable else digest
    return f"{slug}--{data_tag}" if data_tag else slug


def title_for(spec: NotebookSpec, changed: Mapping[str, Any]) -> str:
    if not changed:
        return spec.title
    parts = ", ".join(f"{k} {V.short_repr(v, 30) if not isinstance(v, str) else v[:30]}" for k, v in changed.items())
    return f"{spec.title} ({parts})"


def plan(requests: Iterable[tuple[str, Mapping[str, Any]]], specs: Mapping[str, NotebookSpec], *,
         data_dir: Path, data_tag: str = "") -> list[Planned]:
    """Check every request before anything runs. Raises ParameterError (one line) for a bad
    request; a malformed report notebook in the default set becomes a Planned with ``error``."""
    data = DataView(data_dir)
    out: list[Planned] = []
    seen: dict[tuple[str, str], dict] = {}
    for name, given in requests:
        spec = get_notebook(name, dict(specs))
        if spec.error:
            if given:
                raise ParameterError(f"Report {name!r} cannot be built: {spec.error}.")
            out.append(Planned(spec, {}, {}, slug_for({}, data_tag), spec.title, error=spec.error))
            continue
        try:
            resolved = resolve(spec.params, spec.rules, spec.name, given, data)
            changed = changed_values(spec.params, resolved, data)
        except ContractError as exc:
            if given:
                raise ParameterError(f"Report {name!r} cannot check its parameters: {exc}.") from None
            out.append(Planned(spec, {}, {}, slug_for({}, data_tag), spec.title, error=f"{spec.path.name}: {exc}"))
            continue
        slug = slug_for(changed, data_tag)
        key = (spec.name, slug)
        if key in seen:
            if seen[key] != resolved:  # a digest collision: refuse rather than merge
                raise ParameterError(f"Two parameter sets of report {name!r} map to the folder {slug!r}.")
            continue
        seen[key] = resolved
        out.append(Planned(spec, resolved, changed, slug, title_for(spec, changed)))
    return out


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def code_files() -> list[Path]:
    pkg = Path(__file__).resolve().parents[1]
    return sorted(p for p in pkg.rglob("*") if p.suffix in (".py", ".mplstyle", ".j2")
                  and "__pycache__" not in p.parts)


def code_hash() -> str:
    """What every report depends on besides its data: nkecon's code and the versions of
    Python and of the libraries that build the report."""
    h = hashlib.sha256(b"nkecon-code-v1\0")
    for path in code_files():
        h.update(path.name.encode() + b"\0")
        try:
            h.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            h.update(b"missing")
    h.update(json.dumps(library_versions(), sort_keys=True).encode())
    return h.hexdigest()


def data_digests(data_dir: Path) -> dict[str, dict[str, str]]:
    """Per dataset, the sha256 of its CSV file (``rows``) and of its entry in
    ``datapackage.json`` (``meta``: title, citation, schema, fetch record)."""
    from ..registry import DATASETS, PACKAGE_FILE

    try:
        package = json.loads((data_dir / PACKAGE_FILE).read_text(encoding="utf-8"))
        resources = {r.get("name"): r for r in package.get("resources", []) if isinstance(r, dict)}
    except (OSError, ValueError, AttributeError):
        resources = {}
    out = {}
    for name in DATASETS:
        try:
            rows = hashlib.sha256((data_dir / f"{name}.csv").read_bytes()).hexdigest()
        except OSError:
            rows = "missing"
        meta = hashlib.sha256(json.dumps(resources.get(name), sort_keys=True, default=str).encode()).hexdigest()
        out[name] = {"rows": rows, "meta": meta}
    return out


def base_hash(item: Planned, code: str, data_dir: Path) -> str:
    """What one report depends on besides its data: what matters in its notebook, its
    resolved parameters (computed defaults included, so a date-dependent default counts),
    the data folder, nkecon's code and the libraries."""
    h = hashlib.sha256(b"nkecon-report-v3\0")
    h.update(item.spec.content_hash.encode())
    h.update(json.dumps(item.parameters, sort_keys=True, default=str).encode())
    h.update(str(data_dir).encode() + b"\0")
    h.update(code.encode())
    return h.hexdigest()


def input_hash(base: str, digests: Mapping[str, Mapping[str, str]], reads: Mapping[str, Any] | None) -> str:
    """The base hash and the data the report read: for each dataset it read, the hash of its
    metadata, and of its rows when it loaded them. ``reads`` None (never built): all data."""
    h = hashlib.sha256(base.encode())
    if reads is None:
        h.update(json.dumps(digests, sort_keys=True).encode())
        return h.hexdigest()
    for name in sorted(reads):
        kinds = reads[name]
        kinds = kinds.get("read", []) if isinstance(kinds, Mapping) else kinds
        d = digests.get(name, {"rows": "unknown", "meta": "unknown"})
        h.update(f"{name}\0{d['meta']}\0{d['rows'] if 'rows' in kinds else ''}\0".encode())
    return h.hexdigest()
