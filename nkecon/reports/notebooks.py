"""Find the report notebooks: only notebooks marked ``{"nkecon": {"report": true}}`` are reports.

Any other notebook in the folder (a scratch notebook saved from JupyterLab, a plain papermill
notebook, ``explore.ipynb``) is ignored. A report notebook that cannot be read or whose
contract is malformed is kept with its one-line ``error``: it fails alone when built.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .contract import Contract, ContractError, Param, Rule, parse_contract

log = logging.getLogger("nkecon")

__all__ = ["NotebookSpec", "check_names", "discover", "get_notebook", "NAME_RE"]

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MARKER_RE = re.compile(r'"report"\s*:\s*true')
MAX_NOTEBOOK_BYTES = 20_000_000


@dataclass(frozen=True)
class NotebookSpec:
    """A report notebook: where it is, its title, declared figures and parameter contract."""

    name: str
    path: Path
    title: str
    figures: tuple[str, ...] = ()
    default_set: bool = True
    contract: Contract = field(default_factory=Contract)
    content_hash: str = ""
    error: str = ""  # one line when the notebook is malformed

    @property
    def params(self) -> dict[str, Param]:
        return self.contract.params

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.contract.rules


def _content_hash(nb: Any) -> str:
    """What matters for a build: cell types, sources and tags, and nkecon's metadata. Outputs,
    execution counts and JupyterLab's metadata do not force a rebuild."""
    h = hashlib.sha256(b"nkecon-notebook-v1\0")
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        tags = sorted(cell.get("metadata", {}).get("tags", []) or [])
        h.update(json.dumps([cell.get("cell_type"), src, tags]).encode())
    h.update(json.dumps(nb.get("metadata", {}).get("nkecon", {}), sort_keys=True, default=str).encode())
    return h.hexdigest()


def load_spec(path: Path) -> NotebookSpec | None:
    """The spec of one notebook file, ``None`` when it is not a report notebook."""
    name = path.stem
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            return None
        if st.st_size > MAX_NOTEBOOK_BYTES:
            return NotebookSpec(name, path, name, error=f"{path.name} is larger than {MAX_NOTEBOOK_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        log.warning("skipping notebook %s: %s", path, exc.strerror or exc)
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError as exc:
        if _MARKER_RE.search(text):
            return NotebookSpec(name, path, name, error=f"{path.name} is not valid JSON ({exc})")
        log.info("ignoring %s: not a notebook", path.name)
        return None
    meta = data.get("metadata", {}) if isinstance(data, dict) else {}
    nk = meta.get("nkecon") if isinstance(meta, dict) else None
    if not isinstance(nk, dict) or nk.get("report") is not True:
        return None
    title = nk.get("title", name)
    figures = nk.get("figures", [])
    if not isinstance(title, str) or not isinstance(figures, list) or not all(
            isinstance(f, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]*", f) for f in figures):
        return NotebookSpec(name, path, name, error="metadata.nkecon must hold a text `title` and a list of "
                                                     "`figures` named with lowercase letters, digits, '_' or '-'")
    default_set = nk.get("default_set", True) is not False
    try:
        import nbformat

        if data.get("nbformat") != 4:
            raise ValueError(f"nbformat {data.get('nbformat')!r}; expected 4")
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds for a malformed file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return NotebookSpec(name, path, title, tuple(figures), default_set,
                            error=f"{path.name} is not a valid notebook ({first[:200]})")
    try:
        contract = parse_contract(nb, name)
    except ContractError as exc:
        return NotebookSpec(name, path, title, tuple(figures), default_set, error=f"{path.name}: {exc}")
    except Exception as exc:  # whatever else a malformed cell provokes stays this notebook's problem
        return NotebookSpec(name, path, title, tuple(figures), default_set,
                            error=f"{path.name}: the parameters cell cannot be read ({type(exc).__name__}: {exc})")
    return NotebookSpec(name, path, title, tuple(figures), default_set, contract, _content_hash(data))


def discover(folder: Path) -> dict[str, NotebookSpec]:
    """Every report notebook in ``folder``, by name."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ParameterError(f"The notebooks folder {str(folder)!r} {what}; set NKECON_NOTEBOOKS_DIR to a folder "
                             "of report notebooks.")
    specs = {}
    for path in sorted(folder.glob("*.ipynb")):
        if not NAME_RE.fullmatch(path.stem):
            if load_spec(path) is not None:
                log.warning("skipping the report notebook %s: a report's file name must be a lower-case identifier "
                            "(letters a-z, digits and '_', starting with a letter), such as %s.ipynb", path.name,
                            re.sub(r"^[^a-z]+", "", re.sub(r"[^a-z0-9_]+", "_", path.stem.lower())) or "report")
            continue
        spec = load_spec(path)
        if spec is not None:
            specs[spec.name] = spec
    return specs


def check_names(folder: Path, name: str, given: dict[str, Any]) -> None:
    """Refuse a parameter the report does not declare, from its parameters cell alone (no
    papermill, no data): the names are the targets of the cell's assignments, which
    :func:`~nkecon.reports.contract.parse_contract` requires to be exactly papermill's."""
    import ast

    from . import values as V

    path = folder / f"{name}.ipynb"
    if not given or not NAME_RE.fullmatch(name):
        return
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["metadata"]["nkecon"]["report"] is not True:
            return
        cells = [c for c in data["cells"] if "parameters" in (c.get("metadata", {}).get("tags") or [])]
        if len(cells) != 1 or cells[0].get("cell_type") != "code":
            return
        source = cells[0]["source"]
        tree = ast.parse("".join(source) if isinstance(source, list) else source)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, SyntaxError):
        return  # the full check names the problem
    names = [n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
    if len(names) != len(tree.body):
        return
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ParameterError(f"Report {name!r} has no parameter {V.short_repr(unknown[0])}; its parameters are: "
                             f"{', '.join(names) or '(none)'}.")


def get_notebook(name: str, specs: dict[str, NotebookSpec]) -> NotebookSpec:
    if name not in specs:
        raise ParameterError(f"No report named {name!r}; see `nkecon report --list` "
                             f"(reports: {', '.join(specs) or 'none'}).")
    return specs[name]
