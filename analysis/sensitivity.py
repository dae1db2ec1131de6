"""Global sensitivity indices of a designed sweep (sim/design.py), computed by SALib."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.stats import group_means
from analysis.store import load


class UndefinedAtPoints(ValueError):
    """The metric has no value at some design points: no index can be computed from it."""


def point_means(sweep_dir: str | Path, metric: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """The design, its sample matrix, and the mean of `metric` per point (in sample order). A
    metric without a value at some point (every replication there left it undefined: a rate with
    nothing to take it over, a cost per interdiction without one) raises UndefinedAtPoints: SALib
    would give Sobol indices of exactly 0 for every parameter, and Morris NaN."""
    design = json.loads((Path(sweep_dir) / "design.json").read_text())
    table = load(sweep_dir)
    means = group_means(table, metric, "point")
    x = np.asarray(design["samples"], dtype=float)
    missing = sorted(set(range(len(x))) - set(means.index))
    if missing:
        raise ValueError(
            f"{len(missing)} design points have no results yet (e.g. point {missing[0]}); "
            "re-run the design command to finish them"
        )
    held = table.groupby("point")["replication"].nunique().reindex(range(len(x)))
    short = held[held < design["replications"]]  # a point interrupted part-way: its mean is of fewer runs
    if len(short):
        raise ValueError(
            f"{len(short)} design points hold fewer than the design's {design['replications']} replications "
            f"(e.g. point {short.index[0]}: {short.iloc[0]}); re-run the design command to finish them"
        )
    y = means.reindex(range(len(x))).to_numpy(dtype=float)
    undefined = np.flatnonzero(np.isnan(y))
    if undefined.size:
        raise UndefinedAtPoints(
            f"{metric} has no value at {undefined.size} of {len(y)} design points (e.g. point {undefined[0]}: none "
            "of its replications defined it); sensitivity indices need a value at every point: choose a metric "
            "defined everywhere (--metric), or more replications per point"
        )
    return design, x, y


def indices(sweep_dir: str | Path, metric: str) -> pd.DataFrame:
    """Sobol (S1, ST with confidence) or Morris (mu*, sigma) indices per parameter; empty for LHS."""
    from SALib.analyze import sobol  # noqa: PLC0415  (SALib takes 0.3 s to import: only for designed sweeps)

    design = json.loads((Path(sweep_dir) / "design.json").read_text())
    if design["method"] not in ("sobol", "morris"):
        return pd.DataFrame()  # a space-filling design (LHS) has no indices: its points are read as a table
    design, x, y = point_means(sweep_dir, metric)
    prob = design["problem"]
    if design["method"] == "sobol":
        r = sobol.analyze(prob, y, calc_second_order=False, seed=design["seed"])
        return pd.DataFrame(
            {"parameter": prob["names"], "S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"], "ST_conf": r["ST_conf"]}
        )
    mu_star, conf, sigma = morris_effects(x, y, np.asarray(prob["bounds"], dtype=float), design["seed"])
    return pd.DataFrame({"parameter": prob["names"], "mu_star": mu_star, "mu_star_conf": conf, "sigma": sigma})


def morris_effects(
    x: np.ndarray, y: np.ndarray, bounds: np.ndarray, seed: int, resamples: int = 1000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Morris mu* (mean |elementary effect|), its 95% half-width (bootstrap, as SALib) and sigma
    per parameter, each effect the output's change over the step its parameter actually took, as
    a share of its range: (y' - y) / ((x' - x) / (high - low)); for a linear y = a x that is
    a (high - low). SALib divides by the grid's nominal step, which an integer parameter, rounded
    to whole values, does not take (its mu* came out up to 1.5 times too large or too small); a
    step that rounding took to nothing is no effect and is left out. Rows are the trajectories
    of sim.design.sample, each moving one parameter at a time."""
    k = bounds.shape[0]
    span = bounds[:, 1] - bounds[:, 0]
    effects: list[list[float]] = [[] for _ in range(k)]
    for t in range(len(x) // (k + 1)):
        rows = slice(t * (k + 1), (t + 1) * (k + 1))
        steps, dy = np.diff(x[rows], axis=0), np.diff(y[rows])
        for step, change in zip(steps, dy):
            moved = np.flatnonzero(step != 0)
            if moved.size == 1:
                i = moved[0]
                effects[i].append(change / (step[i] / span[i]))
    rng = np.random.default_rng(seed)
    mu_star, conf, sigma = (np.full(k, np.nan) for _ in range(3))
    for i, signed in enumerate(effects):
        if not signed:
            continue
        e = np.abs(signed)
        mu_star[i] = e.mean()
        sigma[i] = np.std(signed, ddof=1) if len(e) > 1 else np.nan
        means = e[rng.integers(len(e), size=(resamples, len(e)))].mean(axis=1)
        conf[i] = 1.959963984540054 * means.std(ddof=1)
    return mu_star, conf, sigma
