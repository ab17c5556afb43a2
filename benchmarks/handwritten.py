"""A plain hand-written `lax.scan` of the balanced E/I network: the speed baseline.

Same equations as jaxfne's Izhikevich + exponential synapses + OU drive,
written directly in a few dozen lines of JAX with one key per step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def make_run(n_steps: int, dt: float = 0.1, sparse: bool = False, record: bool = False):
    """Return a jitted `run(params, key)`: spike counts per neuron, and the
    `[steps, neurons]` spike raster when `record`."""

    def run(p, key):
        a, b, c, d, bias, sigma = p["a"], p["b"], p["c"], p["d"], p["bias"], p["sigma"]
        dec_e, dec_i = jnp.exp(-dt / p["tau_e"]), jnp.exp(-dt / p["tau_i"])
        dec_n = jnp.exp(-dt / p["tau_n"])
        n = a.shape[0]
        k0, key = jax.random.split(key)
        v = jax.random.uniform(k0, (n,), minval=-70.0, maxval=-60.0)

        def propagate(w, s):
            if sparse:
                idx, weights = w
                return jnp.sum(weights * s[idx], axis=1)
            return w @ s

        def step(carry, k):
            v, u, se, si, x, count = carry
            current = bias + x + se + si
            v_new = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + current)
            u_new = u + dt * a * (b * v - u)
            spike = (v_new >= 30.0).astype(v.dtype)
            v = jnp.where(spike > 0, c, v_new)
            u = u_new + spike * d
            se = se * dec_e + propagate(p["w_e"], spike)
            si = si * dec_i + propagate(p["w_i"], spike)
            x = x * dec_n + sigma * jnp.sqrt(1 - dec_n**2) * jax.random.normal(k, (n,))
            return (v, u, se, si, x, count + spike), spike if record else None

        zeros = jnp.zeros_like(v)
        init = (v, b * v, zeros, zeros, zeros, zeros)
        keys = jax.random.split(key, n_steps)
        (_, _, _, _, _, count), raster = jax.lax.scan(step, init, keys)
        return (count, raster) if record else count

    return jax.jit(run)


def params_from_model(model, sparse: bool = False) -> dict:
    """The baseline's parameters, taken from a jaxfne model (same network)."""
    em, dr = model.emitters, model.drive
    e, i = model.coupling.projections
    n = model.n
    if sparse:
        per_target = lambda c: c.to_sparse() if hasattr(c, "to_sparse") else c
        ce, ci = per_target(e.connectivity), per_target(i.connectivity)
        # Network-wide presynaptic indices (the projections read one population each).
        w_e = (ce.pre_indices + ce.pre_offset, ce.weights)
        w_i = (ci.pre_indices + ci.pre_offset, ci.weights)
    else:
        def dense(conn):
            w = conn.to_dense().weights if hasattr(conn, "to_dense") else conn.weights
            full = jnp.zeros((w.shape[0], n), w.dtype)
            return full.at[:, conn.pre_offset: conn.pre_offset + conn.n_pre].set(w)

        w_e, w_i = dense(e.connectivity), dense(i.connectivity)
    return dict(a=em.a, b=em.b, c=em.c, d=em.d, bias=dr.bias, sigma=dr.noise_sigma,
                tau_e=e.tau_ms, tau_i=i.tau_ms, tau_n=dr.noise_tau_ms, w_e=w_e, w_i=w_i)
