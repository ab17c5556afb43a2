"""Energy readouts ("EMM"): the ATP cost of the activity and ohmic dissipation.

Two separate quantities, never to be added together:

- :func:`metabolic_budget`: the ATP the Na+/K+-ATPase must hydrolyse to undo
  the ion movements of action potentials and synaptic currents, plus the
  resting cost of keeping each neuron polarised (ATP/s, and W through the free
  energy of ATP hydrolysis). Constants are in :class:`EnergyConstants`.
- :func:`ohmic_dissipation`: the Joule heat of the extracellular current,
  ``P = integral sigma |grad phi|^2 dV`` over the column (W). It is about
  1e-5 of the metabolic cost for cortical field strengths and is not
  "metabolism".

Units follow the library (ms, mV, nA, um, S/m). Conversions used here:
``1 nA = 1e-9 A``, ``1 ms = 1e-3 s``, and
``(S/m) (mV/um)^2 um^3 = (S/m) (1e3 V/m)^2 (1e-18 m^3) = 1e-12 W``.

References
----------
- Attwell D, Laughlin SB (2001) An energy budget for signaling in the grey
  matter of the brain. J Cereb Blood Flow Metab 21:1133-1145.
- Howarth C, Gleeson P, Attwell D (2012) Updated energy budgets for neural
  computation in the neocortex and cerebellum. J Cereb Blood Flow Metab
  32:1222-1232.
- Harris JJ, Jolivet R, Attwell D (2012) Synaptic energy use and supply.
  Neuron 75:762-777.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from jaxfne._errors import check_finite, check_positive, check_shape, is_concrete
from jaxfne._typing import Array, Float, ScalarLike

__all__ = ["EnergyBudget", "EnergyConstants", "metabolic_budget", "ohmic_dissipation"]

_S_PER_MS = 1e-3  # s per ms
_A_PER_NA = 1e-9  # A per nA
_W_PER_OHMIC_UNIT = 1e-12  # W per (S/m)(mV/um)^2 um^3, i.e. the output in pW


def _as_float(x: ScalarLike | Array) -> Array:
    return jnp.asarray(x, dtype=float)


def _plain(value: Any) -> Any:
    """A concrete 0-d array as a Python number, so error messages read `-2.0`."""
    if is_concrete(value) and np.ndim(value) == 0 and hasattr(value, "item"):
        return value.item()
    return value


class EnergyConstants(eqx.Module):
    r"""Constants of the metabolic budget, with their sources.

    Defaults are the rodent grey-matter budget of Attwell & Laughlin (2001,
    "A&L"). Every field is an array leaf, so it can be changed with
    ``eqx.tree_at`` or differentiated.

    Attributes
    ----------
    atp_per_spike : float, ATP per action potential
        Whole-neuron cost of one action potential, including axon and
        dendrites: 3.84e8 ATP (A&L 2001: 1.15e9 Na+ per AP / 3; it assumes Na+
        entry 4x the capacitive minimum). Measurements in mammalian axons
        (Alle et al. 2009; Carter & Bean 2009) give 1.2-1.3x instead, which
        scales this to ~1.2e8 ATP; Howarth et al. (2012) use such a revised
        figure.
    na_per_atp : float, Na+ ions per ATP
        Stoichiometry of the Na+/K+-ATPase: 3 Na+ out and 2 K+ in per ATP
        hydrolysed, so 3.
    charge_per_ion_C : float, C
        Charge carried by one ion of the synaptic current: the elementary
        charge 1.602176634e-19 C (exact in SI since 2019), i.e. the carrier is
        taken to be monovalent (Na+).
    na_entry_per_charge : float, dimensionless
        Na+ ions that enter per elementary charge of net synaptic current,
        ``kappa``. 1 (the default) means all net charge is Na+ entry, the
        minimum. Glutamate receptor channels also pass K+ outwards, so gross
        Na+ entry exceeds the net charge (kappa ~1.1-1.2 for AMPA channels at
        -70 mV); raise it to cost that.
    resting_atp_per_s : float, ATP/s per neuron
        Cost of maintaining the resting potential of one neuron: 3.42e8 ATP/s
        (A&L 2001; glial cells, ~1.0e8 ATP/s each, are not included).
    joule_per_atp : float, J per ATP
        Free energy released by hydrolysing one ATP in cells, used for the
        conversion to W: about -54 kJ/mol (range -50 to -60 kJ/mol), i.e.
        5.4e4 / 6.022e23 = 9.0e-20 J per ATP.
    synapse_scale : float, dimensionless
        How many biological synapses one modelled synapse stands for,
        ``N_bio / N_model``. The synaptic term is multiplied by it exactly. A
        model neuron with 80 inputs standing in for a cortical neuron with
        8000 synapses (A&L: ~8000 boutons per neuron in rodent cortex; ~1e4
        in human) needs ``synapse_scale=100``; the default 1 costs only the
        modelled current.
    budget : str (static)
        A label for the budget the constants come from, for readout metadata.

    Notes
    -----
    Costs left out by :func:`metabolic_budget`: presynaptic Ca2+ entry and
    transmitter/vesicle recycling (~1.2e4 + ~1.1e4 ATP per vesicle, ~6 % of
    A&L's total), Ca2+ extrusion after NMDA entry, glia, and non-signalling
    housekeeping (~25 % on top of signalling).
    """

    atp_per_spike: Float[Array, ""] = eqx.field(default=3.84e8, converter=_as_float)
    na_per_atp: Float[Array, ""] = eqx.field(default=3.0, converter=_as_float)
    charge_per_ion_C: Float[Array, ""] = eqx.field(default=1.602176634e-19, converter=_as_float)
    na_entry_per_charge: Float[Array, ""] = eqx.field(default=1.0, converter=_as_float)
    resting_atp_per_s: Float[Array, ""] = eqx.field(default=3.42e8, converter=_as_float)
    joule_per_atp: Float[Array, ""] = eqx.field(default=9.0e-20, converter=_as_float)
    synapse_scale: Float[Array, ""] = eqx.field(default=1.0, converter=_as_float)
    budget: str = eqx.field(default="Attwell & Laughlin 2001, rodent grey matter", static=True)

    def __check_init__(self) -> None:
        for name in ("atp_per_spike", "resting_atp_per_s"):
            value = getattr(self, name)
            check_shape(name, value, ())
            check_positive(name, _plain(value), allow_zero=True)
        for name in (
            "na_per_atp",
            "charge_per_ion_C",
            "na_entry_per_charge",
            "joule_per_atp",
            "synapse_scale",
        ):
            value = getattr(self, name)
            check_shape(name, value, ())
            check_positive(name, _plain(value))

    def to_dict(self) -> dict[str, float | str]:
        """The constants as plain Python values (JSON-safe), for readout metadata."""
        out: dict[str, float | str] = {"budget": self.budget}
        for name in (
            "atp_per_spike",
            "na_per_atp",
            "charge_per_ion_C",
            "na_entry_per_charge",
            "resting_atp_per_s",
            "joule_per_atp",
            "synapse_scale",
        ):
            out[name] = float(getattr(self, name))
        return out


class EnergyBudget(eqx.Module):
    """ATP consumption of a population, per step and averaged over time.

    All rates are for the whole population (sum over neurons) unless the name
    says ``per_neuron``. Series have one value per simulation step: the ATP
    needed to undo what happened in that step, divided by the step length.

    Attributes
    ----------
    action_potential_atp_per_s, synaptic_atp_per_s, resting_atp_per_s, total_atp_per_s :
        ``[time]``, ATP/s. Components and their sum.
    total_W : ``[time]``, W. ``total_atp_per_s * joule_per_atp``.
    mean_action_potential_atp_per_s, mean_synaptic_atp_per_s, mean_resting_atp_per_s,
    mean_total_atp_per_s : scalar, ATP/s. Time averages of the series.
    mean_total_W : scalar, W. Time average of ``total_W``.
    mean_atp_per_s_per_neuron : scalar, ATP/s. ``mean_total_atp_per_s / N``.
    mean_W_per_neuron : scalar, W. ``mean_total_W / N``.
    neuron_mean_atp_per_s : ``[neurons]``, ATP/s. Time-averaged total cost of
        each neuron (its spikes, its synaptic current and its resting cost).
    """

    action_potential_atp_per_s: Float[Array, " time"]
    synaptic_atp_per_s: Float[Array, " time"]
    resting_atp_per_s: Float[Array, " time"]
    total_atp_per_s: Float[Array, " time"]
    total_W: Float[Array, " time"]
    mean_action_potential_atp_per_s: Float[Array, ""]
    mean_synaptic_atp_per_s: Float[Array, ""]
    mean_resting_atp_per_s: Float[Array, ""]
    mean_total_atp_per_s: Float[Array, ""]
    mean_total_W: Float[Array, ""]
    mean_atp_per_s_per_neuron: Float[Array, ""]
    mean_W_per_neuron: Float[Array, ""]
    neuron_mean_atp_per_s: Float[Array, " neurons"]


def metabolic_budget(
    spikes: Float[Array, "time neurons"],
    synaptic_current_nA: Float[Array, "_time _neurons"],
    dt_ms: ScalarLike,
    constants: EnergyConstants | None = None,
) -> EnergyBudget:
    r"""ATP/s and W spent on action potentials, synaptic currents and rest.

    With step ``t`` of length ``dt = dt_ms * 1e-3`` s, neurons ``n = 1..N``
    and the constants of :class:`EnergyConstants`:

    .. math::

        \mathrm{AP}(t) &= A_{AP} \, \sum_n s_{t,n} / dt \\
        \mathrm{syn}(t) &= \frac{\kappa \, S}{n_{Na/ATP} \, e}
                           \sum_n |I_{t,n}| \cdot 10^{-9} \\
        \mathrm{rest}(t) &= N \, R_{rest} \\
        \mathrm{total}(t) &= \mathrm{AP}(t) + \mathrm{syn}(t) + \mathrm{rest}(t), \qquad
        W(t) = \mathrm{total}(t) \, E_{ATP}

    in ATP/s (W for the last), where ``A_AP = atp_per_spike``,
    ``kappa = na_entry_per_charge``, ``S = synapse_scale``,
    ``n_Na/ATP = na_per_atp``, ``e = charge_per_ion_C``,
    ``R_rest = resting_atp_per_s`` and ``E_ATP = joule_per_atp``.

    The synaptic term integrates the magnitude of the synaptic current:
    ``|I| dt / e`` ions cross the membrane in one step, and the pump spends one
    ATP per three Na+. **Carrier assumption:** all of the current is taken to
    be carried by monovalent Na+ entering the cell, which is right for the
    inward current of glutamatergic (AMPA/NMDA) synapses, the dominant
    synaptic cost (A&L 2001; Harris et al. 2012). Inhibitory currents carried
    by Cl- cost much less, and in a *net* current they cancel part of the
    excitatory current, so passing the net E+I current under-costs excitation
    and passing an inhibitory current alone over-costs it; pass the
    excitatory current for an A&L-style budget. Presynaptic Ca2+ entry,
    transmitter recycling and glia are not included (see
    :class:`EnergyConstants`). 1 nA of Na+ current is
    ``1e-9 / (3 * 1.602e-19) = 2.08e9`` ATP/s.

    Parameters
    ----------
    spikes : ``[time, neurons]``, dimensionless
        Spike indicators per step (1.0 when the neuron fired in the step,
        else 0.0).
    synaptic_current_nA : ``[time, neurons]``, nA
        Synaptic current of each neuron at each step (either sign; its
        magnitude is costed). Must have the shape of ``spikes``.
    dt_ms : scalar, ms
        Step length. Positive.
    constants : EnergyConstants, optional
        The constants; ``EnergyConstants()`` (A&L 2001) when omitted.

    Returns
    -------
    EnergyBudget
        Per-step series ``[time]`` and their time means, population totals in
        ATP/s and W, and per-neuron means.

    Raises
    ------
    ValueError
        If (on concrete values) ``dt_ms`` is not positive, the arrays are not
        2-D with equal shapes, ``spikes`` is negative or either array is not
        finite.
    """
    if constants is None:
        constants = EnergyConstants()
    if is_concrete(dt_ms):
        check_shape("dt_ms", dt_ms, ())
        check_positive("dt_ms", _plain(dt_ms))
    check_shape("spikes", spikes, (None, None))
    check_shape("synaptic_current_nA", synaptic_current_nA, tuple(np.shape(spikes)))
    if is_concrete(spikes):
        check_positive("spikes", spikes, allow_zero=True)
    check_finite("synaptic_current_nA", synaptic_current_nA)

    n_neurons = spikes.shape[1]
    dt_s = jnp.asarray(dt_ms, dtype=spikes.dtype) * _S_PER_MS
    c = constants

    # ATP/s per neuron per step.
    ap = c.atp_per_spike * spikes / dt_s
    ions_per_s = jnp.abs(synaptic_current_nA) * _A_PER_NA / c.charge_per_ion_C
    syn = c.synapse_scale * c.na_entry_per_charge * ions_per_s / c.na_per_atp

    ap_t = jnp.sum(ap, axis=1)
    syn_t = jnp.sum(syn, axis=1)
    rest_t = jnp.broadcast_to(n_neurons * c.resting_atp_per_s, ap_t.shape).astype(ap_t.dtype)
    total_t = ap_t + syn_t + rest_t
    total_w = total_t * c.joule_per_atp

    mean_total = jnp.mean(total_t)
    mean_w = jnp.mean(total_w)
    return EnergyBudget(
        action_potential_atp_per_s=ap_t,
        synaptic_atp_per_s=syn_t,
        resting_atp_per_s=rest_t,
        total_atp_per_s=total_t,
        total_W=total_w,
        mean_action_potential_atp_per_s=jnp.mean(ap_t),
        mean_synaptic_atp_per_s=jnp.mean(syn_t),
        mean_resting_atp_per_s=jnp.mean(rest_t),
        mean_total_atp_per_s=mean_total,
        mean_total_W=mean_w,
        mean_atp_per_s_per_neuron=mean_total / n_neurons,
        mean_W_per_neuron=mean_w / n_neurons,
        neuron_mean_atp_per_s=jnp.mean(ap + syn, axis=0) + c.resting_atp_per_s,
    )


def ohmic_dissipation(
    phi_mV: Float[Array, "time depth"],
    dz_um: ScalarLike,
    sigma_S_per_m: Float[Array, " _depth"] | ScalarLike,
    radius_um: ScalarLike,
) -> Float[Array, " time"]:
    r"""Power dissipated by the extracellular current in the column (W).

    The column is a cylinder of radius ``R`` whose potential varies only with
    depth, on bins ``z_j = z_0 + j h`` (``j = 0..Z-1``, spacing ``h = dz_um``).
    Between neighbouring bins the field and conductivity are

    .. math::

        g_{j+1/2} = \frac{\phi_{j+1} - \phi_j}{h}, \qquad
        \sigma_{j+1/2} = \frac{2 \sigma_j \sigma_{j+1}}{\sigma_j + \sigma_{j+1}}

    (harmonic mean: the conductance of two half-bins in series, as in the
    finite-volume Poisson solver), and the dissipated power is

    .. math::

        P = \int \sigma |\nabla\phi|^2 \, dV
          \approx \sum_{j=0}^{Z-2} \sigma_{j+1/2} \, g_{j+1/2}^2 \, \pi R^2 h .

    The integral covers the column between the first and the last bin centre
    (length ``(Z - 1) h``); no current is assumed to cross the ends (no-flux
    boundaries). Units: ``(S/m) (mV/um)^2 um^3 = (S/m) (1e3 V/m)^2
    (1e-18 m^3) = 1e-12 W``, so the sum is in pW and is returned times 1e-12
    in W. For a uniform field ``E`` it equals ``sigma E^2 pi R^2 (Z - 1) h``.

    Parameters
    ----------
    phi_mV : ``[time, depth]``, mV
        Extracellular potential on the depth bins. At least two bins.
    dz_um : scalar, um
        Spacing of the depth bins. Positive.
    sigma_S_per_m : scalar or ``[depth]``, S/m
        Extracellular conductivity, one value or one per depth bin. Positive.
    radius_um : scalar, um
        Radius of the column. Positive.

    Returns
    -------
    ``[time]``, W
        Dissipated power at each step. Non-negative; zero for a potential
        constant in depth.

    Raises
    ------
    ValueError
        If (on concrete values) ``phi_mV`` is not ``[time, depth]`` with at
        least two bins, ``sigma_S_per_m`` is neither a scalar nor ``[depth]``,
        or ``dz_um``, ``sigma_S_per_m`` or ``radius_um`` is not positive.
    """
    check_shape("phi_mV", phi_mV, (None, None))
    n_depth = phi_mV.shape[1]
    if n_depth < 2:
        raise ValueError(
            f"`phi_mV` must have at least 2 depth bins to form a gradient; got shape "
            f"{tuple(phi_mV.shape)}."
        )
    if np.ndim(sigma_S_per_m) != 0:
        check_shape("sigma_S_per_m", sigma_S_per_m, (n_depth,))
    for name, value in (("dz_um", dz_um), ("radius_um", radius_um)):
        check_shape(name, value, ())
        check_positive(name, _plain(value))
    check_positive("sigma_S_per_m", _plain(sigma_S_per_m))

    dtype = phi_mV.dtype
    h = jnp.asarray(dz_um, dtype=dtype)
    radius = jnp.asarray(radius_um, dtype=dtype)
    sigma = jnp.broadcast_to(jnp.asarray(sigma_S_per_m, dtype=dtype), (n_depth,))
    sigma_face = 2.0 * sigma[:-1] * sigma[1:] / (sigma[:-1] + sigma[1:])
    grad = jnp.diff(phi_mV, axis=1) / h  # mV/um, [time, depth - 1]
    area = jnp.pi * radius**2  # um^2
    power_pW = jnp.sum(sigma_face * grad**2, axis=1) * area * h
    return power_pW * _W_PER_OHMIC_UNIT
