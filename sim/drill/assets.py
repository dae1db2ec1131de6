"""Solara's front-end files, served by the drill app itself so that it works with no internet.

Solara's page asks its server for `/_solara/cdn/<package>@<version>/...`; with the assets proxy
on, the server answers from a cache directory and only goes to the public CDN on a miss. We fill
that directory from the npm registry once (`fetch_assets`), and point misses at a closed local
port, so a missing file fails at once instead of reaching out. On an air-gapped network, run
`python -m sim.drill --fetch-assets` on a connected machine with the same install and copy the
directory (or set BORDER_SIM_ASSETS to where you put it).

The packages are the ones solara 1.64's page template and settings name for the Vue 2 front end
(tests/test_drill.py checks the installed template against this list).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# directory under the cache (what the page asks for) -> npm package spec to put there
PACKAGES = {
    "@widgetti/solara-vuetify-app@10.1.1": "@widgetti/solara-vuetify-app@10.1.1",  # Vue 2 app, css, fonts
    "requirejs@2.3.6": "requirejs@2.3.6",
    "font-awesome@4.5.0": "font-awesome@4.5.0",
    "katex@0.16.9": "katex@0.16.9",  # solara.Markdown (not used by the app, loaded if a page has one)
    "mermaid@10.8.0": "mermaid@10.8.0",
}
MARKER = "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js"
PRUNED_PREFIXES = ("src/", "docs/", "test/", "org_dist/", "build-es5/", "less/", "scss/")


def assets_dir() -> Path:
    """Where the files live: $BORDER_SIM_ASSETS, or a folder of the current Python environment."""
    env = os.environ.get("BORDER_SIM_ASSETS")
    return Path(env) if env else Path(sys.prefix) / "share" / "border-sim" / "solara-cdn"


def have_assets(dest: Path | None = None) -> bool:
    return ((dest or assets_dir()) / MARKER).is_file()


def _keep(dirname: str, rel: str) -> bool:
    if rel.endswith(".map") or rel.startswith(PRUNED_PREFIXES):
        return False
    return not dirname.startswith("mermaid@") or rel == "dist/mermaid.min.js"


def fetch_assets(dest: Path | None = None) -> Path:
    """Download the packages with `npm pack` (one call) and unpack them under `dest`, replacing
    what is there. Needs npm and the npm registry; about 50 MB kept (47 MB measured), a few seconds."""
    dest = (dest or assets_dir()).resolve()
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed once to fetch the drill app's front-end files (Node.js's npm); "
            f"or copy a filled {dest} from another machine"
        )
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(
            [npm, "pack", "--silent", "--json", *PACKAGES.values()], cwd=tmp, capture_output=True, text=True
        )
        if run.returncode != 0:
            raise RuntimeError(f"npm pack failed ({run.returncode}): {run.stderr.strip()[-800:]}")
        packed = json.loads(run.stdout)
        for dirname, info in zip(PACKAGES, packed):
            staging = dest / f".{dirname.replace('/', '_')}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(Path(tmp) / info["filename"]) as tf:
                for m in tf.getmembers():
                    if not (m.isfile() and m.name.startswith("package/")):
                        continue
                    rel = m.name[len("package/") :]
                    if not _keep(dirname, rel):
                        continue
                    out = staging / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with tf.extractfile(m) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
            target = dest / dirname
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            staging.replace(target)  # a package appears whole or not at all
    req = dest / "requirejs@2.3.6"
    shutil.copy(req / "require.js", req / "require.min.js")  # the CDN minifies on the fly; npm has no such file
    return dest


def offline_environment(dest: Path | None = None) -> dict[str, str]:
    """Environment for a Solara server that serves every front-end file itself and never calls
    out (set before solara is imported: its settings are read at import)."""
    return {
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(dest or assets_dir()),
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",  # a miss fails locally, never the internet
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_THEME_SHOW_BANNER": "false",
        "SOLARA_MODE": "production",
    }
