import json

import numpy as np

import jaxfne as jtfne


def test_bundle_is_json_and_arrays_save_beside_it(ei_model, tmp_path):
    signals = ei_model.simulate(jtfne.simulation(100.0, 0.1, seed=42))
    record = jtfne.bundle(ei_model, signals)
    text = json.dumps(record)
    back = json.loads(text)
    assert back["simulation_seed"] == 42 and back["construct_seed"] == 0
    assert back["versions"]["jaxfne"] == jtfne.__version__
    assert set(back["summary"]["rates_hz"]) == {"E", "I"}
    assert jtfne.Configuration.from_dict(back["configuration"]) == ei_model.config
    json_path, npz_path = jtfne.save(tmp_path / "run", ei_model, signals)
    arrays = np.load(npz_path)
    np.testing.assert_array_equal(arrays["spikes"], np.asarray(signals.spikes))
    np.testing.assert_array_equal(arrays["synaptic_nA"], np.asarray(signals.sources[0]))
    assert json.loads(json_path.read_text())["n_neurons"] == 100
