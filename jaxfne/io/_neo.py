"""Export to Neo (and so to Elephant): `to_neo` (optional extra `neo`).

Layout of the returned `neo.Block` (one `neo.Segment`; units as quantities):

- `segment.spiketrains[i]`: the spikes of neuron i (ms), annotated with
  `population`, `neuron_index` and, with `model=`, `soma_depth_um`.
- `block.groups`: one `neo.Group` per population, holding its spike trains.
- analog signal "V_m" (mV) and "synaptic_nA", "excitatory_nA",
  "inhibitory_nA" (nA): one channel per neuron, with the array annotations
  `neuron_index`, `population` (and `soma_depth_um` with `model=`).
- "LFP" (`signals.field.lfp_proxy`, mV): array annotation
  `contact_depth_um`; annotations `coordinates` (the contact depths as the
  `[contacts, 1]` quantity Elephant's `estimate_csd` reads), `sigma_S_per_m`,
  `radius_um`, `diameter_um`, `gauge`, `solver`.
- "CSD_proxy" (`signals.field.csd_proxy`, uA/mm^3, positive = source):
  `contact_depth_um`; annotation `csd_method`.
- "CSD" (the true CSD on the depth grid, uA/mm^3): `depth_um`.
- "EEG" (mV): `channel_name`, `x_um`, `y_um`, `z_um` (head frame: x right,
  y nasion, z vertex). "MEG" (fT, radial field): `x_um`, `y_um`, `z_um`.

Times: a sample of an analog signal is the value at the end of its
recording bin, so the first sample is at `signals.time_ms[0]` and the
sampling period is `dt_ms * record_every`. A spike is stamped with the end
of the bin it fell in (`signals.time_ms`, as `jaxfne.analysis` does);
spike trains run from `time_ms[0] - dt_ms * record_every` (the start of
the run) to `time_ms[-1]`. With `record_every` > 1 a bin holding k spikes
gives k equal spike times.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import Model
from ..signals import SOURCE_NAMES, Signals
from ._common import check_model, population_of, spike_times_ms, xyz
from ._extras import require

__all__ = ["to_neo"]


def _femtotesla(pq: Any) -> Any:
    try:
        return pq.unit_registry["fT"]
    except (KeyError, LookupError):
        return pq.UnitQuantity("femtotesla", pq.T * 1e-15, symbol="fT")


def to_neo(signals: Signals, *, model: Model | None = None, name: str = "jaxfne") -> Any:
    """The recorded signals as a `neo.Block`, in physical units (quantities).

    Args:
        signals: a simulation's output.
        model: the model that produced `signals`; needed only for the soma
            depths (`soma_depth_um` annotations), which `Signals` does not hold.
        name: the block's name.

    Returns:
        A `neo.Block` with one segment; see the module docstring for its
        layout. Elephant works on it directly, e.g.
        `elephant.statistics.mean_firing_rate(block.segments[0].spiketrains[0])`
        or `elephant.current_source_density.estimate_csd(lfp, method="DeltaiCSD",
        diam=lfp.annotations["diameter_um"] * pq.um, ...)`.

    Raises:
        MissingExtraError: when Neo is not installed (`pip install 'jaxfne[neo]'`).
    """
    neo = require("neo", "`jaxfne.io.to_neo`")
    pq = require("quantities", "`jaxfne.io.to_neo`")
    t = np.asarray(signals.time_ms, dtype=float)
    period = float(signals.dt_ms) * int(signals.record_every)
    block = neo.Block(name=name, description="jaxfne simulation", simulation_seed=signals.seed,
                      dt_ms=float(signals.dt_ms), record_every=int(signals.record_every))
    segment = neo.Segment(name="run")
    block.segments.append(segment)

    def analog(data: Any, units: Any, label: str, **kwargs: Any) -> Any:
        return neo.AnalogSignal(np.asarray(data, dtype=float), units=units,
                                t_start=t[0] * pq.ms, sampling_period=period * pq.ms,
                                name=label, **kwargs)

    n, depths, populations = None, None, []
    per_neuron: dict[str, Any] = {}
    for array in (signals.spikes, signals.V_m):
        if array is not None:
            n = array.shape[1]
    if n is not None:
        populations = population_of(signals, n)
        depths = check_model(model, n)
        per_neuron = {"neuron_index": np.arange(n), "population": np.asarray(populations)}
        if depths is not None:
            per_neuron["soma_depth_um"] = depths
    if signals.spikes is not None:
        assert n is not None
        for i in range(n):
            extra = {} if depths is None else {"soma_depth_um": float(depths[i])}
            segment.spiketrains.append(neo.SpikeTrain(
                spike_times_ms(signals, i) * pq.ms, t_start=(t[0] - period) * pq.ms,
                t_stop=t[-1] * pq.ms, name=f"{populations[i]}{i}", population=populations[i],
                neuron_index=i, **extra))
        for pop, a, b in signals.populations:
            block.groups.append(neo.Group(segment.spiketrains[a:b], name=pop, population=pop))
    if signals.V_m is not None:
        segment.analogsignals.append(analog(signals.V_m, pq.mV, "V_m",
                                            array_annotations=per_neuron))
    if signals.sources is not None:
        for label, current in zip(SOURCE_NAMES, signals.sources):
            segment.analogsignals.append(analog(current, pq.nA, label,
                                                array_annotations=per_neuron))
    f = signals.field
    if f is not None:
        g = f.geometry
        contacts = np.asarray(g.contact_depths_um, dtype=float)
        on_contacts = {"contact_depth_um": contacts}
        sigma = float(np.mean(np.asarray(g.sigma_S_per_m)))
        radius = float(np.asarray(g.radius_um))
        if f.lfp_proxy is not None:
            segment.analogsignals.append(analog(
                f.lfp_proxy, pq.mV, "LFP", array_annotations=on_contacts,
                description="potential at the laminar probe's contacts on the column axis",
                coordinates=contacts[:, None] * pq.um, sigma_S_per_m=sigma, radius_um=radius,
                diameter_um=2 * radius, gauge=g.gauge, solver=g.solver))
        if f.csd_proxy is not None:
            segment.analogsignals.append(analog(
                f.csd_proxy, pq.uA / pq.mm**3, "CSD_proxy", array_annotations=on_contacts,
                description="CSD estimated from the LFP (positive = source)",
                csd_method=g.csd_method))
        if f.csd is not None:
            segment.analogsignals.append(analog(
                f.csd, pq.uA / pq.mm**3, "CSD",
                array_annotations={"depth_um": np.asarray(g.depth_um, dtype=float)},
                description="true CSD of the cells' currents on the depth grid "
                            "(positive = source)"))
        if f.eeg is not None:
            segment.analogsignals.append(analog(
                f.eeg, pq.mV, "EEG",
                array_annotations={"channel_name": np.asarray(g.electrode_names),
                                   **xyz(g.electrodes_um)},
                description="four-sphere scalp potential at the 10-20 electrodes "
                            "(head frame: x right, y nasion, z vertex)"))
        if f.meg is not None:
            segment.analogsignals.append(analog(
                f.meg, _femtotesla(pq), "MEG",
                array_annotations=xyz(g.sensors_um),
                description="radial magnetic field at the helmet magnetometers (Sarvas)"))
    return block
