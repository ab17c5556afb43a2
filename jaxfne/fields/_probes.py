"""The eight probe operators and their `Readout`.

Each operator turns a signal into a physically meaningful readout with units:

| operator | input | readout |
| --- | --- | --- |
| `spk_probe` | spikes `[T, N]` | population rate in bins (Hz) |
| `vm_probe` | V_m `[T, N]` | population-mean membrane potential (mV) |
| `source_probe` | synaptic currents `[T, N]` (nA) | population synaptic current (nA) |
| `lfp_proxy_probe` | LFP `[T, C]` (mV) | LFP, each contact's mean removed (uV) |
| `csd_proxy_probe` | CSD `[T, C]` (uA/mm^3) | CSD, each contact's mean removed (nA/mm^3) |
| `eeg_proxy_probe` | LFP `[T, C]` (mV) | scalp EEG (mV): CSD -> dipole -> four spheres |
| `meg_proxy_probe` | LFP `[T, C]` (mV) | radial MEG (fT), via CSD -> dipole -> Sarvas |
| `emm_proxy_probe` | `Signals` or LFP | metabolic rate (ATP/s), or ohmic dissipation (W) |

Operators that receive a laminar LFP need the geometry it was recorded with:
pass `geometry=signals.field.geometry` (the default is the builder's default
geometry: 16 contacts 100 um apart from 50 um, R = 300 um, 0.3 S/m, the
column under C3 with a tangential axis).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._typing import Array, Float
from ._csd import step_icsd_matrix
from ._energy import EnergyConstants, metabolic_budget, ohmic_dissipation
from ._geometry import FieldGeometry
from ._stage import eeg_from_dipole, head_dipole, meg_from_dipole

__all__ = [
    "Readout", "csd_proxy_probe", "dipole_from_lfp", "eeg_proxy_probe", "emm_proxy_probe",
    "lfp_proxy_probe", "meg_proxy_probe", "source_probe", "spk_probe", "vm_probe",
]


class Readout(eqx.Module):
    """A probe's output: data with units, how it was obtained, and a summary.

    Attributes:
        data: the readout array, time first.
        quantity: what it is ("population_rate", "lfp", ...).
        units: units of `data`.
        method: how it was computed (one sentence).
        axes: names of the axes of `data`.
    """

    data: Float[Array, "..."]
    quantity: str = eqx.field(static=True)
    units: str = eqx.field(static=True)
    method: str = eqx.field(static=True)
    axes: tuple[str, ...] = eqx.field(static=True)
    extra: dict[str, Any] | None = eqx.field(static=True, default=None)

    def summary(self) -> dict[str, Any]:
        """A JSON-safe summary (plain floats and lists)."""
        d = np.asarray(self.data, dtype=float)
        out: dict[str, Any] = {
            "quantity": self.quantity, "units": self.units, "method": self.method,
            "axes": list(self.axes), "shape": list(d.shape),
            "mean": float(d.mean()), "std": float(d.std()),
            "rms": float(np.sqrt((d**2).mean())), "min": float(d.min()), "max": float(d.max()),
        }
        if d.ndim == 2:
            rms = np.sqrt((d**2).mean(axis=0))
            out["rms_per_channel"] = rms.tolist()
            out["channel_of_max_rms"] = int(rms.argmax())
        if self.extra:
            out.update(self.extra)
        return out


def _default(geometry: FieldGeometry | None) -> FieldGeometry:
    return FieldGeometry.build() if geometry is None else geometry


def spk_probe(spikes: Float[Array, "time neurons"], *, dt_ms: float = 0.1,
              bin_ms: float = 1.0) -> Readout:
    """Population firing rate (Hz) in bins of `bin_ms` from spike indicators per step."""
    per_bin = max(1, int(round(bin_ms / dt_ms)))
    n_bins = spikes.shape[0] // per_bin
    counts = spikes[: n_bins * per_bin].reshape(n_bins, per_bin, -1).sum(axis=(1, 2))
    rate = counts / (spikes.shape[1] * per_bin * dt_ms * 1e-3)
    per_neuron = np.asarray(spikes).sum(axis=0) / (spikes.shape[0] * dt_ms * 1e-3)
    return Readout(rate, "population_rate", "Hz",
                   f"spikes per neuron per second in {per_bin * dt_ms:g} ms bins",
                   ("time",), {"neuron_rate_mean_hz": float(per_neuron.mean()),
                               "neuron_rate_std_hz": float(per_neuron.std()),
                               "fraction_active": float((per_neuron > 0).mean())})


def vm_probe(V_m: Float[Array, "time neurons"]) -> Readout:
    """Population-mean membrane potential (mV), with Golomb's synchrony chi."""
    v = np.asarray(V_m, dtype=float)
    single = v.var(axis=0).mean()
    chi = float(np.sqrt(v.mean(axis=1).var() / single)) if single > 0 else None
    return Readout(jnp.mean(V_m, axis=1), "population_mean_V_m", "mV",
                   "mean over neurons of the membrane potential", ("time",),
                   {"V_m_mean_mV": float(v.mean()), "V_m_std_mV": float(v.std()),
                    "synchrony_chi": chi})


def source_probe(currents_nA: Float[Array, "time neurons"]) -> Readout:
    """Population synaptic current (nA): the sum over neurons at each time."""
    c = np.asarray(currents_nA, dtype=float)
    return Readout(jnp.sum(currents_nA, axis=1), "population_synaptic_current", "nA",
                   "sum over neurons of the synaptic input current (positive depolarising)",
                   ("time",), {"mean_abs_current_per_neuron_nA": float(np.abs(c).mean())})


def lfp_proxy_probe(lfp_mV: Float[Array, "time contacts"], *,
                    geometry: FieldGeometry | None = None) -> Readout:
    """The laminar LFP in uV with each contact's time average removed."""
    g = _default(geometry)
    data = (lfp_mV - jnp.mean(lfp_mV, axis=0, keepdims=True)) * 1e3
    return Readout(data, "lfp", "uV", "potential at the contacts minus its time average, "
                   "in uV (1e3 x mV)", ("time", "contacts"),
                   {"contact_depths_um": np.asarray(g.contact_depths_um).tolist()})


def csd_proxy_probe(csd_uA_per_mm3: Float[Array, "time contacts"], *,
                    geometry: FieldGeometry | None = None) -> Readout:
    """The laminar CSD in nA/mm^3 with each contact's time average removed.

    The summary names the depths of the strongest mean sink and source of the
    raw CSD (negative = sink, positive = source).
    """
    g = _default(geometry)
    raw = np.asarray(csd_uA_per_mm3, dtype=float).mean(axis=0)
    depths = np.asarray(g.contact_depths_um)
    data = (csd_uA_per_mm3 - jnp.mean(csd_uA_per_mm3, axis=0, keepdims=True)) * 1e3
    return Readout(data, "csd", "nA/mm^3", "CSD at the contacts minus its time average, in "
                   "nA/mm^3 (1e3 x uA/mm^3)", ("time", "contacts"),
                   {"contact_depths_um": depths.tolist(),
                    "mean_sink_depth_um": float(depths[raw.argmin()]),
                    "mean_source_depth_um": float(depths[raw.argmax()])})


def dipole_from_lfp(lfp_mV: Float[Array, "time contacts"], geometry: FieldGeometry
                    ) -> Float[Array, "time 3"]:
    r"""The column's dipole moment (nA*um, head frame) estimated from its laminar LFP.

    The CSD of each contact's slab by step-iCSD (the inverse of the disc
    model with slabs of the contact spacing, which tile the column when the
    contacts do), the current of each slab $I_c = C_c \pi R^2 h$, and
    $p = \sum_c I_c (z_c - \bar z)$ along the column axis. Measuring depths
    from the contacts' mean depth removes the net current the estimate leaves
    (the true net current is zero). Step-iCSD is used whatever
    `geometry.csd_method` says: it integrates the CSD over each slab, which
    is what a dipole moment needs, where delta-iCSD's thin discs misplace
    sources lying between contacts (about twice the dipole error here).

    What remains differs from the cells' own dipole by several percent: the
    true CSD has structure finer than the contact spacing (the slabs assume
    it uniform within each), and any source outside the contacts' slabs is
    missed.
    """
    g = geometry
    csd = lfp_mV @ step_icsd_matrix(g.contact_depths_um, 2 * g.radius_um,
                                     jnp.mean(g.sigma_S_per_m)).T  # uA/mm^3
    current = csd * 1e-6 * jnp.pi * g.radius_um**2 * g.spacing_um  # nA per contact slab
    z = g.contact_depths_um - jnp.mean(g.contact_depths_um)
    return head_dipole(current @ z, g)


def eeg_proxy_probe(lfp_mV: Float[Array, "time contacts"], *,
                    geometry: FieldGeometry | None = None) -> Readout:
    """Scalp EEG (mV) of the column, from its laminar LFP: CSD -> dipole -> four spheres."""
    g = _default(geometry)
    eeg = eeg_from_dipole(dipole_from_lfp(lfp_mV, g), g)
    rms = np.sqrt((np.asarray(eeg, dtype=float) ** 2).mean(axis=0))
    return Readout(eeg, "eeg", "mV", "step-iCSD of the LFP, its dipole moment, and "
                   "the four-sphere head model (Naess et al. 2017)", ("time", "electrodes"),
                   {"electrodes": list(g.electrode_names), "rms_nV": (rms * 1e6).tolist(),
                    "max_rms_electrode": g.electrode_names[int(rms.argmax())]
                    if g.electrode_names else None})


def meg_proxy_probe(lfp_mV: Float[Array, "time contacts"], *,
                    geometry: FieldGeometry | None = None) -> Readout:
    """Radial MEG (fT) of the column, from its laminar LFP: CSD -> dipole -> Sarvas."""
    g = _default(geometry)
    meg = meg_from_dipole(dipole_from_lfp(lfp_mV, g), g)
    return Readout(meg, "meg", "fT", "step-iCSD of the LFP, its dipole moment, and "
                   "the Sarvas (1987) field of a spherical conductor, radial component",
                   ("time", "sensors"))


def emm_proxy_probe(x: Any, *,
                    geometry: FieldGeometry | None = None, dt_ms: float = 0.1,
                    constants: EnergyConstants | None = None) -> Readout:
    """Energy readout of `x` (`Signals`, or a laminar LFP `[time, contacts]` in mV).

    Given `Signals`: the metabolic budget (ATP/s per time step, total over
    the network; Attwell & Laughlin 2001 constants, see `EnergyConstants`),
    the one computed during the run when the 'EMM' mode was recorded, else
    from the spikes and excitatory currents ('spikes' and 'source' modes).
    Given a laminar LFP (mV): the ohmic power the extracellular current
    dissipates in the column (W), from the potential differences between
    contacts; it is many orders of magnitude below the metabolic cost and is
    never reported as metabolism.
    """
    from ..signals import Signals

    if isinstance(x, Signals):
        if x.field is not None and x.field.emm is not None and constants is None:
            budget = x.field.emm  # computed during the run (the 'EMM' mode)
        elif x.spikes is not None and x.sources is not None:
            dt = x.dt_ms * x.record_every
            # Excitatory synaptic current: the Na+ entry the A&L budget costs.
            budget = metabolic_budget(x.spikes, x.sources[1], dt, constants)
        else:
            raise ValueError("`emm_proxy_probe` needs signals recorded with the 'EMM' mode, "
                             "or with 'spikes' and 'source'.")
        return Readout(budget.total_atp_per_s, "metabolic_rate", "ATP/s",
                       "Attwell-Laughlin budget: action potentials, excitatory synaptic "
                       "ion flux (charge / 3 e per ATP) and resting cost", ("time",),
                       {"mean_atp_per_s": float(budget.mean_total_atp_per_s),
                        "mean_atp_per_s_per_neuron": float(budget.mean_atp_per_s_per_neuron),
                        "mean_W": float(budget.mean_total_W),
                        "mean_action_potential_atp_per_s":
                            float(budget.mean_action_potential_atp_per_s),
                        "mean_synaptic_atp_per_s": float(budget.mean_synaptic_atp_per_s),
                        "mean_resting_atp_per_s": float(budget.mean_resting_atp_per_s)})
    g = _default(geometry)
    x = jnp.asarray(x)
    if x.ndim != 2 or x.shape[1] != g.contact_depths_um.shape[0]:
        raise ValueError(f"`x` must be `Signals` or a laminar LFP of shape (time, "
                         f"{g.contact_depths_um.shape[0]}) in mV; got shape {x.shape}.")
    sigma = jnp.full(g.contact_depths_um.shape, jnp.mean(g.sigma_S_per_m))
    power = ohmic_dissipation(x, g.spacing_um, sigma, g.radius_um)
    return Readout(power, "ohmic_dissipation", "W",
                   "sigma |grad phi|^2 integrated over the column between the contacts",
                   ("time",), {"mean_W": float(np.asarray(power).mean())})
