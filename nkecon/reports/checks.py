"""Checks that report contracts call with ``check('nkecon.reports.checks:NAME', value)``."""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError


def driver_mapping(value: Any, focus_year: Any = None) -> bool:
    """An empty mapping (nkecon's measured split), or one that maps every industry to known
    drivers and charges no driver that had no measured shock in ``focus_year``."""
    if not value:
        return True
    from ..analysis import TOP_SECTORS, absent_drivers, check_mapping

    try:
        check_mapping(value, TOP_SECTORS)
    except (TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise ParameterError(f"`driver_mapping` must map industries to {{driver: weight}} mappings ({exc}).") from None
    if focus_year is not None:
        absent = absent_drivers(int(focus_year))
        for weights in value.values():
            for driver, w in weights.items():
                if w and driver in absent:
                    raise ParameterError(f"`driver_mapping` charges {driver} in {focus_year}, when {absent[driver]}: "
                                         f"give it weight 0 for {focus_year}.")
    return True


def sector_year(year: Any) -> bool:
    """The sectors data hold every industry's growth in ``year`` and share in the year before."""
    from ..analysis import sector_contributions

    sector_contributions(year=year)
    return True


def exposure_base_year(year: Any) -> bool:
    """The data hold exports by product to China and their total for ``year``."""
    from ..analysis import sanctions_exposure

    sanctions_exposure(base_year=year)
    return True


def known_by(year: Any, as_of: Any) -> bool:
    """The BOK had published a growth figure for ``year`` on or before ``as_of``."""
    from ..datasets import load_gdp

    known = load_gdp(as_of=as_of)
    if year not in set(known["year"]):
        last = f"; the latest year then was {int(known['year'].max())}" if len(known) else ""
        raise ParameterError(f"The value for `focus_year` must be a year the BOK had estimated by {as_of}, "
                             f"but {year!r} was passed{last}.")
    return True


def trade_closure(closure: Any) -> bool:
    """The monthly trade model separates the closure from the bans and the coal suspension."""
    from ..analysis import trade_shocks

    trade_shocks(closure=str(closure))
    return True


def baseline_known(start: Any, end: Any, as_of: Any) -> bool:
    """The BOK had published growth figures for at least 8 years of the baseline window
    ``start..end`` on or before ``as_of`` (the counterfactual's own requirement)."""
    from ..datasets import load_gdp

    known = load_gdp(as_of=as_of)
    years = known.loc[known["growth_pct"].notna() & known["year"].between(start, end), "year"]
    if len(years) < 8:
        raise ParameterError(f"The baseline window {start}-{end} has only {len(years)} years with a growth figure "
                             f"published by {as_of}; at least 8 are needed (an earlier `baseline_start` or a later "
                             "`as_of`).")
    return True
