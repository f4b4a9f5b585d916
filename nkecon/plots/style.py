"""The house style, colours, labels and the helpers every chart shares."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from .. import analysis, datasets

__all__ = ["STYLE", "DRIVER_COLOURS", "DRIVER_HATCH", "DRIVER_LABEL", "SECTOR_LABEL", "GREY", "HIGHLIGHT", "house_style", "new_axes", "styled", "source_line", "driver_legend", "un_resolutions"]

STYLE = Path(__file__).parent.parent / "nkecon.mplstyle"

#: Okabe-Ito colours and hatches per driver (hatches keep them apart in grey print).
DRIVER_COLOURS = {
    "sanctions": "#0072B2",
    "border_closure": "#D55E00",
    "weather": "#009E73",
    "unexplained": "#999999",
}
DRIVER_HATCH = {"sanctions": "///", "border_closure": "", "weather": "...", "unexplained": "xx"}
DRIVER_LABEL = {
    "sanctions": "Sanctions",
    "border_closure": "Border closure / lockdown",
    "weather": "Weather",
    "unexplained": "Unexplained / other",
}
SECTOR_LABEL = {
    "agriculture_forestry_fishing": "Agriculture, forestry, fishing",
    "mining_manufacturing": "Mining and manufacturing",
    "mining": "Mining",
    "manufacturing": "Manufacturing",
    "electricity_gas_water": "Electricity, gas, water",
    "construction": "Construction",
    "services": "Services",
    "residual": "Residual (rounding, weights)",
}
GREY = "#7f7f7f"
HIGHLIGHT = "#D55E00"


@contextmanager
def house_style() -> Iterator[None]:
    """Apply nkecon's matplotlib style inside a ``with`` block, restoring on exit only the
    settings the style sets.

    ``plt.style.context`` restores *every* rc setting on exit, ``interactive`` included: a
    first figure created inside it switches the backend (which turns interactive mode on in
    JupyterLab, papermill and nbconvert), and the exit turned it off again, so that a user's
    next ``plt.plot()`` showed nothing. Here the backend is resolved before the style
    applies, and only the style's own keys are put back.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> before = plt.isinteractive()
    >>> with house_style():
    ...     plt.interactive(not before)
    >>> plt.isinteractive() == (not before)
    True
    >>> plt.interactive(before)
    """
    from .. import fonts

    fonts.register()  # NanumGothic for Korean names, named in the style
    plt.get_backend()  # resolve (and switch to) the backend outside the style
    style = mpl.rc_params_from_file(str(STYLE), use_default_template=False)
    saved = {key: mpl.rcParams[key] for key in style}
    mpl.rcParams.update(style)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)


def new_axes(ax: Axes | None, **fig_kw: Any) -> Axes:
    """``ax``, or the Axes of a new figure in the house style (``fig_kw`` go to the figure)."""
    if ax is not None:
        return ax
    with house_style():
        fig = plt.figure(layout="constrained", **fig_kw)
        return fig.add_subplot()


def styled(func):
    """Run a chart function under the house style (rc settings apply at draw-time of artists)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with house_style():
            return func(*args, **kwargs)

    return wrapper


def source_line(ax: Axes, *names: str, extra: str = "") -> None:
    """Write the source line under ``ax``: the producers of the datasets ``names``, then ``extra``."""
    producers = []  # each producer once, though several datasets (and producer lists) name it
    for name in names:
        for producer in datasets.get_metadata(name).producer.split("; "):
            if producer not in producers:
                producers.append(producer)
    import textwrap

    text = "Source: " + "; ".join(producers) + (f". {extra}" if extra else ".")
    if "nkecon" not in text:
        text += " Compiled by nkecon."
    # wrap to the axes' width (about 17 characters of 7-point type an inch)
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    text = "\n".join(textwrap.wrap(text, width=max(60, int(width_in * 17))))
    below = -42 if ax.get_xlabel() else -26
    ax.annotate(text, (0, 0), xycoords="axes fraction", xytext=(0, below), textcoords="offset points",
                fontsize=7, color="#555555", va="top", ha="left", annotation_clip=False, gid="source-line")


def un_resolutions(sanctions: pd.DataFrame) -> pd.DataFrame:
    """The UN Security Council's sanctions resolutions among the ``sanctions`` rows (not the
    Council's other DPRK decisions, such as the vetoed renewal of the Panel of Experts)."""
    return sanctions[(sanctions["authority"] == "UN") & sanctions["instrument"].astype(str).str.startswith("UNSCR")]


def driver_legend(ax: Axes, drivers=analysis.DRIVERS, **kwargs) -> None:
    """A legend of the drivers' colours and hatches on ``ax`` (``kwargs`` go to ``ax.legend``)."""
    handles = [Patch(facecolor=DRIVER_COLOURS[d], hatch=DRIVER_HATCH[d], label=DRIVER_LABEL[d],
                     edgecolor="white" if DRIVER_HATCH[d] else DRIVER_COLOURS[d]) for d in drivers]
    ax.legend(handles=handles, **kwargs)
