"""The PD14 tables and the NumPy network generator (jaxfne.columns)."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxfne.columns import (
    full_synapse_counts,
    laminar,
    pd14,
    pd14_network,
    pd14_parameters,
    scaled_sizes,
    synapse_counts,
    thalamic_synapse_counts,
)
from jaxfne.geometry import DEFAULT_LAYERS_UM

J = 87.81  # pA, PSC of a 0.15 mV PSP (PD14.md section 1.5)

#: Full-scale mean in-degrees K_yx, PD14.md section 1.2 (rounded; row target, column source).
K_TABLE = np.array([
    [2200, 1079, 979, 468, 159, 0, 110, 0],
    [2990, 860, 704, 290, 381, 0, 61, 0],
    [160, 35, 1117, 795, 33, 0, 667, 0],
    [1481, 17, 1813, 953, 16, 0, 1608, 0],
    [2188, 375, 1136, 31, 421, 496, 297, 0],
    [1166, 159, 571, 12, 300, 404, 124, 0],
    [325, 39, 467, 92, 286, 21, 582, 752],
    [767, 6, 75, 3, 136, 9, 980, 459],
])


@pytest.fixture(scope="module")
def net01():
    return pd14_network(0.1, seed=3, thalamus=True)


def _truncated_normal_mean(mu, sd, lower):
    a = (lower - mu) / sd
    pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    tail = 0.5 * math.erfc(a / math.sqrt(2))
    return mu + sd * pdf / tail


def test_population_sizes_and_layers():
    assert pd14.N_FULL.sum() == 77169
    assert scaled_sizes(1.0).tolist() == pd14.N_FULL.tolist()
    assert scaled_sizes(0.1).sum() == 7717
    # Hagen et al. (2016) boundaries: contiguous from the pia, L1 without somata.
    bounds = [b for _, a, b in DEFAULT_LAYERS_UM]
    assert [a for _, a, _ in DEFAULT_LAYERS_UM] == [0.0] + bounds[:-1]
    assert bounds == [82.0, 587.0, 922.0, 1170.0, 1492.0]
    assert len(pd14.POPULATIONS) == len(pd14.LAYER_OF_POPULATION) == 8


def test_synapse_count_formula_matches_pd14_tables():
    s = full_synapse_counts()
    k = s / pd14.N_FULL[:, None]
    np.testing.assert_array_equal(np.round(k).astype(int), K_TABLE)
    assert round(k[2, 3]) == 795  # L4e <- L4i, Layer et al. 2022 Table A1
    assert s.sum() == pytest.approx(2.989e8, rel=5e-4)  # PD14.md: 2.989e8 synapses
    assert (s.sum() / pd14.N_FULL.sum()) == pytest.approx(3873, abs=1)
    # eq. 1 counts multapses: more synapses than Bernoulli(C) pairs (25 % for L5e<-L5i)
    pairs = pd14.CONN_PROBS * np.outer(pd14.N_FULL, pd14.N_FULL)
    assert s[4, 5] / pairs[4, 5] == pytest.approx(1.25, abs=0.01)
    np.testing.assert_array_equal(synapse_counts(1.0), np.round(s).astype(np.int64))
    np.testing.assert_array_equal(synapse_counts(0.1), np.round(s * 0.01).astype(np.int64))
    np.testing.assert_array_equal(synapse_counts(0.1, 1.0), np.round(s * 0.1).astype(np.int64))


def test_weights_and_psc_conversion():
    assert pd14.PSP_EXC_MV * pd14.psc_per_psp_pA_per_mV() == pytest.approx(J, abs=0.005)
    w = pd14.weight_matrix_pA()
    assert w[0, 2] == pytest.approx(2 * J, abs=0.01)  # target L2/3e, source L4e
    assert w[2, 0] == pytest.approx(J, abs=0.01)  # not the transpose
    assert np.all(w[:, 1::2] == pytest.approx(-4 * J, abs=0.02))
    mean, sd = pd14.delay_matrix_ms()
    assert np.all(mean[:, 0::2] == 1.5) and np.all(mean[:, 1::2] == 0.75)
    np.testing.assert_allclose(sd, 0.5 * mean)


def test_scale_0p1_network_counts_weights_delays(net01):
    net = net01
    p = net.parameters
    pop = net.population_index.astype(np.int64)
    assert net.n_neurons == 7717 and net.pre.dtype == np.int32 and net.post.dtype == np.int32
    assert net.weight_pA.dtype == np.float32 and net.delay_steps.dtype == np.uint8
    # sorted by pre, with consistent CSR pointers
    assert np.all(np.diff(net.pre) >= 0)
    np.testing.assert_array_equal(np.diff(net.pre_ptr), np.bincount(net.pre, minlength=7717))
    assert net.post.min() >= 0 and net.post.max() < 7717
    # fixed total number per (target, source) population pair
    pair = np.bincount(pop[net.post] * 8 + pop[net.pre], minlength=64).reshape(8, 8)
    np.testing.assert_array_equal(pair, synapse_counts(0.1))
    # weights: mean J/sqrt(k) per projection, relative SD 0.1, sign kept
    key = pop[net.post] * 8 + pop[net.pre]
    w = net.weight_pA.astype(np.float64)
    n_pair = np.bincount(key, minlength=64)
    mean = np.bincount(key, w, minlength=64) / np.maximum(n_pair, 1)
    sq = np.bincount(key, w * w, minlength=64) / np.maximum(n_pair, 1)
    sd = np.sqrt(np.maximum(sq - mean**2, 0))
    expect = (pd14.weight_matrix_pA() / math.sqrt(0.1)).ravel()
    big = n_pair > 2000
    np.testing.assert_allclose(mean[big], expect[big], rtol=0.01)
    np.testing.assert_allclose(sd[big] / np.abs(mean[big]), 0.1, rtol=0.05)
    assert mean[0 * 8 + 2] == pytest.approx(2 * J / math.sqrt(0.1), rel=0.01)
    exc_pre = pd14.IS_EXCITATORY[pop[net.pre]]
    assert np.all(net.weight_pA[exc_pre] > 0) and np.all(net.weight_pA[~exc_pre] < 0)
    # delays: >= 1 step, mean of the normal truncated at dt/2
    d = net.delay_steps
    assert d.min() >= 1 and net.max_delay_steps == max(int(d.max()), int(
        net.thalamus.delay_steps.max()))
    for exc, mu in ((True, 1.5), (False, 0.75)):
        got = d[exc_pre == exc].mean() * 0.1
        assert got == pytest.approx(_truncated_normal_mean(mu, 0.5 * mu, 0.05), abs=0.005)
    # uniform draws: in-degrees vary like Poisson counts, autapses allowed (as in PD14)
    indeg = np.bincount(net.post[(pop[net.post] == 0) & (pop[net.pre] == 0)], minlength=2068)
    indeg = indeg[:2068]
    assert indeg.mean() == pytest.approx(220.0, rel=0.01)
    assert indeg.var() / indeg.mean() == pytest.approx(1.0, abs=0.15)
    assert np.count_nonzero(net.pre == net.post) > 0
    # soma depths within the population's layer
    bounds = pd14.layer_bounds_um()
    for (_, a, b), layer in zip(net.populations, pd14.LAYER_OF_POPULATION):
        z = net.soma_depth_um[a:b]
        assert bounds[layer][0] <= z.min() and z.max() <= bounds[layer][1]
    assert p.scale == p.k_scale == 0.1


def test_external_input_and_van_albada_dc_restore_the_mean_input():
    tau_s = 0.5e-3  # s
    rates = pd14.RATES_FULL_A
    full = pd14_parameters(1.0)
    k_full = full.synapse_counts / full.n_neurons[:, None]
    mu_full = tau_s * ((full.weight_mean_pA * k_full * rates).sum(1)
                       + full.ext_weight_pA * full.ext_rate_hz) + full.dc_pA
    assert np.all(full.compensation_dc_pA == 0) and np.all(full.background_dc_pA == 0)
    np.testing.assert_array_equal(full.ext_rate_hz, 8.0 * pd14.K_EXT)
    for background in ("poisson", "dc"):
        for scale, kscale in ((0.1, None), (0.25, 0.5), (0.5, 0.1)):
            p = pd14_parameters(scale, kscale, background=background)
            k = p.synapse_counts / p.n_neurons[:, None]
            mu = tau_s * ((p.weight_mean_pA * k * rates).sum(1)
                          + p.ext_weight_pA * p.ext_rate_hz) + p.dc_pA
            np.testing.assert_allclose(mu, mu_full, rtol=2e-3, atol=0.5)
    dc = pd14_parameters(1.0, background="dc")
    assert dc.background_dc_pA[0] == pytest.approx(562.0, abs=0.5)  # PD14.md 1.3, L2/3e
    assert np.all(dc.ext_rate_hz == 0)
    p = pd14_parameters(0.1)
    assert p.ext_weight_pA == pytest.approx(J / math.sqrt(0.1), abs=0.02)
    np.testing.assert_array_equal(p.ext_indegree, np.round(pd14.K_EXT * 0.1))


def test_network_carries_the_drive_per_neuron(net01):
    p = net01.parameters
    for i, (_, a, b) in enumerate(net01.populations):
        assert np.all(net01.ext_rate_hz[a:b] == p.ext_rate_hz[i])
        assert np.all(net01.dc_pA[a:b] == pytest.approx(p.dc_pA[i]))
        assert np.all(net01.v0_mean_mV[a:b] == pd14.V0_OPTIMIZED_MEAN_MV[i])
    assert np.all(net01.tau_m_ms == 10.0) and np.all(net01.capacitance_pF == 250.0)
    assert np.all(net01.v_threshold_mV == -50.0) and np.all(net01.refractory_ms == 2.0)


def test_thalamus(net01):
    th = net01.thalamus
    assert th is not None and th.n_neurons == 902 and th.rate_hz == 120.0
    assert (th.start_ms, th.duration_ms) == (700.0, 10.0)
    pop = net01.population_index.astype(np.int64)
    np.testing.assert_array_equal(np.bincount(pop[th.post], minlength=8), th.synapse_counts)
    np.testing.assert_array_equal(th.synapse_counts, thalamic_synapse_counts(0.1))
    assert set(np.flatnonzero(th.synapse_counts)) == {2, 3, 6, 7}
    assert th.pre.min() >= 0 and th.pre.max() < 902 and np.all(np.diff(th.pre) >= 0)
    assert th.weight_pA.mean() == pytest.approx(J / math.sqrt(0.1), rel=0.01)
    assert th.delay_steps.min() >= 1
    # in-degree K_th * k_scale: L4e gets about 93 * 0.1 thalamic synapses per neuron
    assert th.synapse_counts[2] / net01.parameters.n_neurons[2] == pytest.approx(9.3, abs=0.1)


def test_laminar_sources():
    net = pd14_network(0.02, seed=0)
    pop = net.population_index
    exc = pd14.IS_EXCITATORY[pop]
    np.testing.assert_array_equal(net.open_field, exc)
    z = net.soma_depth_um
    for depth in (net.excitatory_synapse_depth_um, net.inhibitory_synapse_depth_um,
                  net.external_synapse_depth_um, net.thalamic_synapse_depth_um):
        assert depth.min() >= 0.0 and depth.max() <= 1492.0
        np.testing.assert_allclose(depth[~exc], z[~exc])  # interneurons: at the soma
    l5e, l23e, l6e = (net.population(n) for n in ("L5e", "L2/3e", "L6e"))
    # L5 pyramids: background on apical tufts far above the soma, recurrent E input mostly
    # basal with an apical share; L2/3 pyramids: background in L1
    assert np.all(net.external_synapse_depth_um[l5e] < z[l5e] - 500)
    assert np.all(net.excitatory_synapse_depth_um[l5e] < z[l5e] - 50)
    assert np.all(net.external_synapse_depth_um[l23e] == pytest.approx(41.0))
    assert np.all(net.excitatory_synapse_depth_um[l6e] < z[l6e] - 150)
    for target, rows in pd14.SYNAPSE_LAYER_FRACTIONS.items():
        assert set(rows) == set(pd14.SYNAPSE_SOURCES), target
        for frac in rows.values():
            assert sum(frac) == pytest.approx(1.0, abs=2e-3)
    a, b = laminar.synapse_depth_coefficients("excitatory", weighting="count")
    assert a.shape == b.shape == (8,) and np.all((b >= 0) & (b <= 1 + 1e-12))


def test_reproducible_with_seed():
    a = pd14_network(0.03, seed=11, thalamus=True)
    b = pd14_network(0.03, seed=11, thalamus=True)
    c = pd14_network(0.03, seed=12)
    for name in ("pre", "post", "weight_pA", "delay_steps", "soma_depth_um"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.thalamus.post, b.thalamus.post)
    assert not np.array_equal(a.post, c.post)


def test_small_dt_uses_wider_delay_type():
    net = pd14_network(0.02, dt_ms=0.01)
    assert net.delay_steps.dtype == np.uint16 and net.delay_steps.min() >= 1
    assert net.delay_steps[pd14.IS_EXCITATORY[net.population_index[net.pre]]].mean() == \
        pytest.approx(100 * _truncated_normal_mean(1.5, 0.75, 0.005), rel=0.01)


@pytest.mark.parametrize("kwargs, match", [
    (dict(scale=0.0), r"`scale` must be in \(0, 1\]; got 0.0"),
    (dict(scale=1.5), r"`scale` must be in \(0, 1\]; got 1.5"),
    (dict(scale=1e-4), r"`scale` must leave at least one neuron .* got 0.0001"),
    (dict(scale=0.1, k_scale=-1), r"`k_scale` must be in \(0, 1\]; got -1"),
    (dict(scale=0.1, background="noise"), r"`background` must be one of 'poisson', 'dc'; "
                                          r"got 'noise'"),
    (dict(scale=0.1, dt_ms=-0.1), r"`dt_ms` must be a finite positive number; got -0.1"),
    (dict(scale=0.1, seed=-1), r"`seed` must be a non-negative integer; got -1"),
    (dict(scale=0.1, v0="random"), r"`v0` must be one of 'optimized', 'original'"),
    (dict(scale=0.1, reference_rates_hz=[1.0, 2.0]), r"`reference_rates_hz` must be 8"),
])
def test_errors_name_argument_value_and_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pd14_network(**kwargs)


def test_type_errors():
    # Under the tests' runtime type checker the annotation rejects these first; without it
    # the function's own check does ("`scale` must be a number in (0, 1]; got 'big'.").
    with pytest.raises(TypeError, match="scale"):
        synapse_counts("big")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="thalamus"):
        pd14_network(0.02, thalamus="yes")  # type: ignore[arg-type]


def test_tables_load_by_path_without_jax():
    root = Path(__file__).resolve().parents[1] / "jaxfne" / "columns"
    code = (
        "import sys, importlib.util\n"
        "sys.modules['jax'] = None\n"  # any `import jax` now fails
        f"spec = importlib.util.spec_from_file_location('pd14cols', r'{root / '__init__.py'}', "
        f"submodule_search_locations=[r'{root}'])\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['pd14cols'] = m\n"
        "spec.loader.exec_module(m)\n"
        "print(int(m.synapse_counts(1.0).sum()), m.pd14_network(0.01).n_neurons)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    total, n = out.stdout.split()
    assert int(total) == pytest.approx(2.989e8, rel=5e-4)
    assert int(n) == int(np.round(pd14.N_FULL * 0.01).sum())
