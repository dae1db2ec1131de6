"""Refresh the golden summaries after a change that is meant to change results.

    .venv/bin/python tests/refresh_baseline.py

Review `git diff tests/baseline` and explain in the commit message why the new numbers are right.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from baseline_cases import CASES, write  # noqa: E402

if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    for case in CASES:
        print(f"wrote {write(case)}")
