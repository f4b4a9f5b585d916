"""The ``nkecon`` command line: ``nkecon data list|validate|fetch``, ``nkecon report`` and ``nkecon explore``.

Every user mistake or data problem becomes one readable line on standard error and a
non-zero exit status, never a traceback:

* 0: success;
* 1: data problems found, or one or more reports failed;
* 2: wrong usage or a bad parameter (nothing was run);
* 3: another ``nkecon report`` holds the lock on the reports folder;
* 130 / 143: stopped by SIGINT (Ctrl-C) / SIGTERM;
* 141: the output pipe was closed (``nkecon report --list | head``), quietly.
"""

from __future__ import annotations

import argparse
import os
import sys

from .errors import NkeconError, ParameterError
from .report_cli import add_report_parser

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def _data_list(args: argparse.Namespace) -> int:
    from .datasets import list_datasets

    frame = list_datasets(data_dir=args.data_dir)
    width = {c: max(len(c), *(len(str(v)) for v in frame[c])) for c in ("name", "period", "rows")}
    print(f"{'name':<{width['name']}}  {'period':<{width['period']}}  {'rows':>{width['rows']}}  title")
    for row in frame.itertuples():
        print(f"{row.name:<{width['name']}}  {row.period:<{width['period']}}  {row.rows:>{width['rows']}}  {row.title}")
    return EXIT_OK


def _data_validate(args: argparse.Namespace) -> int:
    from .datasets import validate
    from . import paths

    folder = paths.data_dir(args.dir)
    problems = validate(folder)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{folder}: all datasets valid")
    return EXIT_OK


def _data_fetch(args: argparse.Namespace) -> int:
    import logging

    from .fetch import fetch

    # warnings reach the terminal for this command only: the handler is removed afterwards, so
    # a library user's logging (or a test's captured stream) is never left holding it
    logger = logging.getLogger("nkecon")
    handler = None
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("nkecon: %(message)s"))
        logger.addHandler(handler)
        level, logger.level = logger.level, logging.WARNING
    from .reports.pool import Interrupted, signal_guard

    try:
        with signal_guard():
            result = fetch(args.names or None, data_dir=args.data_dir, dry_run=args.dry_run, accept=args.accept,
                           refresh=args.refresh)
    except Interrupted as exc:
        name = {2: "SIGINT", 15: "SIGTERM"}.get(exc.signum, f"signal {exc.signum}")
        _quiet_print(f"nkecon: interrupted by {name}; the data folder is as it was or fully updated, "
                     "and the staging folder is removed")
        return 128 + exc.signum
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(level)
    print(result.summary())
    if result.wrote and not args.data_dir and os.environ.get("NKECON_DATA_DIR") is None:
        print(f"to use it: export NKECON_DATA_DIR={result.data_dir}")
    return EXIT_OK


def _kernel_install(args: argparse.Namespace) -> int:
    """Register this environment's Python as the Jupyter kernel ``nkecon``."""
    from jupyter_client.kernelspec import KernelSpecManager
    import json
    import tempfile
    from pathlib import Path

    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": args.display_name, "language": "python", "metadata": {"debugger": True}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / args.name
        folder.mkdir()
        (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        try:
            dest = KernelSpecManager().install_kernel_spec(str(folder), args.name, user=args.user,
                                                           prefix=None if args.user else sys.prefix)
        except OSError as exc:
            raise NkeconError(f"cannot install the kernel {args.name!r}: {exc.strerror or exc}") from None
    print(f"installed kernel {args.name!r} ({args.display_name}) in {dest}")
    return EXIT_OK


def _explore(args: argparse.Namespace) -> int:
    from .explorer import serve

    return serve(args.report, port=args.port, announce=lambda line: print(line, flush=True))


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="nkecon", description="Sourced data and reports on North Korea's economy.")
    parser.add_argument("--version", action="version", version=f"nkecon {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="list, validate or fetch the datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    p_list = data_sub.add_parser("list", help="list the datasets with their periods and row counts")
    p_list.add_argument("--data-dir", help="a data folder with nkecon's layout (default: the shipped data)")
    p_list.set_defaults(func=_data_list)
    p_val = data_sub.add_parser("validate", help="list every problem in a data folder; exit 1 if any")
    p_val.add_argument("dir", nargs="?", help="the data folder (default: $NKECON_DATA_DIR or the shipped data)")
    p_val.set_defaults(func=_data_validate)

    p_fetch = data_sub.add_parser(
        "fetch", help="bring new figures in from the producers' open services (weather, un_designations, bok_gdp)",
        description="Fetch ERA5 weather (Open-Meteo), the UN DPRK designations and the BOK's GDP series (ECOS, key in "
                    "NKECON_ECOS_KEY) into a data folder, after validating them; prints rows added, changed and "
                    "curated figures the fetch disagrees with. Exit 1 with one line if a source fails; nothing is "
                    "written then.")
    p_fetch.add_argument("names", nargs="*", metavar="NAME",
                         help="weather, un_designations, bok_gdp (default: all; bok_gdp only if NKECON_ECOS_KEY is set)")
    p_fetch.add_argument("--data-dir", help="the data folder to update (default: $NKECON_DATA_DIR, else the user data "
                                            "folder, seeded from the shipped data); never the shipped data")
    p_fetch.add_argument("--dry-run", action="store_true", help="fetch and print the summary; write nothing")
    p_fetch.add_argument("--accept", action="store_true", help="replace curated figures the fetch disagrees with")
    p_fetch.add_argument("--refresh", action="store_true", help="ask the services again even if a cached response "
                                                                "is less than a day old")
    p_fetch.set_defaults(func=_data_fetch)

    add_report_parser(sub)

    p_explore = sub.add_parser(
        "explore", help="serve the explorer (a report's parameters as controls, its charts and tables) as a web page",
        description="Serve nk.explore() as a web page with Voila on 127.0.0.1: choose a report's parameters within "
                    "its contract and see its charts, tables and sentences follow. Ctrl-C stops it.")
    p_explore.add_argument("report", nargs="?", default="contraction",
                           help="the report shown first (default: contraction)")
    p_explore.add_argument("--port", type=int, default=8866, help="the loopback port (default 8866)")
    p_explore.set_defaults(func=_explore)

    kernel = sub.add_parser("kernel", help="register the Jupyter kernel `nkecon`")
    kernel_sub = kernel.add_subparsers(dest="kernel_command", required=True)
    p_inst = kernel_sub.add_parser("install", help="register this environment's Python as the kernel `nkecon`")
    p_inst.add_argument("--user", action="store_true", help="for your own Jupyter (~/.local/share/jupyter/kernels)")
    p_inst.add_argument("--name", default="nkecon", help="kernel name (default: nkecon)")
    p_inst.add_argument("--display-name", default="Python 3 (nkecon)", help="name shown in JupyterLab")
    p_inst.set_defaults(func=_kernel_install)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except NkeconError as exc:
        message = " ".join(str(exc).split())
        _quiet_print(f"nkecon: error: {message}")
        return EXIT_USAGE if isinstance(exc, ParameterError) else EXIT_FAILED
    except KeyboardInterrupt:
        _quiet_print("nkecon: interrupted")
        return 130
    except BrokenPipeError:
        import os

        # the reader went away (`nkecon report --list | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _quiet_print(text: str) -> None:
    try:
        print(text, file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass


if __name__ == "__main__":
    sys.exit(main())
