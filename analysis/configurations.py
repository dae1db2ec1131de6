"""Configurations of a sweep: which rows are the same replication, what each configuration is
called, and whether the configurations hold the same seeds (common random numbers).

A configuration is one config hash of the summary rows (sim/runner.py: the scenario alone; not the
number of replications, the base seed or event keeping). Sibling sweep points that differ only in
`replications`, and runs of a study split by base seed (seed=1, seed=100001, ...), are the same
configuration; a seed run in two of them is the same replication: it is counted once. (A run
folder's manifest keeps its own key, with the base seed and event keeping, to refuse a resume
that would mix them.)
"""

from __future__ import annotations

import pandas as pd

from analysis.labels import config_label
from analysis.stats import is_unset


class UnequalSeeds(ValueError):
    """Configurations compared on common random numbers do not hold the same seeds."""


def distinct_replications(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The table with each (configuration, seed) once (the first run directory's row), and the
    number of rows dropped as repeats. A design's points (a `point` column, sim/design.py) are
    samples of their own even where two share their values (Morris levels, rounded integers):
    they are told apart by their point too."""
    keys = ["config_hash", "seed"] + (["point"] if "point" in table.columns else [])
    keep = ~table.duplicated(keys, keep="first")
    out = table[keep].copy()
    out.attrs = dict(table.attrs)
    return out, int((~keep).sum())


def per_configuration(table: pd.DataFrame) -> pd.DataFrame:
    """Each (configuration, seed) once: the rows a configuration's mean and interval are over.
    Design points that share a configuration (Morris levels, rounded integers, a one-key Sobol
    design) ran the same seeds to the same results: a seed is one replication of it, however
    many points hold it (the design's own figures and indices keep a row per point)."""
    out = table.drop_duplicates(["config_hash", "seed"], keep="first")
    out.attrs = dict(table.attrs)
    return out


def add_config_labels(table: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """A `config` column: the configuration's swept values in words (its hash appended where two
    configurations would read the same)."""
    first = table.groupby("config_hash", sort=False)[params].first() if params else None
    labels = {h: config_label(dict(first.loc[h]), sep="; ") if params else "-" for h in table.config_hash.unique()}
    counts = pd.Series(labels).value_counts()
    labels = {h: f"{v} [{h[:6]}]" if counts[v] > 1 else v for h, v in labels.items()}
    out = table.assign(config=table.config_hash.map(labels))
    out.attrs = dict(table.attrs)
    return out


def check_told_apart(table: pd.DataFrame, params: list[str]) -> None:
    """Raise ValueError naming the run folders when two configurations hold the same swept values
    but different scenarios (a scenario file edited between two sweeps read together, a sweep of
    an older version, two files of one name): every comparison by a swept key would pool or pair
    the two as one (the paired differences stopped on a pandas error). Values are compared as they
    are, not as printed (0.50001 and 0.50004 are two values that print alike)."""
    keys = [p for p in params if p in table.columns]
    first = table.drop_duplicates("config_hash")
    columns = [first[k].tolist() for k in keys]  # per column: no upcast of an int key beside a float one
    alike: dict[tuple, list[str]] = {}
    for i, h in enumerate(first.config_hash.tolist()):
        values = tuple(None if is_unset(col[i]) else col[i] for col in columns)
        alike.setdefault(values, []).append(h)
    twins = [hs for hs in alike.values() if len(hs) > 1]
    if not twins:
        return
    hashes = twins[0]
    row = first[first.config_hash == hashes[0]].iloc[0]
    label = config_label({k: row[k] for k in keys}, sep="; ") if keys else "-"
    runs = table.groupby("config_hash")["run"]
    folders = [", ".join(sorted(set(runs.get_group(h).astype(str)))[:3]) for h in hashes]
    raise ValueError(
        f"{sum(len(hs) for hs in twins)} configurations hold the same swept values but different scenarios "
        f"(a scenario file edited between sweeps, a sweep of another version, two files of one name), e.g. "
        f"'{label}' in " + " and in ".join(f"[{f}]" for f in folders) + "; a comparison by swept keys cannot tell "
        "them apart: report each folder on its own, or sweep what differs as a key"
    )


def seed_text(seeds: list[int]) -> str:
    """Seeds as ranges: '1–3, 7' (en dash)."""
    seeds = sorted(set(int(s) for s in seeds))
    parts, start = [], None
    for i, s in enumerate(seeds):
        if start is None:
            start = s
        if i + 1 == len(seeds) or seeds[i + 1] != s + 1:
            parts.append(str(start) if start == s else f"{start}\u2013{s}")
            start = None
    return ", ".join(parts)


def check_common_seeds(table: pd.DataFrame, pair_on_common_seeds: bool) -> str:
    """'' when every configuration holds the same seeds. Otherwise raise UnequalSeeds naming
    them, unless `pair_on_common_seeds`: then return a sentence saying how they are compared."""
    seeds = table.groupby("config")["seed"].apply(lambda s: frozenset(s.astype(int)))
    if seeds.nunique() <= 1:
        return ""
    groups = sorted(seeds.groupby(seeds).groups.items(), key=lambda kv: -len(kv[1]))
    (common, most), rest = groups[0], groups[1:]
    listed = f"{len(most)} configuration(s) hold seeds {seed_text(list(common))}; " + "; ".join(
        f"seeds {seed_text(list(s))}: " + " | ".join(names) for s, names in rest
    )
    if not pair_on_common_seeds:
        raise UnequalSeeds(
            "the configurations hold different seeds, so they cannot all be paired on common random numbers: "
            f"{listed}. "
            "Run the shorter ones with more replications, or pass --pair-on-common-seeds to pair each comparison "
            "on the seeds both sides hold"
        )
    return (
        f"The configurations hold different seeds ({listed}). Each paired difference uses the seeds both sides "
        "hold (its n); each mean uses every replication of its configuration."
    )
