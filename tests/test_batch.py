import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import jaxfne as jtfne

SIM = jtfne.simulation(50.0, 0.1, seed=0)


def test_batch_equals_single_trials(ei_model):
    keys = jax.random.split(jax.random.key(3), 4)
    batch = jtfne.simulate_batch(ei_model, SIM, keys)
    assert batch.spikes.shape == (4, 500, 100)
    for i in range(4):
        single = ei_model.simulate(SIM, key=keys[i])
        np.testing.assert_array_equal(batch.spikes[i], single.spikes)


def test_batch_must_divide_over_devices(ei_model):
    keys = jax.random.split(jax.random.key(3), 3)
    with pytest.raises(ValueError, match=r"multiple of the 2 devices"):
        jtfne.simulate_batch(ei_model, SIM, keys, devices=[jax.devices()[0]] * 2)


def test_sharded_over_four_cpu_devices_equals_unsharded():
    code = textwrap.dedent("""
        import jax, numpy as np
        jax.config.update("jax_enable_x64", True)
        import sys; sys.path.insert(0, "tests")
        import jaxfne as jtfne
        from helpers import ei_config
        assert len(jax.devices()) == 4, jax.devices()
        model = jtfne.construct(ei_config())
        sim = jtfne.simulation(50.0, 0.1, seed=0)
        keys = jax.random.split(jax.random.key(1), 8)
        sharded = jtfne.simulate_batch(model, sim, keys)
        assert len(sharded.spikes.sharding.device_set) == 4
        single = jtfne.simulate_batch(model, sim, keys, devices=jax.devices()[:1])
        np.testing.assert_array_equal(np.asarray(sharded.spikes), np.asarray(single.spikes))
        np.testing.assert_allclose(np.asarray(sharded.V_m), np.asarray(single.V_m),
                                   rtol=1e-12, atol=1e-12)
        print("OK")
    """)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr[-3000:]
