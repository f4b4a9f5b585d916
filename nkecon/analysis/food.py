"""Food: grain production against need and the published food gaps."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..errors import ParameterError
from ..results import Result

from .common import year_param

__all__ = ["food_balance"]


# --------------------------------------------------------------------------------- food balance
def _need_for(food: pd.DataFrame, needs: pd.DataFrame, year: int, publisher: str, commodity: str) -> pd.Series:
    """The need that goes with a gap estimate: the publisher's own for that year; else, for
    FAO-style balances, production plus import requirement (FAO defines the requirement as
    utilisation minus production); else the need published nearest in time."""
    own = needs[(needs["year"] == year) & (needs["publisher"] == publisher)]
    if len(own):
        return own.iloc[0]
    same = food[(food["year"] == year) & (food["publisher"] == publisher) & (food["commodity"] == commodity)]
    same = same.set_index("measure")["value_kt"]
    if "production" in same.index and "import_requirement" in same.index:
        prod, req = same.loc[["production"]].iloc[0], same.loc[["import_requirement"]].iloc[0]
        return pd.Series({"value_kt": float(prod + req), "publisher": f"{publisher} (production + import requirement)",
                          "year": year})
    return needs.iloc[(needs["year"] - year).abs().argsort()[:1]].iloc[0]


def food_balance(food: pd.DataFrame | None = None, *, year: int = 2020) -> Result:
    """Production against need and every published gap estimate around ``year``.

    One row per published gap (measure ``gap``) for the marketing year starting in ``year``
    and the next, with the gap in thousand tonnes and in months of consumption (the gap
    divided by a twelfth of the need: the same estimate's need where it gives one, else the
    nearest need published for that year). ``attrs`` adds the RDA harvest change from the
    previous year and the published 2020 harvest loss to floods and typhoons.

    Parameters
    ----------
    food : DataFrame, optional
        The ``food`` data.
    year : int
        The harvest year.

    Returns
    -------
    Result
        One row per gap estimate; ``info`` holds the RDA harvest, its change and the
        published harvest loss.

    Examples
    --------
    >>> fb = food_balance(year=2020)
    >>> bool((fb.table["gap_kt"] > 0).all())
    True
    """
    food = datasets.load_food() if food is None else food
    year = year_param("year", year, int(food["year"].min()) + 1, int(food["year"].max()))
    gaps = food[(food["measure"] == "gap") & food["year"].isin([year, year + 1])]
    needs = food[food["measure"] == "need"]
    if gaps.empty:
        raise ParameterError(f"No published food-gap estimate for {year} or {year + 1}.")
    rows = []
    for g in gaps.itertuples():
        need = _need_for(food, needs, int(g.year), str(g.publisher), str(g.commodity))
        derived = "production + import requirement" in str(need["publisher"])
        if pd.notna(g.months_stated):
            months, basis = float(g.months_stated), "as the source states it"
        elif derived:
            # FAO's requirement is utilisation (food, feed, seed, losses) less production:
            # months of it would not be months of consumption, so none are computed
            months, basis = np.nan, "not computed: the only need is total utilisation, not food use"
        else:
            months = float(g.value_kt) / (float(need["value_kt"]) / 12)
            basis = "gap / (need / 12)" + ("" if need["publisher"] == g.publisher else f", need from {need['publisher']}")
        rows.append({
            "year": int(g.year), "publisher": g.publisher, "commodity": str(g.commodity),
            "basis": g.basis, "period": g.period, "gap_kt": float(g.value_kt),
            "need_kt": float(need["value_kt"]), "need_publisher": need["publisher"],
            "need_year": int(need["year"]),
            "months_of_consumption": months, "months_basis": basis,
            "source_id": g.source_id,
        })
    frame = pd.DataFrame(rows).sort_values(["year", "publisher"]).reset_index(drop=True)
    rda = food[(food["measure"] == "production") & (food["commodity"] == "grain_total") & (food["publisher"] == "RDA")]
    rda = rda.set_index("year")["value_kt"]
    loss = food[(food["measure"] == "harvest_loss") & (food["year"] == year)]
    drop = float(rda.get(year - 1, np.nan) - rda.get(year, np.nan))
    return Result(
        "food_balance",
        frame,
        info={"year": year, "production_kt": float(rda.get(year, np.nan)),
              "production_prev_kt": float(rda.get(year - 1, np.nan)),
              "harvest_change_kt": -drop,
              "harvest_loss_kt": float(loss["value_kt"].iloc[0]) if len(loss) else np.nan,
              "harvest_loss_publisher": str(loss["publisher"].iloc[0]) if len(loss) else ""},
        sample=f"published gap estimates for the marketing years starting {year} and {year + 1}",
        method="months of consumption the gap represents: as the source states it, else gap / (need / 12)",
        uncertainty=("estimates differ in what they count (food or grain, milled or not, cereal "
                     "equivalent); compare within a row, not across rows"),
    )
