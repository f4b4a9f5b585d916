"""Where nkecon finds its data, notebooks and reports: the one module that knows.

Each location can be overridden by an environment variable, so that an analyst's own copy
of the data or a scheduled job's output folder is used without changing code:

``NKECON_DATA_DIR``
    a folder with the same layout as the shipped ``data/`` (CSV files and their JSON
    metadata); it is validated exactly like the shipped data.
``NKECON_NOTEBOOKS_DIR``
    a folder of report notebooks to use instead of the shipped ones.
``NKECON_CACHE_DIR``
    where ``nkecon data fetch`` keeps raw responses (default: the platform's user cache
    folder, e.g. ``~/.cache/nkecon`` on Linux).
``NKECON_REPORTS_DIR``
    where ``nkecon report`` publishes reports (default: ``reports/`` of the checkout, or
    ``./reports`` when nkecon is installed from a wheel).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["data_dir", "shipped_data_dir", "user_data_dir", "cache_dir", "notebooks_dir", "reports_dir", "project_root"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path | None:
    """The checkout that holds this package, or ``None`` when installed from a wheel."""
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root
    return None


def shipped_data_dir() -> Path:
    """The data folder that ships with nkecon (inside the wheel, or ``data/`` of a checkout)."""
    root = project_root()
    if root is not None:
        return root / "data"
    return Path(str(resources.files("nkecon") / "data"))


def data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder to read: the argument, else ``$NKECON_DATA_DIR``, else the shipped one."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get("NKECON_DATA_DIR")
    if env:
        return Path(env)
    return shipped_data_dir()


def notebooks_dir() -> Path:
    """The report notebooks: ``$NKECON_NOTEBOOKS_DIR``, ``notebooks/`` of a checkout, or the
    copies shipped in the wheel."""
    env = os.environ.get("NKECON_NOTEBOOKS_DIR")
    if env:
        return Path(env)
    root = project_root()
    if root is not None:
        return root / "notebooks"
    return _PACKAGE_DIR / "notebooks"


def reports_dir(reports_dir: str | os.PathLike | None = None) -> Path:
    """Where reports are published: argument, ``$NKECON_REPORTS_DIR``, else ``reports/``."""
    if reports_dir is not None:
        return Path(reports_dir)
    env = os.environ.get("NKECON_REPORTS_DIR")
    if env:
        return Path(env)
    root = project_root()
    return (root / "reports") if root is not None else Path.cwd() / "reports"


def user_data_dir() -> Path:
    """Where ``nkecon data fetch`` keeps its data folder by default (e.g.
    ``~/.local/share/nkecon/data`` on Linux); point ``NKECON_DATA_DIR`` at it to use it."""
    import platformdirs

    return Path(platformdirs.user_data_dir("nkecon", appauthor=False)) / "data"


def cache_dir() -> Path:
    """Raw responses of ``nkecon data fetch``: ``$NKECON_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("NKECON_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("nkecon", appauthor=False))
