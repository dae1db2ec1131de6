"""Regenerate every published number, table and figure of README.md and docs/ from the code.

    .venv/bin/python docs/make_results.py [--only SECTION ...] [--screenshots]

Sections: demo, coordination, towers, drones, displacement (README blocks and docs/img/), validation
(docs/validation.md), reference (docs/scenario-reference.md), bad-input (docs/bad-input.md).

Each section runs the commands the README shows (from a scratch folder, so the user's outputs/
is untouched), then rewrites the README block between `<!-- results:NAME -->` and
`<!-- /results:NAME -->` and the images in docs/img/. Run it in the commit that changes model
behaviour: a published number the code no longer gives is a defect. The demo block is also
checked by a fast test (tests/test_published.py); the slower ones only by this script.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.displacement import claims, paired_rows, reference_first, surviving_benefit
from analysis.stats import mean_ci, paired_differences
from analysis.store import load

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
IMG = ROOT / "docs" / "img"
PY = ROOT / ".venv" / "bin" / "python"

DEMO = ".venv/bin/python -m sim.run"
COORDINATION = (
    ".venv/bin/python -m sim.run --multirun hydra/launcher=local sweep_name=coordination "
    "scenario=tri_agency \\\n    scenario.coordination.policy=isolated,liaison,joint_command,task_force "
    "replications=40 map=false quiet=true\n"
    ".venv/bin/python -m analysis.report outputs/sweeps/coordination"
)
TOWERS = (
    ".venv/bin/python -m sim.run --multirun hydra/launcher=local sweep_name=towers \\\n"
    "    scenario.sensors.towers.spacing_km=5,8,12,20 scenario.organisations.coyotes.routing=fastest,least_risk \\\n"
    "    replications=6 map=false quiet=true\n"
    ".venv/bin/python -m analysis.report outputs/sweeps/towers       # figures + report.html"
)
DRONES = (
    ".venv/bin/python -m sim.run --multirun hydra/launcher=local sweep_name=drones \\\n"
    '    "scenario.sensors.uas={type: drone, agency: border_patrol, setback_km: 3}" \\\n'
    "    scenario.sensors.uas.count=0,2,4,8 replications=40 map=false quiet=true\n"
    ".venv/bin/python -m analysis.report outputs/sweeps/drones"
)
DISPLACEMENT = (
    ".venv/bin/python -m sim.run --multirun hydra/launcher=local sweep_name=displacement scenario=displacement \\\n"
    "    scenario.sensors.reinforcement.count=0,2 scenario.organisations.cartel.routing=fastest,adaptive \\\n"
    "    replications=30 map=false quiet=true\n"
    ".venv/bin/python -m analysis.displacement outputs/sweeps/displacement    # claims, figures"
)
POLICY_NAMES = {
    "isolated": "isolated",
    "liaison": "liaison",
    "joint_command": "joint command",
    "task_force": "task force",
}


def run_shown(commands: str, cwd: Path) -> str:
    """Run the README's commands (lines of one shell block) from `cwd`; return their stdout."""
    out = []
    for line in commands.replace("\\\n", " ").splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line:
            continue
        argv = shlex.split(line)
        argv[0] = str(PY) if argv[0] == ".venv/bin/python" else argv[0]
        started = time.perf_counter()
        print(f"$ {line}", file=sys.stderr)
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"command failed ({proc.returncode}): {line}\n{proc.stderr[-3000:]}")
        print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        out.append(proc.stdout)
    return "".join(out)


def replace_block(text: str, name: str, body: str) -> str:
    """Replace what stands between the README's markers for `name`."""
    pattern = re.compile(rf"(<!-- results:{name} -->\n).*?(<!-- /results:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no block <!-- results:{name} --> ... <!-- /results:{name} -->")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def fence(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text.rstrip()}\n```\n"


def demo_section(work: Path, readme: str) -> str:
    run_dir = work / "demo"
    stdout = run_shown(f"{DEMO} hydra.run.dir={run_dir}", ROOT)
    shown = "\n".join(line for line in stdout.splitlines() if not line.startswith("results:"))
    shutil.copy(run_dir / "map.png", IMG / "demo-map.png")
    return replace_block(readme, "demo", fence(shown))


def _ci(lo: float, hi: float, digits: int) -> str:
    return f"{lo:.{digits}f}–{hi:.{digits}f}"


def _diff(row: pd.Series, digits: int) -> str:
    if not row.n_seeds > 1 or pd.isna(row.mean_diff):  # no interval (a cost per interdiction with none)
        return "n/a"
    sign = lambda v: f"{v:+.{digits}f}".replace("-", "−")  # noqa: E731
    p = row.p_value
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.2f}" if p >= 0.01 else f"p = {p:.3f}"
    return f"{sign(row.mean_diff)} ({sign(row.ci_low)} to {sign(row.ci_high)}), {p_text}"


def _finding(row: pd.Series, more: str, less: str, n: int) -> str:
    """What a paired difference supports, in words: a direction only when its CI excludes 0."""
    if row.ci_low > 0:
        return more
    if row.ci_high < 0:
        return less
    return f"no difference detectable with {n} pairs"


def coordination_section(work: Path, readme: str) -> str:
    run_shown(COORDINATION, work)
    root = work / "outputs" / "sweeps" / "coordination"
    shutil.copy(root / "report" / "paired_policy.png", IMG / "coordination-paired.png")
    table = load(root)
    key = "scenario.coordination.policy"
    rows = [
        "| policy | interdiction rate | difference vs isolated | first detection to interdiction (min) | "
        "difference vs isolated |",
        "|---|---|---|---|---|",
    ]
    rate = mean_ci(table, "interdiction_rate", key).set_index(key)
    d2i = mean_ci(table, "detection_to_interdiction_min", key).set_index(key)
    drate = paired_differences(table, "interdiction_rate", key, "isolated").set_index(key)
    dd2i = paired_differences(table, "detection_to_interdiction_min", key, "isolated").set_index(key)
    words = []
    for policy, name in POLICY_NAMES.items():
        r, t = rate.loc[policy], d2i.loc[policy]
        cells = [
            name,
            f"{r['mean']:.3f} ({_ci(r.ci_low, r.ci_high, 3)})",
            "—" if policy == "isolated" else _diff(drate.loc[policy], 3),
            f"{t['mean']:.0f} ({_ci(t.ci_low, t.ci_high, 0)})",
            "—" if policy == "isolated" else _diff(dd2i.loc[policy], 0),
        ]
        rows.append("| " + " | ".join(cells) + " |")
        if policy != "isolated":
            n_pairs = int(drate.loc[policy].n_pairs)
            words.append(
                f"- **{name}**: interdiction rate: "
                f"{_finding(drate.loc[policy], 'higher', 'lower', n_pairs)}; first detection to "
                f"interdiction: {_finding(dd2i.loc[policy], 'slower', 'sooner', n_pairs)}."
            )
    n = int(rate["n"].min())
    text = (
        f"Paired differences against `isolated` ({n} pairs, 95% CI; 2-day horizon):\n\n"
        + "\n".join(rows)
        + "\n\nWhat the intervals support, against isolated agencies in this scenario (a direction only "
        "where the 95% CI excludes zero):\n\n" + "\n".join(words) + "\n"
    )
    readme = replace_block(readme, "coordination-command", fence(COORDINATION, "bash"))
    return replace_block(readme, "coordination", text)


def towers_section(work: Path, readme: str) -> str:
    run_shown(TOWERS, work)
    report = work / "outputs" / "sweeps" / "towers" / "report"
    shutil.copy(report / "metric_vs_spacing_km.png", IMG / "sweep-towers.png")
    shutil.copy(report / "paired_routing.png", IMG / "sweep-paired-routing.png")
    return replace_block(readme, "towers-command", fence(TOWERS, "bash"))


def drones_section(work: Path, readme: str) -> str:
    """Night drones added to the demo: interdiction, first detection and cost per interdiction
    against none, paired by seed."""
    run_shown(DRONES, work)
    root = work / "outputs" / "sweeps" / "drones"
    shutil.copy(root / "report" / "cost_vs_rate.png", IMG / "sweep-drones-cost.png")
    table = load(root)
    key = "scenario.sensors.uas.count"
    metrics = (  # metric, digits, (its name, words if the difference is positive, if negative)
        ("interdiction_rate", 3, ("interdiction rate", "higher", "lower")),
        ("time_to_first_detection_min", 1, ("first detection", "later", "sooner")),
        ("cost_per_interdiction_usd", 0, ("cost per interdiction", "dearer", "cheaper")),
    )
    rows = [
        "| drones | interdiction rate | difference vs none | first detection (min) | difference vs none | "
        "cost per interdiction (USD) | difference vs none |",
        "|---|---|---|---|---|---|---|",
    ]
    means = {m: mean_ci(table, m, key).set_index(key) for m, _, _ in metrics}
    diffs = {m: paired_differences(table, m, key, 0).set_index(key) for m, _, _ in metrics}
    words = []
    for count in sorted(means["interdiction_rate"].index):
        cells = [str(count)]
        for m, digits, _ in metrics:
            r = means[m].loc[count]
            cells += [
                f"{r['mean']:.{digits}f} ({_ci(r.ci_low, r.ci_high, digits)})",
                "—" if count == 0 else _diff(diffs[m].loc[count], digits),
            ]
        rows.append("| " + " | ".join(cells) + " |")
        if count:
            n_pairs = int(diffs["interdiction_rate"].loc[count].n_pairs)
            found = [f"{name}: {_finding(diffs[m].loc[count], *w, n_pairs)}" for m, _, (name, *w) in metrics]
            words.append(f"- **{count} drones**: " + "; ".join(found) + ".")
    n = int(means["interdiction_rate"]["n"].min())
    text = (
        f"Paired differences against no drones ({n} pairs, 95% CI; the demo's 2 days):\n\n"
        + "\n".join(rows)
        + "\n\nWhat the intervals support (a direction only where the 95% CI excludes zero):\n\n"
        + "\n".join(words)
        + "\n"
    )
    readme = replace_block(readme, "drones-command", fence(DRONES, "bash"))
    return replace_block(readme, "drones", text)


def _markdown(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |\n|" + "---|" * len(frame.columns) + "\n"
    return head + "".join("| " + " | ".join(map(str, r)) + " |\n" for r in frame.itertuples(index=False))


def displacement_section(work: Path, readme: str) -> str:
    """The balloon-effect experiment: its claims table, the surviving benefit, two figures."""
    run_shown(DISPLACEMENT, work)
    root = work / "outputs" / "sweeps" / "displacement"
    pairs, changes, _, _, _ = paired_rows(root)
    pairs = reference_first(pairs)
    found = claims(pairs, changes).assign(holds=lambda d: d.holds.map({True: "yes", False: "no"}))
    text = (
        f"{pairs.groupby('by').size().min()} pairs per organisation (95% CI over seeds; the towers go up on day 21, "
        "crossings counted from then to day 56):\n\n"
        + _markdown(found)
        + "\nThe first four claims describe displacement: they are expected of the adaptive organisation. The last "
        "is expected of the static one (`fastest` keeps its routes whatever it loses, so its crossings per corridor "
        "do not move and its 'no' on the first four is the expected answer). "
        "Claims 2 and 5 test the corridors by their distance from the treated one (the towers go up on the "
        "busiest corridor, which is not the same in every seed): a paired t-test per distance, corrected for "
        "testing all of them (Holm); claim 5 tests the treated corridor too. Claim 2's row names the distance "
        "with the strongest rise; the offsets figure below shows every distance.\n"
        + "\nGot-aways prevented by the two towers, and how much of the static organisation's figure survives "
        "adaptation:\n\n" + _markdown(surviving_benefit(pairs))
    )
    for name in ("displacement_shares.png", "displacement_map.png", "displacement_offsets.png"):
        shutil.copy(root / "report" / name, IMG / name.replace("_", "-"))
    readme = replace_block(readme, "displacement-command", fence(DISPLACEMENT, "bash"))
    return replace_block(readme, "displacement", text)


VALIDATION = ROOT / "docs" / "validation.md"


def validation_section(work: Path, readme: str) -> str:
    """docs/validation.md: every check of tests/validation_checks.py, run as the tests run it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from validation_checks import CHECKS  # noqa: PLC0415  (the tests' own module, found through their folder)

    rows = []
    for name, make in CHECKS.items():
        started = time.perf_counter()
        result = make()
        for check in result if isinstance(result, tuple) else (result,):
            if check.exact:
                estimate, interval = f"largest deviation {check.estimate:.1e} min", "exact"
            else:
                estimate, interval = f"{check.estimate:.4g}", f"{check.low:.4g} – {check.high:.4g}"
            verdict = "agrees" if check.agrees else "**DISAGREES**"
            rows.append(
                f"| {check.name} | {check.theory} | {check.expected:.4g} | {estimate} | {interval} | "
                f"{check.n} | {verdict} | `.venv/bin/python -m pytest {check.test}` |"
            )
        print(f"  {name} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    VALIDATION.write_text(VALIDATION_INTRO + "\n".join(rows) + "\n")
    return readme


VALIDATION_INTRO = """<!-- generated by docs/make_results.py (section validation) from tests/validation_checks.py -->
# Validation: the model against theory

Read this before trusting the simulator. Each row runs the model on a small, seeded world where a
closed form is known, exactly as the test in the last column does (the test asserts the same
numbers: `tests/validation_checks.py` computes both). Shares are compared with their probability
within ±4 standard errors, means of replication means within their 99% t-interval, exact timings
to the floating-point rounding (1e-9 min). Regenerate with `.venv/bin/python docs/make_results.py
--only validation` (about a minute).

What it covers:

- **Detection**: independent layered sensors combine as 1 − ∏(1 − p_i); a tower's detection is
  1 − exp(−rate × time in view × (1 − cover)); two sensors sharing a cell each keep their own rate
  and combine independently even when the group reacts at once (events of one instant are all
  seen before the reaction).
- **Random search**: a drone searching a disc of area A at speed v with sweep width W sees a group
  in it as Koopman's random search predicts, 1 − exp(−W v t / A) over t hours in the area (times
  1 − cover); with a daily flight window only the minutes aloft count, group by group, and
  nothing is seen while it is on the ground.
- **Queues**: the command-centre operators (M/M/2 Erlang C, M/D/1 Pollaczek–Khinchine) and the
  ports of entry (M/M/3 Erlang C at primary, the primary → secondary Jackson network; Little's
  law is checked exactly on the port table by
  `tests/test_ports.py::test_the_port_table_is_a_fifo_network_and_keeps_littles_law`).
  These formulas are long-run (steady-state) means, and every replication starts with empty
  queues: the checks keep the load at or below 0.85, where starting empty lowers the mean wait
  over 3 days by about 1% (1.4% at 0.9). Near saturation the start matters: at load 0.95 an
  M/M/1 queue takes about 1/(μ(1 − √ρ)²) ≈ 26 hours to settle and a 3-day mean wait is 14-18%
  below Erlang C's (19.0 min at a port lane: 16.4 over 100 replications of 3 days, 19.04 over 30
  days); study a queue that busy over a longer horizon and leave out a warm-up. The wait
  metrics (`port_wait_*`, `alert_wait_min`) count the vehicles served and the alerts handled
  within the horizon: those still queued at its end are left out, which lowers the mean a little
  when the horizon ends in a busy hour (1.0-2.9% for tri_agency's west port with a horizon ending
  mid-afternoon; 0 with whole-day horizons) and a lot for a queue that never keeps up (an
  operator with 19 of 48 alerts still waiting at the end).
- **Timings**: travel on a corridor; the alert → dispatch → arrival chain (the logged dispatch
  time is the real trip).
- **Coordination**: liaison's sharing delays and losses follow their declared laws.

| check | theory | expected | model | interval | over | verdict | reproduce |
|---|---|---|---|---|---|---|---|
"""


def reference_section(work: Path, readme: str) -> str:
    """docs/scenario-reference.md (its facts and the demo's calibration come from the code)."""
    run_shown(".venv/bin/python docs/make_reference.py", ROOT)
    return readme


def bad_input_section(work: Path, readme: str) -> str:
    """docs/bad-input.md (every message, by running each case)."""
    run_shown(".venv/bin/python docs/make_bad_input.py", ROOT)
    return readme


SECTIONS = {
    "demo": demo_section,
    "coordination": coordination_section,
    "towers": towers_section,
    "drones": drones_section,
    "displacement": displacement_section,
    "validation": validation_section,
    "reference": reference_section,
    "bad-input": bad_input_section,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="docs/make_results.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", nargs="+", choices=list(SECTIONS), help="regenerate only these sections")
    ap.add_argument("--screenshots", action="store_true", help="also run docs/make_screenshots.sh")
    args = ap.parse_args(argv)
    readme = README.read_text()
    with tempfile.TemporaryDirectory(prefix="border-sim-results-") as tmp:
        for name in args.only or list(SECTIONS):
            print(f"== {name}", file=sys.stderr)
            readme = SECTIONS[name](Path(tmp), readme)
            README.write_text(readme)  # each finished section is kept even if a later one fails
    if args.screenshots:
        subprocess.run(["bash", str(ROOT / "docs" / "make_screenshots.sh")], cwd=ROOT, check=True)
    print("README.md and docs/img/ regenerated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
