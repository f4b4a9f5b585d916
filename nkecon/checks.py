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


def _annual_trade(trade: pd.DataFrame) -> pd.DataFrame:
    """The annual trade rows, the latest release of each (series, partner, year, flow)."""
    annual = trade[trade["month"].isna()].copy()
    annual["_release"] = annual["release_date"].fillna(pd.Timestamp.min)
    annual = annual.sort_values("_release", kind="stable")
    return annual.groupby(["series", "partner", "year", "flow"], observed=True).tail(1)


_TOTAL_SERIES = {"world": "kotra", "china": "china_customs"}


def composition_totals(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[Problem]:
    """A ``total`` row of ``export_composition`` repeats a trade total: they must agree."""
    comp, trade = frames["export_composition"], frames["trade"]
    annual = _annual_trade(trade).set_index(["series", "partner", "year", "flow"])["value_usd_mn"]
    problems = []
    for row in comp[comp["product"] == "total"].itertuples():
        key = (_TOTAL_SERIES[row.partner], row.partner, row.year, "exports")
        if key not in annual.index or pd.isna(row.value_usd_mn):
            continue
        other = float(annual.loc[key])
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
    trade = frames["trade"]
    monthly = trade[trade["month"].notna() & trade["release_date"].isna()]
    annual = _annual_trade(trade).set_index(["series", "partner", "year", "flow"])["value_usd_mn"]
    problems = []
    for key, group in monthly.groupby(["series", "partner", "year", "flow"], observed=True):
        if group["month"].nunique() != 12 or key not in annual.index:
            continue
        total, year_value = float(group["value_usd_mn"].sum()), float(annual.loc[key])
        if abs(total - year_value) > 0.01 * max(abs(year_value), 1.0):
            series, partner, year, flow = key
            problems.append(Problem(
                _row("trade", folder, series=series, partner=partner, year=year, month="1-12", flow=flow),
                f"the twelve months add up to {total:.1f} but "
                f"{_row('trade', folder, series=series, partner=partner, year=year, month=None, flow=flow)} "
                f"holds {_value(year_value)}; expected them to agree within 1%",
            ))
    return problems


CHECKS: tuple[Check, ...] = (
    Check("composition_totals", ("export_composition", "trade"), composition_totals),
    Check("months_add_up", ("trade",), months_add_up),
)


def run(folder: Path, *, only: str | None = None) -> list[Problem]:
    """Run every check (or only those reading dataset ``only``) on a valid data folder."""
    from .datasets import _load_checked

    problems: list[Problem] = []
    for check in CHECKS:
        if only is not None and only not in check.datasets:
            continue
        frames = {}
        for name in check.datasets:
            frame, found = _load_checked(name, folder)
            if found or frame is None:
                return found
            frames[name] = frame
        problems.extend(check.func(frames, folder))
    return problems
