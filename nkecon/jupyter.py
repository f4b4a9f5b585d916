"""JupyterLab settings for nkecon's notebooks: `make lab` saves them through :func:`pre_save`.

A kernel hands JupyterLab its full ``language_info`` (version, lexer, mimetype ...), and Lab
records cell timings; saving would write both into notebooks that are committed without
them. :func:`pre_save` keeps ``language_info`` to its name and drops the timings, so a
notebook opened and saved unchanged stays byte for byte what git holds. Outputs and
execution counts stay on disk for the analyst; git's nbstripout filter (``make setup``)
strips them, and the same volatile keys, on commit and diff.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pre_save", "VOLATILE_CELL_KEYS"]

#: Cell metadata that JupyterLab and the classic notebook write on run or save.
VOLATILE_CELL_KEYS = ("execution", "ExecuteTime", "trusted", "scrolled", "collapsed")


def pre_save(model: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A Jupyter server ``ContentsManager.pre_save_hook``: tidy a notebook model in place."""
    if not model or model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    meta = nb.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("language_info"), dict):
        meta["language_info"] = {"name": meta["language_info"].get("name", "python")}
    for cell in nb.get("cells", []) or []:
        cmeta = cell.get("metadata") if isinstance(cell, dict) else None
        if isinstance(cmeta, dict):
            for key in VOLATILE_CELL_KEYS:
                cmeta.pop(key, None)
