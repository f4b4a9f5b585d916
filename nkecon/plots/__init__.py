"""Charts of North Korea's growth, its contraction and their drivers, in one house style.

Every function has the form ``name(data=None, *, ..., ax=None, **kwargs) -> Axes``: it draws
on ``ax`` (or a new figure), takes its labels and units from the datasets' metadata, writes
a source line under the plot, and returns the Axes. Nothing is shown or saved here; call
``ax.figure.savefig(...)`` yourself. Colours are the Okabe-Ito palette (colour-blind safe);
drivers also differ by hatching, so charts stay readable printed in grey. The charts live in
modules that mirror :mod:`nkecon.analysis` (growth, attribution, exposure, trade, weather,
food), and every name is importable from here.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = plot_gdp_growth()
>>> ax.get_ylabel()
'Real GDP growth on the previous year (%)'
"""

from __future__ import annotations

from .attribution import *  # noqa: F401,F403
from .attribution import __all__ as _attribution_all
from .exposure import *  # noqa: F401,F403
from .exposure import __all__ as _exposure_all
from .food import *  # noqa: F401,F403
from .food import __all__ as _food_all
from .growth import *  # noqa: F401,F403
from .growth import __all__ as _growth_all
from .style import *  # noqa: F401,F403
from .style import __all__ as _style_all
from .trade import *  # noqa: F401,F403
from .trade import __all__ as _trade_all

__all__ = [*_style_all, *_growth_all, *_attribution_all, *_exposure_all, *_trade_all, *_food_all]
