#!/usr/bin/env bash
# Regenerate the README's screenshots (docs/img/): the live drill app and a seat, driven by the
# browser tests, and the after-action review of a tri_agency drill, rendered by Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
BORDER_SIM_SCREENSHOTS=docs/img .venv/bin/python -m pytest -q tests/test_drill_browser.py tests/test_seats_browser.py
rm -f docs/img/drill-server.log
run=$(mktemp -d)
.venv/bin/python -m sim.run scenario=drill_night_surge scenario.horizon_days=1.25 hydra.run.dir="$run" quiet=true
.venv/bin/python -m analysis.aar "$run" --at 1290
/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars \
    --window-size=1280,2600 --screenshot="$PWD/docs/img/aar.png" "file://$run/aar/aar.html" 2>/dev/null
cp "$run/aar/replay_1290.png" docs/img/aar-replay.png
echo "screenshots in docs/img/"
