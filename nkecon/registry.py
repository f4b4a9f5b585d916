"""The names of nkecon's datasets and the files that make them up (no pandas needed).

The shipped ``datapackage.json`` is the one description of the data: the dataset names are
its resources, in its order (``sources`` first, because every other dataset cites it).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from . import paths

PACKAGE_FILE = "datapackage.json"


@lru_cache(maxsize=1)
def _shipped_names() -> tuple[str, ...]:
    package = json.loads((paths.shipped_data_dir() / PACKAGE_FILE).read_text(encoding="utf-8"))
    return tuple(r["name"] for r in package["resources"])


#: The datasets nkecon ships, in the package's order.
DATASETS: tuple[str, ...] = _shipped_names()

#: The trade series whose annual exports are the total that exports by product are shares
#: of, per partner: KOTRA's for the world, China's customs for China.
TOTAL_SERIES: dict[str, str] = {"world": "kotra", "china": "china_customs"}


def file_stamp(path: Path) -> tuple:
    """What identifies one version of a file: its path, modification time and size (the
    time and size are ``None`` when the file cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


def data_files(*, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The files that make up the data in use: ``datapackage.json`` and every dataset's CSV."""
    folder = paths.data_dir(data_dir)
    return [folder / PACKAGE_FILE] + [folder / f"{n}.csv" for n in _shipped_names()]
