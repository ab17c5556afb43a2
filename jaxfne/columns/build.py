"""The PD14 network as NumPy arrays: neurons, soma depths and the edge list.

Plain NumPy; no JAX and no other jaxfne module, so that a peer simulator's script
can load it by path (see `benchmarks/peers/pd14_nest.py`).

Edges follow NEST's `fixed_total_number` rule with multapses and autapses allowed
(as the PD14 reference implementation): each of the S_yx synapses of a projection
(`scaling.synapse_counts`) picks its source and its target uniformly at random in
the two populations, independently. Drawing the synapses per presynaptic neuron
(multinomial) and then their targets gives the same distribution, already grouped
by presynaptic neuron, so no sort of the 3e8 edges is needed.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

import numpy as np

from . import laminar, pd14
from .scaling import PD14Parameters, _choice, pd14_parameters

__all__ = ["PD14Network", "ThalamicInput", "pd14_network"]

#: Edges drawn per block: bounds the temporary memory (about 40 bytes per edge).
_BLOCK_EDGES = 1 << 22

# --------------------------------------------------------------------------------------
# Edge lists
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ThalamicInput:
    """The thalamic population (902 Poisson neurons) and its synapses onto the cortex.

    During `[start_ms, start_ms + duration_ms)` every thalamic neuron fires an
    independent Poisson train at `rate_hz`; outside it is silent. Edges are sorted
    by `pre` (thalamic index 0..n_neurons-1); `post` indexes the cortical neurons.

    Attributes:
        n_neurons, rate_hz, start_ms, duration_ms: the pulse.
        synapse_counts: synapses onto each cortical population (int64, 8).
        pre, post: int32 edge endpoints; weight_pA: float32; delay_steps: uint8/uint16.
        pre_ptr: int64 (n_neurons + 1,): edges of thalamic neuron j are
            `pre_ptr[j]:pre_ptr[j+1]`.
    """

    n_neurons: int
    rate_hz: float
    start_ms: float
    duration_ms: float
    synapse_counts: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    weight_pA: np.ndarray
    delay_steps: np.ndarray
    pre_ptr: np.ndarray

    def __repr__(self) -> str:
        return (f"ThalamicInput(n_neurons={self.n_neurons}, {self.rate_hz} Hz from "
                f"{self.start_ms} ms for {self.duration_ms} ms, {self.pre.size} synapses)")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PD14Network:
    """A drawn PD14 network: per-neuron parameters and the recurrent edge list.

    Neurons are numbered population by population (order of `pd14.POPULATIONS`);
    `populations[p] = (name, start, stop)`. Per-neuron arrays have shape (N,).
    Currents are in pA (jaxfne's core uses nA: divide by 1000).

    Attributes:
        parameters: the population-level `PD14Parameters` this network was drawn from.
        seed: the seed of the draw.
        populations: `(name, start, stop)` per population.
        population_index: int8, each neuron's population.
        layers_um: `(name, top, bottom)` of L1..L6 (um below the pia).
        soma_depth_um: float64, uniform within the population's layer.
        tau_m_ms, capacitance_pF, v_rest_mV, v_threshold_mV, v_reset_mV,
            refractory_ms, tau_syn_ex_ms, tau_syn_in_ms: LIF (`iaf_psc_exp`) parameters.
        v0_mean_mV, v0_sd_mV: normal initial membrane potential.
        pre, post: int32 (S,), edge endpoints, sorted by `pre` (grouped by presynaptic
            neuron; within a neuron by target population).
        weight_pA: float32 (S,), PSC amplitude (positive from E, negative from I).
        delay_steps: uint8 (S,) when the longest delay fits (always at dt = 0.1 ms),
            else uint16; every delay is at least 1 step.
        pre_ptr: int64 (N+1,): the edges of neuron j are `pre_ptr[j]:pre_ptr[j+1]`.
        max_delay_steps: the longest delay (recurrent and thalamic), in steps.
        ext_rate_hz: total external Poisson rate onto each neuron (0 with DC background).
        ext_weight_pA: float64 (N,), PSC amplitude of each external spike.
        background_dc_pA, compensation_dc_pA: constant currents (see `PD14Parameters`).
        open_field: bool, True for the excitatory (pyramidal) populations.
        excitatory_synapse_depth_um, inhibitory_synapse_depth_um,
            external_synapse_depth_um, thalamic_synapse_depth_um: float64 (N,), depth
            at which each kind of synaptic current enters the neuron (two-point source;
            see `jaxfne.columns.laminar`). It returns at the soma.
        thalamus: the thalamic input, or None.
    """

    parameters: PD14Parameters
    seed: int
    populations: tuple[tuple[str, int, int], ...]
    population_index: np.ndarray
    layers_um: tuple[tuple[str, float, float], ...]
    soma_depth_um: np.ndarray
    tau_m_ms: np.ndarray
    capacitance_pF: np.ndarray
    v_rest_mV: np.ndarray
    v_threshold_mV: np.ndarray
    v_reset_mV: np.ndarray
    refractory_ms: np.ndarray
    tau_syn_ex_ms: np.ndarray
    tau_syn_in_ms: np.ndarray
    v0_mean_mV: np.ndarray
    v0_sd_mV: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    weight_pA: np.ndarray
    delay_steps: np.ndarray
    pre_ptr: np.ndarray
    max_delay_steps: int
    ext_rate_hz: np.ndarray
    ext_weight_pA: np.ndarray
    background_dc_pA: np.ndarray
    compensation_dc_pA: np.ndarray
    open_field: np.ndarray
    excitatory_synapse_depth_um: np.ndarray
    inhibitory_synapse_depth_um: np.ndarray
    external_synapse_depth_um: np.ndarray
    thalamic_synapse_depth_um: np.ndarray
    thalamus: ThalamicInput | None

    @property
    def n_neurons(self) -> int:
        """Number of cortical neurons."""
        return int(self.population_index.size)

    @property
    def n_synapses(self) -> int:
        """Number of recurrent synapses."""
        return int(self.pre.size)

    @property
    def dt_ms(self) -> float:
        """Time step (ms) that `delay_steps` counts."""
        return self.parameters.dt_ms

    @property
    def dc_pA(self) -> np.ndarray:
        """Total constant input current per neuron (pA): background + compensation."""
        return self.background_dc_pA + self.compensation_dc_pA

    def population(self, name: str) -> slice:
        """Index range of population `name`."""
        for pop, start, stop in self.populations:
            if pop == name:
                return slice(start, stop)
        raise ValueError(f"`name` must be one of {pd14.POPULATIONS}; got {name!r}.")

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (bytes)."""
        total = 0
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                total += value.nbytes
        if self.thalamus is not None:
            total += sum(getattr(self.thalamus, n).nbytes for n in
                         ("pre", "post", "weight_pA", "delay_steps", "pre_ptr"))
        return total

    def __repr__(self) -> str:
        p = self.parameters
        return (f"PD14Network(scale={p.scale}, k_scale={p.k_scale}, background={p.background!r}, "
                f"{self.n_neurons} neurons, {self.n_synapses} synapses, dt_ms={p.dt_ms}, "
                f"max_delay_steps={self.max_delay_steps}, thalamus={self.thalamus is not None}, "
                f"seed={self.seed})")


def _delay_dtype(mean_ms: float, sd_ms: float, dt_ms: float) -> type:
    """uint8 when a delay 12 SD above the mean still fits in it, else uint16."""
    worst = int(math.floor((mean_ms + 12.0 * sd_ms) / dt_ms + 0.5))
    if worst <= np.iinfo(np.uint8).max:
        return np.uint8
    if worst <= np.iinfo(np.uint16).max:
        return np.uint16
    raise ValueError(f"`dt_ms` = {dt_ms!r} is too small: delays of up to {worst} steps do not "
                     f"fit in uint16; use dt_ms >= {(mean_ms + 12 * sd_ms) / 65535:.2g}.")


def _normal_redraw(rng: np.random.Generator, n: int, mean: np.ndarray | float,
                   sd: np.ndarray | float, bad) -> np.ndarray:
    """float32 normal draws, redrawn where `bad(values)` (NEST's `redraw`)."""
    mean32 = np.asarray(mean, dtype=np.float32)
    sd32 = np.asarray(sd, dtype=np.float32)
    x = rng.standard_normal(n, dtype=np.float32)
    x *= sd32
    x += mean32
    redo = np.flatnonzero(bad(x))
    while redo.size:
        m = mean32 if mean32.ndim == 0 else mean32[redo]
        s = sd32 if sd32.ndim == 0 else sd32[redo]
        x[redo] = m + s * rng.standard_normal(redo.size, dtype=np.float32)
        redo = redo[bad(x[redo])]
    return x


def _draw_edges(
    rng: np.random.Generator, *, src_sizes: np.ndarray, src_starts: np.ndarray,
    tgt_sizes: np.ndarray, tgt_starts: np.ndarray, counts: np.ndarray, w_mean: np.ndarray,
    w_rel_sd: float, d_mean: np.ndarray, d_sd: np.ndarray, dt_ms: float, delay_dtype: type,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Fixed-total-number edges from every source population onto every target population.

    `counts[y, x]` synapses from source population x onto target population y: for each
    x, the synapses per presynaptic neuron are multinomial (uniform sources) and each
    synapse's target is uniform in its target population, which is NEST's
    `fixed_total_number` with multapses and autapses. Edges come out grouped by
    presynaptic neuron, in blocks of about `_BLOCK_EDGES`, so the temporaries stay small.
    """
    n_tgt, n_src = counts.shape
    total = int(counts.sum())
    n_pre = int(src_sizes.sum())
    pre = np.empty(total, dtype=np.int32)
    post = np.empty(total, dtype=np.int32)
    weight = np.empty(total, dtype=np.float32)
    delay: np.ndarray = np.empty(total, dtype=delay_dtype)
    out_degree = np.zeros(n_pre, dtype=np.int64)
    tgt_sizes_f = tgt_sizes.astype(np.float64)
    tgt_starts32 = tgt_starts.astype(np.int32)
    limit = np.iinfo(delay_dtype).max
    redraw_below = np.float32(pd14.DELAY_REDRAW_BELOW_DT * dt_ms)
    pos = 0
    for x in range(n_src):
        nx = int(src_sizes[x])
        if nx == 0 or counts[:, x].sum() == 0:
            continue
        uniform = np.full(nx, 1.0 / nx)
        per_pre = np.stack([rng.multinomial(int(counts[y, x]), uniform) for y in range(n_tgt)])
        per_pre_total = per_pre.sum(axis=0)
        out_degree[src_starts[x]:src_starts[x] + nx] = per_pre_total
        ends = np.cumsum(per_pre_total)
        bounds = np.searchsorted(ends, np.arange(_BLOCK_EDGES, int(ends[-1]), _BLOCK_EDGES),
                                 side="left")
        bounds = np.unique(np.concatenate([[0], bounds, [nx]]))
        w_col = w_mean[:, x].astype(np.float32)
        sd_col = np.abs(w_col) * np.float32(w_rel_sd)
        sign_bad = (lambda v: v < 0) if float(w_col.max()) > 0 else (lambda v: v > 0)
        for a, b in zip(bounds[:-1], bounds[1:]):
            block = per_pre[:, a:b]
            n = int(block.sum())
            if n == 0:
                continue
            sl = slice(pos, pos + n)
            # pre-major, then target population: the slot order within the block
            yidx = np.repeat(np.tile(np.arange(n_tgt, dtype=np.int8), b - a), block.T.ravel())
            pre[sl] = np.repeat(np.arange(a, b, dtype=np.int32) + np.int32(src_starts[x]),
                                per_pre_total[a:b])
            local = (rng.random(n) * tgt_sizes_f[yidx]).astype(np.int32)
            post[sl] = local + tgt_starts32[yidx]
            weight[sl] = _normal_redraw(rng, n, w_col[yidx], sd_col[yidx], sign_bad)
            d = _normal_redraw(rng, n, d_mean[x], d_sd[x], lambda v: v < redraw_below)
            steps = np.floor(d / np.float32(dt_ms) + np.float32(0.5))
            if steps.max() > limit:  # pragma: no cover - beyond 12 SD
                raise RuntimeError(f"A delay of {steps.max()} steps does not fit {delay_dtype}.")
            delay[sl] = steps.astype(delay_dtype)
            pos += n
    assert pos == total
    pre_ptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(out_degree, out=pre_ptr[1:])
    max_steps = int(delay.max()) if total else 0
    return pre, post, weight, delay, pre_ptr, max_steps


def pd14_network(
    scale: float | int = 1.0, k_scale: float | int | None = None, *, seed: int = 0,
    background: str = "poisson", thalamus: bool = False, dt_ms: float | int = 0.1,
    v0: str = "optimized", reference_rates_hz: Any = None, depth_weighting: str = "current",
) -> PD14Network:
    """Draw the Potjans & Diesmann (2014) microcircuit as NumPy arrays.

    77,169 LIF neurons with exponential currents at full scale, in 8 populations
    (L2/3e/i, L4e/i, L5e/i, L6e/i) placed uniformly in their layers; ~3e8 synapses drawn
    with NEST's `fixed_total_number` rule (multapses and autapses allowed); weights
    N(J, 0.1|J|) with the sign kept by redrawing, J = 87.81 pA, g = -4, L4e->L2/3e
    doubled; delays N(1.5, 0.75) ms from E and N(0.75, 0.375) ms from I sources,
    redrawn below dt/2 and rounded to the nearest step (so >= 1 step); Poisson
    background at 8 spikes/s times K_ext (or its DC); van Albada compensation when
    `k_scale < 1`; optional thalamic pulse (902 neurons, 120 spikes/s, 700-710 ms).

    Args:
        scale: fraction of neurons, in (0, 1].
        k_scale: fraction of in-degrees, in (0, 1]; None (default) means `scale`.
        seed: seed of every draw (connectivity, weights, delays, soma depths).
        background: "poisson" or "dc".
        thalamus: also draw the thalamic population and its synapses.
        dt_ms: time step (ms); delays are whole steps.
        v0: "optimized" or "original" initial potentials (stored as mean/SD; the
            simulation draws them).
        reference_rates_hz: full-scale rates for the compensation DC (default set A).
        depth_weighting: "current" or "count", see `laminar.synapse_depth_coefficients`.

    Memory: 13 bytes per synapse (int32 pre and post, float32 weight, uint8 delay):
    about 3.9 GB at full scale, plus ~200 MB of temporaries.
    """
    params = pd14_parameters(scale, k_scale, background=background, dt_ms=dt_ms, v0=v0,
                             reference_rates_hz=reference_rates_hz)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise ValueError(f"`seed` must be a non-negative integer; got {seed!r}.")
    if not isinstance(thalamus, bool):
        raise TypeError(f"`thalamus` must be True or False; got {thalamus!r}.")
    _choice("depth_weighting", depth_weighting, ("current", "count"))
    dt = params.dt_ms
    conn_ss, depth_ss, thal_ss = np.random.SeedSequence([int(seed), 0x50443134]).spawn(3)

    sizes = params.n_neurons
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    pop_index = np.repeat(np.arange(len(sizes), dtype=np.int8), sizes)
    populations = tuple((name, int(a), int(a + m)) for name, a, m in
                        zip(pd14.POPULATIONS, starts, sizes))

    bounds = pd14.layer_bounds_um()
    depth_rng = np.random.default_rng(depth_ss)
    soma = np.concatenate([depth_rng.uniform(*bounds[layer], size=int(m)) for layer, m in
                           zip(pd14.LAYER_OF_POPULATION, sizes)])

    th_mean = pd14.THALAMUS["delay_ms"]
    th_sd = pd14.THALAMUS["delay_rel_sd"] * th_mean
    delay_dtype = _delay_dtype(max(float(params.delay_mean_ms.max()), th_mean),
                               max(float(params.delay_sd_ms.max()), th_sd), dt)
    pre, post, weight, delay, pre_ptr, max_steps = _draw_edges(
        np.random.default_rng(conn_ss), src_sizes=sizes, src_starts=starts, tgt_sizes=sizes,
        tgt_starts=starts, counts=params.synapse_counts, w_mean=params.weight_mean_pA,
        w_rel_sd=params.weight_rel_sd, d_mean=params.delay_mean_ms, d_sd=params.delay_sd_ms,
        dt_ms=dt, delay_dtype=delay_dtype)

    thal = None
    if thalamus:
        n_th = int(pd14.THALAMUS["n_neurons"])
        counts = params.thalamic_synapse_counts[:, None]
        t_pre, t_post, t_w, t_d, t_ptr, t_max = _draw_edges(
            np.random.default_rng(thal_ss), src_sizes=np.array([n_th]),
            src_starts=np.array([0]), tgt_sizes=sizes, tgt_starts=starts, counts=counts,
            w_mean=np.full((len(sizes), 1), params.thalamic_weight_pA),
            w_rel_sd=params.weight_rel_sd, d_mean=np.array([th_mean]), d_sd=np.array([th_sd]),
            dt_ms=dt, delay_dtype=delay_dtype)
        thal = ThalamicInput(
            n_neurons=n_th, rate_hz=pd14.THALAMUS["rate_hz"], start_ms=pd14.THALAMUS["start_ms"],
            duration_ms=pd14.THALAMUS["duration_ms"],
            synapse_counts=params.thalamic_synapse_counts.copy(), pre=t_pre, post=t_post,
            weight_pA=t_w, delay_steps=t_d, pre_ptr=t_ptr)
        max_steps = max(max_steps, t_max)

    def per_neuron(values: np.ndarray | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (len(sizes),))[pop_index]

    nrn = pd14.NEURON
    depths = {kind: laminar.synapse_depths_um(soma, pop_index, kind, weighting=depth_weighting)
              for kind in laminar.SYNAPSE_KINDS}
    return PD14Network(
        parameters=params, seed=int(seed), populations=populations, population_index=pop_index,
        layers_um=pd14.LAYERS_UM, soma_depth_um=soma,
        tau_m_ms=per_neuron(nrn["tau_m_ms"]), capacitance_pF=per_neuron(nrn["C_m_pF"]),
        v_rest_mV=per_neuron(nrn["E_L_mV"]), v_threshold_mV=per_neuron(nrn["V_th_mV"]),
        v_reset_mV=per_neuron(nrn["V_reset_mV"]), refractory_ms=per_neuron(nrn["t_ref_ms"]),
        tau_syn_ex_ms=per_neuron(nrn["tau_syn_ex_ms"]),
        tau_syn_in_ms=per_neuron(nrn["tau_syn_in_ms"]),
        v0_mean_mV=per_neuron(params.v0_mean_mV), v0_sd_mV=per_neuron(params.v0_sd_mV),
        pre=pre, post=post, weight_pA=weight, delay_steps=delay, pre_ptr=pre_ptr,
        max_delay_steps=max_steps, ext_rate_hz=per_neuron(params.ext_rate_hz),
        ext_weight_pA=per_neuron(params.ext_weight_pA),
        background_dc_pA=per_neuron(params.background_dc_pA),
        compensation_dc_pA=per_neuron(params.compensation_dc_pA),
        open_field=pd14.IS_EXCITATORY[pop_index],
        excitatory_synapse_depth_um=depths["excitatory"],
        inhibitory_synapse_depth_um=depths["inhibitory"],
        external_synapse_depth_um=depths["external"],
        thalamic_synapse_depth_um=depths["thalamic"],
        thalamus=thal,
    )
