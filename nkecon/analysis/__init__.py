"""Analysis helpers: relate North Korea's growth, year by year, to its drivers.

Each helper takes the data it uses as arguments (the shipped data by default, or a
``data_dir``) and keyword options, and returns a :class:`~nkecon.results.Result`: the
table, the fit, and the estimate's sample, method, uncertainty and caveat
(``result.describe()``).

Annual data on North Korea are few and estimated by others (the Bank of Korea estimates
GDP from South Korean agencies' information): every answer here is an order of magnitude
with an honest interval, not a measurement.

The helpers live in modules by topic, and every name is importable from here:

* :mod:`~nkecon.analysis.growth`: counterfactual, industry contributions, revisions, the
  growth regression;
* :mod:`~nkecon.analysis.attribution`: a year's growth split between the drivers, from
  their measured shocks;
* :mod:`~nkecon.analysis.comparison`: the split beside published estimates and the BOK's
  stated causes;
* :mod:`~nkecon.analysis.regression`: the check of the split on the whole economy;
* :mod:`~nkecon.analysis.exposure`: the share of exports under UN bans;
* :mod:`~nkecon.analysis.trade`: China-North Korea trade and its shocks;
* :mod:`~nkecon.analysis.weather`: rain and temperature against normal;
* :mod:`~nkecon.analysis.food`: grain against need.
"""

from __future__ import annotations

from .attribution import *  # noqa: F401,F403
from .attribution import __all__ as _attribution_all
from .common import *  # noqa: F401,F403
from .comparison import *  # noqa: F401,F403
from .comparison import __all__ as _comparison_all
from .common import __all__ as _common_all
from .exposure import *  # noqa: F401,F403
from .exposure import __all__ as _exposure_all
from .food import *  # noqa: F401,F403
from .food import __all__ as _food_all
from .growth import *  # noqa: F401,F403
from .growth import __all__ as _growth_all
from .regression import *  # noqa: F401,F403
from .regression import __all__ as _regression_all
from .trade import *  # noqa: F401,F403
from .trade import __all__ as _trade_all
from .weather import *  # noqa: F401,F403
from .weather import __all__ as _weather_all

__all__ = [*_common_all, *_growth_all, *_attribution_all, *_comparison_all, *_regression_all, *_exposure_all, *_trade_all, *_weather_all, *_food_all]


def __getattr__(name: str):
    # the sentence moved to nkecon.narrative with every other generated sentence
    if name == "regression_verdict":
        from ..narrative import regression_verdict

        return regression_verdict
    raise AttributeError(f"module 'nkecon.analysis' has no attribute {name!r}")
