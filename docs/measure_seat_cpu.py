"""Measure the drill server's CPU with a trainer and three seats open, playing (README, 'Live drills').

    .venv/bin/python docs/measure_seat_cpu.py [--seconds 60] [--pages trainer,border_patrol,customs,local_police]

Starts `python -m sim.drill scenario=tri_agency --seats` on a free local port, opens the pages in
Debian's chromium (cut off from every host but localhost), lets the trainer play at the default
speed (4 ticks a second: every page redraws at its limit, twice a second), and reads the server
process's CPU time (all its threads, /proc/<pid>/stat) over the window. Prints CPU seconds per
wall second (1.0 = one core busy) and the simulated minutes played.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"^  (\w+)(?: \([^)]*\))?: (http://\S+)$", re.M)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pages", default="trainer,border_patrol,customs,local_police")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = Path(tempfile.mkdtemp())
    log = open(out / "server.log", "w")
    cmd = [sys.executable, "-m", "sim.drill", "scenario=tri_agency", "--port", str(port), "--out", str(out), "--seats"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        links = dict(LINK.findall((out / "server.log").read_text()))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            pages = {}
            for seat in args.pages.split(","):
                context = browser.new_context(viewport={"width": 1500, "height": 1050})
                context.route(
                    "**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort("internetdisconnected")
                )
                page = context.new_page()
                page.goto(links[seat])
                page.locator(".drill-play, .seat-clock").first.wait_for(timeout=60_000)
                pages[seat] = page
            idle0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            time.sleep(5)
            idle = (cpu_seconds(proc.pid) - idle0) / (time.perf_counter() - t0)
            trainer = pages.get("trainer")
            trainer.get_by_role("button", name="Play").click()
            time.sleep(3)
            c0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            m0 = trainer.locator(".drill-clock").inner_text()
            time.sleep(args.seconds)
            c1, t1 = cpu_seconds(proc.pid), time.perf_counter()
            m1 = trainer.locator(".drill-clock").inner_text()
            trainer.get_by_role("button", name="Pause").click()
            browser.close()
        print(f"pages: {args.pages}")
        print(f"paused: {idle:.2f} CPU s per s; playing: {(c1 - c0) / (t1 - t0):.2f} CPU s per s over {t1 - t0:.0f} s")
        print(f"clock: {m0} -> {m1}")
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
