"""Explore a report interactively: pick its parameters, see its charts, tables and sentences.

``nk.explore()`` in JupyterLab shows one control per parameter of a report notebook, built
from the notebook's parameter contract (:mod:`nkecon.reports.contract`): a year whose rules
leave holes offers exactly the years they accept, a date with a ``[DATASET.COLUMN]`` range
offers that column's dates (every Bank of Korea release for ``as_of``), a number keeps its
declared bounds, a ``{a|b}`` list is a set of check boxes. Each change checks the values
against the contract, exactly as ``nkecon report`` does, and then runs the report
notebook's own cells in this kernel, so the charts, tables and generated sentences are the
report's. A refused value shows the contract's one-line reason instead.

``nkecon explore`` serves the same explorer as a web page on a loopback port (Voila).

Examples
--------
>>> from nkecon.explorer import Explorer
>>> ex = Explorer("food", run=False)
>>> sorted(ex.controls)
['end', 'focus_year', 'start']
>>> ex.controls["focus_year"].value
2020
"""

from __future__ import annotations

from .capture import Run
from .serve import explorer_notebook, serve
from .widgets import MAX_CHOICES, Explorer, explore

__all__ = ["Explorer", "Run", "explore", "explorer_notebook", "serve", "MAX_CHOICES"]
