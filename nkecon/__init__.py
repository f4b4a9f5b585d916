"""nkecon: sourced data, analysis and reports on North Korea's economy.

Why did North Korea's economy shrink 4.5% in 2020, and how much of that was sanctions, the
COVID-19 border closure and the summer's floods and typhoons? nkecon loads curated, sourced
data as typed pandas frames, relates the contraction to its drivers, draws the charts and
builds the reports.

``import nkecon`` is light: it imports pandas but not matplotlib or statsmodels; the
analysis helpers (:mod:`nkecon.analysis`) and charts (:mod:`nkecon.plots`) load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .datasets import (
    DATASETS,
    DatasetMetadata,
    get_metadata,
    list_datasets,
    load,
    load_events,
    load_export_composition,
    load_food,
    load_gdp,
    load_sanctions,
    load_sectors,
    load_sources,
    load_trade,
    validate,
)
from .errors import DataError, NkeconError, ParameterError, ReportError, UnknownDatasetError

try:
    from importlib.metadata import version as _version

    __version__ = _version("nkecon")
except Exception:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

__all__ = [
    "DATASETS",
    "DatasetMetadata",
    "DataError",
    "NkeconError",
    "ParameterError",
    "ReportError",
    "UnknownDatasetError",
    "get_metadata",
    "list_datasets",
    "load",
    "load_events",
    "load_export_composition",
    "load_food",
    "load_gdp",
    "load_sanctions",
    "load_sectors",
    "load_sources",
    "load_trade",
    "validate",
    "analysis",
    "plots",
]

_LAZY_MODULES = ("analysis", "plots")


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nkecon' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES))
