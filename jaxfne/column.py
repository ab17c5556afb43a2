"""The V1 column: the Potjans & Diesmann (2014) microcircuit as a jaxfne `Model`.

`cortical_column` draws the network with `jaxfne.columns.pd14_network` (NumPy:
tables, synapse counts, edges, delays, soma depths) and turns it into JAX
parts:

- `LIF` neurons with the published parameters (C_m 250 pF, tau_m 10 ms, E_L
  -65 mV, V_th -50 mV, V_reset -65 mV, t_ref 2 ms), initial V_m drawn per
  population from the reference implementation's normal distributions;
- one exponential `Projection` per source population (tau_syn 0.5 ms, signed
  weights in mV/ms = pA / C_m), event-driven (`EventConnectivity`) with a
  delay per synapse (whole steps, at least one) carried by a ring of pending
  input per neuron, and `step_average=True` so that the 0.5 ms current acts
  on the membrane as NEST's exact `iaf_psc_exp` propagator does;
- the background: independent Poisson input at 8 spikes/s times K_ext through
  the same synapse (or, with `background="dc"`, its mean as a DC), plus the
  van Albada et al. (2015) DC that restores the mean input below full
  in-degree;
- soma depths in the layers (Hagen et al. 2016 boundaries) and, when a field
  is asked for, each population's laminar sources: compact cells with a
  membrane profile along the column axis, whose recurrent excitatory,
  inhibitory, background and thalamic currents enter where the synapses of
  each kind lie (Binzegger et al. 2004 via Hagen et al. 2016) and return
  through the whole membrane (`jaxfne.columns.laminar`); interneurons are
  closed-field.

Downscaled networks (`scale < 1`) keep the mean input but not its
fluctuations or correlations: their rates differ from full scale (PD14.md,
van Albada et al. 2015). Izhikevich emitters are not offered here: that would
be a different model, not PD14.

References: T. C. Potjans and M. Diesmann, Cereb. Cortex 24:785-806 (2014);
S. J. van Albada, M. Helias and M. Diesmann, PLoS Comput. Biol. 11:e1004490
(2015); E. Hagen et al., Cereb. Cortex 26:4461-4496 (2016).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .columns import PD14Network, laminar, pd14, pd14_network
from .construct import event_capacity
from .drive import Drive, PoissonInput, PulsedSources
from .fields._energy import EnergyConstants
from .fields._geometry import FieldGeometry
from .fields._sources import CompartmentSources
from .fields._stage import FIELD_MODES, FieldStage
from .geometry import Geometry
from .model import RECORDABLE, Model
from .neurons import IZHIKEVICH_PRESETS, LIF, Izhikevich
from .presets import EMITTER_PRESETS
from .synapses import EventConnectivity, ExponentialSynapses, Projection

__all__ = ["COLUMN_RADIUS_UM", "column_from_network", "cortical_column"]

#: NEST's `iaf_psc_exp` adds a spike that arrives after a delay of d steps to the
#: synaptic current at the end of step k + d, so the membrane feels it from step
#: k + d + 1; a jaxfne `Projection` lets it act from step k + d. The column adds
#: this one step to every delay so that its delays mean what PD14's (NEST's) mean.
NEST_EXTRA_STEP = 1

#: PD14's synapses are currents, not conductances: with no reversal potential to stop
#: it, a synchronous inhibitory volley (e.g. after the thalamic pulse at full scale)
#: legitimately drives V_m hundreds of mV below rest. Only a non-finite V_m counts as
#: divergence for the column's LIF cells.
CURRENT_BASED_V_FLOOR_MV = float("-inf")

#: Radius of the column's disc of sources (um): 1 mm^2 of cortex, the area the
#: full-scale PD14 network represents.
COLUMN_RADIUS_UM = float(np.sqrt(1e6 / np.pi))


def cortical_column(
    scale: float = 0.1,
    k_scale: float | None = None,
    *,
    seed: int = 0,
    background: str = "poisson",
    record: tuple[str, ...] = ("spikes",),
    field_outputs: tuple[str, ...] = (),
    dt_ms: float = 0.1,
    field_kwargs: dict | None = None,
    config: Any = None,
    thalamus: bool = False,
    thalamus_start_ms: float | None = None,
    thalamus_interval_ms: float | None = None,
    emitter_family: str = "lif",
    emitter_preset: str = "potjans_diesmann",
) -> Model:
    """The PD14 microcircuit at `scale` (fraction of neurons) as a `Model`.

    Args:
        scale: fraction of the 77,169 neurons, in (0, 1].
        k_scale: fraction of the in-degrees; None means `scale` (with the van
            Albada compensation when below 1).
        seed: seed of the drawn network (edges, weights, delays, depths).
        background: "poisson" (8 spikes/s times K_ext per neuron) or "dc".
        record: per-neuron signals to record (see `jaxfne.model.RECORDABLE`).
        field_outputs: field probes to compute ("LFP", "CSD", "EEG", "MEG",
            "phi_e", "J_e", "EMM"); empty for none.
        dt_ms: the step the delays are rounded to; simulate with the same.
        field_kwargs: passed to `FieldGeometry.build` (contacts, conductivity,
            head placement), overriding the column's defaults.
        config: the `Configuration` it came from, kept on the model (set by
            `jaxfne.construct` for `kind="cortical_column"`).
        thalamus: add the thalamic population (902 Poisson sources at 120
            spikes/s for 10 ms, PD14's evoked-response stimulus).
        thalamus_start_ms: when the thalamic pulse starts (default 700 ms,
            as published).
        thalamus_interval_ms: repeat the pulse every this many ms (trials for
            an evoked average); None: one pulse.
        emitter_family, emitter_preset: "lif" / "potjans_diesmann" (PD14), or
            "izhikevich" with an Izhikevich preset (a different model, see
            `column_from_network`).
    """
    net = pd14_network(scale, k_scale, seed=seed, background=background, dt_ms=dt_ms,
                       thalamus=thalamus)
    return column_from_network(net, record=record, field_outputs=field_outputs,
                               field_kwargs=field_kwargs, config=config,
                               thalamus_start_ms=thalamus_start_ms,
                               thalamus_interval_ms=thalamus_interval_ms,
                               emitter_family=emitter_family, emitter_preset=emitter_preset)


def column_from_network(net: PD14Network, *, record: tuple[str, ...] = ("spikes",),
                        field_outputs: tuple[str, ...] = (),
                        field_kwargs: dict | None = None, config: Any = None,
                        thalamus_start_ms: float | None = None,
                        thalamus_interval_ms: float | None = None, emitter_family: str = "lif",
                        emitter_preset: str = "potjans_diesmann") -> Model:
    """Turn a drawn `PD14Network` into a `Model` (see `cortical_column`).

    The model numbers its neurons excitatory populations first (L2/3e, L4e,
    L5e, L6e, then L2/3i, L4i, L5i, L6i; `Model.populations` gives the
    ranges): one excitatory and one inhibitory projection then each read a
    contiguous block of neurons, so each step compacts the spikes and updates
    a ring of pending input twice rather than eight times.

    `emitter_family="izhikevich"` with an Izhikevich `emitter_preset` (e.g.
    "cortical_eig": regular-spiking pyramids, fast-spiking interneurons)
    puts Izhikevich cells on the same connectivity, delays and inputs, their
    currents divided by the capacitance that gives them the LIF cells'
    rheobase (375 pA; 94 pF for b = 0.2). That is a different model, not
    PD14: its rates are its own.
    """
    for r in record:
        if r not in RECORDABLE:
            raise ValueError(f"`record` entries must be among {RECORDABLE}; got {r!r}.")
    for m in field_outputs:
        if m not in FIELD_MODES:
            raise ValueError(f"`field_outputs` entries must be among {FIELD_MODES}; got {m!r}.")
    dtype = jnp.asarray(0.0).dtype
    n = net.n_neurons
    order = [i for i in range(len(net.populations)) if pd14.IS_EXCITATORY[i]] + \
        [i for i in range(len(net.populations)) if not pd14.IS_EXCITATORY[i]]
    old = np.concatenate([np.arange(net.populations[i][1], net.populations[i][2])
                          for i in order])
    new_index = np.empty(n, np.int64)
    new_index[old] = np.arange(n)
    populations, start = [], 0
    for i in order:
        name, a, b = net.populations[i]
        populations.append((name, start, start + b - a))
        start += b - a
    n_exc = int(sum(b - a for i, (_, a, b) in enumerate(net.populations)
                    if pd14.IS_EXCITATORY[i]))

    def arr(x: object) -> jax.Array:  # per-neuron arrays in the model's order
        x = np.asarray(x)
        return jnp.asarray(x[old] if x.ndim == 1 and x.shape[0] == n else x, dtype)

    emitters: LIF | Izhikevich
    if emitter_family == "lif":
        c_pF = net.capacitance_pF
        emitters = LIF(
            tau_m_ms=arr(net.tau_m_ms), v_rest_mV=arr(net.v_rest_mV),
            v_threshold_mV=arr(net.v_threshold_mV), v_reset_mV=arr(net.v_reset_mV),
            refractory_ms=arr(net.refractory_ms), capacitance_pF=arr(c_pF),
            v_init_mean_mV=arr(net.v0_mean_mV), v_init_sd_mV=arr(net.v0_sd_mV),
            v_floor_mV=CURRENT_BASED_V_FLOOR_MV)
    elif emitter_family == "izhikevich":
        c_pF, emitters = _izhikevich_emitters(net, emitter_preset, arr)
    else:
        raise ValueError(f"`emitter_family` must be 'lif' or 'izhikevich'; got "
                         f"{emitter_family!r}.")
    capacity = event_capacity(n)
    new_index32 = new_index.astype(np.int32)
    projections = []
    for name, excitatory, lo, hi, tau in (("E", True, 0, n_exc, net.tau_syn_ex_ms[0]),
                                          ("I", False, n_exc, n, net.tau_syn_in_ms[0])):
        sources = [i for i in order if bool(pd14.IS_EXCITATORY[i]) == excitatory]
        conn = _grouped_event_connectivity(net, sources, new_index32, lo, hi,
                                           min(capacity, hi - lo), dtype, c_pF)
        projections.append(Projection(
            connectivity=conn, tau_ms=jnp.asarray(tau, dtype), scale=jnp.asarray(1.0, dtype),
            sign="excitatory" if excitatory else "inhibitory", name=name, step_average=True))
    poisson = None
    if np.any(net.ext_rate_hz > 0):
        poisson = PoissonInput(rate_hz=arr(net.ext_rate_hz),
                               weight=arr(net.ext_weight_pA / c_pF),
                               tau_ms=jnp.asarray(net.tau_syn_ex_ms[0], dtype),
                               step_average=True)
    pulse = None
    if net.thalamus is not None:
        th = net.thalamus
        post = th.post.astype(np.int64)
        conn = EventConnectivity.from_edges(
            th.pre, new_index[post], th.weight_pA / c_pF[post], n_pre=th.n_neurons, n_post=n,
            capacity=th.n_neurons, delay_steps=th.delay_steps.astype(np.int32) + NEST_EXTRA_STEP,
            dtype=np.dtype(dtype))
        projection = Projection(connectivity=conn, tau_ms=jnp.asarray(net.tau_syn_ex_ms[0], dtype),
                                scale=jnp.asarray(1.0, dtype), sign="excitatory",
                                name="thalamus", step_average=True)
        pulse_start = float(th.start_ms if thalamus_start_ms is None else thalamus_start_ms)
        pulse = PulsedSources(rate_hz=jnp.asarray(th.rate_hz, dtype),
                              synapses=ExponentialSynapses(projections=(projection,)),
                              start_ms=pulse_start, duration_ms=th.duration_ms,
                              interval_ms=thalamus_interval_ms)
    elif thalamus_start_ms is not None or thalamus_interval_ms is not None:
        raise ValueError("`thalamus_start_ms` and `thalamus_interval_ms` need a network drawn "
                         "with `thalamus=True`.")
    drive = Drive(bias=arr(net.dc_pA / c_pF), noise_sigma=arr(np.zeros(n)),
                  noise_tau_ms=jnp.asarray(1.0, dtype), poisson=poisson, noise="none",
                  pulse=pulse)
    geometry = Geometry(soma_depth_um=arr(net.soma_depth_um),
                        radius_um=jnp.asarray(COLUMN_RADIUS_UM, dtype))
    field = None
    if field_outputs:
        field = _column_field(net, field_outputs, field_kwargs or {}, dtype, old)
    rec = set(record) | ({"spikes", "currents"} if "EMM" in field_outputs else set())
    return Model(
        emitters=emitters, coupling=ExponentialSynapses(projections=tuple(projections)),
        drive=drive, geometry=geometry, populations=tuple(populations),
        record=tuple(r for r in RECORDABLE if r in rec), field=field, config=config,
        seed=net.seed)


def _izhikevich_emitters(net: PD14Network, preset: str, arr: Any) -> tuple[np.ndarray, Any]:
    """Izhikevich cells of the preset's E and I classes, and the capacitance that maps
    the column's currents (pA) onto them: the one that gives them the LIF cells'
    rheobase, C_eff = C_m (V_th - E_L) / tau_m / I_rheo, with I_rheo the current at
    which 0.04 v^2 + (5 - b) v + 140 + I has a double root (4.0 for b = 0.2)."""
    mapping = EMITTER_PRESETS["izhikevich"][preset]
    kind = np.where(pd14.IS_EXCITATORY[net.population_index], "E", "I")
    table = {k: np.array([IZHIKEVICH_PRESETS[mapping[t]][k] for t in kind])
             for k in ("a", "b", "c", "d")}
    rheobase_pA = net.capacitance_pF * (net.v_threshold_mV - net.v_rest_mV) / net.tau_m_ms
    rheobase_izh = (5.0 - table["b"]) ** 2 / (4 * 0.04) - 140.0
    c_pF = rheobase_pA / rheobase_izh
    n = net.n_neurons
    return c_pF, Izhikevich(a=arr(table["a"]), b=arr(table["b"]), c=arr(table["c"]),
                            d=arr(table["d"]), capacitance_pF=arr(c_pF),
                            v_peak_mV=arr(np.full(n, 30.0)))


def _grouped_event_connectivity(net: PD14Network, sources: list[int], new_index: np.ndarray,
                                lo: int, hi: int, capacity: int, dtype: Any,
                                capacitance_pF: np.ndarray) -> EventConnectivity:
    """The per-source edge tables of the neurons `lo:hi` (new numbering), filled
    straight from the network's edge list, which is grouped by presynaptic neuron
    (`pre_ptr`): no sort and no int64 copy of the ~3e8 edges at full scale."""
    n = net.n_neurons
    out_degree = np.diff(net.pre_ptr)
    k_out = max(1, int(max(out_degree[net.populations[i][1]:net.populations[i][2]].max(
        initial=0) for i in sources)))
    rows = hi - lo + 1
    post_t = np.full((rows, k_out), n, np.int32)
    weight_t = np.zeros((rows, k_out), np.dtype(dtype))
    delay_t = np.ones((rows, k_out), net.delay_steps.dtype)
    c_pF = capacitance_pF.astype(np.float32)
    for i in sources:
        _, a, b = net.populations[i]
        e0, e1 = int(net.pre_ptr[a]), int(net.pre_ptr[b])
        deg = out_degree[a:b]
        row = np.repeat(new_index[a:b] - lo, deg)
        slot = np.arange(e1 - e0, dtype=np.int64) - np.repeat(net.pre_ptr[a:b] - e0, deg)
        post = net.post[e0:e1]
        post_t[row, slot] = new_index[post]
        # pA per spike over the target's capacitance (pF): mV/ms.
        weight_t[row, slot] = net.weight_pA[e0:e1] / c_pF[post]
        delay_t[row, slot] = net.delay_steps[e0:e1] + NEST_EXTRA_STEP
        del row, slot, post
    return EventConnectivity(
        post_indices=jnp.asarray(post_t), weights=jnp.asarray(weight_t), n_pre=hi - lo,
        n_post=n, capacity=capacity, pre_offset=lo, delay_steps=jnp.asarray(delay_t),
        max_delay_steps=int(net.max_delay_steps) + NEST_EXTRA_STEP)


def _column_field(net: PD14Network, outputs: tuple[str, ...], kwargs: dict,
                  dtype: Any, old: np.ndarray) -> FieldStage:
    """Compact-cell sources (`jaxfne.columns.laminar.compartment_sources`) with one
    current channel per kind of input the network has."""
    options: dict[str, Any] = dict(
        radius_um=COLUMN_RADIUS_UM, depth_um=1600.0, dz_um=50.0, n_contacts=16,
        contact_spacing_um=100.0, first_contact_um=50.0, conductivity="homogeneous",
        solver="disc", gauge="mean_zero", csd_method="delta_icsd")
    options.update(kwargs)
    geometry = FieldGeometry.build(**options)
    geometry = jax.tree.map(lambda x: x.astype(dtype), geometry)
    channels: tuple[str, ...] = ("excitatory", "inhibitory")
    if np.any(net.ext_rate_hz > 0):
        channels += ("external",)
    if net.thalamus is not None:
        channels += ("thalamic",)
    offset, entry, exit_ = laminar.compartment_sources(
        net.soma_depth_um, net.population_index, kinds=channels)
    sources = CompartmentSources(
        open_field=jnp.asarray(net.open_field[old], dtype),
        offset_um=jnp.asarray(offset[old], dtype), entry=jnp.asarray(entry[:, old], dtype),
        exit=jnp.asarray(exit_[:, old], dtype), channels=channels)
    return FieldStage(
        geometry=geometry, sources=sources, energy=EnergyConstants(), outputs=outputs,
        project_after_scan=net.n_neurons <= 1000,
    )
