"""Reporting a parameter recovery: a table and a plot of the trajectories."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .fit import FitHistory, fit
from .parameters import parameters

__all__ = ["plot_history", "recover", "recovery_table"]


def _scalar(x) -> float:
    return float(np.mean(np.asarray(x)))


def recovery_table(true: Mapping[str, object], initial: Mapping[str, object],
                   recovered: Mapping[str, object]) -> tuple[str, dict[str, float]]:
    """A text table (parameter, true, initial, recovered, relative error) and the errors.

    Array parameters are summarised by their mean.
    """
    lines = [f"{'parameter':<34} {'true':>12} {'initial':>12} {'recovered':>12} {'error':>9}"]
    errors = {}
    for name in true:
        t, i, r = _scalar(true[name]), _scalar(initial[name]), _scalar(recovered[name])
        errors[name] = abs(r - t) / abs(t)
        lines.append(f"{name:<34} {t:12.5g} {i:12.5g} {r:12.5g} {100 * errors[name]:8.2f}%")
    return "\n".join(lines), errors


def plot_history(history: FitHistory, true: Mapping[str, object], path: str | Path) -> Path:
    """Loss and parameter trajectories (relative to the true values) as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover
        raise ImportError("Plots need matplotlib: pip install 'jaxfne[viz]'") from err
    fig, (ax_l, ax_p) = plt.subplots(1, 2, figsize=(10, 4))
    ax_l.semilogy(history.loss)
    ax_l.set_xlabel("step")
    ax_l.set_ylabel("loss")
    for name, values in history.values.items():
        v = values.reshape(values.shape[0], -1).mean(axis=1)
        ax_p.plot(v / _scalar(true[name]), label=name)
    ax_p.axhline(1.0, color="k", lw=0.8, ls="--")
    ax_p.set_xlabel("step")
    ax_p.set_ylabel("value / true value")
    ax_p.legend(fontsize=7)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def recover(starts: Sequence[Any], loss: Callable[[Any], Any], optimizer: Any, *,
            true: Mapping[str, float], steps: int, out: str | Path,
            **fit_kwargs: Any) -> dict[str, float]:
    """Fit the parameters named in `true` from each start; report and plot.

    Each start is a module (the model with perturbed values). Prints a
    recovery table per start, plots the first fit's trajectories to
    `out/history.png`, and returns the largest relative error per parameter
    over all starts.
    """
    worst: dict[str, float] = {}
    for k, start in enumerate(starts):
        initial = {p: parameters(start)[p] for p in true}
        fitted, history = fit(start, loss, optimizer, trainable=list(true), steps=steps,
                              **fit_kwargs)
        table, errors = recovery_table(true, initial,
                                       {p: parameters(fitted)[p] for p in true})
        print(f"start {k}: final loss {history.loss[-1]:.3e}, "
              f"{history.wall_s[1:].mean() if steps > 1 else history.wall_s[0]:.2f} s per step")
        print(table)
        worst = {p: max(worst.get(p, 0.0), e) for p, e in errors.items()}
        if k == 0:
            print(f"wrote {plot_history(history, true, Path(out) / 'history.png')}")
    print("largest relative error over starts:", {p: f"{100 * e:.2f}%" for p, e in worst.items()})
    return worst
