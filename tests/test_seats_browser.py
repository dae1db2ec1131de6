"""A multi-agency drill with seats in a real browser: Debian's chromium driven by Playwright, three
contexts at once (trainer, border patrol, local police), every page cut off from every host but
localhost. Skipped without chromium, except under CI (see tests/test_drill_browser.py).
Set BORDER_SIM_SCREENSHOTS=<dir> to keep a screenshot of a seat."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("solara")
playwright_api = pytest.importorskip("playwright.sync_api")
from test_drill_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Offline, free_port  # noqa: E402

expect = playwright_api.expect
LINK = re.compile(r"^  (\w+)(?: \([^)]*\))?: (http://\S+)$", re.M)
CLOCK = re.compile(r"day (\d+) (\d\d):(\d\d)")


def minutes(text: str) -> float:
    day, hh, mm = map(int, CLOCK.search(text).groups())
    return (day - 1) * 1440 + hh * 60 + mm


@pytest.fixture(scope="module")
def seats_app(tmp_path_factory):
    """`python -m sim.drill --seats` on a free port; yields (links by seat, log root)."""
    out = tmp_path_factory.mktemp("seats")
    port = free_port()
    cmd = [sys.executable, "-m", "sim.drill", "scenario=tri_agency", "seed=2", "--port", str(port), "--out", str(out)]
    cmd += ["--seats", "--human", "border_patrol,local_police"]
    log_path = out / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the drill app exited ({proc.returncode}): {log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"drill app not ready: {log_path.read_text()}")
            time.sleep(0.3)
        links = dict(LINK.findall(log_path.read_text()))
        assert set(links) == {"trainer", "border_patrol", "customs", "local_police"}
        yield links, out
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def open_page(browser, url: str, ready: str):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    net = Offline(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.locator(ready).first.wait_for(timeout=60_000)
    return context, page, net, errors


def saved_log(drill: Path, ready, timeout_s: float = 30.0):
    """The drill's saved event log, read again until `ready(log)` holds (the pause that writes it
    is handled on the server's side; a loaded machine may take seconds) or the time is up."""
    deadline = time.time() + timeout_s
    while True:
        ev = pq.read_table(drill / "events").to_pandas()
        if ready(ev) or time.time() > deadline:
            return ev
        time.sleep(0.5)


def click_marker(page, ident: str) -> None:
    """Click a marker on the seat's map; where another marker covers it, zoom in first."""
    marker = page.locator(f".seat-marker[data-id='{ident}']")
    for _ in range(4):
        try:
            marker.click(timeout=2_000)
            return
        except playwright_api.TimeoutError:
            box = marker.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.wheel(0, -300)  # zoom in around it: neighbours move apart
            page.wait_for_timeout(300)
    marker.click(timeout=5_000)


def test_three_seats_play_one_exercise_in_a_browser_with_no_internet(seats_app, tmp_path):
    links, out = seats_app
    shots = os.environ.get("BORDER_SIM_SCREENSHOTS")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx_t, trainer, net_t, err_t = open_page(browser, links["trainer"], ".drill-play")
        ctx_b, bp, net_b, err_b = open_page(browser, links["border_patrol"], ".seat-clock")
        ctx_p, police, net_p, err_p = open_page(browser, links["local_police"], ".seat-clock")

        # a link without a known token shows nothing of the exercise
        ctx_x, stranger, _, _ = open_page(browser, links["trainer"].split("?")[0] + "?seat=guess", ".drill-refused")
        assert "border" not in stranger.locator("body").inner_text().lower()
        ctx_x.close()
        expect(trainer.locator(".drill-seats")).to_contain_text("border patrol (human: its seat decides): connected")
        expect(trainer.locator(".drill-seats")).to_contain_text("local police (human: its seat decides): connected")

        # the trainer plays until the border patrol seat has an incident with a suggested unit, then pauses
        trainer.get_by_role("button", name="Play").click()
        expect(bp.locator(".seat-state")).to_have_text("playing", timeout=20_000)
        waiting = bp.locator(".seat-incident", has_text="suggested: unit")
        waiting.first.wait_for(timeout=90_000)
        trainer.get_by_role("button", name="Pause").click()
        expect(bp.locator(".seat-state")).to_have_text("paused by the trainer", timeout=20_000)
        expect(police.locator(".seat-state")).to_have_text("paused by the trainer", timeout=20_000)
        paused_at = minutes(bp.locator(".seat-clock").inner_text())
        text = waiting.first.inner_text()
        incident, unit = re.search(r"incident (\d+),.*suggested: unit (\d+)", text).groups()

        # the trainer injects (starting now, logged)
        trainer.locator(".drill-injects .v-select").first.click()
        trainer.get_by_role("option", name="weather").click()
        expect(trainer.locator(".drill-injects")).to_contain_text("factor", timeout=10_000)
        trainer.get_by_role("button", name="Inject now").click()
        expect(trainer.locator(".drill-inject-message")).to_contain_text("injected trainer-1-weather")

        # border patrol: select the unit on the map, click the incident
        click_marker(bp, f"U{unit}")
        expect(bp.locator(".seat-selected")).to_contain_text(f"unit {unit} (")
        click_marker(bp, f"I{incident}")
        expect(bp.locator(".seat-message")).to_contain_text("dispatch done", timeout=10_000)
        expect(bp.locator(".seat-feed")).to_contain_text(f"sent unit {unit} (bp_vehicle) to incident {incident}")

        # ... and shares the incident's alert with the police
        alert = bp.locator(".seat-alert").last.inner_text().split()[0]  # the oldest listed: 'A7'
        bp.get_by_role("button", name=alert, exact=True).click()
        expect(bp.locator(".seat-selected")).to_contain_text(alert.removeprefix("A"))
        bp.locator(".seat-selected .v-select").click()
        bp.get_by_role("option", name="local_police").click()
        expect(bp.locator(".seat-share")).to_be_enabled(timeout=10_000)
        bp.locator(".seat-share").click()
        expect(bp.locator(".seat-message")).to_contain_text("share done", timeout=10_000)
        [drill] = [d for d in out.iterdir() if (d / "events").is_dir()]
        ev = pq.read_table(drill / "events").to_pandas()
        sent = ev[(ev.kind == "alert_shared") & (ev.t == paused_at) & (ev.detail == "local_police")]
        copy = f"A{int(sent.alert.iloc[-1])}"
        arrives = paused_at + float(sent.duration_min.iloc[-1])
        assert sent.duration_min.iloc[-1] >= 10.0  # at least the relay between the two
        assert copy not in police.locator(".seat-inbox").inner_text()  # not before the comms delay

        # the police seat reconnects: its picture comes back
        ctx_p.close()
        ctx_p, police, net_p2, err_p2 = open_page(browser, links["local_police"], ".seat-clock")
        net_p.blocked += net_p2.blocked
        net_p.failed += net_p2.failed
        err_p += err_p2

        # play on: the unit arrives; the police receive the shared alert only after the delay
        trainer.get_by_role("button", name="Play").click()
        expect(bp.locator(".seat-feed")).to_contain_text(f"unit {unit} arrived at incident {incident}", timeout=90_000)
        expect(police.locator(".seat-inbox")).to_contain_text(f"{copy} ", timeout=90_000)
        trainer.get_by_role("button", name="Pause").click()
        expect(police.locator(".seat-state")).to_have_text("paused by the trainer", timeout=20_000)
        line = police.locator(".seat-alert", has_text=f"{copy} ").inner_text()
        assert "passed on by border patrol" in line and minutes(line) >= arrives - 1  # shown to the minute
        police.get_by_role("button", name=copy, exact=True).click()  # opened: a look in the log
        expect(police.locator(".seat-feed")).to_contain_text(f"local police seat opened alert {copy}", timeout=20_000)

        # never an undetected group on an agency seat: only its units, alerts, incidents, sensors
        ev = pq.read_table(drill / "events").to_pandas()
        for page, seat in ((police, "local_police"), (bp, "border_patrol")):
            ids = page.locator(".seat-marker").evaluate_all("els => els.map(e => e.dataset.id)")
            assert ids and {i[0] for i in ids} <= {"U", "A", "I", "S"}
            told = set(ev[(ev.kind == "alert") & (ev.agency == seat)].alert)
            assert {int(i[1:]) for i in ids if i[0] == "A"} <= told
            body = page.locator("body").inner_text()
            assert not re.search(r"\bG\d+\b|\bgroup \d+", body)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            bp.screenshot(path=str(Path(shots) / "drill-seat.png"), full_page=True)

        trainer.get_by_role("button", name="Play").click()  # a pause writes the log; play, then pause again
        expect(bp.locator(".seat-state")).to_have_text("playing", timeout=20_000)
        trainer.get_by_role("button", name="Pause").click()
        expect(bp.locator(".seat-state")).to_have_text("paused by the trainer", timeout=20_000)
        assert net_t.blocked + net_b.blocked + net_p.blocked == []
        assert net_t.failed + net_b.failed + net_p.failed == []
        assert err_t + err_b + err_p == []
        browser.close()

    # both orders in the saved log, with the seat, the time and what it had been told
    ev = saved_log(drill, lambda ev: ((ev.kind == "look") & (ev.seat == "local_police")).any())
    orders = ev[(ev.kind == "order") & (ev.seat == "border_patrol")]
    assert list(orders.detail) == ["dispatch", "share"] and (orders.t == paused_at).all() and (orders.told > 0).all()
    assert int(orders.unit.iloc[0]) == int(unit) and int(orders.incident.iloc[0]) == int(incident)
    assert ((ev.kind == "look") & (ev.seat == "local_police") & (ev.alert == int(copy[1:]))).any()
    inject = ev[ev.kind == "inject"]
    assert list(inject.source) == ["trainer-1-weather"] and inject.t.iloc[0] == paused_at

    # the review with its counterfactual renders
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for cmd in (["sim.drill.counterfactual", str(drill)], ["analysis.aar", str(drill), "--at", str(paused_at)]):
        subprocess.run([sys.executable, "-m", *cmd], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto((drill / "aar" / "aar.html").as_uri())
        expect(page.locator("h2", has_text="Seats: the orders of each agency")).to_be_visible()
        expect(page.locator("body")).to_contain_text(f"dispatch unit {unit} to incident {incident}")
        expect(page.locator("h2", has_text="Counterfactual (all-auto)")).to_be_visible()
        assert page.locator("img").count() >= 2
        browser.close()
