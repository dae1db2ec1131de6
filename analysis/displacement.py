"""Displacement (the balloon effect): does a reinforcement stop the flow, or move it?

    python -m analysis.displacement outputs/sweeps/displacement [--treatment KEY] [--by KEY]
        [--reference LEVEL] [--out DIR]

The sweep holds runs with and without a sensor group installed during the run (its
`installed_day`; a `corridor: busiest` group goes up on the corridor that carried the most
crossings so far), paired by seed: until the group goes up the two runs of a seed are the same
run, so the treated corridor is the same in both. `--treatment` is the swept key that switches
the group on (default: the swept key whose levels separate runs with such a group from runs
without), `--by` another swept key compared side by side (default: the remaining swept key, e.g.
the organisation's routing: fastest against adaptive).

Per pair (seed): the treated corridor's share of the counted crossings (sim/metrics.py:
corridor_shares, counted from corridors.measure_from_day), its crossings, every other corridor's
share, corridors carrying >= 5%, got-aways, and the displacement index; then the mean and 95%
t-interval over pairs, and the claims of the displacement literature tested one by one:
1. the treated corridor's share falls (CI below 0);
2. at least one other corridor's share rises (a one-sided paired t-test per distance from the
   treated corridor, -1, +1, -2, ...: the corridors at that distance in each seed, Holm-adjusted
   over the distances, p < 0.05);
3. the number of corridors carrying >= 5% is not shown to fall (its CI reaches 0 or above: a
   claim of no evidence, not of no change);
4. got-aways fall by less than half as much, relatively, as the treated corridor's crossings
   (the treated crossings' CI below 0, and the bootstrap 95% interval of the ratio of the mean
   relative changes, over the pairs, below 0.5);
5. (static organisations) no corridor's share moves (two-sided tests of the treated corridor and
   of each distance from it, no Holm-adjusted p below 0.05). Testing 15 corridors at 5% without
   the correction would find a change in pure noise about half the time (1 - 0.95^15 = 0.54 for
   independent tests).
The treated corridor differs from seed to seed (`corridor: busiest`), so the tests are by
distance from it, not by corridor name: by name, each test would mix one corridor's treated
seeds with its neighbours' and far corridors' seeds, and wash the effect out. One treated level
is compared with the control: a treatment key with more levels (a dose sweep) is refused.
How much of the reinforcement's benefit (got-aways prevented) survives adaptation: each level's
benefit over the first level's, with a bootstrap interval over seeds.

Figures (in DIR, default PATH/report): displacement_shares.png (the treated corridor's weekly
share, with and without the reinforcement), displacement_offsets.png (share change by distance
from the treated corridor), displacement_map.png (where groups crossed before and after, one
seed), learning_curve.png (weekly interdiction rate). `analysis.report` adds the same section to
report.html when a sweep has such runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.figures import output_folder, subplots
from analysis.labels import key_label, value_label
from analysis.maps import draw_terrain, read_terrain, run_config
from analysis.stats import holm_adjusted, mean_test_p
from analysis.store import load, varying_params
from sim.files import end_on_sigterm, save_figure_atomic
from sim.metrics import (
    corridor_crossings_by_period,
    corridor_shares,
    decoy_attempts,
    displacement_index,
    interdiction_rate_by_week,
)

BOOTSTRAP = 2000
ALPHA = 0.05  # family-wise, per claim
MIN_PAIRS = 5  # the offsets figure shows a distance only where at least this many seeds have it


def _events(root: Path, run: str) -> pd.DataFrame:
    folder = root / run / "events"
    return pd.read_parquet(folder) if folder.is_dir() else pd.DataFrame()


def treated_corridors(ev: pd.DataFrame) -> dict[int, list[str]]:
    """Per seed: the corridors of the sensors installed after t = 0 (their asset rows)."""
    later = ev[(ev.kind == "asset") & (ev.t > 0) & (ev.sensor >= 0)] if len(ev) else ev
    return {int(s): sorted(set(g.detail)) for s, g in later.groupby("seed")} if len(later) else {}


def _offset(corridor: str, treated: str) -> int:
    """Corridors from the treated one (names C01, C02, ... west to east; negative: west)."""
    return int(corridor[1:]) - int(treated[1:])


def _distance(offset: int) -> str:
    return f"{abs(offset)} corridor{'s' if abs(offset) != 1 else ''} {'west' if offset < 0 else 'east'}"


def _ci(x: np.ndarray) -> tuple[float, float, float, int]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(x.mean())
    half = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return m, m - half, m + half, n


def _without_event_log(root: Path, table: pd.DataFrame) -> list[str]:
    """The run folders of `table` that hold no event log (run with events=false)."""
    return [run for run in table.run.unique() if not (root / run / "events").is_dir()]


def _installs_later(root: Path, run: str) -> bool:
    """Whether a run's scenario (its config.yaml) has a sensor group installed during the run
    (after its start and before its horizon)."""
    scenario = run_config(root / run).get("scenario") or {}
    sensors, days = scenario.get("sensors") or {}, scenario.get("horizon_days") or 0
    return any(isinstance(g, dict) and 0 < (g.get("installed_day") or 0) < days for g in sensors.values())


def _choose_keys(table: pd.DataFrame, root: Path, treatment: str | None, by: str | None) -> tuple[str, str | None]:
    params = varying_params(table)
    missing = _without_event_log(root, table)
    if missing:  # where groups crossed and when the sensors went up are read from the event logs
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ValueError(
            f"{len(missing)} of {table.run.nunique()} run folders hold no event log (run with events=false): "
            f"{shown}; the displacement analysis reads crossings and installations from the events; "
            "re-run them with events=true"
        )
    has_group = {run: bool(treated_corridors(_events(root, run))) for run in table.run.unique()}
    table = table.assign(_treated=table.run.map(has_group))
    if treatment is None:
        fits = [p for p in params if table.groupby(p)._treated.nunique().max() == 1 and table._treated.nunique() == 2]
        if not fits:
            raise ValueError(
                "no swept key separates runs with a sensor group installed during the run from runs without; "
                f"swept keys: {', '.join(params) or 'none'} (give --treatment)"
            )
        treatment = fits[0]
    if treatment not in params:
        raise KeyError(f"--treatment {treatment!r} is not a swept key; allowed: {', '.join(params)}")
    rest = [p for p in params if p != treatment]
    if by is None:
        by = rest[0] if len(rest) == 1 else None
        if len(rest) > 1:
            raise ValueError(f"several other swept keys ({', '.join(rest)}): choose one with --by")
    elif by not in rest:
        raise KeyError(f"--by {by!r} is not another swept key; allowed: {', '.join(rest) or 'none'}")
    return treatment, by


def paired_rows(root: str | Path, treatment: str | None = None, by: str | None = None):
    """The sweep's pairs: one row per (level of `by`, treated level, seed) with the paired
    quantities, a long table of every corridor's share change per pair, the per-run events (for
    the figures) and the keys used."""
    root = Path(root)
    table = load(root)
    treatment, by = _choose_keys(table, root, treatment, by)
    events = {run: _events(root, run) for run in table.run.unique()}
    treated_of = {run: treated_corridors(ev) for run, ev in events.items()}
    control_level = next(v for v, g in table.groupby(treatment) if not any(treated_of[r] for r in g.run.unique()))
    doses = sorted({v for v in table[treatment].dropna().unique() if v != control_level}, key=str)
    if len(doses) > 1:  # each control run would be paired with every dose: pairs not independent, doses mixed
        raise ValueError(
            f"--treatment {treatment}: levels {', '.join(map(str, doses))} all install the group; allowed: one "
            f"level against the control ({control_level}): sweep it at two levels, the control and one dose"
        )
    table = table.assign(_by=table[by] if by else "all").reset_index(drop=True)
    shares = corridor_shares(table)
    rows, changes = [], []
    for (level_by, level), g in table.groupby(["_by", treatment]):
        if level == control_level:
            continue
        ctrl = table[(table._by == level_by) & (table[treatment] == control_level)]
        ctrl_index = dict(zip(ctrl.seed.astype(int), ctrl.index))
        for i, r in g.iterrows():
            seed, t_cor = int(r.seed), treated_of[r.run].get(int(r.seed), [])
            if seed not in ctrl_index or not t_cor:
                continue
            j = ctrl_index[seed]
            c, sc, st = table.loc[j], shares.loc[j], shares.loc[i]
            cross_c = sum(c[f"crossings.{k}"] for k in t_cor)
            cross_t = sum(r[f"crossings.{k}"] for k in t_cor)
            got_c, got_t = float(c.got_away_measured), float(r.got_away_measured)
            rows.append(
                {
                    "by": level_by,
                    "treated_level": level,
                    "seed": seed,
                    "treated": " ".join(t_cor),
                    "share_control": float(sc[t_cor].sum()),
                    "share_treated": float(st[t_cor].sum()),
                    "d_share": float(st[t_cor].sum() - sc[t_cor].sum()),
                    "rel_crossings": (cross_t - cross_c) / cross_c if cross_c else np.nan,
                    "rel_got_away": (got_t - got_c) / got_c if got_c else np.nan,
                    "d_corridors_5pct": float(r.corridors_over_5pct - c.corridors_over_5pct),
                    "d_entropy": float(r.route_entropy_bits - c.route_entropy_bits),
                    "benefit": got_c - got_t,
                    "displacement_index": displacement_index(sc, st, t_cor),
                    "control_run": c.run,
                    "treated_run": r.run,
                }
            )
            changes += [
                {
                    "by": level_by,
                    "seed": seed,
                    "corridor": k,
                    "treated": k in t_cor,
                    "offset": _offset(k, t_cor[0]),
                    "d_share": st[k] - sc[k],
                }
                for k in sc.index
            ]
    if not rows:
        raise ValueError(f"no pairs: no seed holds runs with and without the group (treatment key {treatment})")
    return pd.DataFrame(rows), pd.DataFrame(changes), events, treatment, by


def claims(pairs: pd.DataFrame, changes: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The displacement claims, tested per level of `by` (see the module docstring): claim,
    estimate with its 95% CI, n pairs, and whether it holds."""
    rng = np.random.default_rng(seed)
    out = []
    for level, p in pairs.groupby("by", sort=False):
        ch = changes[changes.by == level]
        m, lo, hi, n = _ci(p.d_share)
        out.append((level, "the treated corridor's share falls", f"{m:+.3f} ({lo:+.3f} to {hi:+.3f})", n, hi < 0))
        # one test per distance from the treated corridor: Holm-adjusted over the distances, one-sided
        others = {k: g.d_share.to_numpy() for k, g in ch[~ch.treated].groupby("offset")}
        if others:
            names = list(others)
            adjusted = holm_adjusted(np.array([mean_test_p(others[k], "greater") for k in names]))
            best = names[int(np.argmin(adjusted))]
            bm, blo, bhi, bn = _ci(others[best])
            text = f"{_distance(best)}: {bm:+.3f} ({blo:+.3f} to {bhi:+.3f}), Holm p = {adjusted.min():.3g}"
            out.append((level, "another corridor's share rises", text, bn, bool(adjusted.min() < ALPHA)))
        m, lo, hi, n = _ci(p.d_corridors_5pct)
        out.append(
            (level, "corridors carrying >= 5% are not shown to fall", f"{m:+.2f} ({lo:+.2f} to {hi:+.2f})", n, hi >= 0)
        )
        both = p[["rel_got_away", "rel_crossings"]].dropna()
        got, cross, (_, _, cross_hi, _) = both.rel_got_away.mean(), both.rel_crossings.mean(), _ci(both.rel_crossings)
        ratio, rlo, rhi = _ratio_interval(both.rel_got_away.to_numpy(), both.rel_crossings.to_numpy(), rng)
        out.append(
            (
                level,
                "got-aways fall by less than half as much, relatively, as the treated corridor's crossings",
                f"got-aways {got:+.1%}, treated crossings {cross:+.1%} "
                + (f"(ratio {ratio:.2f}, {rlo:.2f} to {rhi:.2f})" if np.isfinite(ratio) else "(ratio n/a)"),
                len(both),
                bool(cross_hi < 0 and rhi < 0.5),
            )
        )
        every = {"the treated corridor": p.d_share.to_numpy()}
        every |= {_distance(k): g.d_share.to_numpy() for k, g in ch[~ch.treated].groupby("offset")}
        adjusted = holm_adjusted(np.array([mean_test_p(x) for x in every.values()]))
        moved = [k for k, p in zip(every, adjusted) if p < ALPHA]
        out.append(
            (
                level,
                "no corridor's share moves (expected of a static organisation)",
                "no Holm-adjusted p below 0.05" if not moved else "moved: " + ", ".join(moved),
                n,
                not moved,
            )
        )
    return pd.DataFrame(out, columns=["level", "claim", "estimate (95% CI)", "pairs", "holds"])


def reference_first(pairs: pd.DataFrame, reference: object | None = None) -> pd.DataFrame:
    """The pairs with the reference level of `by` first: `reference`, or by default the level
    whose treated-corridor share moved least (normally the static organisation)."""
    moved = pairs.groupby("by").d_share.apply(lambda d: abs(d.mean()))
    if reference is None:
        reference = moved.idxmin()
    elif reference not in moved.index:
        raise KeyError(f"--reference {reference!r}: allowed: {', '.join(map(str, moved.index))}")
    order = [reference] + [v for v in moved.index if v != reference]
    return (
        pairs.assign(_o=pairs.by.map({v: i for i, v in enumerate(order)}))
        .sort_values(["_o", "seed"])
        .drop(columns="_o")
    )


def _ratio_interval(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    """mean(a) / mean(b) over pairs and its bootstrap 95% interval (pairs resampled whole); NaN
    where there are fewer than 2 pairs or the means are 0."""
    if a.size < 2 or b.mean() == 0:
        return np.nan, np.nan, np.nan
    idx = rng.integers(a.size, size=(BOOTSTRAP, a.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = a[idx].mean(axis=1) / b[idx].mean(axis=1)
    lo, hi = np.percentile(boot[np.isfinite(boot)], [2.5, 97.5]) if np.isfinite(boot).any() else (np.nan, np.nan)
    return float(a.mean() / b.mean()), float(lo), float(hi)


def surviving_benefit(pairs: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Got-aways prevented by the reinforcement per level of `by` (mean, 95% CI), and each
    level's benefit as a share of the first (reference) level's (ratio of means, bootstrap 95%
    interval over the seeds both levels hold)."""
    levels = list(dict.fromkeys(pairs.by))
    base = pairs[pairs.by == levels[0]].set_index("seed").benefit
    rng = np.random.default_rng(seed)
    rows = []
    for level in levels:
        b = pairs[pairs.by == level].set_index("seed").benefit
        m, lo, hi, n = _ci(b)
        both = pd.concat([b.rename("b"), base.rename("a")], axis=1, join="inner").dropna()
        ratio, rlo, rhi = _ratio_interval(both.b.to_numpy(dtype=float), both.a.to_numpy(dtype=float), rng)
        rows.append(
            {
                "level": level,
                "got-aways prevented (mean, 95% CI)": f"{m:.1f} ({lo:.1f} to {hi:.1f})",
                "pairs": n,
                f"share of the {value_label(levels[0])} benefit": f"{ratio:.0%} ({rlo:.0%} to {rhi:.0%})"
                if np.isfinite(ratio)
                else "n/a",
            }
        )
    return pd.DataFrame(rows)


# --- figures ---------------------------------------------------------------------------------
def _install_day(events: dict[str, pd.DataFrame], pairs: pd.DataFrame) -> float:
    ev = events[pairs.treated_run.iloc[0]]
    later = ev[(ev.kind == "asset") & (ev.t > 0)]
    return float(later.t.min() / 1440.0) if len(later) else np.nan


def _horizon_days(events: dict[str, pd.DataFrame]) -> float:
    """The runs' horizon (days), from a run_start row (the runs compared share it)."""
    ev = next(iter(events.values()))
    return float(ev[ev.kind == "run_start"].duration_min.iloc[0]) / 1440.0


def _mid_period(start_days: np.ndarray, period_days: float, horizon_days: float) -> np.ndarray:
    """Where a period's point is drawn: the middle of the days it covers (the last period ends at
    the horizon, so a last partial week is not drawn past the end of the run)."""
    return (start_days + np.minimum(start_days + period_days, horizon_days)) / 2


def shares_figure(pairs: pd.DataFrame, events: dict[str, pd.DataFrame], out: Path) -> Path:
    """The treated corridor's weekly share of crossings, with and without the reinforcement
    (mean over pairs, 95% band), one panel per level of `by`."""
    levels = list(dict.fromkeys(pairs.by))
    fig, axes = subplots(1, len(levels), figsize=(5.2 * len(levels), 3.6), squeeze=False, sharey=True)
    day = _install_day(events, pairs)
    horizon = _horizon_days(events)
    for ax, level in zip(axes[0], levels):
        for arm, colour in (("control", "#7f7f7f"), ("treated", "#d7301f")):
            weekly = []
            for r in pairs[pairs.by == level].itertuples():
                ev = events[getattr(r, f"{arm}_run")]
                w = corridor_crossings_by_period(ev[ev.seed == r.seed], 7.0)
                weekly.append(w[w.corridor.isin(r.treated.split())].groupby("day").share.sum())
            frame = pd.concat(weekly, axis=1)
            m = frame.mean(axis=1)
            half = frame.std(axis=1, ddof=1) / np.sqrt(frame.shape[1]) * stats.t.ppf(0.975, max(frame.shape[1] - 1, 1))
            label = "with the reinforcement" if arm == "treated" else "without"
            mid = _mid_period(m.index.to_numpy(dtype=float), 7.0, horizon)
            ax.plot(mid, m, marker="o", color=colour, label=label)
            ax.fill_between(mid, m - half, m + half, color=colour, alpha=0.2)
        if np.isfinite(day):
            ax.axvline(day, color="black", lw=1, ls="--")
            ax.text(day, ax.get_ylim()[1], " installed", va="top", fontsize=8)
        ax.set_title(value_label(level), fontsize=10)
        ax.set_xlabel("day (weekly, mid-week)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("treated corridor's share of crossings")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Share of crossings through the corridor that got the reinforcement (mean, 95% CI over seeds)")
    fig.tight_layout()
    save_figure_atomic(fig, out, dpi=110)
    return out


def offsets_figure(pairs: pd.DataFrame, changes: pd.DataFrame, out: Path) -> Path:
    """Share change against distance (in corridors) from the treated corridor: where the flow went."""
    levels = list(dict.fromkeys(pairs.by))
    fig, ax = subplots(figsize=(7.5, 3.8))
    width = 0.8 / max(len(levels), 1)
    for i, level in enumerate(levels):
        mine = changes[changes.by == level]
        n_pairs = mine.groupby("offset").seed.nunique()
        common = n_pairs.index[n_pairs >= max(MIN_PAIRS, 0.25 * mine.seed.nunique())]  # far offsets: few seeds
        stats_ = mine[mine.offset.isin(common)].groupby("offset").d_share.agg(lambda x: _ci(x.to_numpy()))
        off = np.array(stats_.index, dtype=float) + (i - (len(levels) - 1) / 2) * width
        m = np.array([v[0] for v in stats_])
        lo, hi = np.array([v[1] for v in stats_]), np.array([v[2] for v in stats_])
        ax.bar(off, m, width=width, label=value_label(level), alpha=0.8)
        ax.errorbar(off, m, yerr=[np.nan_to_num(m - lo), np.nan_to_num(hi - m)], fmt="none", ecolor="black", lw=0.8)
    ax.axhline(0, color="grey", lw=1)
    ax.set_xlabel("corridors from the treated corridor (negative: west)")
    ax.set_ylabel("share change (paired)")
    ax.legend(fontsize=8)
    ax.set_title(
        "Where the flow went: share change by distance from the treated corridor\n"
        "(95% CI; distances that a quarter of the seeds or fewer than 5 reach are left out)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure_atomic(fig, out, dpi=110)
    return out


def map_figure(root: Path, pairs: pd.DataFrame, events: dict[str, pd.DataFrame], out: Path) -> Path:
    """Where groups crossed before and after the reinforcement went up, without and with it:
    the last level of `by`, its lowest seed (marker area: crossings in the cell)."""
    level = list(dict.fromkeys(pairs.by))[-1]
    r = pairs[pairs.by == level].sort_values("seed").iloc[0]
    nodes, edges = read_terrain(root / r.treated_run)
    day = _install_day(events, pairs) * 1440.0
    fig, axes = subplots(2, 2, figsize=(12, 7.5), squeeze=False)
    x, y = nodes.x.to_numpy(), nodes.y.to_numpy()
    for col, arm in enumerate(("control", "treated")):
        ev = events[r[f"{arm}_run"]]
        ev = ev[ev.seed == r.seed]
        crossed = ev[(ev.kind == "crossed") & (ev.source != "") & ~ev.attempt.isin(decoy_attempts(ev))]  # as counted
        sensors = ev[(ev.kind == "asset") & (ev.t > 0) & (ev.sensor >= 0)]
        for row, (name, part) in enumerate(
            (("before", crossed[crossed.t < day]), ("after", crossed[crossed.t >= day]))
        ):
            ax = axes[row][col]
            draw_terrain(ax, nodes, edges)
            n = part.node.value_counts()
            ax.scatter(
                x[n.index],
                y[n.index],
                s=6 + 8 * n.to_numpy(),
                c="#d7301f",
                alpha=0.6,
                edgecolors="black",
                linewidths=0.3,
                zorder=7,
            )
            if name == "after" and len(sensors):
                ax.scatter(
                    x[sensors.node], y[sensors.node], marker="^", s=90, c="#2c7fb8", edgecolors="white", zorder=8
                )
            when = f"days 0-{day / 1440:g}" if name == "before" else f"from day {day / 1440:g}"
            arm_text = "with the reinforcement (blue)" if arm == "treated" else "without"
            ax.set_title(f"{value_label(level)}, seed {r.seed}, {arm_text}: crossings {when}", fontsize=9)
            ax.tick_params(labelsize=7)
            ax.set_ylabel("km from the border (foreign < 0)" if col == 0 else "", fontsize=8)
            ax.set_xlabel("km along the border", fontsize=8)
    fig.tight_layout()
    save_figure_atomic(fig, out, dpi=100)
    return out


def learning_figure(pairs: pd.DataFrame, events: dict[str, pd.DataFrame], out: Path) -> Path:
    """Weekly interdiction rate (the learning curve), with and without the reinforcement."""
    levels = list(dict.fromkeys(pairs.by))
    fig, ax = subplots(figsize=(7.5, 3.8))
    day = _install_day(events, pairs)
    horizon = _horizon_days(events)
    for level, ls in zip(levels, ("-", "--", ":", "-.")):
        for arm, colour in (("control", "#7f7f7f"), ("treated", "#d7301f")):
            curves = []
            for r in pairs[pairs.by == level].itertuples():
                ev = events[getattr(r, f"{arm}_run")]
                curves.append(interdiction_rate_by_week(ev[ev.seed == r.seed]).set_index("week").interdiction_rate)
            m = pd.concat(curves, axis=1).mean(axis=1)
            label = f"{value_label(level)}, {'with' if arm == 'treated' else 'without'} the reinforcement"
            mid = _mid_period(m.index.to_numpy(dtype=float) * 7, 7.0, horizon)
            ax.plot(mid, m, ls=ls, marker="o", ms=3, color=colour, label=label)
    if np.isfinite(day):
        ax.axvline(day, color="black", lw=1, ls="--")
    ax.set_xlabel("day (weekly, mid-week)")
    ax.set_ylabel("interdicted / resolved")
    ax.set_title("Learning curves: weekly interdiction rate (mean over seeds)", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure_atomic(fig, out, dpi=110)
    return out


# --- the section ---------------------------------------------------------------------------
def applies(root: str | Path, table: pd.DataFrame) -> bool:
    """Whether a sweep holds displacement runs: corridor metrics, and a sensor group installed
    during some run."""
    root = Path(root)
    if "corridor_crossings" not in table:
        return False
    if any(_installs_later(root, run) for run in _without_event_log(root, table)):
        return True  # its section says why it cannot be analysed
    return any(treated_corridors(_events(root, run)) for run in table.run.unique())


def section(
    root: str | Path, out: Path, treatment: str | None = None, by: str | None = None, reference: object | None = None
):
    """The report section: (title, text, figures, table) entries."""
    root = Path(root)
    pairs, changes, events, treatment, by = paired_rows(root, treatment, by)
    pairs = reference_first(pairs, reference)
    out.mkdir(parents=True, exist_ok=True)
    figs = [
        shares_figure(pairs, events, out / "displacement_shares.png"),
        offsets_figure(pairs, changes, out / "displacement_offsets.png"),
        map_figure(root, pairs, events, out / "displacement_map.png"),
        learning_figure(pairs, events, out / "learning_curve.png"),
    ]
    text = (
        f"Runs with and without the reinforcement ({key_label(treatment)}), paired by seed"
        + (f", for each {key_label(by)}" if by else "")
        + ". Shares count crossings from corridors.measure_from_day on (sim/metrics.py). A claim holds only where "
        "its test says so: a 95% CI (t over pairs; a bootstrap interval for a ratio) or a Holm-adjusted p below "
        "0.05; 'not shown to' claims hold where the interval does not exclude the change."
    )
    return [
        ("displacement: does the reinforcement stop the flow or move it?", text, figs, claims(pairs, changes)),
        ("how much of the reinforcement's benefit survives adaptation", "", [], surviving_benefit(pairs)),
    ]


def main(argv: list[str] | None = None) -> int:
    end_on_sigterm()
    ap = argparse.ArgumentParser(
        prog="python -m analysis.displacement",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("path", help="a sweep directory")
    ap.add_argument("--treatment", default=None, help="the swept key that switches the reinforcement on")
    ap.add_argument("--by", default=None, help="another swept key, compared side by side")
    ap.add_argument(
        "--reference",
        default=None,
        help="the level of --by whose benefit the others are compared with (default: the level whose flows moved "
        "least, normally the static organisation)",
    )
    ap.add_argument("--out", default=None, help="figures folder (default: PATH/report)")
    args = ap.parse_args(argv)
    root = Path(args.path)
    try:
        parts = section(root, output_folder(args.out, root / "report"), args.treatment, args.by, args.reference)
    except (OSError, KeyError, ValueError) as exc:  # OSError: a file not found, a disk full, ...
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        for title, _, figs, df in parts:
            print(f"== {title}")
            print(df.to_string(index=False))
            for f in figs:
                print(f"figure: {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
