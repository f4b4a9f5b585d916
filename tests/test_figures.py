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
    assert list(gdp.index) == list(range(1990, 2026))
    assert gdp["release_date"].nunique() == 1, "today's series is one release"
    assert gdp["growth_pct"].notna().all()
    assert gdp["release_date"].notna().all()


TOP = ("agriculture_forestry_fishing", "mining_manufacturing", "electricity_gas_water",
       "construction", "services")


def test_sectors_complete_for_2019_and_2020():
    sectors = nk.load_sectors()
    for year in (2019, 2020):
        rows = sectors[sectors.year == year].set_index("sector")
        for sector in TOP:
            assert rows.loc[sector, ["growth_pct", "share_pct"]].notna().all(), (year, sector)
        # the BOK splits mining and manufacturing growth (2020: -9.6 and -3.8)
        assert rows.loc[["mining", "manufacturing"], "growth_pct"].notna().all()
        # top-level shares of nominal GDP add up to 100 (rounded figures)
        assert abs(rows.loc[list(TOP), "share_pct"].sum() - 100) <= 0.3, year


def test_2020_sector_figures_as_reported():
    rows = nk.load_sectors().query("year == 2020").set_index("sector")["growth_pct"]
    assert rows["agriculture_forestry_fishing"] == -7.6
    assert rows["mining_manufacturing"] == -5.9
    assert rows["services"] == -4.0


def test_trade_collapse_2020():
    trade = nk.load_trade()
    # as the BOK published them on 2021-07-30 (its 2019 total was later quoted as 3250)
    bok = trade[(trade.series == "bok") & (trade.partner == "world") & trade.month.isna()
                & (trade.release_date <= "2021-07-30")].sort_values("release_date")
    bok = bok.drop_duplicates(["year", "flow"], keep="last")
    total = bok[bok.flow == "total"].set_index("year")["value_usd_mn"]
    assert total[2020] == 860
    # the BOK's "down 73.4%" from 2019 (from unrounded figures; ours are rounded to $10m)
    assert abs((total[2020] / total[2019] - 1) * 100 - (-73.4)) < 0.5


def test_one_million_tons_is_food_not_rice():
    # The article says "1 million tons of rice"; the NIS briefing quoted by AP says North Korea
    # is short about 1 million tons of food (need about 5.5 million tons).
    food = nk.load_food()
    nis = food[(food.publisher == "NIS") & (food.year == 2021)].set_index("measure")
    assert nis.loc["gap", "value_kt"] == 1000 and nis.loc["gap", "commodity"] == "food_total"
    assert nis.loc["need", "value_kt"] == 5500
