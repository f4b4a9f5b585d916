"""Build nkecon's reports: parameterised notebooks, run by papermill, published as HTML.

One module per job:

* :mod:`~nkecon.reports.values` converts a value by its declared type (bounded YAML);
* :mod:`~nkecon.reports.expr` is the contract's small expression language;
* :mod:`~nkecon.reports.contract` reads and applies a notebook's parameter contract;
* :mod:`~nkecon.reports.notebooks` finds the notebooks marked as reports;
* :mod:`~nkecon.reports.planning` resolves requests to folders, titles and input hashes;
* :mod:`~nkecon.reports.files` writes atomically, deletes only what nkecon created, and
  refuses unsafe output and data folders;
* :mod:`~nkecon.reports.worker` runs one report in a worker process;
* :mod:`~nkecon.reports.pool` runs the workers, survives a dead one, stops all on a signal;
* :mod:`~nkecon.reports.publish` publishes, records failures and repairs interrupted runs;
* :mod:`~nkecon.reports.export` and :mod:`~nkecon.reports.index` write the HTML from
  jinja2 templates, sanitised with nh3;
* :mod:`~nkecon.reports.build` puts them together.

The contract syntax is in the README ("Adding your own report").
"""

from __future__ import annotations

from .build import LockedError, ReportResult, build
from .contract import ContractError, Param, resolve
from .index import write_index
from .notebooks import NotebookSpec, discover, get_notebook
from .planning import Planned, plan, slug_for

__all__ = ["ContractError", "LockedError", "NotebookSpec", "Param", "Planned", "ReportResult", "build", "discover",
           "get_notebook", "plan", "resolve", "slug_for", "write_index"]
