"""nkecon: sourced data, analysis and reports on North Korea's economy.

Why did North Korea's economy shrink 4.5% in 2020, and how much of that was sanctions, the
COVID-19 border closure and the summer's floods and typhoons? nkecon loads curated, sourced
data as typed pandas frames, relates the contraction to its drivers, draws the charts and
builds the reports.

``import nkecon`` is light: the loaders (pandas), the analysis helpers
(:mod:`nkecon.analysis`, statsmodels) and the charts (:mod:`nkecon.plots`, matplotlib) load
on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import DataError, FetchError, NkeconError, ParameterError, ReportError, UnknownDatasetError
from .registry import DATASETS

try:
    from importlib.metadata import version as _version

    __version__ = _version("nkecon")
except Exception:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

__all__ = [
    "DATASETS",
    "DatasetMetadata",
    "DataError",
    "FetchError",
    "NkeconError",
    "ParameterError",
    "ReportError",
    "UnknownDatasetError",
    "get_metadata",
    "list_datasets",
    "load",
    "load_bok_causes",
    "load_events",
    "load_export_composition",
    "load_food",
    "load_gdp",
    "load_gdp_releases",
    "load_product_bans",
    "load_weather",
    "load_refined_petroleum",
    "load_luxury_imports",
    "load_published_estimates",
    "load_commodity_prices",
    "load_bok_dollar_conversions",
    "load_sanctions",
    "load_sectors",
    "load_sources",
    "load_trade",
    "load_un_designations",
    "full_years",
    "fetch_weather",
    "fetch_un_designations",
    "fetch_bok_gdp",
    "explore",
    "validate",
    "analysis",
    "narrative",
    "plots",
    "reports",
    "weather",
]

# Loaded on first use, so that `import nkecon` (and the command line's quick paths, such as
# a report rebuild with nothing changed) need not import pandas, matplotlib or statsmodels.
_LAZY_MODULES = ("analysis", "plots", "narrative", "datasets", "reports", "notebook", "fetch", "weather")
_FROM_DATASETS = (
    "DatasetMetadata", "get_metadata", "list_datasets", "load", "load_bok_causes", "load_events", "load_export_composition",
    "load_food", "load_gdp", "load_gdp_releases", "load_product_bans", "load_weather", "load_refined_petroleum",
    "load_luxury_imports", "load_published_estimates", "load_commodity_prices", "load_bok_dollar_conversions", "load_sanctions", "load_sectors", "load_sources", "load_trade", "load_un_designations", "validate",
    "full_years",
)
_FROM_FETCH = ("fetch_weather", "fetch_un_designations", "fetch_bok_gdp")
_FROM_EXPLORER = ("explore",)


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _FROM_DATASETS:
        value = getattr(import_module(".datasets", __name__), name)
        globals()[name] = value
        return value
    if name in _FROM_FETCH:
        value = getattr(import_module(".fetch", __name__), name)
        globals()[name] = value
        return value
    if name in _FROM_EXPLORER:
        value = getattr(import_module(".explorer", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nkecon' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_FROM_DATASETS) | set(_FROM_FETCH) | set(_FROM_EXPLORER))
