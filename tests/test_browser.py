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
    """The default report set, and two variants of the contraction report."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "nkecon", "report", "--out", str(out), "--jobs", "2"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    sweep = out.parent / "sweep.yaml"
    sweep.write_text("- focus_year: 2018\n- as_of: '2021-07-30'\n")
    result = subprocess.run([sys.executable, "-m", "nkecon", "report", "contraction", "--params-file", str(sweep),
                             "--out", str(out), "--jobs", "2"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
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
    assert len(images) == 6 and all(i["ok"] for i in images), images
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
    assert len(targets) == 6
    for href in targets:
        assert Path(href.removeprefix("file://")).is_file()


# A table wider than its box, or a number or date drawn on two lines (the range over a cell's
# text has line boxes at two heights).
READABLE_JS = r"""() => {
  const out = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const box = t.parentElement.getBoundingClientRect().width;
    const width = t.getBoundingClientRect().width;
    if (width > box + 1) out.push(`table ${i + 1} is ${Math.round(width)} px wide in a ${Math.round(box)} px box`);
  });
  const number = /^[-+−]?[\d.,]+%?$|^\d{4}-\d{2}(-\d{2})?$/;
  let numbers = 0;
  document.querySelectorAll('td, th').forEach(c => {
    const text = c.textContent.trim();
    if (!number.test(text)) return;
    numbers += 1;
    const range = document.createRange();
    range.selectNodeContents(c);
    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    if (tops.size > 1) out.push(`"${text}" is split across ${tops.size} lines`);
  });
  return {problems: out, numbers: numbers};
}"""


def test_every_report_page_fits_1280_px_and_never_splits_a_number(browser, site, tmp_path):
    pages = sorted(site.glob("*/*/index.html")) + [site / "index.html"]
    assert len(pages) == 7
    for path in pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(path.as_uri(), wait_until="load")
        found = page.evaluate(READABLE_JS)
        page.close()
        assert not found["problems"], f"{path.relative_to(site)}: {found['problems']}"
        if path != site / "index.html":
            assert found["numbers"] > 10, path  # the check saw the report's figures


def test_long_text_moves_to_notes_and_every_chart_has_named_data(site):
    import csv

    relief = (site / "relief" / "default" / "index.html").read_text(encoding="utf-8")
    # relief's long text (the officials' estimates) and unbreakable words (URLs) become notes
    assert 'class="nk-notes"' in relief
    assert "<span class=\"nk-note-col\">estimate</span>" in relief and "<span class=\"nk-note-col\">url</span>" in relief
    for report in ("contraction", "sanctions", "food", "relief"):
        folder = site / report / "default"
        prov = __import__("json").loads((folder / "provenance.json").read_text())
        for figure in prov["figures"]:
            stem = Path(figure).stem
            data, sources = folder / "tables" / f"{stem}.csv", folder / "tables" / f"{stem}.sources.csv"
            assert data.is_file() and sources.is_file(), (report, stem)
            rows = list(csv.DictReader(sources.open(encoding="utf-8")))
            assert rows and all(r["publisher"] and r["title"] for r in rows), (report, stem)
            assert f'href="tables/{stem}.csv"' in (folder / "index.html").read_text(encoding="utf-8")
        assert not list((folder / "tables").glob("table-*.csv")), report


def test_variants_are_grouped_with_distinct_thumbnails_and_a_filter(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "index.html").as_uri())
    groups = page.evaluate("Array.from(document.querySelectorAll('section.report-group'))"
                           ".map(s => [s.dataset.notebook, s.querySelectorAll('tr.variant').length])")
    assert dict(groups) == {"contraction": 3, "food": 1, "relief": 1, "sanctions": 1}
    thumbs = page.evaluate("Array.from(document.querySelectorAll('section[data-notebook=contraction] img'))"
                           ".map(i => i.getAttribute('src'))")
    digests = {__import__("hashlib").sha256((site / t).read_bytes()).hexdigest() for t in thumbs}
    assert len(thumbs) == 3 and len(digests) == 3, thumbs
    page.fill("#filter", "2018")
    visible = page.evaluate("Array.from(document.querySelectorAll('tr.variant')).filter(r => !r.hidden)"
                            ".map(r => r.querySelector('code').textContent)")
    assert visible == [v for v in visible if v.startswith("contraction/focus_year-2018")] and len(visible) == 1
    assert page.evaluate("document.querySelector('section[data-notebook=food]').hidden")
    page.fill("#filter", "")
    assert page.evaluate("Array.from(document.querySelectorAll('tr.variant')).every(r => !r.hidden)")
    page.close()


# ------------------------------------------------------------------------- the explorer
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(command: list[str], url: str, cwd: Path, env: dict | None = None):
    """Start a server (its own process group, so that it and its kernels are stopped together)
    and wait, at most 180 s, until ``url`` answers."""
    import signal
    import time
    import urllib.request

    log = open(cwd / "server.log", "w")
    proc = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"{' '.join(command[:4])} did not serve {url}: {(cwd / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)

    def stop():
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass
        log.close()

    return proc, stop


def _loopback_only(page) -> list[str]:
    """Requests leave the machine never: anything but 127.0.0.1 is refused and listed."""
    refused = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return refused


def _use_the_explorer(page, shot: Path) -> None:
    """The explorer's controls are there, and choosing another report changes the outputs."""
    page.wait_for_selector(".nkecon-explorer .nkecon-done", timeout=180_000)
    labels = page.evaluate("Array.from(document.querySelectorAll('.nkecon-explorer .widget-label'))"
                           ".map(e => e.textContent.trim())")
    assert {"Report", "focus_year", "start", "end"} <= set(labels), labels
    assert "RDA harvest 2020" in page.inner_text(".nkecon-explorer")
    images = page.evaluate("Array.from(document.querySelectorAll('.nkecon-explorer img')).map(i => i.naturalWidth)")
    assert images and all(w > 300 for w in images), images  # the food balance chart, drawn
    menu = ".nkecon-explorer .widget-dropdown select"
    label = page.evaluate(f"Array.from(document.querySelector('{menu}').options).map(o => o.label)"
                          ".find(t => t.startsWith('relief:'))")
    page.select_option(menu, label=label)
    page.wait_for_function("document.querySelector('.nkecon-explorer .nkecon-done')?.textContent.startsWith('relief')",
                           timeout=180_000)
    text = page.inner_text(".nkecon-explorer")
    assert "mineral export bans" in text and "RDA harvest" not in text
    boxes = page.evaluate("Array.from(document.querySelectorAll('.nkecon-explorer .widget-checkbox'))"
                          ".map(e => e.textContent.replace('\\u200b', '').trim())")
    assert boxes == ["minerals", "metals", "petroleum", "luxury"], boxes
    page.screenshot(path=str(shot))


def test_nkecon_explore_serves_the_explorer_on_loopback(browser, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc, stop = _serve([sys.executable, "-m", "nkecon", "explore", "food", "--port", str(port)], url, tmp_path)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        refused = _loopback_only(page)
        problems = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(url, timeout=120_000)
        _use_the_explorer(page, tmp_path / "voila.png")
        assert not problems, problems
        # Voila's template links Font Awesome from a CDN, which nkecon's CSP header blocks in
        # the browser; nothing else would leave the machine
        assert all("fontawesome" in u for u in refused), refused
        page.close()
    finally:
        stop()
    assert proc.returncode == 143, (tmp_path / "server.log").read_text()[-2000:]


def test_nk_explore_in_jupyterlab(browser, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import nkecon as nk\nnk.explore('food')")]
    nbformat.write(nb, str(tmp_path / "explore.ipynb"))
    port, token = _free_port(), "nkecon-test"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--ServerApp.port_retries=0",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        command.append("--allow-root")
    env = {"JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")}
    proc, stop = _serve(command, f"http://127.0.0.1:{port}/api/status?token={token}", tmp_path, env)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        refused = _loopback_only(page)
        page.goto(f"http://127.0.0.1:{port}/lab/tree/explore.ipynb?token={token}", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook-ExecutionIndicator') !== null"
                               " || window.jupyterapp", timeout=120_000)
        page.wait_for_function("window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status"
                               " === 'idle'", timeout=120_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        _use_the_explorer(page, tmp_path / "lab.png")
        assert not refused, refused
        page.close()
    finally:
        stop()
