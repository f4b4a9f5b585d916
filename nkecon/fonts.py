"""Fonts for nkecon's charts: NanumGothic, so that Korean names are drawn, not boxes.

The font files come from the ``koreanize-matplotlib`` package (SIL Open Font License). They
are registered with matplotlib's font manager by path; the package itself is not imported,
because importing it changes matplotlib's global settings. The house style
(``nkecon.mplstyle``) lists NanumGothic after DejaVu Sans, so Latin text keeps its look and
matplotlib falls back to NanumGothic glyph by glyph for Hangul.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

log = logging.getLogger("nkecon")

__all__ = ["register", "FAMILY"]

FAMILY = "NanumGothic"
_registered: list[str] = []


def font_files() -> list[Path]:
    """The NanumGothic files shipped by ``koreanize-matplotlib`` (empty if it is absent)."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(list(spec.submodule_search_locations)[0]) / "fonts"
    return sorted(folder.glob("NanumGothic*.ttf"))


def register() -> list[str]:
    """Register the CJK font with matplotlib once per process; return the files added.

    >>> from matplotlib import font_manager
    >>> _ = register()
    >>> FAMILY in {f.name for f in font_manager.fontManager.ttflist}
    True
    """
    if _registered:
        return list(_registered)
    from matplotlib import font_manager

    files = font_files()
    if not files:
        log.warning("koreanize-matplotlib is not installed: Korean text in charts will show as boxes")
    for path in files:
        font_manager.fontManager.addfont(str(path))
        _registered.append(str(path))
    return list(_registered)
