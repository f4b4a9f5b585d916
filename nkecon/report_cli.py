"""``nkecon report``: build the report set, one notebook, or a sweep, from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

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
            "Build reports: with no NOTEBOOK, the default report set; with NOTEBOOK, that notebook "
            "with the given parameters. Reports whose inputs have not changed are skipped. "
            "Exit status: 0 success, 1 a report failed, 2 bad usage or parameter, 3 locked."
        ),
    )
    p.add_argument("notebook", nargs="?", help="a notebook name (see --list)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter (value read as YAML: 2018, 0.5, [1,0,0]); repeatable")
    p.add_argument("--params-file", metavar="YAML", help="parameters from YAML: a mapping, or a list of mappings (a sweep)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: $NKECON_REPORTS_DIR or reports/)")
    p.add_argument("--jobs", "-j", type=int, default=_cpus(), metavar="N",
                   help=f"build N reports at once (default: the number of CPUs, here {_cpus()})")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--timeout", type=int, default=600, metavar="SECONDS", help="stop a cell running longer (default 600)")
    p.add_argument("--lock-timeout", type=float, default=600, metavar="SECONDS",
                   help="wait this long for another run's lock before giving up (default 600)")
    p.add_argument("--list", action="store_true", help="list the notebooks and their parameters, then exit")
    p.set_defaults(func=run_report)


def _list(specs) -> int:
    for spec in specs.values():
        kind = "report" if spec.report else "not in the default set"
        print(f"{spec.name}: {spec.title} ({kind})")
        for param in spec.params.values():
            print(f"    {param.describe()}")
        if spec.figures:
            print(f"    figures: {', '.join(spec.figures)}")
    return EXIT_OK


class _Progress:
    """A progress bar on a terminal; timestamped plain lines in a log."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty and total:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                TimeElapsedColumn(), transient=True)
            self.task = self.bar.add_task("building reports", total=total)
            self.bar.start()

    def line(self, text: str) -> None:
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if self.bar is not None:
            self.bar.console.print(f"{stamp} {text}", highlight=False, markup=False)
        else:
            print(f"{stamp} {text}", file=sys.stderr, flush=True)

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


def run_report(args: argparse.Namespace) -> int:
    from . import paths, reports

    specs = reports.discover()
    if args.list:
        return _list(specs)
    if args.jobs < 1:
        raise ParameterError(f"The value for `--jobs` must be at least 1, but {args.jobs!r} was passed.")
    if args.timeout < 1:
        raise ParameterError(f"The value for `--timeout` must be at least 1 second, but {args.timeout!r} was passed.")
    given = dict(reports.parse_assignment(a) for a in args.param)
    requests = []
    if args.params_file:
        for item in reports.read_params_file(args.params_file):
            name = item["notebook"] or args.notebook
            if not name:
                raise ParameterError("Each item of --params-file needs a `notebook` when no NOTEBOOK is given.")
            requests.append((name, {**item["parameters"], **given}))
    elif args.notebook:
        requests.append((args.notebook, given))
    else:
        if given:
            raise ParameterError("Parameters (-p) need a NOTEBOOK; without one, the default report set is built.")
        requests = [(name, {}) for name, spec in specs.items() if spec.report]
    planned = reports.plan(requests, specs)

    out = paths.reports_dir(args.out)
    progress = _Progress(len(planned))
    started = time.perf_counter()
    try:
        results = reports.build(planned, out=out, jobs=args.jobs, force=args.force, timeout=args.timeout,
                                lock_timeout=args.lock_timeout, on_event=progress)
    except reports.LockedError as exc:
        progress.close()
        print(f"nkecon: error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    progress.close()
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        print(f"nkecon: report {r.notebook}/{r.slug} failed: {r.message}", file=sys.stderr)
    counts = {s: sum(r.status == s for r in results) for s in ("built", "skipped", "failed")}
    print(f"{counts['built']} built, {counts['skipped']} unchanged, {counts['failed']} failed in "
          f"{time.perf_counter() - started:.1f} s; index: {out / 'index.html'}")
    return EXIT_FAILED if failed else EXIT_OK
