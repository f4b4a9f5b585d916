"""Open the report index and a report in a real headless browser, as a reader would.

Needs Debian's chromium (``.ci/run`` installs it). Without it the test is skipped, unless
``NKECON_REQUIRE_BROWSER=1`` (set by CI) makes a missing browser a failure.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        if os.environ.get("NKECON_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "nkecon", "report", "sanctions", "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    subprocess.run([sys.executable, "-m", "nkecon", "report", "food", "--out", str(out)],
                   capture_output=True, text=True, timeout=600, check=True)
    return out


def _visit(browser, path: Path, shot: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri(), wait_until="load")
    images = page.evaluate(
        "Array.from(document.images).map(i => ({src: i.src.slice(0, 80), ok: i.complete && i.naturalWidth > 0}))"
    )
    external = page.evaluate(
        "Array.from(document.querySelectorAll('script[src],link[href]')).map(e => e.src || e.href)"
        ".filter(u => u.startsWith('http'))"
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{path.name} is {width} px wide on a 1280 px screen"
    alts = page.evaluate("Array.from(document.images).map(i => i.alt)")
    assert all(a and "No description" not in a for a in alts), alts
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return images, problems, external


def test_index_and_report_render_with_every_image(browser, site, tmp_path):
    images, problems, external = _visit(browser, site / "index.html", tmp_path / "index.png")
    assert len(images) == 2 and all(i["ok"] for i in images), images
    assert not problems and not external

    images, problems, external = _visit(browser, site / "sanctions" / "default" / "index.html", tmp_path / "report.png")
    assert len(images) >= 2 and all(i["ok"] for i in images), images
    assert not problems and not external
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_links_from_index_reach_the_reports(browser, site):
    page = browser.new_page()
    page.goto((site / "index.html").as_uri())
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    page.close()
    targets = {h for h in hrefs if h.endswith("/index.html")}  # thumbnail and title link
    assert len(targets) == 2
    for href in targets:
        assert Path(href.removeprefix("file://")).is_file()
