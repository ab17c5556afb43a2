import dataclasses
import json

import pytest
from helpers import ei_config

import jaxfne as jtfne
from jaxfne.config import Configuration


def base():
    return jtfne.configuration().network(
        name="net", kind="balanced_ei_population", n=100, cell_types={"E": 0.75, "I": 0.25})


def test_builder_returns_new_immutable_configurations():
    empty = jtfne.configuration()
    cfg = empty.network(name="net", kind="balanced_ei_population", n=10,
                        cell_types={"E": 0.8, "I": 0.2})
    assert empty.network_spec is None and cfg.network_spec is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.network_spec = None  # type: ignore[misc]


def test_json_round_trip_is_exact():
    cfg = (ei_config().synapses(weights={"E->E": 0.7}, delay_ms=1.5)
           .drive(noise="white", bias={"I": 4.0})
           .field(domain="laminar_column", conductivity=0.25, boundary="no_flux",
                  gauge="mean_zero", solver="poisson"))
    text = cfg.to_json()
    json.loads(text)
    assert Configuration.from_json(text) == cfg
    assert Configuration.from_json(cfg.resolved().to_json()) == cfg.resolved()


@pytest.mark.parametrize("n, exc, match", [
    (0, ValueError, r"`n` must be at least 1; got 0"),
    (-5, ValueError, r"`n` must be at least 1; got -5"),
    (10.5, TypeError, r"(?s)(`n`|parameter 'n').*10\.5"),
])
def test_bad_n(n, exc, match):
    with pytest.raises(exc, match=match):
        jtfne.configuration().network(name="x", kind="balanced_ei_population", n=n,
                                      cell_types={"E": 0.5, "I": 0.5})


@pytest.mark.parametrize("cell_types, match", [
    ({"E": -0.2, "I": 1.2}, r"`cell_types\['E'\]` must be non-negative; got -0.2"),
    ({"E": 0.7, "I": 0.2}, r"`cell_types` fractions must sum to 1; .*sum 0.9"),
    ({"E": 0.7, "X": 0.3}, r"`cell_types` must be one of 'E', 'I'; got 'X'"),
])
def test_bad_cell_types(cell_types, match):
    with pytest.raises(ValueError, match=match):
        jtfne.configuration().network(name="x", kind="balanced_ei_population", n=10,
                                      cell_types=cell_types)


def test_unknown_options_list_the_allowed_ones():
    with pytest.raises(ValueError, match=r"`kind` must be one of 'balanced_ei_population', "
                                         r"'cortical_column'; got 'ring'"):
        jtfne.configuration().network(name="x", kind="ring", n=10, cell_types={"E": 1.0})
    with pytest.raises(ValueError, match=r"`family` must be one of 'izhikevich', 'lif'; "
                                         r"got 'hh'"):
        base().emitter(family="hh", preset="x")
    with pytest.raises(ValueError, match=r"`preset` must be one of 'cortical_eig', .*; "
                                         r"got 'bursty'"):
        base().emitter(family="izhikevich", preset="bursty")
    with pytest.raises(ValueError, match=r"`domain` must be one of 'laminar_column'; "
                                         r"got 'sphere'"):
        base().field(domain="sphere")
    with pytest.raises(ValueError, match=r"`boundary` must be one of 'declared_proxy', "
                                         r"'infinite', 'no_flux'; got 'open'"):
        base().field(boundary="open")
    with pytest.raises(ValueError, match=r"`gauge` must be one of 'mean_zero', 'infinity'; "
                                         r"got 'ground'"):
        base().field(gauge="ground")
    with pytest.raises(ValueError, match=r"`modes` must be one of 'spikes', .*'EMM'; "
                                         r"got 'fMRI'"):
        base().probe(name="p", modes=["spikes", "fMRI"])
    with pytest.raises(ValueError, match=r"`noise` must be one of 'none', 'white', 'ou'; "
                                         r"got 'pink'"):
        base().drive(noise="pink")
    with pytest.raises(ValueError, match=r"`conductivity` must be one of 'proxy', "
                                         r"'homogeneous', 'layered'; got 'wet'"):
        base().field(conductivity="wet")


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights={"E->E": float("nan")}), r"`weights\['E->E'\]` must be finite; got nan"),
    (dict(weights={"I->E": 0.5}), r"`weights\['I->E'\]` must be <= 0 \(Dale's law\); got 0.5"),
    (dict(tau_ms={"E": float("inf")}), r"`tau_ms\['E'\]` must be finite; got inf"),
    (dict(tau_ms={"E": 0.0}), r"`tau_ms\['E'\]` must be positive; got 0.0"),
    (dict(connection_probability=1.5), r"`connection_probability` must be in \[0, 1\]"),
    (dict(connectivity="ring"), r"`connectivity` must be one of 'fixed_indegree', "
                                r"'bernoulli'; got 'ring'"),
    (dict(weights={"E->X": 1.0}), r"`weights` keys must be among"),
])
def test_bad_synapse_parameters(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        base().synapses(**kwargs)


def test_bad_drive_and_field_combinations():
    with pytest.raises(ValueError, match=r"`noise_sigma\['E'\]` must be non-negative"):
        base().drive(noise_sigma={"E": -1.0})
    with pytest.raises(ValueError, match=r"`bias\['E'\]` must be finite; got nan"):
        base().drive(bias={"E": float("nan")})
    with pytest.raises(ValueError, match=r"`boundary` 'no_flux' does not fit `solver` 'disc'"):
        base().field(boundary="no_flux")
    with pytest.raises(ValueError, match=r"`conductivity` must be positive; got -0.3"):
        base().field(conductivity=-0.3)


def test_options_that_would_be_ignored_are_rejected():
    with pytest.raises(ValueError, match=r"`noise_tau_ms` sets the correlation time of "
                                         r"noise='ou' only; got noise='white'"):
        base().drive(noise="white", noise_tau_ms=5.0)
    with pytest.raises(ValueError, match=r"`noise_sigma` needs noise='white' or 'ou'"):
        base().drive(noise="none", noise_sigma={"E": 1.0})


def test_construct_needs_every_part():
    with pytest.raises(ValueError, match=r"Call `.network"):
        jtfne.construct(jtfne.configuration())
    with pytest.raises(ValueError, match=r"Call `.emitter"):
        jtfne.construct(base())
    with pytest.raises(ValueError, match=r"Call `.probe"):
        jtfne.construct(base().emitter(family="izhikevich", preset="cortical_eig"))
    with pytest.raises(TypeError, match=r"(?s)(`seed`|parameter 'seed').*1\.5"):
        jtfne.construct(ei_config(), seed=1.5)  # type: ignore[arg-type]


def test_indegree_larger_than_population_is_an_error():
    with pytest.raises(ValueError, match=r"`indegree\['E'\]` = 46 needs at least 47 neurons"):
        jtfne.construct(ei_config(n=40))
