"""Bring new figures in from the producers' open services: ``nkecon data fetch``.

One module per source, each with a ``plan()`` that fetches, parses and checks its answers
and says what it wants in the data (the shape of pandas-datareader's readers):

:mod:`~nkecon.fetch.open_meteo` (``weather``)
    ERA5 reanalysis through the Open-Meteo historical weather API (no key): daily
    precipitation and mean temperature at :data:`WEATHER_POINTS`, aggregated to national
    annual and June-August figures with anomalies against 1991-2020.
:mod:`~nkecon.fetch.un_list` (``un_designations``)
    The UN Security Council consolidated sanctions list (XML, no key): the DPRK (1718)
    designations of individuals and entities with their reference numbers and listing dates.
:mod:`~nkecon.fetch.ecos` (``bok_gdp``)
    The Bank of Korea's ECOS open API, table 251Y001 (key in ``NKECON_ECOS_KEY``): North
    Korea's GDP growth and GNI, appended to ``gdp_releases`` as a new release when the
    series differs from the latest one held.

The rest is shared: :mod:`~nkecon.fetch.http` (retries, a size cap per answer, a validated
cache), :mod:`~nkecon.strict` (JSON and numbers that are what they claim),
:mod:`~nkecon.fetch.merge` (rows against the folder) and :mod:`~nkecon.fetch.folder` (lock,
staging, one atomic swap, recovery).

Nothing changes silently, and nothing changes by halves. Under a lock on the data folder,
:func:`fetch` finishes or undoes whatever an interrupted fetch left, checks the folder it
starts from, fetches and parses every source, builds the new folder in a sibling staging
folder and validates it whole, then swaps it in with one atomic step; a failure of any
source, or a signal, leaves the folder as it was and removes the staging folder. Rows that a
fetch owns (its own earlier rows) are updated; curated rows that it disagrees with are
reported and kept unless ``accept=True``. The data folder is never the copy shipped with
nkecon: by default it is ``$NKECON_DATA_DIR`` or the platform's user data folder, seeded
from the shipped data the first time something is written.

Raw responses are cached under ``$NKECON_CACHE_DIR`` (default: the platform's user cache
folder) for a day; ``refresh=True`` asks the service again. The HTTP client (httpx) is
imported only when a fetch runs, so ``import nkecon`` stays light.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from .. import paths
from ..errors import FetchError
from ..registry import PACKAGE_FILE
from . import ecos, folder, http, open_meteo, un_list
from .ecos import ECOS_URL
from .folder import LOCK_TIMEOUT_S
from .http import ATTEMPTS, BACKOFF_S, CACHE_MAX_AGE_S, PAUSE_S, TIMEOUT_S
from .merge import Change, FetchResult, Plan, csv_bytes, merge, read_csv
from .open_meteo import NORMAL, OPEN_METEO_URL, WEATHER_POINTS
from .un_list import UN_LIST_URL

__all__ = [
    "SOURCES",
    "WEATHER_POINTS",
    "FetchResult",
    "Change",
    "fetch",
    "fetch_weather",
    "fetch_un_designations",
    "fetch_bok_gdp",
]

log = logging.getLogger("nkecon")

#: The names ``nkecon data fetch`` accepts, in the order they are fetched.
SOURCES: tuple[str, ...] = ("weather", "un_designations", "bok_gdp")


def _first_problem(problems: list, stage: Path, target: Path) -> str:
    text = str(problems[0]).replace(str(stage), str(target))
    return text + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")


def _apply(plans: list[Plan], stage: Path, *, accept: bool, today: date) -> tuple[list[Change], dict, set[str]]:
    """Write every plan into the staged folder; the changes, provenance and files touched."""
    changes: list[Change] = []
    package = json.loads((stage / PACKAGE_FILE).read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    src_header, src_rows = read_csv(stage / "sources.csv")
    known_sources = {r["source_id"] for r in src_rows}
    provenance: dict[str, dict[str, Any]] = {}
    touched: set[str] = set()
    for plan in plans:
        header, rows, found, cited = merge(plan, stage, accept=accept)
        changes += found
        if not cited:
            continue
        folder.replace_file(stage / f"{plan.dataset}.csv", csv_bytes(header, rows))
        if plan.source_row["source_id"] not in known_sources:
            src_rows.append(plan.source_row)
            known_sources.add(plan.source_row["source_id"])
        record = {
            "source": plan.source,
            **plan.provenance,
            "time": max(r.time for r in plan.raws),
            "sha256": plan.raws[0].sha256 if len(plan.raws) == 1 else [r.sha256 for r in plan.raws],
            "source_id": plan.source_row["source_id"],
        }
        resources[plan.dataset]["nkecon:fetched"] = record
        resources[plan.dataset]["nkecon:date_accessed"] = today.isoformat()
        provenance[plan.dataset] = record
        touched |= {f"{plan.dataset}.csv", "sources.csv", PACKAGE_FILE}
    if "sources.csv" in touched:
        folder.replace_file(stage / "sources.csv", csv_bytes(src_header, src_rows))
        folder.replace_file(stage / PACKAGE_FILE, (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode())
    return changes, provenance, touched


def _plans(names: Sequence[str], *, base: Path, refresh: bool, accept: bool, ecos_key: str | None,
           weather_points, start_year: int, end_year: int, today: date) -> list[Plan]:
    plans: list[Plan] = []
    with http.client() as client:
        for name in names:
            if name == "weather":
                plans.append(open_meteo.plan(refresh=refresh, client=client, start_year=start_year, end_year=end_year,
                                             points=weather_points, today=today))
            elif name == "un_designations":
                plans.append(un_list.plan(refresh=refresh, client=client, today=today))
            else:
                plans.append(ecos.plan(refresh=refresh, client=client, today=today, key=ecos_key, data_dir=base,
                                       accept=accept))
    return plans


def fetch(names: Sequence[str] | None = None, *, data_dir: str | os.PathLike | None = None, dry_run: bool = False,
          accept: bool = False, refresh: bool = False, ecos_key: str | None = None,
          weather_points: Sequence[tuple[str, float, float]] = WEATHER_POINTS,
          start_year: int = 1990, end_year: int | None = None, today: date | None = None,
          lock_timeout: float = LOCK_TIMEOUT_S) -> FetchResult:
    """Fetch ``names`` (default: every source; ``bok_gdp`` only when a key is set) into a data folder.

    Parameters
    ----------
    names : sequence of str, optional
        Among :data:`SOURCES`.
    data_dir : path, optional
        The data folder to update (default ``$NKECON_DATA_DIR``, else the user data folder);
        seeded from the shipped data when it does not exist yet. Never the shipped data.
    dry_run : bool
        Fetch and report, write nothing.
    accept : bool
        Replace curated figures that the fetch disagrees with (default: keep and report them).
    refresh : bool
        Ask the services again even if a cached response is less than a day old.
    lock_timeout : float
        Seconds to wait for another fetch of the same folder to finish.

    Returns
    -------
    FetchResult
        ``summary()`` gives the lines the command line prints.

    Raises
    ------
    FetchError
        One line naming the source (or the folder) and what went wrong; nothing has been written.
    """
    from ..datasets import validate

    today = today or date.today()
    end_year = end_year if end_year is not None else today.year - 1
    if names:
        unknown = [n for n in names if n not in SOURCES]
        if unknown:
            raise FetchError("fetch", f"no source named {str(unknown[0])[:40]!r}; the sources are {', '.join(SOURCES)}")
        names = list(dict.fromkeys(names))
    else:
        names = [n for n in SOURCES if n != "bok_gdp" or (ecos_key or os.environ.get("NKECON_ECOS_KEY", "")).strip()]
        if "bok_gdp" not in names:
            log.warning("bok_gdp skipped: NKECON_ECOS_KEY is not set")
    target = folder.target_dir(data_dir)
    real = folder.real_dir(target)
    # a dry run beside a folder that does not exist yet creates nothing, not even a lock
    guard = nullcontext() if dry_run and not real.parent.is_dir() else folder.locked(real, timeout=lock_timeout)
    with guard:
        if not (dry_run and not real.parent.is_dir()):
            try:
                folder.recover(real)
            except OSError as exc:
                raise folder.unusable(exc, "finishing an interrupted fetch", target) from None
        seeded = not (real / PACKAGE_FILE).exists()
        base = paths.shipped_data_dir() if seeded else real
        if not seeded:
            problems = validate(real)
            if problems:
                raise FetchError("fetch", f"the data folder {target} is not valid, so nothing is fetched into it: "
                                          f"{_first_problem(problems, real, target)}; `nkecon data validate {target}` "
                                          "lists every problem")
        plans = _plans(names, base=base, refresh=refresh, accept=accept, ecos_key=ecos_key,
                       weather_points=weather_points, start_year=start_year, end_year=end_year, today=today)
        scratch = Path(tempfile.mkdtemp(prefix="nkecon-fetch-")) if dry_run else None
        stage = scratch / "data" if scratch is not None else folder.new_aside(real, "stage")
        try:
            folder.stage(real, base, stage)
            changes, provenance, touched = _apply(plans, stage, accept=accept, today=today)
            problems = validate(stage)
            if problems:
                raise FetchError(", ".join(names), "the fetched data does not pass nkecon's schema, nothing written: "
                                                   + _first_problem(problems, stage, target))
            wrote = False
            if not dry_run and (seeded or any(not (real / n).is_file() or (real / n).read_bytes() != (stage / n).read_bytes()
                                              for n in touched)):
                folder.swap(real, stage)
                wrote = True
        except OSError as exc:
            raise folder.unusable(exc, "staging the new data beside it" if not dry_run else "staging a dry run",
                                  target) from None
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            else:
                try:
                    folder.recover(real)  # removes the staging folder; completes a swap that had begun
                except OSError as exc:
                    log.warning("could not tidy up beside %s: %s", target, exc.strerror or exc)
    # Responses that parsed and validated are cached (the cache is not the data folder, so a
    # dry run keeps them too, and the real run that follows does not ask again).
    for plan in plans:
        for raw in plan.raws:
            http.remember(raw)
    cached = tuple(p.source for p in plans if p.raws and all(r.from_cache for r in p.raws))
    return FetchResult(tuple(names), target, tuple(changes), provenance, wrote, dry_run, cached)


def fetch_weather(*, data_dir: str | os.PathLike | None = None, dry_run: bool = False, accept: bool = False,
                  refresh: bool = False, points: Sequence[tuple[str, float, float]] = WEATHER_POINTS,
                  start_year: int = 1990, end_year: int | None = None) -> FetchResult:
    """Fetch ERA5 national precipitation and temperature (Open-Meteo) into ``weather``.

    Annual and June-August figures for ``start_year`` to ``end_year`` (default: the last
    complete year), the 1991-2020 normals and the anomalies against them, all with basis
    ``era5_reanalysis``. See :func:`fetch` for the other options.
    """
    return fetch(["weather"], data_dir=data_dir, dry_run=dry_run, accept=accept, refresh=refresh,
                 weather_points=points, start_year=start_year, end_year=end_year)


def fetch_un_designations(*, data_dir: str | os.PathLike | None = None, dry_run: bool = False, accept: bool = False,
                          refresh: bool = False) -> FetchResult:
    """Fetch the DPRK (1718) designations of the UN consolidated list into ``un_designations``."""
    return fetch(["un_designations"], data_dir=data_dir, dry_run=dry_run, accept=accept, refresh=refresh)


def fetch_bok_gdp(*, data_dir: str | os.PathLike | None = None, dry_run: bool = False, accept: bool = False,
                  refresh: bool = False, key: str | None = None) -> FetchResult:
    """Fetch the BOK's current GDP series (ECOS 251Y001) as a new release in ``gdp_releases``.

    ``key`` defaults to ``$NKECON_ECOS_KEY``. A new release (dated today, basis
    ``observed``) is appended only for years whose figures differ from the latest release held;
    where that latest figure is curated, the year is reported and kept unless ``accept``.
    """
    return fetch(["bok_gdp"], data_dir=data_dir, dry_run=dry_run, accept=accept, refresh=refresh, ecos_key=key)
