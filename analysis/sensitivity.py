"""Global sensitivity indices of a designed sweep (sim/design.py), computed by SALib."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.store import load


def point_means(sweep_dir: str | Path, metric: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """The design, its sample matrix, and the mean of `metric` per point (in sample order)."""
    design = json.loads((Path(sweep_dir) / "design.json").read_text())
    table = load(sweep_dir)
    means = table.groupby("point")[metric].mean()
    x = np.asarray(design["samples"], dtype=float)
    missing = sorted(set(range(len(x))) - set(means.index))
    if missing:
        raise ValueError(
            f"{len(missing)} design points have no results yet (e.g. point {missing[0]}); "
            "re-run the design command to finish them"
        )
    return design, x, means.reindex(range(len(x))).to_numpy(dtype=float)


def indices(sweep_dir: str | Path, metric: str) -> pd.DataFrame:
    """Sobol (S1, ST with confidence) or Morris (mu*, sigma) indices per parameter; empty for LHS."""
    from SALib.analyze import morris, sobol  # noqa: PLC0415  (SALib takes 0.3 s to import: only for designed sweeps)

    design, x, y = point_means(sweep_dir, metric)
    prob = design["problem"]
    if design["method"] == "sobol":
        r = sobol.analyze(prob, y, calc_second_order=False, seed=design["seed"])
        return pd.DataFrame(
            {"parameter": prob["names"], "S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"], "ST_conf": r["ST_conf"]}
        )
    if design["method"] == "morris":
        r = morris.analyze(prob, x, y, num_levels=4, seed=design["seed"])
        return pd.DataFrame(
            {
                "parameter": prob["names"],
                "mu_star": r["mu_star"],
                "mu_star_conf": r["mu_star_conf"],
                "sigma": r["sigma"],
            }
        )
    return pd.DataFrame()
