"""Configuration: an immutable, validated, JSON-serialisable description of a model.

Built fluently::

    cfg = (jtfne.configuration()
           .network(name="net", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .field(domain="laminar_column", conductivity="proxy",
                  boundary="declared_proxy", gauge="mean_zero")
           .probe(name="p", modes=["spikes", "V_m"]))

Every method returns a new `Configuration` and validates its arguments at
once. A configuration holds no arrays and no randomness; `construct` turns it
into a `Model`. Mappings are stored as sorted tuples of pairs so that
configurations are hashable and compare by value.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import as_integer, check_choice
from .drive import NOISE_KINDS
from .presets import EMITTER_PRESETS, NETWORK_KINDS

__all__ = [
    "CONDUCTIVITIES", "BOUNDARIES", "DOMAINS", "GAUGES", "PROBE_MODES", "SOLVERS",
    "Configuration", "DriveSpec", "EmitterSpec", "FieldSpec", "NetworkSpec", "ProbeSpec",
    "SourceSpec", "SynapseSpec", "configuration",
]

Pairs = tuple[tuple[str, Any], ...]

DOMAINS = ("laminar_column",)
SOLVERS = ("disc", "poisson")
CONDUCTIVITIES = ("proxy", "homogeneous", "layered")
BOUNDARIES = ("declared_proxy", "infinite", "no_flux")
GAUGES = ("mean_zero", "infinity")
PROBE_MODES = ("spikes", "V_m", "source", "phi_e", "J_e", "CSD", "LFP", "EEG", "MEG", "EMM")
CONNECTIVITIES = ("fixed_indegree", "bernoulli")
#: The Potjans & Diesmann (2014) microcircuit (`jaxfne.column`).
COLUMN_KIND = "cortical_column"
PATHWAYS = ("E->E", "E->I", "I->E", "I->I")


def _number(name: str, value: Any, *, positive: bool = False, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite; got {value!r}.")
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        what = "non-negative" if allow_zero else "positive"
        raise ValueError(f"`{name}` must be {what}; got {value!r}.")
    return value


def _pairs(
    name: str, value: Mapping[str, Any] | Pairs, allowed: Sequence[str], *, complete: bool = True
) -> Pairs:
    items = dict(value)
    for key in items:
        if key not in allowed:
            raise ValueError(f"`{name}` keys must be among {list(allowed)}; got {key!r}.")
    missing = [k for k in allowed if k not in items]
    if complete and missing:
        raise ValueError(f"`{name}` must give a value for each of {list(allowed)}; "
                         f"missing {missing}.")
    return tuple(sorted(items.items()))


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """Which network: its kind, size, cell-type fractions and soma layer.

    For `kind="cortical_column"` (PD14) `n` and `cell_types` follow from
    `scale`; `k_scale` and `background` are that kind's options (None for
    other kinds)."""

    name: str
    kind: str
    n: int
    cell_types: Pairs
    layer: str
    radius_um: float
    scale: float | None = None
    k_scale: float | None = None
    background: str | None = None
    thalamus: bool | None = None
    thalamus_start_ms: float | None = None
    thalamus_interval_ms: float | None = None


@dataclasses.dataclass(frozen=True)
class SynapseSpec:
    """Connectivity and exponential synapses; weights in mV/ms per spike, `pre->post`."""

    connectivity: str
    indegree: Pairs
    connection_probability: float
    weights: Pairs
    tau_ms: Pairs
    delay_ms: float | None


@dataclasses.dataclass(frozen=True)
class DriveSpec:
    """External drive per cell type (mV/ms), see `jaxfne.Drive`."""

    bias: Pairs
    noise: str
    noise_sigma: Pairs
    noise_tau_ms: float
    poisson_rate_hz: Pairs
    poisson_weight: Pairs
    poisson_tau_ms: float


@dataclasses.dataclass(frozen=True)
class EmitterSpec:
    """Neuron family, preset and relative parameter heterogeneity."""

    family: str
    preset: str
    heterogeneity: float | int = 0.0


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """The laminar field stage and where the sensors are (see `Configuration.field`)."""

    domain: str
    conductivity: str | float
    boundary: str
    gauge: str
    solver: str = "disc"
    n_contacts: int = 16
    contact_spacing_um: float = 100.0
    first_contact_um: float = 50.0
    depth_um: float = 1600.0
    dz_um: float = 50.0
    csd_method: str = "delta_icsd"
    column_position_um: tuple[float, float, float] | None = None
    column_axis: tuple[float, float, float] | None = None


@dataclasses.dataclass(frozen=True)
class SourceSpec:
    """Two-point current sources per postsynaptic cell type (see `Configuration.sources`)."""

    open_field: Pairs
    excitatory_offset_um: Pairs
    inhibitory_offset_um: Pairs


@dataclasses.dataclass(frozen=True)
class ProbeSpec:
    """A named set of readouts."""

    name: str
    modes: tuple[str, ...]


_SPECS = {
    "network": NetworkSpec, "synapses": SynapseSpec, "drive": DriveSpec,
    "emitter": EmitterSpec, "field": FieldSpec, "sources": SourceSpec,
}
CSD_METHODS = ("delta_icsd", "step_icsd", "standard")


@dataclasses.dataclass(frozen=True)
class Configuration:
    """An immutable model description; see the module docstring."""

    network_spec: NetworkSpec | None = None
    synapse_spec: SynapseSpec | None = None
    drive_spec: DriveSpec | None = None
    emitter_spec: EmitterSpec | None = None
    field_spec: FieldSpec | None = None
    source_spec: SourceSpec | None = None
    probes: tuple[ProbeSpec, ...] = ()

    # -- builder -------------------------------------------------------------
    def network(
        self,
        *,
        name: str,
        kind: str,
        n: int | None = None,
        cell_types: Mapping[str, float | int] | None = None,
        layer: str | None = None,
        radius_um: float | int | None = None,
        scale: float | int | None = None,
        k_scale: float | int | None = None,
        background: str | None = None,
        thalamus: bool | None = None,
        thalamus_start_ms: float | int | None = None,
        thalamus_interval_ms: float | int | None = None,
    ) -> Configuration:
        """Choose the network. Resets synapses and drive to the kind's defaults.

        Args:
            name: a label for the network.
            kind: one of `NETWORK_KINDS` ("balanced_ei_population"), or
                "cortical_column": the Potjans & Diesmann (2014) microcircuit
                (see `jaxfne.column.cortical_column`).
            n: number of neurons (positive integer; not for the column).
            cell_types: fraction of neurons of each type, summing to 1
                (excitatory first in the neuron order; not for the column).
            layer: layer holding the somata (default from the kind).
            radius_um: column radius in um (default from the kind).
            scale: (column) fraction of the 77,169 neurons, in (0, 1];
                default 0.1.
            k_scale: (column) fraction of the in-degrees; None: `scale`, with
                the van Albada compensation below 1.
            background: (column) "poisson" (default) or "dc".
            thalamus: (column) add the thalamic pulse (902 sources, 120
                spikes/s for 10 ms); default False.
            thalamus_start_ms: (column) when the pulse starts (default 700 ms).
            thalamus_interval_ms: (column) repeat the pulse every this many ms
                (trials for an evoked average); default None, one pulse.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty string; got {name!r}.")
        if kind == COLUMN_KIND:
            return self._column(name, n, cell_types, layer, radius_um, scale, k_scale,
                                background, thalamus, thalamus_start_ms, thalamus_interval_ms)
        for arg, value in (("scale", scale), ("k_scale", k_scale), ("background", background),
                           ("thalamus", thalamus), ("thalamus_start_ms", thalamus_start_ms),
                           ("thalamus_interval_ms", thalamus_interval_ms)):
            if value is not None:
                raise ValueError(f"`{arg}` is an option of kind={COLUMN_KIND!r} only; got "
                                 f"{arg}={value!r} for kind={kind!r}.")
        if n is None or cell_types is None:
            raise ValueError(f"kind={kind!r} needs `n` and `cell_types`.")
        check_choice("kind", kind, (*NETWORK_KINDS, COLUMN_KIND))
        preset = NETWORK_KINDS[kind]
        n = as_integer("n", n, minimum=1)
        if not isinstance(cell_types, Mapping) or not cell_types:
            raise TypeError(f"`cell_types` must be a mapping of type to fraction; "
                            f"got {cell_types!r}.")
        fractions = {}
        for cell_type, frac in cell_types.items():
            check_choice("cell_types", cell_type, preset["cell_types"])
            fractions[cell_type] = _number(f"cell_types[{cell_type!r}]", frac, positive=True)
        total = sum(fractions.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"`cell_types` fractions must sum to 1; got {fractions} "
                             f"(sum {total:g}).")
        from .geometry import DEFAULT_LAYERS_UM, layer_index

        layer = preset["layer"] if layer is None else layer
        layer_index(layer, DEFAULT_LAYERS_UM)
        radius = _number("radius_um", preset["radius_um"] if radius_um is None else radius_um,
                         positive=True, allow_zero=False)
        ordered = tuple((t, fractions[t]) for t in preset["cell_types"] if t in fractions)
        spec = NetworkSpec(name, kind, n, ordered, layer, radius)
        return dataclasses.replace(self, network_spec=spec, synapse_spec=None, drive_spec=None,
                                   source_spec=None)

    def _column(self, name: str, n: Any, cell_types: Any, layer: Any, radius_um: Any,
                scale: Any, k_scale: Any, background: Any, thalamus: Any,
                thalamus_start_ms: Any, thalamus_interval_ms: Any) -> Configuration:
        from .column import COLUMN_RADIUS_UM
        from .columns import pd14, scaled_sizes
        from .columns.scaling import pd14_parameters

        for arg, value in (("n", n), ("cell_types", cell_types), ("layer", layer),
                           ("radius_um", radius_um)):
            if value is not None:
                raise ValueError(f"kind={COLUMN_KIND!r} sets `{arg}` itself (from `scale` and "
                                 f"the PD14 tables); got {arg}={value!r}.")
        scale = 0.1 if scale is None else _number("scale", scale, positive=True,
                                                   allow_zero=False)
        background = "poisson" if background is None else background
        if k_scale is not None:
            k_scale = _number("k_scale", k_scale, positive=True, allow_zero=False)
        pd14_parameters(scale, k_scale, background=background)  # validates all three
        thalamus = bool(thalamus) if thalamus is not None else False
        if not isinstance(thalamus, bool):
            raise TypeError(f"`thalamus` must be True or False; got {thalamus!r}.")
        if thalamus_start_ms is not None:
            if not thalamus:
                raise ValueError("`thalamus_start_ms` needs `thalamus=True`.")
            thalamus_start_ms = _number("thalamus_start_ms", thalamus_start_ms, positive=True)
        if thalamus_interval_ms is not None:
            if not thalamus:
                raise ValueError("`thalamus_interval_ms` needs `thalamus=True`.")
            thalamus_interval_ms = _number("thalamus_interval_ms", thalamus_interval_ms,
                                           positive=True, allow_zero=False)
            if thalamus_interval_ms <= pd14.THALAMUS["duration_ms"]:
                raise ValueError(f"`thalamus_interval_ms` must exceed the pulse's "
                                 f"{pd14.THALAMUS['duration_ms']} ms; got "
                                 f"{thalamus_interval_ms!r}.")
        sizes = scaled_sizes(scale)
        total = int(sizes.sum())
        types = tuple((p, float(m) / total) for p, m in zip(pd14.POPULATIONS, sizes))
        spec = NetworkSpec(name, COLUMN_KIND, total, types, "L2/3", COLUMN_RADIUS_UM,
                           scale, k_scale, background, thalamus, thalamus_start_ms,
                           thalamus_interval_ms)
        return dataclasses.replace(self, network_spec=spec, synapse_spec=None, drive_spec=None,
                                   source_spec=None)

    def _not_for_column(self, method: str) -> None:
        if self.network_spec is not None and self.network_spec.kind == COLUMN_KIND:
            raise ValueError(f"`.{method}(...)` does not apply to kind={COLUMN_KIND!r}: its "
                             f"synapses, background and laminar sources follow the PD14 "
                             f"tables (jaxfne.columns). Change them on the constructed model "
                             f"(e.g. `eqx.tree_at`) or with `jaxfne.columns.pd14_network`.")

    def synapses(
        self,
        *,
        connectivity: str | None = None,
        indegree: Mapping[str, int] | None = None,
        connection_probability: float | int | None = None,
        weights: Mapping[str, float | int] | None = None,
        tau_ms: Mapping[str, float | int] | None = None,
        delay_ms: float | int | None = None,
    ) -> Configuration:
        """Override the network kind's synapse defaults (unset arguments keep them).

        Args:
            connectivity: "fixed_indegree" (every neuron receives exactly
                `indegree[type]` inputs from distinct neurons of each
                presynaptic type) or "bernoulli" (each pair connected with
                `connection_probability`); never autapses.
            indegree: inputs per neuron from each presynaptic type.
            connection_probability: pair probability for "bernoulli".
            weights: current jump per spike (mV/ms) for "E->E", "E->I",
                "I->E", "I->I" (E weights >= 0, I weights <= 0).
            tau_ms: synaptic decay time per presynaptic type (ms).
            delay_ms: transmission delay (ms); None means one step.
        """
        self._not_for_column("synapses")
        base = self._synapse_defaults()
        connectivity = base.connectivity if connectivity is None else connectivity
        check_choice("connectivity", connectivity, CONNECTIVITIES)
        types = [t for t, _ in self._network().cell_types]
        ind = dict(base.indegree) | dict(_pairs("indegree", indegree or {}, types,
                                                complete=False))
        ind = {t: as_integer(f"indegree[{t!r}]", k, minimum=0) for t, k in ind.items()}
        p = base.connection_probability if connection_probability is None else \
            connection_probability
        p = _number("connection_probability", p, positive=True)
        if p > 1:
            raise ValueError(f"`connection_probability` must be in [0, 1]; got {p!r}.")
        w = dict(base.weights) | dict(_pairs("weights", weights or {}, PATHWAYS, complete=False))
        for path, value in w.items():
            value = _number(f"weights[{path!r}]", value)
            if path.startswith("E") and value < 0 or path.startswith("I") and value > 0:
                sign = ">= 0" if path.startswith("E") else "<= 0"
                raise ValueError(f"`weights[{path!r}]` must be {sign} (Dale's law); "
                                 f"got {value!r}.")
            w[path] = value
        tau = dict(base.tau_ms) | dict(_pairs("tau_ms", tau_ms or {}, types, complete=False))
        tau = {t: _number(f"tau_ms[{t!r}]", v, positive=True, allow_zero=False)
               for t, v in tau.items()}
        delay = base.delay_ms if delay_ms is None else _number(
            "delay_ms", delay_ms, positive=True, allow_zero=False)
        spec = SynapseSpec(connectivity, tuple(sorted(ind.items())), p,
                           tuple(sorted(w.items())), tuple(sorted(tau.items())), delay)
        return dataclasses.replace(self, synapse_spec=spec)

    def drive(
        self,
        *,
        bias: Mapping[str, float | int] | None = None,
        noise: str | None = None,
        noise_sigma: Mapping[str, float | int] | None = None,
        noise_tau_ms: float | int | None = None,
        poisson_rate_hz: Mapping[str, float | int] | None = None,
        poisson_weight: Mapping[str, float | int] | None = None,
        poisson_tau_ms: float | int | None = None,
    ) -> Configuration:
        """Override the kind's external drive defaults (per cell type; see `jaxfne.Drive`)."""
        self._not_for_column("drive")
        base = self._drive_defaults()
        types = [t for t, _ in self._network().cell_types]

        def merged(name, old, new, positive=False):
            out = dict(old) | dict(_pairs(name, new or {}, types, complete=False))
            return tuple(sorted(
                (t, _number(f"{name}[{t!r}]", v, positive=positive)) for t, v in out.items()))

        noise = base.noise if noise is None else noise
        check_choice("noise", noise, NOISE_KINDS)
        if noise_tau_ms is not None and noise != "ou":
            raise ValueError(f"`noise_tau_ms` sets the correlation time of noise='ou' only; "
                             f"got noise={noise!r}.")
        if noise_sigma is not None and noise == "none":
            raise ValueError("`noise_sigma` needs noise='white' or 'ou'; got noise='none'.")
        spec = DriveSpec(
            bias=merged("bias", base.bias, bias),
            noise=noise,
            noise_sigma=merged("noise_sigma", base.noise_sigma, noise_sigma, positive=True),
            noise_tau_ms=_number("noise_tau_ms", base.noise_tau_ms if noise_tau_ms is None
                                 else noise_tau_ms, positive=True, allow_zero=False),
            poisson_rate_hz=merged("poisson_rate_hz", base.poisson_rate_hz, poisson_rate_hz,
                                   positive=True),
            poisson_weight=merged("poisson_weight", base.poisson_weight, poisson_weight),
            poisson_tau_ms=_number("poisson_tau_ms", base.poisson_tau_ms if poisson_tau_ms
                                   is None else poisson_tau_ms, positive=True, allow_zero=False),
        )
        return dataclasses.replace(self, drive_spec=spec)

    def emitter(
        self, *, family: str, preset: str, heterogeneity: float | int = 0.0
    ) -> Configuration:
        """Choose the neuron model.

        Args:
            family: "izhikevich" or "lif".
            preset: for "izhikevich": "cortical_eig" (E regular spiking, I fast
                spiking) or one class for all cells ("regular_spiking",
                "intrinsically_bursting", "chattering", "fast_spiking",
                "low_threshold_spiking"); for "lif": "potjans_diesmann".
            heterogeneity: relative standard deviation of per-neuron
                parameter jitter (0 = homogeneous; at most 0.5).
        """
        check_choice("family", family, EMITTER_PRESETS)
        check_choice("preset", preset, EMITTER_PRESETS[family])
        h = _number("heterogeneity", heterogeneity, positive=True)
        if h > 0.5:
            raise ValueError(f"`heterogeneity` must be in [0, 0.5]; got {h!r}.")
        return dataclasses.replace(self, emitter_spec=EmitterSpec(family, preset, h))

    def field(
        self,
        *,
        domain: str = "laminar_column",
        conductivity: str | float | int = "proxy",
        boundary: str = "declared_proxy",
        gauge: str = "mean_zero",
        solver: str = "disc",
        n_contacts: int = 16,
        contact_spacing_um: float | int = 100.0,
        first_contact_um: float | int = 50.0,
        depth_um: float | int = 1600.0,
        dz_um: float | int = 50.0,
        csd_method: str = "delta_icsd",
        column_position_um: Sequence[float | int] | None = None,
        column_axis: Sequence[float | int] | None = None,
    ) -> Configuration:
        """Choose the laminar field model, the laminar probe and the head placement.

        Args:
            domain: "laminar_column" (a cylinder of the network's radius, from
                the pia at depth 0 down to `depth_um`).
            conductivity: "proxy" or "homogeneous" (0.3 S/m everywhere),
                "layered" (L1-L4 0.2 S/m, L5-L6 and below 0.4 S/m: the
                twofold superficial-to-deep step measured in rat cortex by
                Yanovsky & Brankack), or a positive number in S/m.
            boundary: "declared_proxy" (the solver's natural boundary: an
                infinite medium for "disc", no-flux for "poisson"),
                "infinite" (disc only) or "no_flux" (poisson only).
            gauge: "mean_zero" (the potential averages to zero over the
                column's depth grid) or "infinity" (zero far away; disc only).
            solver: "disc" (uniform disc sources in an infinite homogeneous
                conductor) or "poisson" (1-D finite volumes, layered
                conductivity, no-flux ends).
            n_contacts, contact_spacing_um, first_contact_um: the laminar
                probe on the column axis (default 16 contacts, 100 um apart,
                from 50 um below the pia).
            depth_um, dz_um: depth of the field domain and of its bins (um).
            csd_method: how `csd_proxy` is estimated from the contacts:
                "delta_icsd" (default), "step_icsd" or "standard" (second
                difference, Vaknin end contacts).
            column_position_um, column_axis: centre of the column in the head
                (um, head centre at the origin) and the unit vector pointing
                from the pia towards the white matter. Default: 70 mm from the
                centre under electrode C3, axis tangential (anterior), as in a
                sulcal wall, so that the column is visible to MEG.
        """
        check_choice("domain", domain, DOMAINS)
        check_choice("solver", solver, SOLVERS)
        if isinstance(conductivity, str):
            check_choice("conductivity", conductivity, CONDUCTIVITIES)
        else:
            conductivity = _number("conductivity", conductivity, positive=True, allow_zero=False)
        check_choice("boundary", boundary, BOUNDARIES)
        check_choice("gauge", gauge, GAUGES)
        check_choice("csd_method", csd_method, CSD_METHODS)
        natural = {"disc": "infinite", "poisson": "no_flux"}[solver]
        if boundary not in ("declared_proxy", natural):
            raise ValueError(f"`boundary` {boundary!r} does not fit `solver` {solver!r}; "
                             f"allowed: 'declared_proxy', {natural!r}.")
        if gauge == "infinity" and solver != "disc":
            raise ValueError(f"`gauge` 'infinity' needs `solver` 'disc'; got solver {solver!r}.")
        if conductivity == "layered" and solver != "poisson":
            raise ValueError("`conductivity` 'layered' needs `solver` 'poisson'; "
                             f"got solver {solver!r}.")
        n_contacts = as_integer("n_contacts", n_contacts, minimum=3)
        spacing = _number("contact_spacing_um", contact_spacing_um, positive=True,
                          allow_zero=False)
        first = _number("first_contact_um", first_contact_um, positive=True)
        depth = _number("depth_um", depth_um, positive=True, allow_zero=False)
        dz = _number("dz_um", dz_um, positive=True, allow_zero=False)
        last = first + (n_contacts - 1) * spacing
        if last > depth:
            raise ValueError(f"The contacts must lie inside the column (0 to `depth_um` = "
                             f"{depth:g} um); the last one is at {last:g} um. Reduce "
                             f"`n_contacts`, `contact_spacing_um` or `first_contact_um`.")
        if depth / dz < 4 or abs(depth / dz - round(depth / dz)) > 1e-9:
            raise ValueError(f"`dz_um` must divide `depth_um` ({depth:g}) into at least 4 "
                             f"bins; got {dz:g}.")
        position = None if column_position_um is None else tuple(
            _number(f"column_position_um[{i}]", v) for i, v in enumerate(
                _triple("column_position_um", column_position_um)))
        axis = None
        if column_axis is not None:
            axis = tuple(_number(f"column_axis[{i}]", v)
                         for i, v in enumerate(_triple("column_axis", column_axis)))
            norm = math.sqrt(sum(a * a for a in axis))
            if abs(norm - 1.0) > 1e-6:
                raise ValueError(f"`column_axis` must be a unit vector; got {axis} "
                                 f"(length {norm:g}).")
        spec = FieldSpec(domain, conductivity, boundary, gauge, solver, n_contacts, spacing,
                         first, depth, dz, csd_method, position, axis)  # type: ignore[arg-type]
        return dataclasses.replace(self, field_spec=spec)

    def sources(
        self,
        *,
        open_field: Mapping[str, bool] | None = None,
        excitatory_offset_um: Mapping[str, float | int] | None = None,
        inhibitory_offset_um: Mapping[str, float | int] | None = None,
    ) -> Configuration:
        """Where each cell type's synaptic currents enter, per postsynaptic cell type.

        Each open-field cell is a two-point current dipole: its excitatory
        (inhibitory) synaptic current enters at its soma depth plus
        `excitatory_offset_um` (`inhibitory_offset_um`; negative = towards
        the pia) and returns through the soma. Closed-field cells (default
        for interneurons) add nothing to the field. Defaults: E cells open,
        excitation on the apical dendrite 250 um above the soma, inhibition
        perisomatic/basal 50 um below; I cells closed.
        """
        self._not_for_column("sources")
        base = self._source_defaults()
        types = [t for t, _ in self._network().cell_types]
        opened = dict(base.open_field) | dict(_pairs("open_field", open_field or {}, types,
                                                     complete=False))
        for t, v in opened.items():
            if not isinstance(v, bool):
                raise TypeError(f"`open_field[{t!r}]` must be True or False; got {v!r}.")

        def merged(name, old, new):
            out = dict(old) | dict(_pairs(name, new or {}, types, complete=False))
            return tuple(sorted((t, _number(f"{name}[{t!r}]", v)) for t, v in out.items()))

        spec = SourceSpec(tuple(sorted(opened.items())),
                          merged("excitatory_offset_um", base.excitatory_offset_um,
                                 excitatory_offset_um),
                          merged("inhibitory_offset_um", base.inhibitory_offset_um,
                                 inhibitory_offset_um))
        return dataclasses.replace(self, source_spec=spec)

    def probe(self, *, name: str, modes: Sequence[str]) -> Configuration:
        """Add a named probe recording `modes` (see `PROBE_MODES`)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty string; got {name!r}.")
        if name in {p.name for p in self.probes}:
            raise ValueError(f"`name` must be unique among probes; {name!r} exists already.")
        if isinstance(modes, str) or not isinstance(modes, Sequence) or not modes:
            raise TypeError(f"`modes` must be a non-empty list of strings; got {modes!r}.")
        for mode in modes:
            check_choice("modes", mode, PROBE_MODES)
        return dataclasses.replace(self, probes=self.probes + (ProbeSpec(name, tuple(modes)),))

    # -- derived -------------------------------------------------------------
    @property
    def modes(self) -> tuple[str, ...]:
        """All probe modes asked for, without repeats, in `PROBE_MODES` order."""
        asked = {m for p in self.probes for m in p.modes}
        return tuple(m for m in PROBE_MODES if m in asked)

    def _network(self) -> NetworkSpec:
        if self.network_spec is None:
            raise ValueError("Call `.network(...)` before `.synapses(...)`, `.drive(...)` "
                             "or `construct`.")
        return self.network_spec

    def _synapse_defaults(self) -> SynapseSpec:
        if self.synapse_spec is not None:
            return self.synapse_spec
        net = self._network()
        d = NETWORK_KINDS[net.kind]["synapses"]
        types = [t for t, _ in net.cell_types]
        keep = lambda m: tuple(sorted((k, v) for k, v in m.items() if k[0] in types))
        return SynapseSpec(d["connectivity"], keep(d["indegree"]), d["connection_probability"],
                           keep(d["weights"]), keep(d["tau_ms"]), d["delay_ms"])

    def _drive_defaults(self) -> DriveSpec:
        if self.drive_spec is not None:
            return self.drive_spec
        net = self._network()
        d = NETWORK_KINDS[net.kind]["drive"]
        types = [t for t, _ in net.cell_types]
        keep = lambda m: tuple(sorted((k, v) for k, v in m.items() if k in types))
        return DriveSpec(keep(d["bias"]), d["noise"], keep(d["noise_sigma"]), d["noise_tau_ms"],
                         keep(d["poisson_rate_hz"]), keep(d["poisson_weight"]),
                         d["poisson_tau_ms"])

    def _source_defaults(self) -> SourceSpec:
        if self.source_spec is not None:
            return self.source_spec
        net = self._network()
        d = NETWORK_KINDS[net.kind]["sources"]
        types = [t for t, _ in net.cell_types]
        keep = lambda m: tuple(sorted((k, v) for k, v in m.items() if k in types))
        return SourceSpec(keep(d["open_field"]), keep(d["excitatory_offset_um"]),
                          keep(d["inhibitory_offset_um"]))

    def resolved(self) -> Configuration:
        """This configuration with every default of the network kind filled in."""
        if self._network().kind == COLUMN_KIND:
            return self
        return dataclasses.replace(self, synapse_spec=self._synapse_defaults(),
                                   drive_spec=self._drive_defaults(),
                                   source_spec=self._source_defaults())

    # -- JSON ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (mappings as dicts, tuples as lists)."""
        def spec(s):
            if s is None:
                return None
            return {f.name: _to_json(getattr(s, f.name)) for f in dataclasses.fields(s)}

        return {
            "network": spec(self.network_spec), "synapses": spec(self.synapse_spec),
            "drive": spec(self.drive_spec), "emitter": spec(self.emitter_spec),
            "field": spec(self.field_spec), "sources": spec(self.source_spec),
            "probes": [{"name": p.name, "modes": list(p.modes)} for p in self.probes],
        }

    def to_json(self, **kwargs: Any) -> str:
        """Serialise to JSON text; `Configuration.from_json` inverts it exactly."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Configuration:
        """Rebuild from `to_dict` output, validating every value again."""
        unknown = set(data) - {*_SPECS, "probes"}
        if unknown:
            raise ValueError(f"Unknown configuration sections {sorted(unknown)}; allowed "
                             f"{sorted({*_SPECS, 'probes'})}.")
        cfg = cls()
        if data.get("network"):
            net = dict(data["network"])
            if net["kind"] == COLUMN_KIND:
                cfg = cfg.network(name=net["name"], kind=COLUMN_KIND, scale=net["scale"],
                                  k_scale=net.get("k_scale"), background=net.get("background"),
                                  thalamus=net.get("thalamus"),
                                  thalamus_start_ms=net.get("thalamus_start_ms"),
                                  thalamus_interval_ms=net.get("thalamus_interval_ms"))
            else:
                cfg = cfg.network(name=net["name"], kind=net["kind"], n=net["n"],
                                  cell_types=dict(net["cell_types"]), layer=net["layer"],
                                  radius_um=net["radius_um"])
            if data.get("synapses"):
                cfg = cfg.synapses(**data["synapses"])
            if data.get("drive"):
                drive = dict(data["drive"])
                # Values of options that the noise kind does not use are kept
                # as they were stored, without the check that rejects setting them.
                inactive = {}
                if drive.get("noise") != "ou":
                    inactive["noise_tau_ms"] = drive.pop("noise_tau_ms")
                if drive.get("noise") == "none":
                    inactive["noise_sigma"] = tuple(sorted(dict(drive.pop("noise_sigma"))
                                                           .items()))
                cfg = cfg.drive(**drive)
                if inactive:
                    assert cfg.drive_spec is not None
                    cfg = dataclasses.replace(
                        cfg, drive_spec=dataclasses.replace(cfg.drive_spec, **inactive))
            if data.get("sources"):
                cfg = cfg.sources(**data["sources"])
        if data.get("emitter"):
            cfg = cfg.emitter(**data["emitter"])
        if data.get("field"):
            cfg = cfg.field(**data["field"])
        for probe in data.get("probes", []):
            cfg = cfg.probe(name=probe["name"], modes=probe["modes"])
        return cfg

    @classmethod
    def from_json(cls, text: str) -> Configuration:
        """Parse JSON written by `to_json`."""
        return cls.from_dict(json.loads(text))


def _triple(name: str, value: Any) -> tuple:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 3:
        raise ValueError(f"`{name}` must be three numbers (x, y, z); got {value!r}.")
    return tuple(value)


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value) \
            and value and all(isinstance(v[0], str) for v in value):
        return {k: _to_json(v) for k, v in value}
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def configuration() -> Configuration:
    """An empty configuration to build on (start of the fluent workflow)."""
    return Configuration()
