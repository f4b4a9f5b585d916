"""The names of nkecon's datasets and the files that make them up (no pandas needed)."""

from __future__ import annotations

import os
from pathlib import Path

from . import paths

#: The datasets nkecon ships, in the order they are listed. ``sources`` comes first because
#: every other dataset cites it.
DATASETS: tuple[str, ...] = (
    "sources",
    "gdp",
    "sectors",
    "trade",
    "export_composition",
    "food",
    "sanctions",
    "events",
)


def data_files(*, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The files that make up the data in use (CSV and JSON of every dataset)."""
    folder = paths.data_dir(data_dir)
    return [folder / f"{n}.{ext}" for n in DATASETS for ext in ("csv", "json")]
