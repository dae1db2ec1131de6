"""The drill app end to end in a real browser: Debian's chromium driven by Playwright, the
page cut off from every host but localhost.

Needs /usr/bin/chromium (Debian's `chromium` package; `.ci/run` installs it) and the front-end
files (fetched from the npm registry on first use). Without chromium the test is skipped,
except under CI, where it fails. Set BORDER_SIM_SCREENSHOTS=<dir> to keep screenshots.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("solara")
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`python -m sim.drill` on a free port, as a user starts it; yields (url, log root)."""
    out = tmp_path_factory.mktemp("drills")
    port = free_port()
    cmd = [sys.executable, "-m", "sim.drill", "scenario=tri_agency", "seed=2", "--port", str(port), "--out", str(out)]
    log = open(out / "server.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180  # the first start may fetch the front-end files
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the drill app exited ({proc.returncode}): {(out / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"drill app not ready: {(out / 'server.log').read_text()}")
            time.sleep(0.3)
        yield url, out
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Offline:
    """Cuts a browser context off from everything but localhost and records what it blocked."""

    def __init__(self, context) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []
        context.route("**/*", self._handle)
        context.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        context.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"))

    def _handle(self, route) -> None:
        url = urllib.parse.urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("internetdisconnected")


def minute(page) -> float:
    text = page.locator(".drill-clock").inner_text()
    return float(re.search(r"minute ([\d.]+)", text).group(1))


def open_drill(browser, url):
    context = browser.new_context(viewport={"width": 1500, "height": 1050})
    net = Offline(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=60_000)
    return context, page, net, errors


def drill_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and (p / "events").is_dir())


def test_drill_in_a_browser_with_no_internet(app):
    url, out = app
    shots = os.environ.get("BORDER_SIM_SCREENSHOTS")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx1, page1, net1, errors1 = open_drill(browser, url)
        assert minute(page1) == 0.0
        page1.locator("img").first.wait_for(timeout=30_000)  # the map

        # play advances the clock; pause stops it
        page1.get_by_role("button", name="Play").click()
        expect(page1.locator(".drill-clock")).not_to_have_text(re.compile(r"minute 0\)"), timeout=30_000)
        page1.wait_for_timeout(2500)
        page1.get_by_role("button", name="Pause").click()
        expect(page1.get_by_role("button", name="Play")).to_be_visible(timeout=10_000)
        paused_at = minute(page1)
        assert paused_at >= 20.0
        page1.wait_for_timeout(1000)
        assert minute(page1) == paused_at

        # the form's first type, a comms outage, needs the two agencies: refused until chosen, nothing fired
        page1.get_by_role("button", name="Inject now").click()
        expect(page1.locator(".drill-inject-message")).to_contain_text("agencies: got 0 values; allowed: exactly 2")
        # a weather inject shows in the feed and in the saved log
        page1.locator(".drill-injects .v-select").first.click()
        page1.get_by_role("option", name="weather").click()
        page1.get_by_role("button", name="Inject now").click()
        expect(page1.locator(".drill-inject-message")).to_contain_text("injected trainer-1-weather")
        expect(page1.locator(".drill-feed")).to_contain_text("inject trainer-1-weather (weather) started")
        [first] = drill_dirs(out)
        ev = pq.read_table(first / "events").to_pandas()
        injects = ev[ev.kind == "inject"]
        assert list(injects.source) == ["trainer-1-weather"]
        assert injects.t.iloc[0] == paused_at
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page1.get_by_role("button", name="Play").click()
            page1.wait_for_timeout(6000)
            page1.get_by_role("button", name="Pause").click()
            page1.wait_for_timeout(1500)
            page1.screenshot(path=str(Path(shots) / "drill-app.png"), full_page=True)
            paused_at = minute(page1)  # it played on for the screenshot

        # a second browser context is a second drill with its own model
        ctx2, page2, net2, errors2 = open_drill(browser, url)
        assert minute(page2) == 0.0
        page2.get_by_role("button", name="Step").click()
        expect(page2.locator(".drill-clock")).to_contain_text("(minute 10)")
        assert minute(page1) == paused_at  # the first drill did not move
        assert len(drill_dirs(out)) == 2

        assert net1.blocked + net2.blocked == []  # nothing from the internet was needed
        assert net1.failed + net2.failed == []
        assert errors1 + errors2 == []
        ctx1.close()
        ctx2.close()
        browser.close()
    if shots:
        shutil.copy(out / "server.log", Path(shots) / "drill-server.log")
