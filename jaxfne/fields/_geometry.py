"""FieldGeometry: everything the field operators need to know about where things are."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._errors import check_choice, check_positive, is_concrete
from .._typing import Array, Float
from ._head import DEFAULT_RADII_UM, DEFAULT_SIGMAS_S_PER_M
from ._placement import (
    DEFAULT_COLUMN_AXIS,
    DEFAULT_COLUMN_POSITION_UM,
    eeg_10_20_positions,
    meg_helmet_positions,
)

__all__ = ["CSD_METHODS", "FieldGeometry", "MEG_HELMET_RADIUS_UM", "layered_conductivity"]

CSD_METHODS = ("delta_icsd", "step_icsd", "standard")
#: Magnetometers 20 mm outside the 90 mm scalp.
MEG_HELMET_RADIUS_UM = 110000.0
#: "layered" conductivity (S/m): uniform in L1-L4 and twice as high in L5-L6
#: and below (Yanovsky & Brankack, rat frontal cortex: a twofold step between
#: superficial and deep layers), scaled so that the superficial value is 0.2.
LAYERED_S_PER_M = {"superficial": 0.2, "deep": 0.4, "boundary_um": 922.0}


def layered_conductivity(depth_um: np.ndarray) -> np.ndarray:
    """The "layered" conductivity profile (S/m) at bin centres `depth_um`."""
    deep = np.asarray(depth_um) >= LAYERED_S_PER_M["boundary_um"]
    return np.where(deep, LAYERED_S_PER_M["deep"], LAYERED_S_PER_M["superficial"])


class FieldGeometry(eqx.Module):
    """The column's depth grid, laminar probe and placement in the head.

    Attributes:
        depth_um: `[depth]` centres of the depth bins (um below the pia).
        contact_depths_um: `[contacts]` laminar probe contacts on the column axis.
        radius_um: column radius (um).
        sigma_S_per_m: `[depth]` extracellular conductivity per bin (S/m).
        column_position_um: `[3]` column centre in head coordinates (um).
        column_axis: `[3]` unit vector from the pia towards the white matter.
        head_radii_um: `[4]` four-sphere radii (brain, CSF, skull, scalp).
        head_sigmas_S_per_m: `[4]` four-sphere conductivities.
        electrodes_um: `[electrodes, 3]` EEG electrode positions.
        sensors_um: `[sensors, 3]` MEG magnetometer positions (radial field).
        dz_um: depth bin size (um).
        solver: "disc" or "poisson".
        gauge: "mean_zero" or "infinity".
        csd_method: estimator of `csd_proxy` from the contacts.
        electrode_names: names of the EEG electrodes.
        eeg_terms: Legendre terms of the four-sphere series. Scalp terms decay
            like (r_dipole / r_scalp)^n, so 200 terms are exact to about 1e-11
            for any dipole in the 79 mm brain seen from the 90 mm scalp;
            electrodes close to the brain surface need more (see
            `four_sphere_potential`).
    """

    depth_um: Float[Array, " depth"]
    contact_depths_um: Float[Array, " contacts"]
    radius_um: Float[Array, ""]
    sigma_S_per_m: Float[Array, " depth"]
    column_position_um: Float[Array, "3"]
    column_axis: Float[Array, "3"]
    head_radii_um: Float[Array, "4"]
    head_sigmas_S_per_m: Float[Array, "4"]
    electrodes_um: Float[Array, "electrodes 3"]
    sensors_um: Float[Array, "sensors 3"]
    dz_um: float = eqx.field(static=True)
    solver: str = eqx.field(static=True, default="disc")
    gauge: str = eqx.field(static=True, default="mean_zero")
    csd_method: str = eqx.field(static=True, default="delta_icsd")
    electrode_names: tuple[str, ...] = eqx.field(static=True, default=())
    eeg_terms: int = eqx.field(static=True, default=200)

    def __check_init__(self) -> None:
        check_choice("solver", self.solver, ("disc", "poisson"))
        check_choice("gauge", self.gauge, ("mean_zero", "infinity"))
        check_choice("csd_method", self.csd_method, CSD_METHODS)
        check_positive("radius_um", self.radius_um)
        check_positive("sigma_S_per_m", self.sigma_S_per_m)
        check_positive("dz_um", self.dz_um)
        if self.contact_depths_um.shape[0] < 3:
            raise ValueError(f"A CSD needs at least 3 contacts; `contact_depths_um` has "
                             f"{self.contact_depths_um.shape[0]}.")
        if is_concrete(self.column_position_um, self.head_radii_um):
            r = float(np.linalg.norm(np.asarray(self.column_position_um)))
            brain = float(np.asarray(self.head_radii_um)[0])
            if r >= brain:
                raise ValueError(f"`column_position_um` must lie inside the brain sphere "
                                 f"(radius {brain:g} um) so its dipole is inside the brain; "
                                 f"got a distance of {r:g} um from the head centre.")
        bottom = float(self.depth_um.shape[0]) * self.dz_um
        if is_concrete(self.contact_depths_um):
            c = np.asarray(self.contact_depths_um)
            if c.min() < 0.0 or c.max() > bottom:
                raise ValueError(f"`contact_depths_um` must lie inside the column (0 to "
                                 f"{bottom:g} um); got {c.min():g} to {c.max():g} um.")

    @property
    def spacing_um(self) -> Float[Array, ""]:
        """Contact spacing (um)."""
        return self.contact_depths_um[1] - self.contact_depths_um[0]

    @classmethod
    def build(
        cls,
        *,
        radius_um: float = 300.0,
        depth_um: float = 1600.0,
        dz_um: float = 50.0,
        n_contacts: int = 16,
        contact_spacing_um: float = 100.0,
        first_contact_um: float = 50.0,
        conductivity: str | float = "proxy",
        solver: str = "disc",
        gauge: str = "mean_zero",
        csd_method: str = "delta_icsd",
        column_position_um: tuple[float, float, float] | None = None,
        column_axis: tuple[float, float, float] | None = None,
    ) -> FieldGeometry:
        """The geometry from plain numbers (the defaults are the builder's)."""
        z = (np.arange(int(round(depth_um / dz_um))) + 0.5) * dz_um
        if conductivity in ("proxy", "homogeneous"):
            sigma = np.full(z.shape, 0.3)
        elif conductivity == "layered":
            sigma = layered_conductivity(z)
        else:
            sigma = np.full(z.shape, float(conductivity))  # type: ignore[arg-type]
        names, electrodes = eeg_10_20_positions(DEFAULT_RADII_UM[-1])
        dtype = jnp.result_type(float)  # float64 with x64 on, else float32; never weak
        asarray = lambda x: jnp.asarray(x, dtype=dtype)  # noqa: E731
        return cls(
            depth_um=asarray(z),
            contact_depths_um=asarray(first_contact_um
                                          + contact_spacing_um * np.arange(n_contacts)),
            radius_um=asarray(float(radius_um)),
            sigma_S_per_m=asarray(sigma),
            column_position_um=asarray(column_position_um or DEFAULT_COLUMN_POSITION_UM),
            column_axis=asarray(column_axis or DEFAULT_COLUMN_AXIS),
            head_radii_um=asarray(DEFAULT_RADII_UM),
            head_sigmas_S_per_m=asarray(DEFAULT_SIGMAS_S_PER_M),
            electrodes_um=asarray(electrodes),
            sensors_um=asarray(meg_helmet_positions(MEG_HELMET_RADIUS_UM)),
            dz_um=float(dz_um), solver=solver, gauge=gauge, csd_method=csd_method,
            electrode_names=names,
        )
