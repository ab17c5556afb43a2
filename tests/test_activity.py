"""The default 100-neuron network is balanced, irregular and asynchronous (measured)."""

import equinox as eqx
import numpy as np
import pytest

import jaxfne as jtfne
from jaxfne import analysis

DURATION, DISCARD = 2000.0, 200.0


@pytest.fixture(scope="module")
def long_run(ei_model):
    return ei_model.simulate(jtfne.simulation(DURATION, 0.1, seed=42))


def test_rates(long_run):
    rates = analysis.population_rates_hz(long_run, DISCARD)
    assert 2.0 <= rates["E"] <= 20.0
    assert rates["I"] > rates["E"]


def test_irregular(long_run):
    cv = analysis.isi_cv(long_run, DISCARD, min_spikes=5)
    assert np.isfinite(cv).sum() >= 50
    assert np.nanmedian(cv) >= 0.6


def test_asynchronous(long_run):
    chi = analysis.synchrony_chi(long_run, DISCARD)
    # chi itself below 0.3 (so chi^2, the variance ratio, is below 0.09)
    assert chi < 0.3
    assert analysis.spike_count_correlation(long_run, DISCARD, bin_ms=10.0) < 0.1


def test_balanced(long_run):
    assert analysis.balance_index(long_run, DISCARD, population="E") < 0.5


def test_recurrent_coupling_matters(ei_model, long_run):
    uncoupled = eqx.tree_at(lambda m: [p.scale for p in m.coupling.projections], ei_model,
                            [0.0 * p.scale for p in ei_model.coupling.projections])
    free = uncoupled.simulate(jtfne.simulation(DURATION, 0.1, seed=42))
    coupled_e = analysis.population_rates_hz(long_run, DISCARD)["E"]
    free_e = analysis.population_rates_hz(free, DISCARD)["E"]
    assert abs(free_e - coupled_e) > 0.2 * coupled_e


def test_no_start_up_transient(long_run):
    first_5_ms = np.asarray(long_run.spikes)[:50].any(axis=0)
    assert first_5_ms.mean() < 0.10


def test_rates_are_stationary(long_run):
    spikes = np.asarray(long_run.spikes)[int(DISCARD / 0.1):]
    half = spikes.shape[0] // 2
    a, b = spikes[:half, :75].mean(), spikes[half:, :75].mean()
    assert abs(a - b) < 0.2 * (a + b) / 2


def test_halving_dt_changes_rates_by_less_than_10_percent(ei_model):
    rates = {}
    for dt in (0.1, 0.05):
        per_seed = [analysis.population_rates_hz(
            ei_model.simulate(jtfne.simulation(DURATION, dt, seed=s)), DISCARD) for s in (1, 2)]
        rates[dt] = {p: np.mean([r[p] for r in per_seed]) for p in ("E", "I")}
    for p in ("E", "I"):
        assert abs(rates[0.05][p] - rates[0.1][p]) < 0.1 * rates[0.1][p], (p, rates)
