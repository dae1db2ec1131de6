#!/usr/bin/env bash
# Set up .venv for this checkout (idempotent): find Python >= 3.12, create the venv, install the
# project with its test extra. Re-installs only when pyproject.toml changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

usable() {  # a command that really runs Python >= 3.12 (pyenv shims exist but may fail)
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  for c in python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && usable "$c"; then command -v "$c"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | sort -rV); do
      for c in "$(pyenv root)/versions/$v/bin/python3"; do
        if [ -x "$c" ] && usable "$c"; then echo "$c"; return 0; fi
      done
    done
  fi
  return 1
}

stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ -f "$stamp" ] && usable .venv/bin/python; then exit 0; fi

if ! py="$(find_python)"; then
  echo "border-sim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2
  echo "Looked for python3.13, python3.12, python3 on PATH and for pyenv versions." >&2
  echo "Install one (e.g. 'pyenv install 3.12') and run this again." >&2
  exit 1
fi
echo "bootstrap: using $py ($("$py" --version 2>&1))" >&2
rm -rf .venv
"$py" -m venv .venv
echo "bootstrap: installing dependencies (about 30 s; log in .venv/install.log)" >&2
if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[test]"; } \
    > .venv/install.log 2>&1; then
  tail -n 30 .venv/install.log >&2
  echo "bootstrap: installation failed (full log: .venv/install.log)" >&2
  exit 1
fi
touch "$stamp"
echo "bootstrap: .venv ready" >&2
