"""Checks across files: a figure that two datasets must both hold has to agree.

nkecon stores each figure once. Where a dataset must repeat a figure of another (a product
table's total, which is also a trade total; twelve months that add up to a year), the check
here compares the two and reports one line naming both files, both rows and both values.
Each check declares the datasets it reads, so that loading one dataset runs only the
checks that concern it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from .errors import Problem
from .registry import PACKAGE_FILE, TOTAL_SERIES, file_stamp

__all__ = ["Check", "CHECKS", "run"]


@dataclass(frozen=True)
class Check:
    """One rule across files: its name, the datasets it reads, and the function."""

    name: str
    datasets: tuple[str, ...]
    func: Callable[[Mapping[str, pd.DataFrame], Path], list[Problem]]


def _row(frame_name: str, folder: Path, **key) -> str:
    shown = ", ".join(f"{k}={'(empty)' if pd.isna(v) else v}" for k, v in key.items())
    return f"{folder / (frame_name + '.csv')} row ({shown})"


def _value(x: float) -> str:
    return f"{x:g}"


def _unit(x: float, rounding: float | None = None) -> float:
    """The rounding unit of a figure: the one its row states (``rounding_usd_mn``, e.g. 10
    for '$2.82 billion'), else its own last digit: 1 for 2800, 0.1 for 17.3, 0.01 for 2.45.

    Trailing zeros of a whole number count: a total stored as 6600 claims to the million,
    so that a press rounding ('$6.6 billion') has to say so in its row."""
    if rounding is not None and not pd.isna(rounding):
        return float(rounding)
    for places in range(7):
        if abs(round(x, places) - x) < 1e-9:
            return 10.0 ** -places
    return 1e-6


def _records(trade: pd.DataFrame) -> list[tuple]:
    """The trade rows as plain tuples (series, partner, year, month or None, flow, value,
    release date or None): a few hundred rows, faster to group by hand than with pandas."""
    month = [None if pd.isna(m) else int(m) for m in trade["month"]]
    release = [None if pd.isna(r) else pd.Timestamp(r) for r in trade["release_date"]]
    return list(zip(trade["series"].astype(str), trade["partner"].astype(str), trade["year"].astype(int),
                    month, trade["flow"].astype(str), trade["value_usd_mn"].astype(float), release))


def _roundings(trade: pd.DataFrame) -> list[float | None]:
    """Each row's stated rounding unit (``rounding_usd_mn``), or None where it states none."""
    if "rounding_usd_mn" not in trade:
        return [None] * len(trade)
    return [None if pd.isna(r) else float(r) for r in trade["rounding_usd_mn"]]


def _annual(records: list[tuple]) -> dict[tuple, float]:
    """(series, partner, year, flow) -> the annual value of the latest release."""
    best: dict[tuple, tuple] = {}
    for series, partner, year, month, flow, value, release in records:
        if month is not None:
            continue
        key, when = (series, partner, year, flow), release or pd.Timestamp.min
        if key not in best or when >= best[key][0]:
            best[key] = (when, value)
    return {k: v for k, (_, v) in best.items()}




def composition_totals(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[Problem]:
    """A ``total`` row of ``export_composition`` repeats a trade total: they must agree."""
    comp = frames["export_composition"]
    totals = comp[comp["product"] == "total"]
    if totals.empty:
        return []
    annual = _annual(_records(frames["trade"]))
    problems = []
    for row in totals.itertuples():
        key = (TOTAL_SERIES[row.partner], row.partner, row.year, "exports")
        if key not in annual or pd.isna(row.value_usd_mn):
            continue
        other = annual[key]
        if abs(other - row.value_usd_mn) > 0.005 * max(abs(other), 1.0):
            problems.append(Problem(
                _row("export_composition", folder, year=row.year, partner=row.partner, product="total"),
                f"value_usd_mn {_value(row.value_usd_mn)} disagrees with "
                f"{_row('trade', folder, series=key[0], partner=key[1], year=key[2], flow=key[3])} "
                f"value_usd_mn {_value(other)}; expected the same figure in both (correct one of them)",
            ))
    return problems


def months_add_up(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[Problem]:
    """Where all twelve months of a China customs flow are held, they add up to the year
    (within 1%, the rounding of monthly press figures)."""
    records = _records(frames["trade"])
    annual = _annual(records)
    months: dict[tuple, dict[int, float]] = {}
    for series, partner, year, month, flow, value, release in records:
        if month is not None and release is None:
            months.setdefault((series, partner, year, flow), {})[month] = value
    problems = []
    for key, by_month in sorted(months.items()):
        if len(by_month) != 12 or key not in annual:
            continue
        total, year_value = sum(by_month.values()), annual[key]
        if abs(total - year_value) > 0.01 * max(abs(year_value), 1.0):
            series, partner, year, flow = key
            problems.append(Problem(
                _row("trade", folder, series=series, partner=partner, year=year, month="1-12", flow=flow),
                f"the twelve months add up to {total:.1f} but "
                f"{_row('trade', folder, series=series, partner=partner, year=year, month=None, flow=flow)} "
                f"holds {_value(year_value)}; expected them to agree within 1%",
            ))
    return problems


#: The smallest disagreement flows_add_up refuses: sources that quote a figure to the
#: thousand dollars still differ by a few hundred thousand between compilations.
FLOOR_USD_MN = 0.5


def flows_add_up(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[Problem]:
    """Where a row gives exports, imports and their total for the same series, partner,
    period and release, the total repeats the other two: it must equal their sum within
    the rounding each of the three rows states.

    Each figure stands for a value within half its rounding unit (see :func:`_unit`), so
    the total may differ from exports + imports by at most the sum of the three half units
    (and never less than US$ 0.5 mn). A total rounded more coarsely than its row says (6600
    for the BOK's 65.5억, against exports 2820 and imports 3730) is refused; a total rounded
    to its own stated unit is accepted."""
    trade = frames["trade"]
    groups: dict[tuple, dict[str, tuple[float, float]]] = {}
    for (series, partner, year, month, flow, value, release), rounding in zip(_records(trade), _roundings(trade)):
        groups.setdefault((series, partner, year, month, release), {}).setdefault(flow, (value, _unit(value, rounding)))
    problems = []
    for key, flows in groups.items():
        if not {"exports", "imports", "total"} <= set(flows):
            continue
        (exports, e_unit), (imports, i_unit), (total, t_unit) = (flows[f] for f in ("exports", "imports", "total"))
        parts = exports + imports
        allowed = max(FLOOR_USD_MN, (e_unit + i_unit + t_unit) / 2)
        if abs(parts - total) > allowed + 1e-9:
            series, partner, year, month, release = key
            where = dict(series=series, partner=partner, year=year, month=month,
                         release_date=None if release is None else f"{release:%Y-%m-%d}")
            problems.append(Problem(
                _row("trade", folder, **where, flow="total"),
                f"value_usd_mn {_value(total)} disagrees with exports {_value(exports)} + imports "
                f"{_value(imports)} = {parts:.2f} in the rows of the same key with flow exports and imports "
                f"by {abs(parts - total):.2f}; the rows' rounding (units {_value(e_unit)}, {_value(i_unit)}, "
                f"{_value(t_unit)}; column rounding_usd_mn) allows {allowed:g}: correct the figure or state "
                "the rounding its source used",
            ))
    return problems


def months_declared(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[Problem]:
    """The trade metadata's count of published China customs months per year and flow
    (``nkecon:months_published``) must match the rows."""
    import json

    try:
        package = json.loads((folder / PACKAGE_FILE).read_text(encoding="utf-8"))
        declared = next(r for r in package["resources"] if r.get("name") == "trade").get("nkecon:months_published")
    except (OSError, ValueError, StopIteration, KeyError, TypeError):
        return []
    if not isinstance(declared, dict):
        return []
    seen: dict[tuple, set[int]] = {}
    for series, partner, year, month, flow, value, release in _records(frames["trade"]):
        if series == "china_customs" and month is not None:
            seen.setdefault((year, flow), set()).add(month)
    counts = {k: len(v) for k, v in seen.items()}
    problems = []
    years = {int(y) for y in declared} | {y for y, _ in counts}
    for year in sorted(years):
        for flow in ("exports", "imports", "total"):
            have = int(counts.get((year, flow), 0))
            said = int((declared.get(str(year)) or {}).get(flow, 0))
            if have != said:
                problems.append(Problem(
                    f"{folder / PACKAGE_FILE}, resource 'trade', nkecon:months_published",
                    f"says {said} month(s) of {flow} in {year} but {folder / 'trade.csv'} holds {have}; "
                    "expected the count to match the rows (update one of them)",
                ))
    return problems


def _period_check(name: str) -> Callable[[Mapping[str, pd.DataFrame], Path], list[Problem]]:
    def periods_in_order(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[Problem]:
        """A row's months run forward: first_month is not after last_month."""
        frame = frames[name]
        bad = frame[frame["first_month"] > frame["last_month"]]
        key = [c for c in frame.columns if c in ("year", "partner", "product_group", "measure")]
        return [Problem(_row(name, folder, **{c: getattr(row, c) for c in key}),
                        f"first_month {row.first_month} is after last_month {row.last_month}; expected the "
                        "months the figure covers, first to last (1 and 12 for a full year)")
                for row in bad.itertuples()]

    periods_in_order.__name__ = f"periods_in_order_{name}"
    return periods_in_order


CHECKS: tuple[Check, ...] = (
    Check("composition_totals", ("export_composition", "trade"), composition_totals),
    Check("months_add_up", ("trade",), months_add_up),
    Check("flows_add_up", ("trade",), flows_add_up),
    Check("months_declared", ("trade",), months_declared),
    Check("periods_in_order_luxury_imports", ("luxury_imports",), _period_check("luxury_imports")),
    Check("periods_in_order_refined_petroleum", ("refined_petroleum",), _period_check("refined_petroleum")),
)


_RESULTS: dict[tuple, list[Problem]] = {}


#: How a check gets a dataset: ``read(name, folder)`` returns the typed frame (or ``None``)
#: and the problems found reading it. nkecon's loaders pass their own reader, so that this
#: module does not import them.
Reader = Callable[[str, Path], "tuple[pd.DataFrame | None, list[Problem]]"]


def run(folder: Path, *, read: Reader, only: str | None = None) -> list[Problem]:
    """Run every check (or only those reading dataset ``only``) on a valid data folder,
    reading each dataset with ``read``.

    A check's result is kept until one of the files it reads changes, so that loading the
    same dataset again does not run it again."""

    problems: list[Problem] = []
    for check in CHECKS:
        if only is not None and only not in check.datasets:
            continue
        key = (check.name, str(folder), file_stamp(folder / PACKAGE_FILE),
               tuple(file_stamp(folder / f"{name}.csv") for name in check.datasets))
        if key not in _RESULTS:
            frames = {}
            for name in check.datasets:
                frame, found = read(name, folder)
                if found or frame is None:
                    return found
                frames[name] = frame
            _RESULTS[key] = check.func(frames, folder)
        problems.extend(_RESULTS[key])
    return problems
