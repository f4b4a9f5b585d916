"""`nkecon data fetch`, replayed from recorded responses: never the network.

Each test mocks the HTTP transport with respx; a request that no route expects fails the test
(respx raises), so nothing here can reach a real service. The fixtures and where they come
from are described in tests/fixtures/fetch/README.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest
import respx

import nkecon as nk
from nkecon import fetch as F
from nkecon.cli import main
from nkecon.errors import FetchError

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
TODAY = date(2026, 11, 28)
POINTS = (("A", 39.0, 125.75), ("B", 41.8, 129.78))
ECOS_RE = r"^https://ecos\.bok\.or\.kr/api/StatisticSearch/(?P<key>[^/]+)/json/kr/1/1000/251Y001/A/1990/\d{4}/(?P<item>\d{7})/$"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _ecos(item: str, edit=None) -> bytes:
    payload = json.loads(_fixture(f"ecos_251y001_{item}.json"))
    if edit:
        edit(payload["StatisticSearch"]["row"])
        payload["StatisticSearch"]["list_total_count"] = len(payload["StatisticSearch"]["row"])
    return json.dumps(payload, ensure_ascii=False).encode()


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """A private cache, no key, no data-dir override, user folders in tmp, no waiting."""
    monkeypatch.setenv("NKECON_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("NKECON_DATA_DIR", raising=False)
    monkeypatch.delenv("NKECON_ECOS_KEY", raising=False)
    waits: list[float] = []
    monkeypatch.setattr(F.http, "_sleep", waits.append)
    return waits


@pytest.fixture
def services():
    """respx routes for the three services, answering with the recorded responses."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        routes = {
            "weather": mock.get(F.OPEN_METEO_URL).mock(
                return_value=httpx.Response(200, content=_fixture("open_meteo_archive_era5.json"))),
            "un": mock.get(F.UN_LIST_URL).mock(
                return_value=httpx.Response(200, content=_fixture("un_consolidated_dprk_excerpt.xml"))),
        }

        def ecos(request, key, item):
            return httpx.Response(200, content=_ecos(item))

        routes["ecos"] = mock.get(url__regex=ECOS_RE).mock(side_effect=ecos)
        routes["mock"] = mock
        yield routes


def _weather(data_dir, **kw):
    return F.fetch(["weather"], data_dir=data_dir, weather_points=POINTS, start_year=2019, end_year=2021,
                   today=TODAY, **kw)


# ----------------------------------------------------------------------- what comes in


def test_weather_adds_era5_rows_with_normals_and_anomalies(data_copy, services):
    result = _weather(data_copy)
    assert result.wrote and result.changed
    added = [c for c in result.changes if c.kind == "added"]
    assert len(added) == 4 + 3 * 8  # four 1991-2020 normals; 8 rows a year for 2019-2021
    weather = nk.load_weather(data_dir=data_copy)
    era5 = weather[weather.basis == "era5_reanalysis"].set_index(["year_start", "year_end", "measure", "season"])["value"]
    assert era5[(2020, 2020, "precipitation_mm", "jja")] == pytest.approx(552.0)   # 92 days x 6 mm
    assert era5[(2020, 2020, "precipitation_mm", "annual")] == pytest.approx(1100.0)
    assert era5[(1991, 2020, "precipitation_mm", "annual")] == pytest.approx(742.8)  # (21916 + 368) / 30
    assert era5[(2021, 2021, "temperature_anomaly_c", "annual")] == pytest.approx(1.0)
    assert era5[(2021, 2021, "temperature_anomaly_c", "jja")] == pytest.approx(1.0)
    assert era5[(2020, 2020, "precipitation_pct_of_normal", "jja")] == pytest.approx(281.25, abs=0.06)  # 100 x 552 / 196.27
    # the curated KMA rows are untouched
    assert len(weather[weather.basis != "era5_reanalysis"]) == len(nk.load_weather().query("basis != 'era5_reanalysis'"))
    # provenance: url, query, time, sha256 of each raw response, licence, citation
    fetched = nk.get_metadata("weather", data_dir=data_copy).fetched
    assert fetched["url"] == F.OPEN_METEO_URL and fetched["query"]["models"] == "era5"
    digest = hashlib.sha256(_fixture("open_meteo_archive_era5.json")).hexdigest()
    assert fetched["sha256"] == [digest, digest]
    assert "CC BY 4.0" in fetched["licence"] and "Zippenfenig" in fetched["citation"] and fetched["time"]
    source = nk.load_sources(data_dir=data_copy).set_index("source_id").loc[fetched["source_id"]]
    assert source["kind"] == "reference" and source["url"] == F.OPEN_METEO_URL
    # every request named nkecon and carried the query
    for call in services["weather"].calls:
        assert call.request.headers["User-Agent"].startswith("nkecon/")
        assert call.request.url.params["daily"] == "precipitation_sum,temperature_2m_mean"


def test_weather_second_fetch_uses_the_cache_and_changes_nothing(data_copy, services):
    _weather(data_copy)
    before, calls = _snapshot(data_copy), services["weather"].call_count
    again = _weather(data_copy)
    assert services["weather"].call_count == calls  # within a day: the cache, not the service
    assert again.from_cache == ("weather",)
    assert not again.changed and not again.wrote and _snapshot(data_copy) == before
    _weather(data_copy, refresh=True)
    assert services["weather"].call_count == calls + len(POINTS)


def test_bok_same_series_as_held_changes_nothing(data_copy, services, monkeypatch):
    monkeypatch.setenv("NKECON_ECOS_KEY", "test-key")
    before = _snapshot(data_copy)
    result = F.fetch(["bok_gdp"], data_dir=data_copy, today=TODAY)
    assert result.changes == () and not result.wrote
    assert _snapshot(data_copy) == before
    assert services["ecos"].call_count == 3
    assert all("/test-key/" in str(c.request.url) for c in services["ecos"].calls)


def _revised(request, key, item):
    """The 2026 release: 2025 revised (3.5 -> 3.7 percent) and 2026 estimated."""
    values = {"1010400": ("3.7", "2.1"), "1010200": ("48545.1", "50010.2"), "1010300": ("187.3", "192.4")}[item]

    def edit(rows):
        for r in rows:
            if r["TIME"] == "2025":
                r["DATA_VALUE"] = values[0]
        rows.append({**rows[-1], "TIME": "2026", "DATA_VALUE": values[1]})

    return httpx.Response(200, content=_ecos(item, edit))


def test_bok_new_release_keeps_curated_figures_unless_accepted(data_copy, services, monkeypatch):
    monkeypatch.setenv("NKECON_ECOS_KEY", "test-key")
    services["ecos"].mock(side_effect=_revised)
    when = date(2027, 7, 30)
    result = F.fetch(["bok_gdp"], data_dir=data_copy, today=when)
    kinds = {c.kind: c for c in result.changes}
    assert set(kinds) == {"added", "disagrees"}
    assert kinds["added"].key == ("2027-07-30", "2026")
    assert kinds["disagrees"].key == ("2026-10-05", "2025")
    assert "growth_pct 3.5 -> 3.7" in kinds["disagrees"].describe()
    assert "1 row(s) added, 0 changed, 1 curated figure(s)" in result.summary()
    gdp = nk.load_gdp(data_dir=data_copy).set_index("year")
    assert gdp.loc[2025, "growth_pct"] == 3.5 and gdp.loc[2026, "growth_pct"] == 2.1

    accepted = F.fetch(["bok_gdp"], data_dir=data_copy, today=when, accept=True)
    assert [c.key for c in accepted.changes if c.kind == "added"] == [("2027-07-30", "2025")]
    gdp = nk.load_gdp(data_dir=data_copy).set_index("year")
    assert gdp.loc[2025, "growth_pct"] == 3.7                      # load_gdp() moves to the new release
    old = nk.load_gdp(as_of="2027-01-01", data_dir=data_copy).set_index("year")
    assert old.loc[2025, "growth_pct"] == 3.5 and 2026 not in old.index   # as_of still gives the old one
    assert nk.get_metadata("gdp_releases", data_dir=data_copy).fetched["url"].count("{NKECON_ECOS_KEY}") == 1
    text = (data_copy / "datapackage.json").read_text(encoding="utf-8") + (data_copy / "sources.csv").read_text(encoding="utf-8")
    assert "test-key" not in text  # the key never reaches the data folder


def test_un_designations_added_and_no_longer_listed(data_copy, services):
    # the shipped file holds the whole list; start from its 11 rows transcribed from the 2018 and
    # 2022 lists, so that the excerpt below adds one entry and no longer lists eight
    path = data_copy / "un_designations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:1] + [ln for ln in lines[1:] if ",unsc-consolidated-list-" in ln]), encoding="utf-8")
    body = _fixture("un_consolidated_dprk_excerpt.xml").replace(b"KPi.037", b"KPi.080")
    services["un"].mock(return_value=httpx.Response(200, content=body))
    result = F.fetch(["un_designations"], data_dir=data_copy, today=TODAY)
    added = [c for c in result.changes if c.kind == "added"]
    removed = {c.key[0] for c in result.changes if c.kind == "removed"}
    assert [c.key for c in added] == [("KPi.080",)]
    assert removed == {"KPi.030", "KPi.031", "KPi.032", "KPi.035", "KPi.036", "KPi.037", "KPi.038", "KPi.039"}
    frame = nk.load_un_designations(data_dir=data_copy).set_index("reference_number")
    assert frame.loc["KPi.080", "name"] == "CHANG CHANG HA"
    assert "KPi.037" in frame.index and "YEi.001" not in frame.index  # kept; other regimes ignored
    assert frame.loc["KPe.053", "kind"] == "entity"
    fetched = nk.get_metadata("un_designations", data_dir=data_copy).fetched
    assert fetched["date_generated"].startswith("2022-09-15") and fetched["sha256"] == hashlib.sha256(body).hexdigest()


def test_dry_run_prints_the_summary_and_writes_nothing(data_copy, services):
    before = _snapshot(data_copy)
    result = _weather(data_copy, dry_run=True)
    assert result.changed and not result.wrote and _snapshot(data_copy) == before
    assert "dry run: nothing written" in result.summary()


def test_default_folder_is_the_user_data_folder_seeded_from_the_shipped_data(services, capsys):
    from nkecon import paths

    shipped = _snapshot(paths.shipped_data_dir())
    assert main(["data", "fetch", "un_designations", "--dry-run"]) == 0
    assert not paths.user_data_dir().exists()                  # a dry run creates nothing
    assert main(["data", "fetch", "un_designations"]) == 0
    target = paths.user_data_dir()
    assert (target / "datapackage.json").is_file() and nk.validate(target) == []
    assert _snapshot(paths.shipped_data_dir()) == shipped       # never the shipped copy
    out = capsys.readouterr().out
    assert f"export NKECON_DATA_DIR={target}" in out


def test_refuses_to_write_into_the_shipped_data(services):
    from nkecon import paths

    with pytest.raises(FetchError, match="shipped with nkecon"):
        F.fetch(["un_designations"], data_dir=paths.shipped_data_dir())


# ----------------------------------------------------------------------------- failure

def _fails(data_copy, names, match, **kw):
    before = _snapshot(data_copy)
    with pytest.raises(FetchError, match=match) as info:
        F.fetch(names, data_dir=data_copy, today=TODAY, weather_points=POINTS, start_year=2019, end_year=2021, **kw)
    assert "\n" not in str(info.value)
    assert _snapshot(data_copy) == before
    return info.value


def test_no_network_is_retried_then_one_line(data_copy, services, _isolated):
    services["un"].mock(side_effect=httpx.ConnectError("Name or service not known"))
    err = _fails(data_copy, ["un_designations"], r"^un_designations: cannot reach scsanctions\.un\.org")
    assert "tried 4 times" in str(err)
    assert services["un"].call_count == F.ATTEMPTS and _isolated == [2.0, 4.0, 8.0]  # backoff doubles


def test_timeout(data_copy, services):
    services["un"].mock(side_effect=httpx.ReadTimeout("timed out"))
    _fails(data_copy, ["un_designations"], r"^un_designations: no answer from scsanctions\.un\.org within 60 s")


def test_transient_server_error_is_retried_then_succeeds(data_copy, services):
    body = _fixture("un_consolidated_dprk_excerpt.xml")
    services["un"].mock(side_effect=[httpx.Response(503), httpx.Response(200, content=body)])
    assert F.fetch(["un_designations"], data_dir=data_copy, today=TODAY).changes
    assert services["un"].call_count == 2


def test_http_error_is_not_retried(data_copy, services):
    services["un"].mock(return_value=httpx.Response(404))
    _fails(data_copy, ["un_designations"], r"^un_designations: scsanctions\.un\.org answered HTTP 404 Not Found")
    assert services["un"].call_count == 1


def test_rate_limit_honours_retry_after(data_copy, services, _isolated):
    services["weather"].mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}))
    _fails(data_copy, ["weather"], r"^weather: .*rate limit reached \(HTTP 429\)")
    assert _isolated == [30.0, 30.0, 30.0]


def test_missing_key(data_copy, services):
    _fails(data_copy, ["bok_gdp"], r"^bok_gdp: NKECON_ECOS_KEY is not set")
    assert services["ecos"].call_count == 0


def test_wrong_key(data_copy, services, monkeypatch):
    monkeypatch.setenv("NKECON_ECOS_KEY", "not-a-key")
    error = json.dumps({"RESULT": {"CODE": "INFO-100", "MESSAGE": "인증키가 유효하지 않습니다."}}).encode()
    services["ecos"].mock(return_value=httpx.Response(200, content=error))
    _fails(data_copy, ["bok_gdp"], r"^bok_gdp: ECOS rejected the key in NKECON_ECOS_KEY \(INFO-100")


@pytest.mark.parametrize("name, route, body, match", [
    ("weather", "weather", b"<html>maintenance</html>", "not JSON"),
    ("weather", "weather", b'{"daily": {"time": ["2019-01-01"]}}', "expected 'daily' with lists"),
    ("weather", "weather", b'{"error": true, "reason": "Parameter models invalid"}', "Parameter models invalid"),
    ("un_designations", "un", b"<CONSOLIDATED_LIST><INDIVIDUALS>", "not XML"),
    ("un_designations", "un", b"<html><body>Service Unavailable</body></html>", "expected <CONSOLIDATED_LIST>"),
    ("bok_gdp", "ecos", b'{"StatisticSearch": {"list_total_count": 1}}', "expected 'StatisticSearch' with a 'row' list"),
])
def test_malformed_payload(data_copy, services, monkeypatch, name, route, body, match):
    monkeypatch.setenv("NKECON_ECOS_KEY", "test-key")
    services[route].mock(return_value=httpx.Response(200, content=body))
    _fails(data_copy, [name], rf"^{name}: .*{re.escape(match)}")


def test_incomplete_weather_series(data_copy, services):
    payload = json.loads(_fixture("open_meteo_archive_era5.json"))
    payload["daily"]["precipitation_sum"][-1] = None
    services["weather"].mock(return_value=httpx.Response(200, content=json.dumps(payload).encode()))
    _fails(data_copy, ["weather"], r"^weather: incomplete response for point 'A': no value for 2021-12-31")


def test_one_failing_source_writes_nothing_for_the_others(data_copy, services):
    services["un"].mock(return_value=httpx.Response(500))
    _fails(data_copy, ["weather", "un_designations"], r"^un_designations: scsanctions\.un\.org answered HTTP 500")
    assert services["weather"].call_count == len(POINTS)


def test_a_failed_response_is_not_cached(data_copy, services):
    services["un"].mock(side_effect=[httpx.Response(200, content=b"garbage"),
                                     httpx.Response(200, content=_fixture("un_consolidated_dprk_excerpt.xml"))])
    _fails(data_copy, ["un_designations"], "not XML")
    F.fetch(["un_designations"], data_dir=data_copy, today=TODAY)
    assert services["un"].call_count == 2


def test_command_line_offline_fails_with_one_line_and_changes_nothing(tmp_path, capsys):
    """This machine has no internet: `nkecon data fetch` says so in one line, exit 1."""
    from nkecon import paths

    with respx.mock(assert_all_mocked=True) as mock:
        mock.route().mock(side_effect=httpx.ConnectError("[Errno -3] Temporary failure in name resolution"))
        status = main(["data", "fetch"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert [line for line in err if line.startswith("nkecon: error:")] == [err[-1]]
    assert re.match(r"nkecon: error: weather: cannot reach archive-api\.open-meteo\.com \(no network connection\?\)", err[-1])
    assert not paths.user_data_dir().exists()
    assert not any((tmp_path / "cache").rglob("*.raw"))


def test_unknown_source_name(services):
    with pytest.raises(FetchError, match="no source named 'gdp'; the sources are weather, un_designations, bok_gdp"):
        F.fetch(["gdp"])


def test_import_nkecon_does_not_import_the_http_client():
    code = "import sys, nkecon; nkecon.fetch_weather; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_fetched_reanalysis_becomes_the_regressions_weather_measure(data_copy, services):
    from nkecon import analysis as an

    before = an.growth_regression(sample=(2000, 2021))
    assert not before.info["weather_used"]  # the curated KMA years are too few
    F.fetch(["weather"], data_dir=data_copy, weather_points=POINTS, start_year=2000, end_year=2021, today=TODAY)
    weather = nk.load_weather(data_dir=data_copy)
    anomaly = an.weather_anomaly(weather)
    assert anomaly.info["basis"] == "era5_reanalysis" and set(range(2000, 2022)) <= set(anomaly.table["year"])
    after = an.growth_regression(sample=(2000, 2021), weather_measure="rainfall", data_dir=data_copy)
    assert after.info["weather_used"] and "weather" in set(after.table["term"])
    assert "Weather is left out" not in after.caveat
    # and the attribution's rainfall alternative becomes estimable
    alts = an.structural_alternatives(2020, draws=100, data_dir=data_copy)
    assert "weather_rainfall" in set(alts.table["spec"]) and "weather_rainfall" not in alts.info["not_estimable"]
