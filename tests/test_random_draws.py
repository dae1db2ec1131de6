"""The addressed draws (sim.rng) and the false-alarm process (sim.agents.sensors): the
distributions the model relies on, and the independence from order that common random numbers
across configurations rely on."""

import numpy as np
from scipy import stats

from sim.agents.sensors import poisson_times
from sim.rng import address_key, item_keys, keyed_uniforms


def test_keyed_uniforms_are_uniform_and_independent_across_items_and_keys():
    items = item_keys([f"towers:{i}" for i in range(40)])
    u = np.array([keyed_uniforms(address_key(7, f"sensors:attempt:cartel:{k}:1"), items) for k in range(3000)])
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u.ravel(), "uniform").pvalue > 0.001
    # exponential thresholds from them: the mean and variance of Exp(1)
    x = -np.log(u.ravel())
    assert abs(x.mean() - 1.0) < 0.02 and abs(x.var() - 1.0) < 0.05
    # no correlation between two sensors' numbers over groups, nor between two draws of one group
    r = np.corrcoef(u.T)
    assert np.abs(r[np.triu_indices(40, 1)]).max() < 5 / np.sqrt(3000)
    again = np.array([keyed_uniforms(address_key(7, f"sensors:attempt:cartel:{k}:2"), items) for k in range(3000)])
    assert abs(np.corrcoef(u.ravel(), again.ravel())[0, 1]) < 5 / np.sqrt(u.size)


def test_a_keyed_draw_does_not_depend_on_the_other_items_or_their_order():
    items = item_keys(["towers:0", "towers:1", "ground:0", "ground:1"])
    key = address_key(3, "sensors:attempt:coyotes:12:4")
    whole = keyed_uniforms(key, items)
    assert np.array_equal(keyed_uniforms(key, items[::-1]), whole[::-1])
    assert np.array_equal(keyed_uniforms(key, items[2:]), whole[2:])
    assert keyed_uniforms(address_key(4, "sensors:attempt:coyotes:12:4"), items).tolist() != whole.tolist()


def test_a_keyed_draw_does_not_depend_on_how_many_items_are_asked_for():
    """A route past a few sensors and one past many get each sensor the same number (the few are
    worked out another way, for speed), including keys that use all 64 bits."""
    items = np.concatenate([item_keys([f"ground:{i}" for i in range(38)]), np.array([0, 2**64 - 1], np.uint64)])
    for seed in range(3):
        key = address_key(seed, "sensors:attempt:cartel:5:1")
        whole = keyed_uniforms(key, items)
        for n in range(items.size + 1):
            assert np.array_equal(keyed_uniforms(key, items[:n]), whole[:n])
            assert np.array_equal(keyed_uniforms(key, items[items.size - n :]), whole[items.size - n :])


def test_false_alarm_times_are_a_poisson_process_whatever_the_end():
    rng = np.random.default_rng(11)
    rate, start, end = 0.02, 100.0, 2980.0
    counts = [len(poisson_times(np.random.default_rng(s), rate, start, end)) for s in range(3000)]
    expected = rate * (end - start)
    assert abs(np.mean(counts) - expected) < 4 * np.sqrt(expected / 3000)
    assert abs(np.var(counts) / expected - 1.0) < 0.1  # Poisson: variance = mean
    times = np.concatenate([poisson_times(np.random.default_rng(s), rate, start, end) for s in range(300)])
    assert stats.kstest((times - start) / (end - start), "uniform").pvalue > 0.001  # spread evenly
    for s in range(50):  # a later end adds times after the earlier end and changes none before it
        short = poisson_times(np.random.default_rng(s), rate, start, 1500.0)
        long = poisson_times(np.random.default_rng(s), rate, start, end)
        assert np.array_equal(long[long < 1500.0], short)
    assert poisson_times(rng, 0.0, 0.0, 100.0).size == 0 and poisson_times(rng, 1.0, 50.0, 50.0).size == 0


def test_an_addressed_uniform_is_a_uniform_pure_function_of_seed_and_address():
    from sim.rng import addressed_uniform

    u = np.array([addressed_uniform(7, f"meet:unit_{i % 50}:attempt:{i // 50}:0") for i in range(5000)])
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert 0.0 < u.min() and u.max() < 1.0
    assert addressed_uniform(7, "meet:a:b:0") == addressed_uniform(7, "meet:a:b:0")
    assert addressed_uniform(7, "meet:a:b:0") != addressed_uniform(8, "meet:a:b:0")
    assert addressed_uniform(7, "meet:a:b:0") != addressed_uniform(7, "meet:a:b:1")
