"""The report's figures and tables read without the code: labels, n and p, the Pareto front over
the planner's keys, seeds shared by the configurations compared."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.configurations import (
    UnequalSeeds,
    add_config_labels,
    check_common_seeds,
    distinct_replications,
    per_configuration,
)
from analysis.costs import cost_table, default_decision_keys, draw_cost, pareto_front
from analysis.labels import ci_text, digits_for, key_label, value_label
from analysis.paired import draw_paired, paired_table
from analysis.report import mean_table, overview_table
from analysis.stats import mean_ci_over_seeds
from analysis.store import load, varying_params

POLICY = "scenario.coordination.policy"
ROUTING = "scenario.organisations.coyotes.routing"


def synthetic(seeds=range(1, 6), rates=None) -> pd.DataFrame:
    """Two policies x two smuggler routings, one row per seed, with chosen mean rates and costs."""
    rates = rates or {
        ("isolated", "fastest"): (0.60, 1000.0),
        ("task_force", "fastest"): (0.70, 1200.0),
        ("isolated", "least_risk"): (0.30, 1000.0),
        ("task_force", "least_risk"): (0.40, 1200.0),
    }
    rng = np.random.default_rng(0)
    rows = []
    for (policy, routing), (rate, cost) in rates.items():
        for seed in seeds:
            rows.append(
                {
                    POLICY: policy,
                    ROUTING: routing,
                    "seed": seed,
                    "config_hash": f"{policy}-{routing}",
                    "run": f"{policy},{routing}",
                    "interdiction_rate": rate + rng.normal(0, 0.01),
                    "detection_rate": 0.8 + rng.normal(0, 0.01),
                    "cost_usd": cost,
                    "capital_share_usd": cost * 0.25,
                    "operating_usd": cost * 0.75,
                }
            )
    table = pd.DataFrame(rows)
    table.attrs["params"] = [POLICY, ROUTING]
    return add_config_labels(table, [POLICY, ROUTING])


def test_the_smugglers_keys_are_not_decisions_by_default():
    assert default_decision_keys([POLICY, ROUTING, "scenario.units.bp_vehicle.count"]) == [
        POLICY,
        "scenario.units.bp_vehicle.count",
    ]


def test_prices_region_and_horizon_are_situations_not_decisions():
    count = "scenario.units.bp_vehicle.count"
    prices = [
        "scenario.costs.discount_rate",
        "scenario.units.bp_vehicle.cost_per_officer_hour_usd",
        "scenario.sensors.towers.capital_usd",
        "scenario.barriers.wall.opex_usd_per_km_day",
        "scenario.sensors.towers.lifetime_years",
        "scenario.terrain.width_km",
        "scenario.horizon_days",
    ]
    assert default_decision_keys([count, *prices]) == [count]


def test_a_discount_rate_swept_gives_one_front_per_rate():
    """Dearer money makes every mix dearer, not worse: each mix on the front at 0% is on it at 7%."""
    rate_key, count = "scenario.costs.discount_rate", "scenario.units.bp_vehicle.count"
    rows = [
        {
            "seed": s,
            rate_key: r,
            count: k,
            "config_hash": f"{r}-{k}",
            "interdiction_rate": 0.3 + 0.02 * k + 0.001 * s,
            "cost_usd": 1000.0 * k * (1 + 5 * r),
            "capital_share_usd": 100.0 * k * (1 + 5 * r),
            "operating_usd": 900.0 * k,
        }
        for s in range(3)
        for r in (0.0, 0.07)
        for k in (6, 18)
    ]
    params = [rate_key, count]
    table = add_config_labels(pd.DataFrame(rows), params)
    decision = default_decision_keys(params)
    assert decision == [count]
    df = cost_table(table, decision, [rate_key])
    assert df.pareto.all() and df.situation.nunique() == 2


def test_the_front_is_computed_within_each_situation_not_across_smugglers_behaviour():
    table = synthetic()
    df = cost_table(table, [POLICY], [ROUTING])
    # against least_risk smugglers both policies are on their front, though fastest-routing
    # configurations of the same cost have higher rates: a planner does not choose the smugglers
    assert df.pareto.all()
    assert set(df.situation) == {"coyotes routing = fastest", "coyotes routing = least risk"}
    pooled = pareto_front(df.cost.to_numpy(), df.rate.to_numpy())
    assert len(pooled) == 2  # over every configuration, the least-risk ones would have been dropped
    dominated = synthetic(
        rates={
            ("isolated", "fastest"): (0.60, 1000.0),
            ("task_force", "fastest"): (0.55, 1200.0),  # dearer and worse: off the front
            ("isolated", "least_risk"): (0.30, 1000.0),
            ("task_force", "least_risk"): (0.40, 1200.0),
        }
    )
    df = cost_table(dominated, [POLICY], [ROUTING]).set_index([POLICY, ROUTING])
    assert not df.loc[("task_force", "fastest"), "pareto"] and df.loc[("task_force", "least_risk"), "pareto"]


def test_an_interval_holds_only_values_the_metric_can_take_and_says_its_sample():
    """A t-interval of a rate near 1 over few seeds ran past 1 (and a count's below 0); where some
    replications have no value the table says over how many the mean is."""
    rows = [
        {"k": k, "seed": s, "interdiction_rate": r, "port_seizures": c, "got_away_difficulty": g}
        for k, rates, counts, diffs in (
            ("a", (1.0, 0.9, 1.0), (0, 0, 1), (1.5, np.nan, np.nan)),
            ("b", (0.5, 0.6, 0.7), (3, 4, 5), (1.2, 1.4, 1.6)),
        )
        for s, (r, c, g) in enumerate(zip(rates, counts, diffs))
    ]
    table = pd.DataFrame(rows)
    rate = mean_ci_over_seeds(table, "interdiction_rate", ["k"]).set_index("k")
    assert rate.loc["a", "ci_high"] == 1.0 and 0.8 < rate.loc["a", "ci_low"] < 0.97
    assert rate.loc["b", "ci_high"] == pytest.approx(0.6 + stats.t.ppf(0.975, 2) * 0.1 / np.sqrt(3))
    assert mean_ci_over_seeds(table, "port_seizures", ["k"]).set_index("k").loc["a", "ci_low"] == 0.0
    shown = mean_table(table, "got_away_difficulty", ["k"])
    assert shown["replications"].tolist() == [3, 3] and shown["with a value (n)"].tolist() == [1, 3]
    assert "with a value (n)" not in mean_table(table, "interdiction_rate", ["k"])


def test_no_decision_key_no_front():
    table = synthetic()
    assert not cost_table(table, [], [POLICY, ROUTING]).pareto.any()


def test_cost_figure_states_units_the_cost_parts_and_the_front():
    table = synthetic()
    fig = draw_cost(cost_table(table, [POLICY], [ROUTING]), table, [POLICY], [ROUTING])
    scatter, bars = fig.axes
    assert scatter.get_xlabel() == "cost over the horizon (USD: annualised capital + operating)"
    assert scatter.get_ylabel() == "interdiction rate (interdicted / resolved)"
    legend = [t.get_text() for t in scatter.get_legend().get_texts()]
    assert legend == [
        "Pareto front over coordination policy (a line per situation, in its colour)",
        "coyotes routing = fastest",
        "coyotes routing = least risk",
    ]
    assert bars.get_xlabel() == "cost over the horizon (USD)"
    assert [t.get_text() for t in bars.get_legend().get_texts()] == [
        "capital, annualised over each asset's life",
        "operating",
    ]
    assert sorted(t.get_text() for t in bars.get_yticklabels()) == ["isolated", "task force"]
    assert [t.get_text() for t in scatter.get_xticklabels() if t.get_text()][0].replace(",", "").isdigit()


def test_paired_panels_show_each_levels_n_and_p_with_readable_labels():
    table = synthetic()
    diffs = paired_table(table, POLICY, [ROUTING])
    fig = draw_paired(diffs, POLICY, "isolated", [ROUTING])
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [
        "interdiction rate (interdicted / resolved)",
        "detection rate (detected / attempts)",
    ]
    for ax in panels:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["task force"]
        assert ax.get_xlabel() == "difference vs isolated (proportion)"
        notes = [t.get_text() for t in ax.texts]
        assert len(notes) == 1 and notes[0].startswith("n = 5 seeds (10 pairs), p ")
    rate = diffs[diffs.metric == "interdiction_rate"].iloc[0]
    assert (rate.n_pairs, rate.n_seeds) == (10, 5) and rate.mean_diff == pytest.approx(0.1, abs=0.01)
    assert "pooled over coyotes routing" in fig.texts[0].get_text()


def test_a_seed_run_twice_for_one_configuration_counts_once():
    table = synthetic()
    again = table[table.seed <= 3].assign(run="a sibling folder with more replications")
    both, repeats = distinct_replications(pd.concat([table, again], ignore_index=True))
    assert repeats == 12 and len(both) == len(table)
    assert set(both.run) == set(table.run)  # the first folder's rows are kept


def test_configurations_with_different_seeds_are_named_or_paired_on_the_common_ones():
    table = synthetic()
    more = synthetic(seeds=range(6, 9))
    more = more[more[POLICY] == "task_force"]
    table = pd.concat([table, more], ignore_index=True)
    with pytest.raises(UnequalSeeds) as err:
        check_common_seeds(table, pair_on_common_seeds=False)
    msg = str(err.value)
    assert "2 configuration(s) hold seeds 1–5" in msg and "seeds 1–8: coordination policy = task force" in msg
    assert "--pair-on-common-seeds" in msg
    note = check_common_seeds(table, pair_on_common_seeds=True)
    assert "Each paired difference uses the seeds both sides hold" in note
    diffs = paired_table(table, POLICY, [ROUTING])
    assert set(diffs.n_pairs) == {10} and set(diffs.n_seeds) == {5}  # seeds 6-8 have no isolated partner


def test_design_points_with_the_same_values_are_each_kept():
    """A Morris trajectory or rounded integers repeat a design point's values: each point is a
    sample of its own (the report's indices need every one), not a seed run twice."""
    table = synthetic(seeds=[1, 2])
    points = pd.concat([table.assign(point=0), table.assign(point=1)], ignore_index=True)
    kept, repeats = distinct_replications(points)
    assert repeats == 0 and len(kept) == len(points)


def test_design_points_sharing_a_configuration_are_one_replication_per_seed_in_its_mean():
    """Two design points that rounded to one configuration ran its seeds twice to the same
    results: its mean and interval are over its 5 seeds, not 10 rows (counted twice, the
    interval was too narrow, and a single seed gave a zero-width one)."""
    table = synthetic()
    shared = table[table.config_hash == table.config_hash.iloc[0]]
    points = pd.concat([table.assign(point=0), shared.assign(point=1)], ignore_index=True)
    kept, _ = distinct_replications(points)
    assert len(kept) == len(table) + len(shared)  # each point keeps its rows, for the design's own figures
    one = per_configuration(kept)
    assert len(one) == len(table) and one.attrs == kept.attrs
    rows = mean_table(one, "interdiction_rate", [POLICY, ROUTING]).set_index([key_label(POLICY), key_label(ROUTING)])
    assert set(rows["replications"]) == {5}
    x = shared.interdiction_rate.to_numpy()
    lo, hi = stats.t.interval(0.95, 4, loc=x.mean(), scale=stats.sem(x))
    first = rows.loc[(value_label(shared[POLICY].iloc[0]), value_label(shared[ROUTING].iloc[0]))]
    assert first["95% CI"] == ci_text(lo, hi, digits_for("interdiction_rate"), 5)


def test_a_key_set_in_some_runs_only_is_swept():
    """One more point that also sets a key the others leave at the scenario's value: that key
    tells the points apart (unset is a value of its own), and it reads as the scenario's."""
    table = synthetic()
    table.attrs["params"] = [POLICY, ROUTING, "scenario.sensors.towers.spacing_km"]
    table["scenario.sensors.towers.spacing_km"] = pd.array([pd.NA] * (len(table) - 5) + [5] * 5, dtype="Int64")
    assert varying_params(table) == [POLICY, ROUTING, "scenario.sensors.towers.spacing_km"]
    assert value_label(pd.NA) == value_label(float("nan")) == "scenario's"


def test_a_metric_without_values_says_so_and_counts_every_replication():
    """cost per interdiction is NaN where nothing was interdicted: the table still shows the
    replications run, and the interval says no replication had a value (not 'one replication')."""
    table = synthetic()
    table["cost_per_interdiction_usd"] = np.where(table[POLICY] == "isolated", np.nan, 1000.0 + table.seed)
    table.loc[(table[POLICY] == "task_force") & (table.seed > 1), "cost_per_interdiction_usd"] = np.nan
    rows = mean_table(table, "cost_per_interdiction_usd", [POLICY, ROUTING])
    assert rows["replications"].tolist() == [5, 5, 5, 5]
    assert set(rows["95% CI"]) == {"n/a (no replication with a value)", "n/a (one replication with a value)"}


def test_a_run_folder_named_with_brackets_is_read_as_itself(tmp_path):
    """Hydra names sweep folders by their overrides, and a list value puts brackets in the name:
    `k=[1,2]` must be its own rows, not a pattern matching the folders `k=1` and `k=2`."""
    for name, k, y in [("k=[1,2]", "[1,2]", 7.0), ("k=1", "1", 3.0), ("k=2", "2", 5.0), ("k=*", "*", 9.0)]:
        run = tmp_path / name
        run.mkdir()
        row = {"replication": 0, "seed": 1, "config_hash": f"h{k}", "k": k, "interdiction_rate": y}
        pd.DataFrame([row]).to_parquet(run / "summary.parquet")
        (run / "manifest.json").write_text(json.dumps({"complete": True, "params": {"k": k}}))
    table = load(tmp_path)
    assert dict(zip(table.run, table.interdiction_rate)) == {"k=[1,2]": 7.0, "k=1": 3.0, "k=2": 5.0, "k=*": 9.0}
    assert table.attrs["repeats"] == 0


def unset_level_table() -> pd.DataFrame:
    """Towers at the scenario's own spacing (the key unset in that run) and at 2 and 4 km: three
    configurations on common seeds, interdiction 0.5, 0.6 and 0.7, cost 100, 200 and 300."""
    key = "scenario.sensors.towers.spacing_km"
    rng = np.random.default_rng(1)
    seed_effect = rng.normal(0, 0.05, size=6)
    rows = []
    for spacing, rate, cost in [(pd.NA, 0.5, 100.0), (2, 0.6, 200.0), (4, 0.7, 300.0)]:
        for seed in range(1, 7):
            rows.append(
                {
                    key: spacing,
                    "seed": seed,
                    "config_hash": f"spacing-{spacing}",
                    "interdiction_rate": rate + seed_effect[seed - 1] + rng.normal(0, 0.005),
                    "cost_usd": cost,
                    "capital_share_usd": cost / 2,
                    "operating_usd": cost / 2,
                }
            )
    table = pd.DataFrame(rows)
    table[key] = table[key].astype("Int64")
    table.attrs["params"] = [key]
    return add_config_labels(table, [key])


def test_a_key_unset_in_some_runs_is_a_level_of_the_paired_comparison_and_the_cost_bars():
    """The scenario's own value (the key unset in that run) is a configuration like the others:
    it is the paired comparison's baseline and has its cost bar (it was dropped from both)."""
    table = unset_level_table()
    key = "scenario.sensors.towers.spacing_km"
    diffs = paired_table(table, key, [])
    rate = diffs[diffs.metric == "interdiction_rate"].set_index(key)
    assert pd.isna(rate.baseline.iloc[0])
    assert list(rate.index) == [2, 4] and list(rate.n_seeds) == [6, 6]
    assert rate.mean_diff.tolist() == pytest.approx([0.1, 0.2], abs=0.01)
    fig = draw_cost(cost_table(table, [key], []), table, [key], [])
    bars = fig.axes[1]
    assert sorted(t.get_text() for t in bars.get_yticklabels()) == sorted([value_label(pd.NA), "2", "4"])


def test_runs_of_two_scenarios_are_told_apart_by_the_scenario_and_it_is_not_a_decision(tmp_path):
    """A sweep over scenario=demo,tri_agency x a unit count: the scenario chosen is not a key of
    the scenario (the run folders' manifests do not list it), yet its six configurations are six
    rows of the overview, each over its own 3 replications, and the front is drawn per scenario."""
    count = "scenario.units.x.count"
    for scenario, base in [("demo", 0.2), ("tri_agency", 0.8)]:
        for k in (2, 4, 8):
            run = tmp_path / f"scenario={scenario},k={k}"
            run.mkdir()
            rows = [
                {
                    "replication": r,
                    "seed": 1 + r,
                    "config_hash": f"{scenario}-{k}",
                    "scenario": scenario,
                    count: k,
                    "interdiction_rate": base + 0.01 * k + 0.001 * r,
                    "cost_usd": 100.0 * k,
                }
                for r in range(3)
            ]
            pd.DataFrame(rows).to_parquet(run / "summary.parquet")
            (run / "manifest.json").write_text(json.dumps({"complete": True, "params": {count: k}}))
    table = load(tmp_path)
    params = varying_params(table)
    assert params == ["scenario", count]
    assert default_decision_keys(params) == [count]
    rows = overview_table(add_config_labels(table, params), "interdiction_rate", params)
    assert len(rows) == 6 and set(rows["replications"]) == {3}
    means = dict(zip(zip(rows[key_label("scenario")], rows[key_label(count)]), rows.iloc[:, 3]))
    assert means[(value_label("demo"), value_label(2))] == "0.221"
    assert means[(value_label("tri_agency"), value_label(2))] == "0.821"


def test_configurations_the_swept_values_do_not_tell_apart_are_rows_of_their_own():
    """Two scenario files of one name read together: the overview still has a row per
    configuration (its label shows the hash), never one row mixing both."""
    table = synthetic()
    table = table[table[ROUTING] == "fastest"].copy()
    twin = table.assign(config_hash="other-file-" + table.config_hash, interdiction_rate=table.interdiction_rate + 0.2)
    both = add_config_labels(pd.concat([table, twin], ignore_index=True), [POLICY])
    rows = overview_table(both, "interdiction_rate", [POLICY])
    assert len(rows) == 4 and set(rows["replications"]) == {5}


def test_a_report_over_two_sweeps_of_one_key_whose_scenarios_differ_names_their_folders(tmp_path):
    """Two sweeps of a routing key read together, the second after its scenario file was edited:
    their configurations of one routing read alike. The report stopped on a pandas error in the
    paired differences; it names the folders that cannot be told apart."""
    from analysis.report import build_report

    for sweep, shift in (("before", 0.0), ("after", 0.1)):
        for routing in ["fastest", "least_risk"] if sweep == "before" else ["least_risk"]:
            run = tmp_path / sweep / f"routing={routing}"
            run.mkdir(parents=True)
            rows = [
                {
                    "replication": r,
                    "seed": 1 + r,
                    "config_hash": f"{sweep}-{routing}",
                    ROUTING: routing,
                    "interdiction_rate": 0.3 + shift + 0.01 * r,
                    "cost_usd": 100.0,
                }
                for r in range(3)
            ]
            pd.DataFrame(rows).to_parquet(run / "summary.parquet")
            (run / "manifest.json").write_text(json.dumps({"complete": True, "params": {ROUTING: routing}}))
    with pytest.raises(ValueError, match="hold the same swept values") as exc:
        build_report(tmp_path, out_dir=tmp_path / "report")
    assert "before/routing=least_risk" in str(exc.value) and "after/routing=least_risk" in str(exc.value)


def test_a_mean_pooled_over_another_key_has_an_interval_over_seeds_that_covers():
    """The metric against one key, pooled over another whose configurations share seeds (common
    random numbers: each seed moves all of them alike). The 95% interval must cover the true mean
    about 95% of the time; treating the pooled rows as independent replications gave about 66%."""
    rng = np.random.default_rng(5)
    trials, covered = 600, 0
    for _ in range(trials):
        seed_effect = rng.normal(size=10)
        rows = [
            {"k": k, "pooled": p, "seed": s, "m": 0.1 * k + seed_effect[s] + 0.3 * rng.normal()}
            for k in (1, 2, 3)
            for p in range(4)
            for s in range(10)
        ]
        ci = mean_ci_over_seeds(pd.DataFrame(rows), "m", ["k"]).set_index("k")
        covered += ci.ci_low[2] <= 0.2 <= ci.ci_high[2]
    assert (ci.n[2], ci.runs[2]) == (10, 40)
    assert 0.92 <= covered / trials <= 0.98  # binomial sd 0.009 at 0.95


def test_numeric_levels_are_compared_in_numeric_order():
    table = unset_level_table()
    key = "scenario.sensors.towers.spacing_km"
    table[key] = table[key].map({2: 16, 4: 2}).astype("Int64")  # the unset level stays unset
    diffs = paired_table(table, key, [])
    assert diffs[diffs.metric == "interdiction_rate"][key].tolist() == [2, 16]  # not "16" before "2"


def test_results_in_a_folder_that_cannot_be_written_get_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    """A colleague's sweep on a read-only share: the report and the review write into the results
    folder by default; they say so and point to --out (an OSError traceback came out)."""
    import analysis.aar
    import analysis.figures
    import analysis.report
    from sim import api

    run = tmp_path / "run"
    api.run(overrides=["scenario.horizon_days=0.1"], replications=1, seed=1, out_dir=run)
    capsys.readouterr()
    monkeypatch.setattr(analysis.figures.os, "access", lambda path, mode: not str(path).startswith(str(tmp_path)))
    for main in (analysis.report.main, analysis.aar.main):
        assert main([str(run)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: cannot write into {run}") and "--out" in err
    assert not (run / "report").exists() and not (run / "aar").exists()


def test_configurations_whose_values_print_alike_are_still_told_apart():
    """Swept values that differ past the printed digits (a design's floats, a large integer key
    beside a float one) are different configurations, not two scenarios of one configuration."""
    from analysis.configurations import check_told_apart

    rows = [
        {"config_hash": h, "run": h, "p": p, "seed_key": k, "seed": s}
        for h, p, k in (("a", 0.50001, 10000), ("b", 0.50004, 10000), ("c", 0.50001, 10001))
        for s in (1, 2)
    ]
    check_told_apart(pd.DataFrame(rows), ["p", "seed_key"])  # no error
    twin = pd.DataFrame(rows + [{"config_hash": "d", "run": "d", "p": 0.50001, "seed_key": 10000, "seed": 1}])
    with pytest.raises(ValueError, match=r"hold the same swept values .* in \[a\] and in \[d\]"):
        check_told_apart(twin, ["p", "seed_key"])


def test_configurations_without_an_event_log_are_named_not_dropped(tmp_path):
    """A sweep whose points kept no event log (events=false): the outcome maps name the
    configurations they could not draw, and a displacement sweep says why it is not analysed
    (it said no seed held runs with and without the group, and the report left the section out)."""
    from analysis.report import build_report
    from sim import api

    mixed = tmp_path / "mixed"
    for spacing, keep in ((8, True), (20, False)):
        api.run(
            "demo",
            [f"scenario.sensors.towers.spacing_km={spacing}", "scenario.horizon_days=0.2"],
            replications=1,
            out_dir=mixed / f"spacing={spacing}",
            events=keep,
        )
    page = build_report(mixed).read_text()
    assert "Not drawn (no event log: run with events=false): " in page and "= 20" in page.split("Not drawn")[1][:200]
    sweep = tmp_path / "displacement"
    for count in (0, 2):
        overrides = ["scenario.horizon_days=1", "scenario.corridors.measure_from_day=0.5"]
        overrides += [
            "scenario.sensors.reinforcement.installed_day=0.5",
            f"scenario.sensors.reinforcement.count={count}",
        ]
        api.run("displacement", overrides, replications=2, out_dir=sweep / f"count={count}", events=False)
    page = build_report(sweep).read_text()
    assert "displacement: not analysed" in page and "2 of 2 run folders hold no event log" in page
    beyond = tmp_path / "beyond"  # the group goes up after the horizon: not a displacement study
    for count in (0, 2):
        overrides = ["scenario.horizon_days=0.5", "scenario.corridors.measure_from_day=0"]
        overrides += [f"scenario.sensors.reinforcement.count={count}"]  # (installed on day 21)
        api.run("displacement", overrides, replications=1, out_dir=beyond / f"count={count}", events=False)
    assert "displacement" not in build_report(beyond).read_text()


def test_a_figure_interrupted_while_saved_leaves_the_previous_one_and_no_part(tmp_path, monkeypatch):
    """A report re-drawn over an earlier one and interrupted (Ctrl-C, a full disk) mid-figure: the
    earlier figure stays whole and readable, and no partial or temporary file is left beside it."""
    from matplotlib.figure import Figure

    from analysis.costs import cost_vs_rate

    table = synthetic()
    out = tmp_path / "cost_vs_rate.png"
    cost_vs_rate(table, [POLICY], [ROUTING], out)
    before = out.read_bytes()
    real_savefig = Figure.savefig

    def interrupted(self, fname, **kwargs):
        real_savefig(self, fname, **kwargs)  # the bytes are written, then the interrupt comes
        with open(fname, "r+b") as f:
            f.truncate(100)
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cost_vs_rate(
            synthetic(rates={k: (0.5, 900.0) for k in [("isolated", "fastest"), ("task_force", "fastest")]}),
            [POLICY],
            [ROUTING],
            out,
        )
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cost_vs_rate.png"]


def test_a_command_ended_by_sigterm_while_saving_a_figure_leaves_no_temporary_file(tmp_path, monkeypatch):
    """A scheduler's SIGTERM ends an analysis command as Ctrl-C does (each command's main calls
    end_on_sigterm): the figure being written leaves neither a part nor its hidden temporary file
    (the default action killed the process where it stood, leaving .NAME.XXXX.tmp for good)."""
    import os
    import signal

    from matplotlib.figure import Figure

    from analysis.costs import cost_vs_rate
    from sim.files import end_on_sigterm

    real_savefig = Figure.savefig

    def killed(self, fname, **kwargs):
        real_savefig(self, fname, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    try:
        end_on_sigterm()
        monkeypatch.setattr(Figure, "savefig", killed)
        with pytest.raises(SystemExit) as ended:
            cost_vs_rate(synthetic(), [POLICY], [ROUTING], tmp_path / "cost_vs_rate.png")
    finally:
        signal.signal(signal.SIGTERM, before)
    assert ended.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
