"""The result type every analysis helper returns: a small frozen object, as statsmodels does.

A :class:`Result` holds the table (``to_frame()`` gives a copy), the fitted model where
there is one, and what a reader needs to judge the estimate: its ``sample``, ``method``,
``uncertainty`` and ``caveat``. Facts that charts and report sentences need (a headline
figure, an interval level, a flow) are in ``info``, read-only, so that a chart never
re-states in its own words what the result already knows.

Unlike a DataFrame carrying ``attrs`` (experimental in pandas, deep-copied by every
operation and dropped by ``concat``), the result is built once and never copied.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import pandas as pd

__all__ = ["Result"]


@dataclass(frozen=True, eq=False)
class Result:
    """What a helper estimated, with its sample, method, uncertainty and caveat.

    Attributes
    ----------
    name : str
        The helper that made it, e.g. ``"attribute_drivers"``.
    table : pandas.DataFrame
        The estimate, one row per item (use :meth:`to_frame` for a copy to work on).
    sample, method, uncertainty, caveat : str
        What data the estimate rests on, how it was made, how uncertain it is and what
        it cannot tell.
    fit : object, optional
        The fitted statsmodels results, where the helper fits a model.
    info : mapping
        Named facts about the result (read-only), e.g. ``headline_pct`` or ``level``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = Result("demo", pd.DataFrame({"x": [1.0]}), sample="one row", method="none",
    ...            uncertainty="none", info={"level": 0.9})
    >>> r.info["level"], r.to_frame().shape
    (0.9, (1, 1))
    >>> print(r.summary().splitlines()[0])
    demo
    """

    name: str
    table: pd.DataFrame
    sample: str
    method: str
    uncertainty: str
    caveat: str = ""
    fit: Any = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    def __getitem__(self, key: str) -> Any:
        """A column of the table (``result["pp"]``), or a fact of ``info``."""
        if key in self.table.columns:
            return self.table[key]
        return self.info[key]

    def __len__(self) -> int:
        return len(self.table)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table, free to change."""
        return self.table.copy()

    def describe(self) -> str:
        """The sample, method, uncertainty and caveat, one per line."""
        parts = (("sample", self.sample), ("method", self.method), ("uncertainty", self.uncertainty),
                 ("caveat", self.caveat))
        return "\n".join(f"{k}: {v}" for k, v in parts if v)

    def summary(self) -> str:
        """The table and its description as text."""
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            return f"{self.name}\n{self.table.to_string(index=False)}\n{self.describe()}"

    def __repr__(self) -> str:
        return f"<Result {self.name}: {len(self.table)} row(s); {self.method}>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
            for k, v in (("Sample", self.sample), ("Method", self.method),
                         ("Uncertainty", self.uncertainty), ("Caveat", self.caveat)) if v
        )
        table = self.table.to_html(index=False, float_format=lambda x: f"{x:.2f}", na_rep="")
        return f"<div><strong>{html.escape(self.name)}</strong>{table}<dl>{rows}</dl></div>"
