"""Weather as numbers: bases never mixed, periods machine-readable, GHCN coverage honoured,
and the 2020 Kaesong lockdown and maximum emergency as two events."""

import csv
import io

import pandas as pd
import pytest

import nkecon as nk
from nkecon import analysis as an
from nkecon.weather import BASES, SEASON_MONTHS, weather_anomaly, weather_coverage, weather_series


@pytest.fixture(scope="module")
def weather():
    return nk.load_weather()


def test_every_row_has_a_basis_period_and_origin_that_agree(weather):
    assert set(weather["basis"]) <= set(BASES)
    for season, span in SEASON_MONTHS.items():
        rows = weather[weather["season"] == season]
        assert len(rows) and (rows["month_start"] == span[0]).all() and (rows["month_end"] == span[1]).all()
    part = weather[weather["season"].isin(["month", "part_year"])]
    assert (part["month_start"] <= part["month_end"]).all()
    assert (weather.loc[weather["season"] == "month", "month_start"] == weather.loc[weather["season"] == "month", "month_end"]).all()
    # derived figures are flagged and say how
    derived = weather[weather["origin"] == "derived"]
    assert len(derived) >= 1 and derived["note"].str.contains("DERIVED").all()


def test_ghcn_rows_carry_station_and_coverage_and_no_precipitation(weather):
    ghcn = weather[weather["basis"] == "ghcn_station"]
    assert set(ghcn["station_id"]) == {"KNM00047035", "KNM00047058", "KNM00047055", "KNM00047069", "KNM00047014", "KNM00047025"}
    assert ghcn["coverage_days"].notna().all() and ghcn["coverage_days"].between(1, 366).all()
    assert set(ghcn["measure"]) == {"mean_temperature_c"}  # GHCN-Daily precipitation is broken after ~1970
    nat = weather[weather["basis"] != "ghcn_station"]
    assert nat["station_id"].isna().all() and nat["coverage_days"].isna().all()
    pyongyang = ghcn[ghcn["station_id"] == "KNM00047058"].set_index("year_start")
    assert pyongyang.loc[1990, "value"] == 10.74 and pyongyang.loc[1990, "coverage_days"] == 364
    # low-coverage years are stored, not dropped: the 2007 gap year is there with its 302 days
    assert pyongyang.loc[2007, "coverage_days"] == 302


def test_series_never_mix_bases(weather):
    dprk = weather_series(weather, basis="dprk_national", measure="precipitation_mm", season="jja").set_index("year")
    kma = weather_series(weather, basis="kma_stations", measure="precipitation_mm", season="jja").set_index("year")
    assert dprk.loc[1995, "value"] == 827 and kma.loc[1995, "value"] == 742.4  # same summer, two services
    assert dprk.loc[2020, "value"] == 852.3 and 2020 not in kma.index
    assert set(dprk["source_id"]).isdisjoint(set(kma["source_id"]))
    assert dprk.loc[2019, "origin"] == "derived" and dprk.loc[2019, "value"] == pytest.approx(852.3 / 2.175, abs=0.05)


def test_published_anomalies_are_the_sources_figures(weather):
    dprk = weather_anomaly(weather, basis="dprk_national", normal="published").table.set_index("year")
    assert dprk.loc[2020, "anomaly"] == pytest.approx(46.1) and dprk.loc[2020, "normal"] == "unstated"
    temp = weather_anomaly(weather, basis="dprk_national", measure="mean_temperature_c", season="annual",
                           normal="published").table.set_index("year")
    assert temp.loc[2004, "anomaly"] == pytest.approx(1.0) and temp.loc[2004, "value"] == 9.2
    # computed against a stored normal, and consistent with KMA's stated percentage
    kma = weather_anomaly(weather, basis="kma_stations", normal="1981-2010").table.set_index("year")
    stated = weather[(weather.measure == "precipitation_pct_of_normal") & (weather.season == "jja") & (weather.basis == "kma_stations")]
    assert kma.loc[2012, "anomaly"] + 100 == pytest.approx(float(stated.set_index("year_start").loc[2012, "value"]), abs=0.5)
    july = weather_anomaly(weather, basis="kma_stations", season="month", months=7, normal="1981-2010").table.set_index("year")
    assert july.loc[2012, "anomaly"] + 100 == pytest.approx(148, abs=0.5)


def test_ghcn_anomaly_is_the_station_mean_of_station_anomalies(weather):
    r = weather_anomaly(weather, basis="ghcn_station", measure="mean_temperature_c", season="annual", normal="1991-2020")
    table = r.table.set_index("year")
    assert not {2005, 2006, 2007} & set(table.index)  # every station below 330 days
    assert r.info["min_coverage_days"] == 330 and 2007 in r.info["years_below_coverage"]["KNM00047058"]
    # by hand from the rows: each used station's 2020 value minus its 1991-2020 mean of years with >= 330 days
    g = weather[(weather.basis == "ghcn_station") & (weather.coverage_days >= 330)]
    expected = []
    for station in r.info["stations"]:
        s = g[g.station_id == station].set_index("year_start")["value"]
        expected.append(s.loc[2020] - s.loc[1991:2020].mean())
    assert table.loc[2020, "anomaly"] == pytest.approx(sum(expected) / len(expected))
    assert table.loc[2020, "n_stations"] == len(r.info["stations"])
    # a lower threshold lets the short years in; a stricter normal rule leaves stations out
    loose = weather_anomaly(weather, basis="ghcn_station", measure="mean_temperature_c", season="annual", min_coverage_days=300)
    assert 2007 in set(loose.table["year"])
    many = weather_anomaly(weather, basis="ghcn_station", measure="mean_temperature_c", season="annual", min_normal_years=15)
    assert len(many.info["stations"]) == 6 and len(r.info["stations"]) == 4


def test_coverage_table_says_which_years_each_basis_has(weather):
    cov = weather_coverage(weather).set_index(["basis", "station_id", "measure", "season", "months"])
    assert cov.loc[("dprk_national", "", "precipitation_mm", "jja", "6-8"), "years"] == "1995, 2019-2020"
    assert cov.loc[("dprk_national", "", "precipitation_mm", "jja", "6-8"), "derived_years"] == "2019"
    mean = cov.loc[("ghcn_station", "station-mean", "mean_temperature_c", "annual", "1-12")]
    assert "2005-2007" in mean["years_below_coverage"] and mean["first_year"] == 1959
    kma = cov.loc[("kma_stations", "", "precipitation_mm", "month", "7-7")]
    assert kma["years"] == "2004, 2010-2012"


def test_the_regression_still_finds_too_few_weather_years():
    reg = an.growth_regression(sample=(2000, 2021))
    assert not reg.info["weather_used"] and "Weather is left out" in reg.caveat


@pytest.mark.parametrize("kwargs, words", [
    ({"basis": "noaa"}, "`basis` must be one of"),
    ({"basis": "ghcn_station", "measure": "precipitation_mm", "season": "annual"}, "broken after about 1970"),
    ({"basis": "kma_stations", "season": "month"}, "`months` must be given"),
    ({"basis": "kma_stations", "season": "jja", "months": (7, 8)}, "`months` must be (6, 8)"),
    ({"basis": "kma_stations", "normal": "recent"}, "`normal` must be a period"),
    ({"basis": "ghcn_station", "measure": "mean_temperature_c", "season": "annual", "min_coverage_days": 400}, "`min_coverage_days`"),
])
def test_bad_parameters_get_one_clear_error(weather, kwargs, words):
    with pytest.raises(nk.ParameterError) as info:
        weather_anomaly(weather, **kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_period_that_contradicts_its_season_is_named(data_copy):
    path = data_copy / "weather.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    head = rows[0]
    i = next(k for k, r in enumerate(rows) if r[head.index("season")] == "jja" and r[head.index("basis")] == "dprk_national")
    rows[i][head.index("month_start")] = "7"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    with pytest.raises(nk.DataError) as info:
        weather_coverage(nk.load_weather(data_dir=data_copy))
    msg = str(info.value)
    assert msg.startswith("weather.csv, column 'month_start': value '7-8'") and "season 'jja' covers months 6-8" in msg


def test_kaesong_lockdown_and_maximum_emergency_are_two_dated_events():
    ev = nk.load_events().set_index("event_id")
    lock, emergency = ev.loc["kaesong-lockdown-2020-07"], ev.loc["maximum-emergency-2020-07-25"]
    assert lock["start_date"] == pd.Timestamp("2020-07-24") and lock["end_date"] == pd.Timestamp("2020-08-13")
    assert emergency["start_date"] == pd.Timestamp("2020-07-25")
    assert lock["source_id"] != emergency["source_id"]
    sources = set(nk.load_sources()["source_id"])
    assert {lock["source_id"], emergency["source_id"]} <= sources


def test_sized_weather_events_2010_2024():
    ev = nk.load_events()
    w = ev[(ev["kind"] == "weather") & ev["start_date"].dt.year.between(2010, 2024)]
    sized = w[w[["rainfall_mm", "area_flooded_ha", "area_dried_ha", "houses_damaged", "people_affected"]].notna().any(axis=1)]
    assert set(sized["start_date"].dt.year) >= {2010, 2011, 2012, 2013, 2015, 2016, 2018, 2019, 2020, 2021, 2024}
    assert ev.set_index("event_id").loc["drought-2015", "area_dried_ha"] == 136200
