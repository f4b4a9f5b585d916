import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from nkecon import paths  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch) -> Path:
    """A writable copy of the shipped data folder; NKECON_DATA_DIR is left untouched."""
    monkeypatch.delenv("NKECON_DATA_DIR", raising=False)
    dest = tmp_path / "data"
    shutil.copytree(paths.shipped_data_dir(), dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
