r"""The field stage of a model: laminar sources, the solver and the head models.

Sources. Every neuron's synaptic currents cross its membrane at a few depths
(`jaxfne.fields._sources`: two-point sources, or compact cells whose return
current leaves through all of their membrane); per current channel $c$ and
point $k$ the transmembrane current (outward positive) is $w_{cik} I_{ci}$
with $\sum_k w_{cik} = 0$, so the net current of every cell is zero at every
step. Closed-field cells add nothing.

True CSD. The currents are spread linearly onto the depth bins (so the CSD
is differentiable in the depths) and divided by the bin volume
$\pi R^2 \Delta z$: uA/mm^3, positive = source.

Dipole. $p(t) = \sum_i \sum_c I_{ci}(t) \sum_k w_{cik} z_{ik}$ (nA*um)
along the column axis (pia to white matter); its head-frame moment is
$p(t)\,\hat{\mathbf a}$ at the column's position.

Solvers. "disc": $\phi = F C$ with $F$ the exact on-axis potential of
uniform discs of radius $R$ and thickness $\Delta z$ in an infinite medium
(Pettersen et al. 2006); "poisson": the 1-D finite-volume solve with
layered $\sigma$ and no-flux ends. LFP = $\phi$ at the contacts; the
"mean_zero" gauge subtracts the mean of $\phi$ over the depth grid.
"""

from __future__ import annotations

from typing import Any, cast

import equinox as eqx
import jax
import jax.numpy as jnp

from .._typing import Array, Float
from ._csd import (
    delta_icsd_matrix,
    disc_forward_matrix,
    standard_csd_matrix,
    step_icsd_matrix,
)
from ._energy import EnergyBudget, EnergyConstants, metabolic_budget, ohmic_dissipation
from ._geometry import FieldGeometry
from ._head import four_sphere_transfer_matrix
from ._laminar import extracellular_current_density, poisson_matrix
from ._meg import sarvas_transfer_matrix
from ._sources import CompartmentSources, TwoPointSources

__all__ = ["FIELD_MODES", "FieldOperators", "FieldSignals", "FieldStage", "interpolation_matrix"]

FIELD_MODES = ("phi_e", "J_e", "CSD", "LFP", "EEG", "MEG", "EMM")
_UA_PER_MM3 = 1e6  # 1 nA/um^3 = 1e6 uA/mm^3


def interpolation_matrix(
    points_um: Float[Array, " points"], depth_um: Float[Array, " depth"], dz_um: float
) -> Float[Array, "depth points"]:
    """Linear (cloud-in-cell) weights of each point on the bin centres; columns sum to 1.

    Points outside the grid's centres go to the nearest end bin.
    """
    n = depth_um.shape[0]
    u = points_um / dz_um - 0.5
    j0 = jnp.clip(jnp.floor(u), 0, n - 2)
    f = jnp.clip(u - j0, 0.0, 1.0)
    j0 = j0.astype(jnp.int32)
    return (jax.nn.one_hot(j0, n, dtype=points_um.dtype).T * (1 - f)
            + jax.nn.one_hot(j0 + 1, n, dtype=points_um.dtype).T * f)


class FieldOperators(eqx.Module):
    """Per-run linear maps from synaptic currents (mV/ms) to CSD and dipole.

    `maps[c]` is the map of current channel `channels[c]`: rows 0..depth-1
    give the true CSD (uA/mm^3) and the last row the dipole moment along the
    column axis (nA*um), so one step costs one contraction over channels and
    neurons.
    """

    maps: Float[Array, "channels depth_plus_1 neurons"]
    channels: tuple[str, ...] = eqx.field(static=True, default=("excitatory", "inhibitory"))

    @property
    def csd_exc(self) -> Float[Array, "depth neurons"]:
        return self.maps[0, :-1]

    @property
    def csd_inh(self) -> Float[Array, "depth neurons"]:
        return self.maps[1, :-1]

    @property
    def dipole_exc(self) -> Float[Array, " neurons"]:
        return self.maps[0, -1]

    @property
    def dipole_inh(self) -> Float[Array, " neurons"]:
        return self.maps[1, -1]


class FieldSignals(eqx.Module):
    """Field readouts, time first; None where no probe asked for them.

    Attributes:
        geometry: the `FieldGeometry` they were computed with.
        dipole_nAum: `[time, 3]` the column's current dipole moment (nA*um).
        csd: `[time, depth]` true CSD on the depth grid (uA/mm^3).
        csd_by_channel: `[time, channels, depth]` the part of `csd` made by
            each current channel (`channels`; e.g. the thalamic volley's own
            sinks and sources); they add up to `csd`.
        channels: names of the channels of `csd_by_channel`.
        phi_e: `[time, depth]` extracellular potential (mV).
        J_e: `[time, depth - 1]` extracellular current density between bins
            (uA/mm^2, positive downwards).
        lfp_proxy: `[time, contacts]` potential at the contacts (mV).
        csd_proxy: `[time, contacts]` CSD estimated from `lfp_proxy` (uA/mm^3).
        eeg: `[time, electrodes]` scalp potential, four-sphere head (mV).
        meg: `[time, sensors]` radial magnetic field, Sarvas (fT).
        emm: metabolic budget (ATP/s and W).
        ohmic_W: `[time]` ohmic dissipation of the field in the column (W).
    """

    geometry: FieldGeometry
    dipole_nAum: Float[Array, "time 3"]
    csd: Float[Array, "time depth"] | None = None
    csd_by_channel: Float[Array, "time channels depth"] | None = None
    channels: tuple[str, ...] = eqx.field(static=True, default=())
    phi_e: Float[Array, "time depth"] | None = None
    J_e: Float[Array, "time faces"] | None = None
    lfp_proxy: Float[Array, "time contacts"] | None = None
    csd_proxy: Float[Array, "time contacts"] | None = None
    eeg: Float[Array, "time electrodes"] | None = None
    meg: Float[Array, "time sensors"] | None = None
    emm: EnergyBudget | None = None
    ohmic_W: Float[Array, " time"] | None = None


def potential_operators(
    geometry: FieldGeometry,
) -> tuple[Float[Array, "depth depth"], Float[Array, "contacts depth"]]:
    """Maps from the true CSD to phi on the grid and at the contacts (gauge applied)."""
    g = geometry
    if g.solver == "disc":
        # The disc model is for a homogeneous medium: it uses the mean conductivity.
        sigma = jnp.mean(g.sigma_S_per_m)
        grid = disc_forward_matrix(g.depth_um, g.depth_um, g.dz_um, g.radius_um, sigma)
        contacts = disc_forward_matrix(g.contact_depths_um, g.depth_um, g.dz_um, g.radius_um,
                                       sigma)
        if g.gauge == "mean_zero":
            offset = jnp.mean(grid, axis=0, keepdims=True)
            grid, contacts = grid - offset, contacts - offset
        return grid, contacts
    grid = poisson_matrix(g.dz_um, g.sigma_S_per_m)
    interp = interpolation_matrix(g.contact_depths_um, g.depth_um, g.dz_um).T
    return grid, interp @ grid


def csd_estimator(geometry: FieldGeometry) -> Float[Array, "contacts contacts"]:
    """The matrix that estimates the contacts' CSD from their LFP (`csd_method`)."""
    g = geometry
    sigma = jnp.mean(g.sigma_S_per_m)
    if g.csd_method == "delta_icsd":
        return delta_icsd_matrix(g.contact_depths_um, 2 * g.radius_um, sigma)
    if g.csd_method == "step_icsd":
        return step_icsd_matrix(g.contact_depths_um, 2 * g.radius_um, sigma)
    return standard_csd_matrix(g.contact_depths_um.shape[0], g.spacing_um, sigma, True)


def head_dipole(
    moment_along_axis: Float[Array, " time"], geometry: FieldGeometry
) -> Float[Array, "time 3"]:
    """The column's dipole moment in head coordinates (nA*um)."""
    return moment_along_axis[:, None] * geometry.column_axis[None, :]


def eeg_from_dipole(dipole: Float[Array, "time 3"], g: FieldGeometry
                    ) -> Float[Array, "time electrodes"]:
    """Scalp potential (mV) of the column dipole in the four-sphere head."""
    m = four_sphere_transfer_matrix(g.electrodes_um, g.column_position_um, g.head_radii_um,
                                    g.head_sigmas_S_per_m, n_terms=g.eeg_terms)
    return dipole @ m.T


def meg_from_dipole(dipole: Float[Array, "time 3"], g: FieldGeometry
                    ) -> Float[Array, "time sensors"]:
    """Radial magnetic field (fT) of the column dipole at the sensors (Sarvas)."""
    m = sarvas_transfer_matrix(g.sensors_um, g.column_position_um)
    radial = g.sensors_um / jnp.linalg.norm(g.sensors_um, axis=1, keepdims=True)
    return dipole @ jnp.einsum("sij,si->sj", m, radial).T


class FieldStage(eqx.Module):
    """Laminar sources per neuron plus the field geometry and energy constants.

    Attributes:
        geometry: the `FieldGeometry`.
        sources: where each neuron's synaptic currents cross its membrane
            (`TwoPointSources` or `CompartmentSources`).
        energy: constants of the metabolic budget.
        outputs: which field readouts to compute (among `FIELD_MODES`).
        project_after_scan: record each neuron's synaptic currents and map
            them to CSD and dipole with one matrix product after the scan
            (fast for small networks), instead of one small product per step
            inside it (memory grows with depth bins, not neurons: for large
            networks). Both give the same signals.
    """

    geometry: FieldGeometry
    sources: TwoPointSources | CompartmentSources
    energy: EnergyConstants
    outputs: tuple[str, ...] = eqx.field(static=True, default=FIELD_MODES)
    project_after_scan: bool = eqx.field(static=True, default=True)

    def __check_init__(self) -> None:
        for name in self.outputs:
            if name not in FIELD_MODES:
                raise ValueError(f"`outputs` entries must be among {FIELD_MODES}; got {name!r}.")

    @property
    def open_field(self) -> Float[Array, " neurons"]:
        """`[neurons]` 1 for open-field cells, else 0."""
        return self.sources.open_field

    @property
    def channels(self) -> tuple[str, ...]:
        """The current channels the sources tell apart (see `jaxfne.fields._sources`)."""
        return self.sources.channels

    def only(self, channels: tuple[str, ...]) -> FieldStage:
        """This stage with every current channel but `channels` silenced: the field
        those inputs alone make (their contributions add up to the whole)."""
        for c in channels:
            if c not in self.channels:
                raise ValueError(f"`channels` must be among this field's {self.channels}; "
                                 f"got {c!r}.")
        keep = jnp.asarray([c in channels for c in self.channels])
        s = self.sources
        if isinstance(s, TwoPointSources):
            zero = jnp.zeros_like(s.excitatory_offset_um)
            s = TwoPointSources(s.open_field, jnp.where(keep[0], s.excitatory_offset_um, zero),
                                jnp.where(keep[1], s.inhibitory_offset_um, zero))
        else:
            s = CompartmentSources(s.open_field, s.offset_um, s.entry,
                                   jnp.where(keep[:, None, None], s.exit, s.entry), s.channels)
        return FieldStage(self.geometry, s, self.energy, self.outputs, self.project_after_scan)

    def operators(
        self, soma_depth_um: Float[Array, " neurons"], capacitance_pF: Float[Array, " neurons"]
    ) -> FieldOperators:
        """Build the per-run CSD and dipole maps from the current parameters."""
        g = self.geometry
        z, w = self.sources.points(soma_depth_um)  # [neurons, points], [channels, ...]
        # Points beyond the outermost bin centres are moved onto them, so the
        # linear spreading keeps every current's first moment exact.
        z = jnp.clip(z, g.depth_um[0], g.depth_um[-1])
        gain = capacitance_pF * 1e-3 * self.open_field  # mV/ms -> nA, closed cells 0
        w = w * gain[None, :, None]
        n_bins, n = g.depth_um.shape[0], z.shape[0]
        u = z / g.dz_um - 0.5
        j0 = jnp.clip(jnp.floor(u), 0, n_bins - 2)
        f = jnp.clip(u - j0, 0.0, 1.0)
        j0 = j0.astype(jnp.int32)
        cols = jnp.broadcast_to(jnp.arange(n)[:, None], z.shape)
        to_density = _UA_PER_MM3 / (jnp.pi * g.radius_um**2 * g.dz_um)
        csd = jnp.zeros((w.shape[0], n_bins, n), z.dtype)
        csd = csd.at[:, j0, cols].add(w * (1 - f) * to_density)
        csd = csd.at[:, j0 + 1, cols].add(w * f * to_density)
        dipole = jnp.sum(w * z[None], axis=-1)
        return FieldOperators(jnp.concatenate([csd, dipole[:, None, :]], axis=1),
                              self.channels)

    @staticmethod
    def record(
        ops: FieldOperators, currents: Float[Array, "channels neurons"]
    ) -> tuple[Float[Array, "channels depth"], Float[Array, " channels"]]:
        """True CSD (uA/mm^3) and dipole moment along the axis (nA*um) of one step,
        per current channel (their sums are the totals)."""
        y = jnp.einsum("cdn,cn->cd", ops.maps, currents)
        return y[:, :-1], y[:, -1]

    def readouts(
        self,
        csd_by_channel: Float[Array, "time channels depth"],
        dipole: Float[Array, " time"],
        spikes: Float[Array, "time neurons"] | None,
        synaptic_nA: Float[Array, "time neurons"] | None,
        dt_ms: float,
    ) -> FieldSignals:
        """Everything the probes asked for, from the recorded CSD and dipole.

        `synaptic_nA` is the current the energy budget costs: the excitatory
        synaptic current of each neuron (nA).
        """
        g = self.geometry
        want = set(self.outputs)
        csd = jnp.sum(csd_by_channel, axis=1)
        grid, at_contacts = potential_operators(g)
        phi = csd @ grid.T if want & {"phi_e", "J_e", "EMM"} else None
        lfp = csd @ at_contacts.T if want & {"LFP", "CSD"} else None
        moment = head_dipole(dipole, g)
        out: dict[str, Any] = dict(geometry=g, dipole_nAum=moment)
        if "CSD" in want:
            out["csd"] = csd
            out["csd_by_channel"] = csd_by_channel
            out["channels"] = self.channels
            out["csd_proxy"] = cast(Array, lfp) @ csd_estimator(g).T
        if "phi_e" in want:
            out["phi_e"] = phi
        if "J_e" in want:
            out["J_e"] = extracellular_current_density(cast(Array, phi), g.dz_um,
                                                       g.sigma_S_per_m)
        if "LFP" in want:
            out["lfp_proxy"] = lfp
        if "EEG" in want:
            out["eeg"] = eeg_from_dipole(moment, g)
        if "MEG" in want:
            out["meg"] = meg_from_dipole(moment, g)
        if "EMM" in want and spikes is not None and synaptic_nA is not None:
            out["emm"] = metabolic_budget(spikes, synaptic_nA, dt_ms, self.energy)
            out["ohmic_W"] = ohmic_dissipation(cast(Array, phi), g.dz_um, g.sigma_S_per_m,
                                               g.radius_um)
        return FieldSignals(**out)
