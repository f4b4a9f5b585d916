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
