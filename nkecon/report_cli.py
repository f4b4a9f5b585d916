"""``nkecon report``: build the report set, one report, or a sweep, from the command line.

Everything is checked before any kernel starts: the notebooks folder, the output folder,
the data folder (validated once) and every parameter value. A problem there is one line
and exit status 2 (3 when another run holds the lock); a report that fails is one line and
exit status 1; SIGINT and SIGTERM stop everything and exit 130 or 143.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ParameterError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def _cpus() -> int:
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="build reports from the notebooks",
        description=(
            "Build reports: with no NOTEBOOK, the default report set; with NOTEBOOK, that report "
            "with the given parameters. Reports whose inputs have not changed are skipped. "
            "Exit status: 0 success, 1 a report failed, 2 bad usage, parameter or folder, 3 locked, "
            "130/143 interrupted by SIGINT/SIGTERM."
        ),
    )
    p.add_argument("notebook", nargs="?", help="a report name (see --list)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter, converted by its declared type; repeatable")
    p.add_argument("--params-file", metavar="YAML", help="parameters from YAML: a mapping, or a list of mappings (a sweep)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: $NKECON_REPORTS_DIR or reports/)")
    p.add_argument("--jobs", "-j", type=int, default=_cpus(), metavar="N",
                   help=f"build N reports at once (default: the number of CPUs, here {_cpus()})")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--timeout", type=int, default=600, metavar="SECONDS", help="stop a cell running longer (default 600)")
    p.add_argument("--lock-timeout", type=float, default=600, metavar="SECONDS",
                   help="wait this long for another run's lock before giving up (default 600)")
    p.add_argument("--list", action="store_true", help="list the reports, their parameters and rules, then exit")
    p.add_argument("--prune", action="store_true",
                   help="delete failure records and reports of notebooks that no longer exist, rewrite the index")
    p.set_defaults(func=run_report)


def _stamp() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _list(specs, data_dir: Path) -> int:
    from .reports.contract import accepted_values, compact
    from .reports.expr import DataView

    data = DataView(data_dir)
    if not specs:
        print("no report notebooks (notebooks marked {\"nkecon\": {\"report\": true}})")
    for spec in specs.values():
        kind = "in the default set" if spec.default_set else "not in the default set"
        print(f"{spec.name}: {spec.title} ({kind}; {spec.path})")
        if spec.error:
            print(f"    cannot be built: {spec.error}")
            continue
        cell = spec.contract.cell
        for param in spec.params.values():
            line = f"    {param.describe()}"
            accepted = None
            try:
                accepted = accepted_values(spec.params, spec.rules, spec.name, param.name, data)
            except Exception:  # a data problem shows when building
                pass
            if accepted is not None:
                # exactly what the rules accept, the other parameters at their defaults
                line += f" -> accepts {compact(accepted)}"
            elif param.lo is not None and (param.lo.expr is not None or param.hi.expr is not None):
                try:
                    values = {n: p.default for n, p in spec.params.items()}
                    line += f" -> now {param.lo.value(values, data)}..{param.hi.value(values, data)}"
                except Exception:  # a data problem shows when building
                    pass
            print(f"{line}  (cell {cell}, line {param.line})")
        for rule in spec.rules:
            print(f"    rule: {rule.expr.text}" + (f"  -- {rule.message}" if rule.message else "")
                  + f"  (cell {cell}, line {rule.line})")
        if spec.figures:
            print(f"    figures: {', '.join(spec.figures)}")
    return EXIT_OK


class _Progress:
    """A progress bar on a terminal; timestamped plain lines in a log."""

    def __init__(self, total: int):
        self.total = total
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty and total:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                TimeElapsedColumn(), transient=True)
            self.task = self.bar.add_task("building reports", total=total)
            self.bar.start()

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.console.print(f"{_stamp()} {text}", highlight=False, markup=False)
        else:
            _err(f"{_stamp()} {text}")

    def __call__(self, kind: str, result) -> None:
        label = f"{result.notebook}/{result.slug}"
        if kind == "start":
            if not self.tty:
                self.line(f"start    {label}")
            return
        if kind == "skipped":
            self.line(f"skipped  {label} (unchanged)")
        elif kind == "built":
            self.line(f"built    {label} in {result.seconds:.1f} s")
        elif kind == "failed":
            self.line(f"FAILED   {label}")
        if self.bar is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _err(text: str) -> None:
    try:
        print(text, file=sys.stderr, flush=True)
    except (BrokenPipeError, OSError):
        pass


def _read_params_file(path: str, param_types) -> list[dict[str, Any]]:
    """Items of a parameters file; scalar values stay text until their declared type is known."""
    import yaml

    from .reports import values as V

    p = Path(path)
    try:
        if not p.is_file():
            raise ParameterError(f"The parameters file {path!r} does not exist or is not a file.")
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"The parameters file {path!r} cannot be read ({exc}).") from None
    node = V.compose_yaml(text, f"The parameters file {path!r}")
    if node is None:
        return [{"notebook": None, "parameters": {}}]
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    out = []
    for i, item in enumerate(items, 1):
        where = f"Item {i} of {path!r}"
        if not isinstance(item, yaml.MappingNode):
            raise ParameterError(f"{where} must be a mapping of parameter names to values.")
        entries = {}
        for key, value in item.value:
            if not isinstance(key, yaml.ScalarNode):
                raise ParameterError(f"{where} has a key that is not a name.")
            entries[key.value] = value
        notebook = None
        if "notebook" in entries or "parameters" in entries:
            if set(entries) - {"notebook", "parameters"}:
                raise ParameterError(f"{where} must hold only `notebook` and a `parameters` mapping.")
            nb_node = entries.get("notebook")
            if nb_node is not None:
                if not isinstance(nb_node, yaml.ScalarNode):
                    raise ParameterError(f"{where}: `notebook` must be a report name.")
                notebook = nb_node.value
            params_node = entries.get("parameters")
            entries = {}
            if params_node is not None:
                if not isinstance(params_node, yaml.MappingNode):
                    raise ParameterError(f"{where}: `parameters` must be a mapping.")
                for key, value in params_node.value:
                    if not isinstance(key, yaml.ScalarNode):
                        raise ParameterError(f"{where} has a key that is not a name.")
                    entries[key.value] = value
        values = {}
        for name, value in entries.items():
            if isinstance(value, yaml.ScalarNode):
                values[name] = value.value
            else:
                values[name] = V.construct(value, f"{where}, `{name}`")
        out.append({"notebook": notebook, "parameters": values})
    return out


def _assignment(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise ParameterError(f"A parameter must be given as name=value, but {text[:60]!r} was passed.")
    name, raw = text.split("=", 1)
    return name.strip(), raw


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s nkecon: %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.setLevel(logging.WARNING)
    log = logging.getLogger("nkecon")
    if not any(getattr(h, "_nkecon", False) for h in log.handlers):
        handler._nkecon = True
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    for name in ("papermill", "traitlets", "nbclient", "nbconvert"):
        logging.getLogger(name).setLevel(logging.ERROR)


def run_report(args: argparse.Namespace) -> int:
    from . import paths
    from .registry import DATASETS
    from .reports import state
    from .reports.files import absolute, check_data_dir, check_out_dir
    from .reports.notebooks import check_names
    from .reports.worker import _without_slow_imports

    _setup_logging()
    _without_slow_imports()
    if args.jobs < 1:
        raise ParameterError(f"The value for `--jobs` must be at least 1, but {args.jobs!r} was passed.")
    if args.timeout < 1:
        raise ParameterError(f"The value for `--timeout` must be at least 1 second, but {args.timeout!r} was passed.")
    if not args.lock_timeout >= 0:
        raise ParameterError(f"The value for `--lock-timeout` must be 0 or more, but {args.lock_timeout!r} was passed.")
    # every path absolute before anything else
    data_dir = absolute(paths.data_dir())
    shipped = absolute(paths.shipped_data_dir())
    notebooks_dir = absolute(paths.notebooks_dir())
    if not notebooks_dir.is_dir():
        from .reports import discover

        discover(notebooks_dir)  # one line naming the problem
    check_data_dir(data_dir, DATASETS)
    given = dict(_assignment(a) for a in args.param)
    # Light paths first: neither papermill nor pandas is imported when a parameter the
    # report does not declare is refused, or when nothing changed since the last run.
    if args.notebook and not args.params_file:
        check_names(notebooks_dir, args.notebook, given)
    out = None
    if not args.list:
        out = check_out_dir(paths.reports_dir(args.out))
    key = files = None
    if out is not None and not args.prune:
        params_file = absolute(args.params_file) if args.params_file else None
        key = state.request_key(notebook=args.notebook, given=given, params_file=str(params_file),
                                data=str(data_dir), notebooks=str(notebooks_dir), out=str(out))
        files = state.input_files(notebooks_dir, data_dir, [params_file] if params_file else [])
        if not args.force:
            started = time.perf_counter()
            unchanged = state.unchanged(out, key, files)
            if unchanged is not None:
                for notebook, slug in unchanged:
                    _err(f"{_stamp()} skipped  {notebook}/{slug} (unchanged)")
                summary = (f"0 built, {len(unchanged)} unchanged, 0 failed in {time.perf_counter() - started:.1f} s; "
                           f"index: {out / 'index.html'}")
                print(summary if sys.stdout.isatty() else f"{_stamp()} {summary}", flush=True)
                return EXIT_OK
        fingerprints = state.fingerprint(files, state.known_fingerprints(out, key))
    return _run_full(args, given, data_dir=data_dir, shipped=shipped, notebooks_dir=notebooks_dir, out=out,
                     key=key, fingerprints=fingerprints if key else None)


def _run_full(args, given, *, data_dir: Path, shipped: Path, notebooks_dir: Path, out: Path | None, key,
              fingerprints) -> int:
    from .reports import discover, plan, state
    from .reports.build import LockedError, build
    from .reports.pool import Interrupted, signal_guard

    specs = discover(notebooks_dir)
    if args.list:
        _validate_data(data_dir)
        return _list(specs, data_dir)
    if args.prune:
        return _prune(out, specs, args.lock_timeout)
    requests = []
    if args.params_file:
        for item in _read_params_file(args.params_file, None):
            name = item["notebook"] or args.notebook
            if not name:
                raise ParameterError("Each item of --params-file needs a `notebook` when no NOTEBOOK is given.")
            requests.append((name, {**item["parameters"], **given}))
    elif args.notebook:
        requests.append((args.notebook, given))
    else:
        if given:
            raise ParameterError("Parameters (-p) need a NOTEBOOK; without one, the default report set is built.")
        requests = [(name, {}) for name, spec in specs.items() if spec.default_set]
        if not requests:
            raise ParameterError(f"No report notebooks in {str(notebooks_dir)!r} "
                                 "(a report is marked {\"nkecon\": {\"report\": true}} in its metadata).")
    _validate_data(data_dir)
    same_data = data_dir.resolve() == shipped.resolve()
    data_tag = "" if same_data else "data-" + __import__("hashlib").sha256(str(data_dir).encode()).hexdigest()[:8]
    planned = plan(requests, specs, data_dir=data_dir, data_tag=data_tag)

    progress = _Progress(len(planned))
    started = time.perf_counter()
    try:
        with signal_guard():
            results = build(planned, out=out, data_dir=data_dir, shipped_data=same_data,
                            jobs=args.jobs, force=args.force,
                            timeout=args.timeout, lock_timeout=args.lock_timeout, on_event=progress)
    except Interrupted as exc:
        progress.close()
        _err(f"{_stamp()} nkecon: interrupted by {'SIGINT' if exc.signum == 2 else 'SIGTERM' if exc.signum == 15 else f'signal {exc.signum}'}; "
             "stopped every worker and kernel, removed the build folders")
        return 128 + exc.signum
    except LockedError as exc:
        progress.close()
        _err(f"nkecon: error: {exc}")
        return EXIT_LOCKED
    finally:
        progress.close()
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        _err(f"{_stamp()} nkecon: report {r.notebook}/{r.slug} failed: {r.message}")
    if not failed and key is not None:
        uses_today = any("today(" in text for spec in specs.values() for text in _contract_texts(spec))
        try:
            state.record(out, key, fingerprints, [(r.notebook, r.slug) for r in results], uses_today=uses_today)
        except OSError:
            pass  # the next run decides in full
    counts = {s: sum(r.status == s for r in results) for s in ("built", "skipped", "failed")}
    summary = (f"{counts['built']} built, {counts['skipped']} unchanged, {counts['failed']} failed in "
               f"{time.perf_counter() - started:.1f} s; index: {out / 'index.html'}")
    print(summary if sys.stdout.isatty() else f"{_stamp()} {summary}", flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def _contract_texts(spec) -> list[str]:
    texts = [rule.expr.text for rule in spec.rules]
    for p in spec.params.values():
        texts += [b.text for b in (p.lo, p.hi) if b is not None]
        if p.computed is not None:
            texts.append(p.computed.text)
    return texts


def _validate_data(data_dir: Path) -> None:
    """The data folder, validated once before any kernel: the first problem as one line."""
    from .errors import DataError

    try:
        from .datasets import validate

        problems = validate(data_dir)
    except DataError as exc:
        raise ParameterError(f"The data folder {str(data_dir)!r} is not valid: {exc}") from None
    except Exception as exc:  # a malformed schema must not become a traceback
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParameterError(f"The data folder {str(data_dir)!r} cannot be read: {first[:300]}") from None
    if problems:
        more = f" (and {len(problems) - 1} more; `nkecon data validate {data_dir}` lists them all)" if len(problems) > 1 else ""
        raise ParameterError(f"The data folder is not valid: {problems[0]}{more}")


def _prune(out: Path, specs, lock_timeout: float) -> int:
    from filelock import FileLock, Timeout

    from .reports.index import write_index
    from .reports.publish import prune, recover

    if not out.is_dir():
        print(f"nothing to prune in {out}")
        return EXIT_OK
    try:
        with FileLock(str(out / ".nkecon-report.lock"), timeout=lock_timeout):
            recover(out)
            removed = prune(out, set(specs))
            write_index(out)
    except Timeout:
        _err(f"nkecon: error: another `nkecon report` holds the lock on {out}")
        return EXIT_LOCKED
    for r in removed:
        print(f"removed {r}")
    print(f"{len(removed)} entr{'y' if len(removed) == 1 else 'ies'} pruned; index: {out / 'index.html'}")
    return EXIT_OK
