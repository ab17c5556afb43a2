"""Where the column and the sensors sit in the head (head centre at the origin).

Coordinates: x towards the right ear, y towards the nasion, z towards the
vertex, in um. Electrode and sensor positions are idealised positions on
spheres, not digitised montages.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DEFAULT_COLUMN_AXIS", "DEFAULT_COLUMN_POSITION_UM", "EEG_10_20", "eeg_10_20_positions",
    "meg_helmet_positions",
]

#: The 19 electrodes of the 10-20 system as (polar angle from the vertex,
#: azimuth from +x towards +y), in degrees, on a spherical head: Cz at the
#: vertex, the midline and the coronal line at 36 deg (Fz, Pz, C3, C4) and
#: the equatorial ring at 72 deg (Fp, F7/8, T3/4, T5/6, O) in 10 % steps of
#: the nasion-inion and preauricular arcs; F3/F4/P3/P4 at their usual
#: spherical approximation (50 deg, 40 deg off the midline).
EEG_10_20: dict[str, tuple[float, float]] = {
    "Fp1": (72.0, 108.0), "Fp2": (72.0, 72.0),
    "F7": (72.0, 144.0), "F3": (50.0, 130.0), "Fz": (36.0, 90.0), "F4": (50.0, 50.0),
    "F8": (72.0, 36.0),
    "T3": (72.0, 180.0), "C3": (36.0, 180.0), "Cz": (0.0, 0.0), "C4": (36.0, 0.0),
    "T4": (72.0, 0.0),
    "T5": (72.0, 216.0), "P3": (50.0, 230.0), "Pz": (36.0, 270.0), "P4": (50.0, 310.0),
    "T6": (72.0, 324.0),
    "O1": (72.0, 252.0), "O2": (72.0, 288.0),
}


def _unit(polar_deg: float, azimuth_deg: float) -> np.ndarray:
    t, p = np.deg2rad(polar_deg), np.deg2rad(azimuth_deg)
    return np.array([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)])


def eeg_10_20_positions(radius_um: float) -> tuple[tuple[str, ...], np.ndarray]:
    """Names and `[19, 3]` positions (um) of the 10-20 electrodes on a sphere."""
    names = tuple(EEG_10_20)
    # A hair inside the surface, so round-off never puts an electrode outside the head.
    pos = np.stack([_unit(*EEG_10_20[n]) for n in names]) * radius_um * (1.0 - 1e-9)
    return names, pos


def meg_helmet_positions(radius_um: float, max_polar_deg: float = 80.0,
                         spacing_deg: float = 16.0) -> np.ndarray:
    """`[S, 3]` magnetometer positions (um) on a spherical helmet of `radius_um`.

    Rings of constant polar angle every `spacing_deg` from the vertex down to
    `max_polar_deg`, with sensors spaced about `spacing_deg` along each ring.
    """
    points = [np.array([0.0, 0.0, 1.0])]
    for polar in np.arange(spacing_deg, max_polar_deg + 1e-9, spacing_deg):
        n = max(1, int(round(360.0 * np.sin(np.deg2rad(polar)) / spacing_deg)))
        points += [_unit(polar, 360.0 * k / n) for k in range(n)]
    return np.stack(points) * radius_um


#: Default column: 70 mm from the head centre below C3 (in the central sulcus
#: region, 9 mm below the 79 mm brain surface), its axis (pia -> white matter)
#: pointing anterior, tangential to the head: the orientation of a sulcal
#: wall. A radial column (axis along the position vector) would be invisible
#: to MEG: in a spherically symmetric conductor a radial dipole produces no
#: magnetic field outside (Sarvas 1987).
DEFAULT_COLUMN_POSITION_UM: tuple[float, float, float] = tuple(
    float(v) for v in _unit(36.0, 180.0) * 70000.0)  # type: ignore[assignment]
DEFAULT_COLUMN_AXIS: tuple[float, float, float] = (0.0, 1.0, 0.0)
