"""`construct`: the one place where a configuration becomes arrays.

All random draws of the network structure (connectivity, parameter
heterogeneity, soma depths) come from a NumPy generator seeded with `seed`;
the initial state and the noise of a run come from the simulation's seed.
"""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .config import COLUMN_KIND, Configuration
from .drive import Drive, PoissonInput
from .fields._energy import EnergyConstants
from .fields._geometry import FieldGeometry
from .fields._sources import TwoPointSources
from .fields._stage import FIELD_MODES, FieldStage
from .geometry import DEFAULT_LAYERS_UM, Geometry, place_somata
from .model import RECORDABLE, Model
from .neurons import IZHIKEVICH_PRESETS, LIF, LIF_PRESETS, Izhikevich
from .presets import EMITTER_PRESETS, NETWORK_KINDS
from .synapses import (
    EventConnectivity,
    ExponentialSynapses,
    Projection,
    SparseConnectivity,
    bernoulli_edges,
    fixed_indegree_edges,
)

__all__ = ["DENSE_MAX_NEURONS", "construct", "event_capacity"]

#: Networks up to this size use a dense weight matrix; larger ones an
#: event-driven per-source edge list (same connections, no N-by-N matrix).
DENSE_MAX_NEURONS = 2000


def event_capacity(n: int) -> int:
    """Spike-buffer size of the event-driven path: 2 % of the neurons per step
    (200 Hz for everyone at dt = 0.1 ms), at least 64. Overflow is an error."""
    return max(64, n // 50)
#: Networks up to this size map synaptic currents to the field after the scan
#: (one large matrix product); larger ones inside it (memory per depth bin).
PROJECT_AFTER_SCAN_MAX_NEURONS = 1000

_MODE_TO_RECORD = {"spikes": ("spikes",), "V_m": ("V_m",), "source": ("source",),
                   "EMM": ("spikes", "currents")}


def _population_sizes(cfg: Configuration) -> list[tuple[str, int]]:
    net = cfg._network()
    fractions = [f for _, f in net.cell_types]
    counts = [int(round(f * net.n)) for f in fractions]
    counts[-1] = net.n - sum(counts[:-1])
    sizes = [(t, c) for (t, _), c in zip(net.cell_types, counts)]
    if any(c < 1 for _, c in sizes):
        raise ValueError(f"`n` = {net.n} leaves a cell type with no neuron at fractions "
                         f"{dict(net.cell_types)}; increase `n`.")
    return sizes


def _per_neuron(values: dict[str, float], types: np.ndarray, dtype) -> jnp.ndarray:
    return jnp.asarray(np.array([values[t] for t in types]), dtype=dtype)


def _emitters(cfg: Configuration, types: np.ndarray, rng: np.random.Generator, dtype):
    spec = cfg.emitter_spec
    assert spec is not None
    mapping = EMITTER_PRESETS[spec.family][spec.preset]
    table = IZHIKEVICH_PRESETS if spec.family == "izhikevich" else LIF_PRESETS
    names = list(table[mapping[types[0]]])
    params = {k: np.array([table[mapping[t]][k] for t in types]) for k in names}
    if spec.heterogeneity > 0:
        jitter = ("a", "b", "c", "d") if spec.family == "izhikevich" else (
            "tau_m_ms", "v_threshold_mV")
        for k in jitter:
            params[k] = params[k] * (1.0 + spec.heterogeneity * rng.standard_normal(types.size))
    arr = {k: jnp.asarray(v, dtype=dtype) for k, v in params.items()}
    v_init = tuple(NETWORK_KINDS[cfg._network().kind]["v_init_mV"])
    if spec.family == "izhikevich":
        return Izhikevich(v_peak_mV=jnp.full(types.size, 30.0, dtype), v_init_mV=v_init, **arr)  # type: ignore[arg-type]
    return LIF(**arr)  # type: ignore[arg-type]


def _coupling(cfg: Configuration, types: np.ndarray, rng: np.random.Generator, dtype):
    syn = cfg._synapse_defaults()
    n = types.size
    weights = dict(syn.weights)
    projections = []
    for pre_type, tau in syn.tau_ms:
        pre = np.flatnonzero(types == pre_type)
        post = np.arange(n)
        if syn.connectivity == "fixed_indegree":
            k = dict(syn.indegree)[pre_type]
            if k > pre.size - 1:
                raise ValueError(
                    f"`indegree[{pre_type!r}]` = {k} needs at least {k + 1} neurons of type "
                    f"{pre_type!r}; the network has {pre.size}. Lower it with "
                    f"`.synapses(indegree=...)` or increase `n`."
                )
            idx = fixed_indegree_edges(rng, post, pre, k)
            mask = np.ones(idx.shape, bool)
        else:
            idx, mask = bernoulli_edges(rng, post, pre, syn.connection_probability)
        w_post = np.array([weights[f"{pre_type}->{t}"] for t in types])
        w = np.where(mask, w_post[:, None], 0.0)
        # Each cell type is one contiguous block of neurons: the projection reads only it.
        offset = int(pre[0])
        sparse = SparseConnectivity(
            pre_indices=jnp.asarray(idx - offset, dtype=jnp.int32), weights=jnp.asarray(w, dtype),
            n_pre=int(pre.size), pre_offset=offset,
        )
        conn = sparse.to_dense() if n <= DENSE_MAX_NEURONS else \
            EventConnectivity.from_sparse(sparse, event_capacity(n))
        projections.append(Projection(
            connectivity=conn, tau_ms=jnp.asarray(tau, dtype), scale=jnp.asarray(1.0, dtype),
            sign="excitatory" if pre_type == "E" else "inhibitory",
            delay_ms=syn.delay_ms, name=pre_type,
        ))
    return ExponentialSynapses(projections=tuple(projections))


def _drive(cfg: Configuration, types: np.ndarray, dtype) -> Drive:
    d = cfg._drive_defaults()
    rates = _per_neuron(dict(d.poisson_rate_hz), types, dtype)
    poisson = None
    if np.any(np.asarray(rates) > 0):
        poisson = PoissonInput(rate_hz=rates, weight=_per_neuron(dict(d.poisson_weight), types,
                                                                  dtype),
                               tau_ms=jnp.asarray(d.poisson_tau_ms, dtype))
    return Drive(
        bias=_per_neuron(dict(d.bias), types, dtype),
        noise_sigma=_per_neuron(dict(d.noise_sigma), types, dtype),
        noise_tau_ms=jnp.asarray(d.noise_tau_ms, dtype),
        poisson=poisson,
        noise=d.noise,
    )


def construct(cfg: Configuration, *, seed: int = 0) -> Model:
    """Build the `Model` described by `cfg`, drawing its structure from `seed`.

    The same configuration and seed always give the same model (bitwise); a
    different seed gives different connectivity, soma depths and, where
    configured, parameter heterogeneity.
    """
    if not isinstance(cfg, Configuration):
        raise TypeError(f"`cfg` must be a `Configuration`; got {type(cfg)!r}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`seed` must be an integer; got {seed!r}.")
    net = cfg._network()
    if cfg.emitter_spec is None:
        raise ValueError("Call `.emitter(family=..., preset=...)` before `construct`.")
    if not cfg.probes:
        raise ValueError("Call `.probe(name=..., modes=[...])` before `construct`: a model "
                         "records only what a probe asks for.")
    cfg = cfg.resolved()
    if net.kind == COLUMN_KIND:
        return _column(cfg, int(seed))
    dtype = jnp.asarray(0.0).dtype
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) % 2**63, 0x6A786E65]))
    sizes = _population_sizes(cfg)
    types = np.concatenate([np.full(c, t) for t, c in sizes])
    populations, start = [], 0
    for t, c in sizes:
        populations.append((t, start, start + c))
        start += c
    emitters = _emitters(cfg, types, rng, dtype)
    coupling = _coupling(cfg, types, rng, dtype)
    geometry = Geometry(
        soma_depth_um=jnp.asarray(place_somata(rng, net.n, net.layer, DEFAULT_LAYERS_UM), dtype),
        radius_um=jnp.asarray(net.radius_um, dtype),
    )
    record = tuple(r for m in cfg.modes for r in _MODE_TO_RECORD.get(m, ()))
    record = tuple(r for r in RECORDABLE if r in record)
    return Model(
        emitters=emitters, coupling=coupling, drive=_drive(cfg, types, dtype),
        geometry=geometry, populations=tuple(populations), record=record,
        field=_field(cfg, types, dtype), config=cfg, seed=int(seed),
    )


def _column(cfg: Configuration, seed: int) -> Model:
    """The PD14 column (`kind="cortical_column"`), see `jaxfne.column`."""
    from .column import cortical_column

    spec = cfg.emitter_spec
    assert spec is not None
    if spec.heterogeneity:
        raise ValueError(f"kind={COLUMN_KIND!r} takes no emitter heterogeneity; got "
                         f"{spec.heterogeneity!r}.")
    net = cfg._network()
    outputs = tuple(m for m in cfg.modes if m in FIELD_MODES)
    field_kwargs = None
    if outputs:
        f = cfg.field_spec
        if f is None:
            raise ValueError(f"Probe modes {list(outputs)} need a field model: call "
                             f"`.field(...)` before `construct`.")
        field_kwargs = dict(
            depth_um=f.depth_um, dz_um=f.dz_um, n_contacts=f.n_contacts,
            contact_spacing_um=f.contact_spacing_um, first_contact_um=f.first_contact_um,
            conductivity=f.conductivity, solver=f.solver, gauge=f.gauge,
            csd_method=f.csd_method, column_position_um=f.column_position_um,
            column_axis=f.column_axis)
    record = tuple(r for m in cfg.modes for r in _MODE_TO_RECORD.get(m, ()))
    return cortical_column(net.scale or 0.1, net.k_scale, seed=seed,
                           background=net.background or "poisson",
                           record=tuple(r for r in RECORDABLE if r in record),
                           field_outputs=outputs, field_kwargs=field_kwargs, config=cfg,
                           thalamus=bool(net.thalamus),
                           thalamus_start_ms=net.thalamus_start_ms,
                           thalamus_interval_ms=net.thalamus_interval_ms,
                           emitter_family=spec.family, emitter_preset=spec.preset)


def _field(cfg: Configuration, types: np.ndarray, dtype) -> FieldStage | None:
    outputs = tuple(m for m in cfg.modes if m in FIELD_MODES)
    if not outputs:
        return None
    spec = cfg.field_spec
    if spec is None:
        raise ValueError(f"Probe modes {list(outputs)} need a field model: call "
                         f"`.field(...)` before `construct`.")
    src = cfg._source_defaults()
    geometry = FieldGeometry.build(
        radius_um=cfg._network().radius_um, depth_um=spec.depth_um, dz_um=spec.dz_um,
        n_contacts=spec.n_contacts, contact_spacing_um=spec.contact_spacing_um,
        first_contact_um=spec.first_contact_um, conductivity=spec.conductivity,
        solver=spec.solver, gauge=spec.gauge, csd_method=spec.csd_method,
        column_position_um=spec.column_position_um, column_axis=spec.column_axis,
    )
    geometry = jax.tree.map(lambda x: x.astype(dtype), geometry)
    return FieldStage(
        geometry=geometry,
        sources=TwoPointSources(
            open_field=_per_neuron({t: float(v) for t, v in src.open_field}, types, dtype),
            excitatory_offset_um=_per_neuron(dict(src.excitatory_offset_um), types, dtype),
            inhibitory_offset_um=_per_neuron(dict(src.inhibitory_offset_um), types, dtype)),
        energy=EnergyConstants(),
        outputs=outputs,
        project_after_scan=types.size <= PROJECT_AFTER_SCAN_MAX_NEURONS,
    )
