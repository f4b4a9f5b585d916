"""Checks that report contracts call with ``check('nkecon.reports.checks:NAME', value)``."""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError


def driver_mapping(value: Any) -> bool:
    """An empty mapping (nkecon's default), or one that maps every industry to known drivers."""
    if not value:
        return True
    from ..analysis import TOP_SECTORS, _check_mapping

    try:
        _check_mapping(value, TOP_SECTORS)
    except (TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise ParameterError(f"`driver_mapping` must map industries to {{driver: weight}} mappings ({exc}).") from None
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
