"""The published figures that nkecon's question rests on, checked in the shipped data.

Each assertion restates a claim of the Bank of Korea (July 2021 release) or the news report
in ``shared/context``; if a data update changes one, the test says which.
"""

import nkecon as nk


def _gdp():
    return nk.load_gdp().set_index("year")


def test_2020_contraction_is_the_worst_since_1997():
    gdp = _gdp()
    assert gdp.loc[2020, "growth_pct"] == -4.5
    assert gdp.loc[1997, "growth_pct"] == -6.5
    between = gdp.loc[1998:2019, "growth_pct"]
    assert between.notna().all()
    assert (between > gdp.loc[2020, "growth_pct"]).all(), "2020 must be the worst year since 1997"


def test_gdp_covers_every_year():
    gdp = _gdp()
    assert list(gdp.index) == list(range(1990, 2025))
    assert gdp["growth_pct"].notna().all()
    assert gdp["vintage"].notna().all()


def test_sectors_complete_for_2019_and_2020():
    sectors = nk.load_sectors()
    for year in (2019, 2020):
        rows = sectors[sectors.year == year].set_index("sector")
        for sector in ("agriculture_forestry_fishing", "mining", "manufacturing",
                       "electricity_gas_water", "construction", "services"):
            assert sector in rows.index, (year, sector)
            assert rows.loc[sector, ["growth_pct", "share_pct"]].notna().all(), (year, sector)
