"""Build nkecon's reports: parameterised notebooks, run by papermill, published as HTML.

``nkecon report`` (and :func:`build`) does, for each requested notebook and parameter set:

1. checks the parameters against the notebook's ``parameters`` cell before any kernel
   starts (unknown names, wrong types and out-of-range values are one-line errors);
2. skips the report when its inputs (notebook, parameters, data files, nkecon's code) are
   unchanged since the last successful build;
3. otherwise runs the notebook with papermill in a private build folder, with the
   current environment's Python as kernel and a per-cell timeout; exports it to HTML with
   the code hidden; checks that every figure the notebook declares was produced;
4. publishes the build at ``<out>/<notebook>/<slug>/`` only on success (the last good
   report stays in place when a build fails), and rewrites ``<out>/index.html``.

A lock on the output folder keeps two runs from writing it at once.

Notebook conventions: one cell tagged ``parameters`` whose lines read
``name: type = default  # help [min..max]`` or ``# help {a|b|c}``, with type one of
``int``, ``float``, ``str``, ``bool``, ``list``, ``dict``; and notebook metadata
``{"nkecon": {"report": true, "title": "...", "figures": ["name", ...]}}``.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import paths
from .errors import NkeconError, ParameterError, ReportError
from .registry import data_files

log = logging.getLogger("nkecon")

__all__ = [
    "Param",
    "NotebookSpec",
    "ReportResult",
    "discover",
    "get_notebook",
    "resolve_parameters",
    "slug_for",
    "build",
    "write_index",
    "LockedError",
]

_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}
_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")


class LockedError(NkeconError):
    """Another ``nkecon report`` holds the lock on the reports folder."""


# ------------------------------------------------------------------------------ notebook specs
@dataclass(frozen=True)
class Param:
    """One declared notebook parameter."""

    name: str
    type: str
    default: Any
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    def describe(self) -> str:
        extra = ""
        if self.min is not None or self.max is not None:
            extra = f" [{self.min}..{self.max}]"
        elif self.choices:
            extra = " {" + "|".join(self.choices) + "}"
        return f"{self.name}: {self.type} = {self.default!r}  # {self.help}{extra}"

    def check(self, value: Any, notebook: str) -> Any:
        """Return ``value`` converted to the declared type, or raise ParameterError."""
        where = f"Parameter `{self.name}` of notebook {notebook!r}"
        ok = _TYPES[self.type]
        if isinstance(value, bool) and self.type != "bool":
            ok = ()
        if not isinstance(value, ok):
            raise ParameterError(f"{where} must be of type {self.type}, but {value!r} was passed.")
        if self.type == "float":
            value = float(value)
        if self.type == "list":
            value = list(value)
        if self.min is not None and value < self.min or self.max is not None and value > self.max:
            raise ParameterError(f"{where} must be between {self.min} and {self.max}, but {value!r} was passed.")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"{where} must be one of {', '.join(self.choices)}, but {value!r} was passed.")
        if self.type in ("list", "dict"):
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                raise ParameterError(f"{where} must hold only plain values (numbers, text, lists, mappings).") from None
        return value


@dataclass(frozen=True)
class NotebookSpec:
    """A report notebook: where it is, its title, declared figures and parameters."""

    name: str
    path: Path
    title: str
    report: bool
    figures: tuple[str, ...]
    params: dict[str, Param] = field(default_factory=dict)


def _parse_params(source: str, notebook: str) -> dict[str, Param]:
    params: dict[str, Param] = {}
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ReportError(f"Notebook {notebook!r}: the parameters cell is not valid Python ({exc.msg}, line {exc.lineno}).") from None
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            raise ReportError(
                f"Notebook {notebook!r}: parameters cell line {node.lineno} must read `name: type = value  # help`."
            )
        name, type_name = node.target.id, ast.unparse(node.annotation)
        if type_name not in _TYPES:
            raise ReportError(f"Notebook {notebook!r}: parameter {name!r} has type {type_name!r}; expected one of {', '.join(_TYPES)}.")
        default = ast.literal_eval(node.value)
        line = lines[node.end_lineno - 1]
        comment = line.split("#", 1)[1].strip() if "#" in line[node.end_col_offset:] else ""
        lo = hi = None
        choices = None
        m = re.search(r"\[\s*(-?[\d.]+)\s*\.\.\s*(-?[\d.]+)\s*\]\s*$", comment)
        if m:
            conv = int if type_name == "int" else float
            lo, hi = conv(m.group(1)), conv(m.group(2))
            comment = comment[: m.start()].strip()
        m = re.search(r"\{([^{}]+)\}\s*$", comment)
        if m and type_name == "str":
            choices = tuple(c.strip() for c in m.group(1).split("|"))
            comment = comment[: m.start()].strip()
        params[name] = Param(name, type_name, default, comment, lo, hi, choices)
    return params


def _load_spec(path: Path) -> NotebookSpec:
    name = path.stem
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"Notebook {str(path)!r} cannot be read as JSON ({exc}).") from None
    meta = nb.get("metadata", {}).get("nkecon", {})
    cells = [c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) > 1:
        raise ReportError(f"Notebook {name!r} has {len(cells)} cells tagged 'parameters'; expected one.")
    params = {}
    if cells:
        source = cells[0]["source"]
        params = _parse_params("".join(source) if isinstance(source, list) else source, name)
    return NotebookSpec(
        name=name,
        path=path,
        title=str(meta.get("title", name)),
        report=bool(meta.get("report", False)),
        figures=tuple(meta.get("figures", ())),
        params=params,
    )


def discover(notebooks: str | os.PathLike | None = None) -> dict[str, NotebookSpec]:
    """Every notebook in the notebooks folder, by name (report notebooks and others)."""
    folder = Path(notebooks) if notebooks is not None else paths.notebooks_dir()
    specs = {}
    for path in sorted(folder.glob("*.ipynb")):
        if _NAME_RE.fullmatch(path.stem):
            specs[path.stem] = _load_spec(path)
    return specs


def get_notebook(name: str, specs: Mapping[str, NotebookSpec]) -> NotebookSpec:
    if name not in specs:
        raise ParameterError(f"No notebook named {name!r}; see `nkecon report --list` (known: {', '.join(specs)}).")
    return specs[name]


# ------------------------------------------------------------------------------- parameters
#: Deeper checks of some parameters, run before a kernel starts (value -> None or raise).
def _check_driver_mapping(value: dict) -> None:
    if value:
        from .analysis import TOP_SECTORS, _check_mapping

        _check_mapping(value, TOP_SECTORS)


VALIDATORS: dict[str, Callable[[Any], None]] = {"driver_mapping": _check_driver_mapping}


def _check_contraction(p: Mapping[str, Any]) -> None:
    start, focus = p["baseline_start"], p["focus_year"]
    end = p["baseline_end"] or focus - 1
    if end >= focus:
        raise ParameterError(
            f"`baseline_end` ({end}) must come before `focus_year` ({focus}); pass -p baseline_end={focus - 1}."
        )
    if end - start + 1 < 8:
        raise ParameterError(f"The baseline window {start}-{end} must span at least 8 years.")
    from .analysis import sector_contributions

    sector_contributions(year=focus)  # the data must hold that year's industry figures


#: Checks across a notebook's parameters, run before a kernel starts when values are given.
NOTEBOOK_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {"contraction": _check_contraction}


def resolve_parameters(spec: NotebookSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """The full parameter set: declared defaults overridden by ``given``, each checked."""
    unknown = [k for k in given if k not in spec.params]
    if unknown:
        raise ParameterError(
            f"Notebook {spec.name!r} has no parameter {unknown[0]!r}; its parameters are: "
            f"{', '.join(spec.params) or '(none)'}."
        )
    resolved = {}
    for name, param in spec.params.items():
        value = param.check(given[name], spec.name) if name in given else param.default
        if name in given and name in VALIDATORS:
            try:
                VALIDATORS[name](value)
            except ParameterError as exc:
                raise ParameterError(f"Parameter `{name}` of notebook {spec.name!r}: {exc}") from None
        resolved[name] = value
    if given and spec.name in NOTEBOOK_CHECKS:
        try:
            NOTEBOOK_CHECKS[spec.name](resolved)
        except ParameterError as exc:
            raise ParameterError(f"Notebook {spec.name!r}: {exc}") from None
    return resolved


def parse_assignment(text: str) -> tuple[str, Any]:
    """``name=value`` from the command line; the value is read as YAML (2018, 0.5, [1,0,0])."""
    import yaml

    if "=" not in text:
        raise ParameterError(f"A parameter must be given as name=value, but {text!r} was passed.")
    name, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return name.strip(), value


def read_params_file(path: str | os.PathLike) -> list[dict[str, Any]]:
    """A YAML file of parameters: one mapping, or a list of mappings (a sweep).

    Each mapping may name its ``notebook`` and hold its values under ``parameters``; a plain
    mapping of values applies to the notebook named on the command line.
    """
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"The parameters file {str(path)!r} does not exist.") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"The parameters file {str(path)!r} is not valid YAML ({exc}).") from None
    items = data if isinstance(data, list) else [data]
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ParameterError(f"Item {i} of {str(path)!r} must be a mapping of parameter names to values.")
        if "parameters" in item or "notebook" in item:
            extra = set(item) - {"notebook", "parameters"}
            if extra or not isinstance(item.get("parameters", {}), dict):
                raise ParameterError(f"Item {i} of {str(path)!r} must hold only `notebook` and a `parameters` mapping.")
            out.append({"notebook": item.get("notebook"), "parameters": item.get("parameters") or {}})
        else:
            out.append({"notebook": None, "parameters": item})
    return out


def slug_for(spec: NotebookSpec, resolved: Mapping[str, Any]) -> str:
    """A folder name for a parameter set: ``default``, or the changed values, made safe."""
    changed = {k: v for k, v in resolved.items() if v != spec.params[k].default}
    if not changed:
        return "default"
    parts = []
    for k, v in changed.items():
        text = json.dumps(v, sort_keys=True, separators=(",", ":")) if isinstance(v, (list, dict)) else str(v)
        parts.append(f"{k}-{text}")
    slug = re.sub(r"[^a-z0-9_.=-]+", "_", "__".join(parts).lower())
    slug = re.sub(r"\.{2,}", "_", slug).strip("._-")
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:8]
    if len(slug) > 60 or slug != "__".join(parts).lower():
        slug = f"{slug[:50].rstrip('._')}-{digest}"
    return slug


# ---------------------------------------------------------------------------------- hashing
def _code_files() -> list[Path]:
    pkg = Path(__file__).resolve().parent
    return sorted(p for p in pkg.rglob("*") if p.suffix in (".py", ".mplstyle") and "__pycache__" not in p.parts)


def shared_inputs_hash() -> str:
    """A hash of what every report depends on: the data files, nkecon's code, Python."""
    h = hashlib.sha256()
    for path in data_files() + _code_files():
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes() if path.exists() else b"missing")
    h.update(sys.version.encode())
    return h.hexdigest()


def input_hash(spec: NotebookSpec, resolved: Mapping[str, Any], shared: str | None = None) -> str:
    """A hash of everything a report depends on: notebook, parameters, data, nkecon's code.

    ``shared`` is :func:`shared_inputs_hash`, computed once per build by the caller.
    """
    h = hashlib.sha256()
    h.update(b"nkecon-report-v1\0")
    h.update(spec.path.read_bytes())
    h.update(json.dumps(resolved, sort_keys=True, default=str).encode())
    h.update((shared or shared_inputs_hash()).encode())
    return h.hexdigest()


# ------------------------------------------------------------------------------------ build
@dataclass
class ReportResult:
    """What happened to one report."""

    notebook: str
    slug: str
    parameters: dict[str, Any]
    status: str  # "built", "skipped", "failed"
    seconds: float = 0.0
    message: str = ""
    path: Path | None = None
    partial: Path | None = None


@dataclass(frozen=True)
class _Job:
    spec: NotebookSpec
    parameters: dict[str, Any]
    slug: str
    inputs: str
    build_dir: Path
    timeout: int


_PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1,h2,h3{line-height:1.25} img{max-width:100%;height:auto}
table.nk-table,table.dataframe{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
.nk-table td,.nk-table th,.dataframe td,.dataframe th{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
.nk-scroll{overflow-x:auto;max-width:100%} .nk-table td{max-width:28rem;overflow-wrap:anywhere}
.nk-provenance{margin-top:2rem;padding-top:1rem;border-top:2px solid #ccc;font-size:.85rem}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem} code{font-size:.85em}
.nk-meta{color:#555;font-size:.85rem} .nk-caption{color:#444;font-size:.85rem}
a.anchor-link{display:none}
"""


def _html_page(title: str, body: str, meta_line: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{_PAGE_CSS}</style></head><body>"
        f"<p class='nk-meta'><a href='../../index.html'>All reports</a> &middot; {meta_line}</p>"
        f"{body}</body></html>\n"
    )


def _export_html(nb: Any, spec: NotebookSpec, parameters: Mapping[str, Any]) -> str:
    """The executed notebook as one self-contained page: code hidden, figures embedded."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    params = ", ".join(f"{html.escape(k)}={html.escape(repr(v))}" for k, v in parameters.items())
    return _html_page(spec.title, body, f"built {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} &middot; {params}")


def _cell_failure(exc: Exception, nb_path: Path, notebook: str) -> str:
    """One line: which cell failed (numbered as in the source notebook), its source, the error."""
    cell = getattr(exc, "cell_index", None)
    exec_count = getattr(exc, "exec_count", None)
    source = getattr(exc, "source", "") or ""
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    first = next((line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")), "")
    if len(first) > 80:
        first = first[:77] + "..."
    where = "a cell"
    if isinstance(cell, int):
        try:
            cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
            injected = sum("injected-parameters" in c.get("metadata", {}).get("tags", []) for c in cells[:cell])
        except (OSError, ValueError, KeyError):
            injected = 0
        where = f"cell {cell + 1 - injected} of {notebook}.ipynb"
        if exec_count:
            where += f" (execution [{exec_count}])"
    detail = str(evalue).strip().splitlines()[0] if evalue else ""
    return f"{where} `{first}` raised {ename}: {detail}; partial notebook: {nb_path}"


_RUNNING: dict[str, Any] = {}


def _engine():
    """papermill's nbclient engine, keeping hold of the notebook it runs.

    The output notebook is written once at the end instead of after every cell (each write
    re-validates the whole notebook); when a cell fails or times out, the runner writes the
    partial notebook from the copy held here.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            _RUNNING["nb"] = nb_man.nb
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("nkecon", Engine)
    return "nkecon"


def _run_job(job: _Job) -> dict[str, Any]:
    """Execute, export and check one report in its build folder (runs in a worker)."""
    _without_slow_imports()
    import nbformat
    import papermill as pm

    start = time.perf_counter()
    build = job.build_dir
    figures_dir = build / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    nb_out = build / "notebook.ipynb"
    os.environ["NKECON_FIGURE_DIR"] = str(figures_dir)
    timings: dict[str, float] = {}
    try:
        nb = pm.execute_notebook(
            str(job.spec.path), str(nb_out), parameters=job.parameters, kernel_name="python3", language="python",
            kernel_manager_class="nkecon._kernel.CurrentPythonKernelManager", progress_bar=False,
            execution_timeout=job.timeout, cwd=str(job.spec.path.parent), shutdown_kernel="immediate",
            request_save_on_cell_execute=False, engine_name=_engine(),
        )
    except Exception as exc:  # papermill raises its own errors; report them as one line
        if not nb_out.exists() and _RUNNING.get("nb") is not None:
            nbformat.write(_RUNNING["nb"], str(nb_out))
        message = _cell_failure(exc, nb_out, job.spec.name) if nb_out.exists() else f"{type(exc).__name__}: {exc}"
        if "Timeout" in type(exc).__name__ or "timed out" in str(exc).lower():
            message = f"a cell ran longer than the {job.timeout} s timeout and was stopped; partial notebook: {nb_out}"
        return {"ok": False, "message": message, "partial": str(nb_out), "seconds": time.perf_counter() - start}
    finally:
        os.environ.pop("NKECON_FIGURE_DIR", None)
        _RUNNING.clear()
    timings["execute_s"] = round(time.perf_counter() - start, 3)

    missing = [f for f in job.spec.figures if not (figures_dir / f"{f}.png").is_file()]
    if missing:
        return {"ok": False, "partial": str(nb_out), "seconds": time.perf_counter() - start,
                "message": f"declared figure(s) {', '.join(missing)} were not produced; partial notebook: {nb_out}"}
    t = time.perf_counter()
    (build / "index.html").write_text(_export_html(nb, job.spec, job.parameters), encoding="utf-8")
    timings["export_s"] = round(time.perf_counter() - t, 3)
    timings["total_s"] = round(time.perf_counter() - start, 3)
    import platform

    import nkecon

    from .notebook import data_hashes

    provenance = {
        "notebook": job.spec.name,
        "title": job.spec.title,
        "slug": job.slug,
        "parameters": job.parameters,
        "inputs_hash": job.inputs,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "status": "success",
        "figures": [f"figures/{f}.png" for f in job.spec.figures],
        "data_files": data_hashes(),
        "versions": {"nkecon": nkecon.__version__, "python": platform.python_version(),
                     "papermill": pm.__version__},
        "timings": timings,
    }
    (build / "provenance.json").write_text(json.dumps(provenance, indent=2, default=str), encoding="utf-8")
    return {"ok": True, "seconds": timings["total_s"]}


def _without_slow_imports() -> None:
    # jsonschema builds an IRI grammar at import when rfc3987_syntax is installed (about
    # 1.4 s in every process that imports papermill); the report path never checks IRIs.
    sys.modules.setdefault("rfc3987_syntax", None)


def _publish(build: Path, final: Path) -> None:
    """Replace ``final`` with ``build`` (both under the output folder) in two renames."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(build, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _inside(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ParameterError(f"Refusing to write outside the output folder: {path}")
    return path


def _published(out: Path, notebook: str, slug: str) -> dict[str, Any] | None:
    try:
        return json.loads((out / notebook / slug / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def plan(
    requests: Iterable[tuple[str, Mapping[str, Any]]],
    specs: Mapping[str, NotebookSpec],
) -> list[tuple[NotebookSpec, dict[str, Any], str]]:
    """Check every request before anything runs: (spec, resolved parameters, slug) each."""
    planned, seen = [], set()
    for name, given in requests:
        spec = get_notebook(name, specs)
        resolved = resolve_parameters(spec, given)
        slug = slug_for(spec, resolved)
        if (name, slug) not in seen:
            seen.add((name, slug))
            planned.append((spec, resolved, slug))
    return planned


def build(
    planned: list[tuple[NotebookSpec, dict[str, Any], str]],
    *,
    out: Path,
    jobs: int = 1,
    force: bool = False,
    timeout: int = 600,
    lock_timeout: float = 600,
    on_event: Callable[[str, ReportResult | None], None] | None = None,
) -> list[ReportResult]:
    """Build the planned reports into ``out`` under a lock; return one result each."""
    from filelock import FileLock, Timeout

    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / ".nkecon-report.lock"))
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise LockedError(
            f"another `nkecon report` has held the lock {out / '.nkecon-report.lock'} for {lock_timeout:g} s; "
            "try again later"
        ) from None
    try:
        return _build_locked(planned, out=out, jobs=jobs, force=force, timeout=timeout, on_event=on_event)
    finally:
        lock.release()


def _build_locked(planned, *, out, jobs, force, timeout, on_event) -> list[ReportResult]:
    emit = on_event or (lambda kind, result: None)
    results: list[ReportResult] = []
    todo: list[tuple[_Job, ReportResult]] = []
    staging = out / ".build"
    shared = shared_inputs_hash()
    for spec, resolved, slug in planned:
        final = _inside(out, out / spec.name / slug)
        inputs = input_hash(spec, resolved, shared)
        prev = _published(out, spec.name, slug)
        result = ReportResult(spec.name, slug, resolved, "pending", path=final)
        if (not force and prev and prev.get("inputs_hash") == inputs
                and all((final / f).is_file() for f in prev.get("figures", [])) and (final / "index.html").is_file()):
            result.status = "skipped"
            results.append(result)
            emit("skipped", result)
            continue
        build_dir = _inside(out, staging / f"{spec.name}-{slug}-{uuid.uuid4().hex[:8]}")
        todo.append((_Job(spec, resolved, slug, inputs, build_dir, timeout), result))

    def finish(job: _Job, result: ReportResult, outcome: dict[str, Any]) -> None:
        result.seconds = float(outcome.get("seconds", 0.0))
        failed_dir = out / ".failed" / job.spec.name / job.slug
        if outcome["ok"]:
            _publish(job.build_dir, result.path)
            shutil.rmtree(failed_dir, ignore_errors=True)
            result.status = "built"
        else:
            # keep the partial notebook where a person can open it; the published report stays
            failed_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(failed_dir, ignore_errors=True)
            os.replace(job.build_dir, failed_dir)
            partial = failed_dir / "notebook.ipynb"
            message = outcome["message"].replace(str(job.build_dir / "notebook.ipynb"), str(partial))
            record = {"notebook": job.spec.name, "slug": job.slug, "parameters": job.parameters,
                      "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "message": message}
            (failed_dir / "failure.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
            result.status, result.message, result.partial = "failed", message, partial
        log.info("%s %s/%s in %.1f s %s", result.status, job.spec.name, job.slug, result.seconds, result.message)
        results.append(result)
        emit(result.status, result)

    if todo:
        for job, result in todo:
            emit("start", result)
        if jobs <= 1 or len(todo) == 1:
            for job, result in todo:
                finish(job, result, _run_job(job))
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            _without_slow_imports()
            import papermill  # noqa: F401  imported once here, inherited by forked workers

            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx) as pool:
                futures = {pool.submit(_run_job, job): (job, result) for job, result in todo}
                for future in as_completed(futures):
                    job, result = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as exc:  # a worker that died
                        outcome = {"ok": False, "message": f"the report worker failed: {exc}", "seconds": 0.0}
                    finish(job, result, outcome)
    shutil.rmtree(staging, ignore_errors=True)
    write_index(out)
    order = {(s.name, slug): i for i, (s, _, slug) in enumerate(planned)}
    results.sort(key=lambda r: order.get((r.notebook, r.slug), 0))
    return results


# ------------------------------------------------------------------------------------ index
def write_index(out: Path) -> Path:
    """Write ``out/index.html``: every published or failed report, with a thumbnail."""
    entries = []
    for prov_path in sorted(out.glob("*/*/provenance.json")):
        try:
            prov = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        folder = prov_path.parent
        failure = out / ".failed" / folder.parent.name / folder.name / "failure.json"
        prov["_failure"] = json.loads(failure.read_text(encoding="utf-8")) if failure.is_file() else None
        prov["_rel"] = f"{folder.parent.name}/{folder.name}"
        entries.append(prov)
    for failure in sorted(out.glob(".failed/*/*/failure.json")):
        rec = json.loads(failure.read_text(encoding="utf-8"))
        if not (out / rec["notebook"] / rec["slug"] / "provenance.json").is_file():
            entries.append({"notebook": rec["notebook"], "slug": rec["slug"], "parameters": rec["parameters"],
                            "title": rec["notebook"], "built_at": "", "figures": [], "_failure": rec, "_rel": None})
    rows = []
    for e in entries:
        esc = html.escape
        params = "<br>".join(f"{esc(str(k))} = {esc(json.dumps(v, default=str))}" for k, v in e["parameters"].items())
        thumb = ""
        if e["_rel"] and e.get("figures"):
            src = f"{e['_rel']}/{e['figures'][0]}"
            thumb = f"<a href='{esc(e['_rel'])}/index.html'><img src='{esc(src)}' alt='{esc(e['title'])}' width='220'></a>"
        if e["_failure"]:
            status = (f"<span class='failed'>failed {esc(e['_failure']['failed_at'])}</span>"
                      f"<br><small>{esc(e['_failure']['message'])}</small>")
            if e["_rel"]:
                status += "<br><small>showing the last good build</small>"
        else:
            status = "<span class='ok'>ok</span>"
        title = (f"<a href='{esc(e['_rel'])}/index.html'>{esc(e['title'])}</a>" if e["_rel"] else esc(e["title"]))
        links = (f"<br><small><a href='{esc(e['_rel'])}/notebook.ipynb'>notebook</a> &middot; "
                 f"<a href='{esc(e['_rel'])}/provenance.json'>provenance</a></small>") if e["_rel"] else ""
        built = esc(e.get("built_at", ""))
        seconds = e.get("timings", {}).get("total_s")
        took = f"<br><small>{seconds:.1f} s</small>" if isinstance(seconds, (int, float)) else ""
        rows.append(f"<tr><td>{thumb}</td><td>{title}<br><code>{esc(e['slug'])}</code>{links}</td>"
                    f"<td class='params'>{params}</td><td>{built}{took}</td><td>{status}</td></tr>")
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>nkecon reports</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:.5rem;vertical-align:top;text-align:left}"
        ".params{font-family:monospace;font-size:.8rem}.failed{color:#b00;font-weight:bold}.ok{color:#060}"
        "img{border:1px solid #ccc}</style></head><body><h1>nkecon reports</h1>"
        f"<p>{len(entries)} report(s); index written {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}.</p>"
        "<table><tr><th></th><th>report</th><th>parameters</th><th>built</th><th>status</th></tr>"
        + "".join(rows) + "</table></body></html>\n"
    )
    index = out / "index.html"
    tmp = out / f".index-{uuid.uuid4().hex[:8]}.html"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, index)
    return index
