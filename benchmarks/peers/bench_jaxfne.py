"""The "ei" reference network in jaxfne, through its public API.

    .venv/bin/python benchmarks/peers/bench_jaxfne.py N [--check] [--repeats R] [--seed S]
        [--dtype float32|float64] [--path auto|dense|event]

* The network is composed by hand from public classes, as a user would
  compose a custom network: `jtfne.Izhikevich` emitters with the per-neuron
  (a, b, c, d) of the shared arrays, two `jtfne.Projection`s of
  `kind="delta"` (E and I, each reading only its population's spikes;
  weights in mV, a spike in step k moves the target's v in step k+1) built
  with `from_edges` of `DenseConnectivity` (N <= 300),
  `DenseEventConnectivity` (N <= 4000) or `EventConnectivity` (above;
  event-driven, only the spiking neurons' edges are touched),
  and a `jtfne.Drive` with bias -4 and white noise whose per-step standard
  deviation is 40 (jaxfne's white noise is `sigma * xi / sqrt(dt)`, so
  sigma = 40 sqrt(dt)).
* Every simulator reads the same edge list, weights and initial (v, u) from
  `network.load`; the initial state is set with `model.init` + `eqx.tree_at`
  and passed to `model.simulate(sim, state=...)`.
* Only spike counts are recorded: `record_every` equals the number of steps,
  so the scan sums each neuron's spikes over the run and stores one row.
* build_s: building the model from the arrays; first_s: the first
  `simulate` (tracing, compilation and the run); warm_s: the median of
  further runs with new seeds (`key=`), each ended with `block_until_ready`.
  A new key does not recompile.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Timer, emit, log, median, parse_args, peak_rss_mb, single_thread_env  # noqa: E402

single_thread_env()

import network  # noqa: E402
import numpy as np  # noqa: E402

#: Up to `MATVEC_MAX_NEURONS` the projections are dense matrix-vector products
#: (`DenseConnectivity`); up to `DENSE_EVENT_MAX_NEURONS` they gather the
#: spiking neurons' rows of a dense matrix (`DenseEventConnectivity`); above
#: it they scatter per-source edge lists (`EventConnectivity`), with no
#: N-by-N array. The thresholds come from timing all three on this network.
MATVEC_MAX_NEURONS = 300
DENSE_EVENT_MAX_NEURONS = 4000


def build(net: dict, dtype, path: str):
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import jaxfne as jtfne
    from jaxfne.synapses import DenseConnectivity, DenseEventConnectivity, EventConnectivity

    n, n_exc, dt = net["n"], net["n_exc"], net["dt_ms"]
    arr = lambda x: jnp.asarray(x, dtype)
    emitters = jtfne.Izhikevich(
        a=arr(net["a"]), b=arr(net["b"]), c=arr(net["c"]), d=arr(net["d"]),
        capacitance_pF=arr(np.full(n, 100.0)), v_peak_mV=arr(np.full(n, net["v_th"])))
    if path == "auto":
        path = "matvec" if n <= MATVEC_MAX_NEURONS else \
            "dense" if n <= DENSE_EVENT_MAX_NEURONS else "event"
    projections = []
    for name, lo, hi in (("E", 0, n_exc), ("I", n_exc, n)):
        sel = (net["pre"] >= lo) & (net["pre"] < hi)
        pre, post, w = net["pre"][sel], net["post"][sel], net["weight"][sel].astype(dtype)
        # Each projection reads only its population's spikes (neurons lo..hi-1).
        if path == "matvec":
            conn = DenseConnectivity.from_edges(pre, post, w, n_pre=hi - lo, n_post=n,
                                                pre_offset=lo)
        elif path == "dense":
            conn = DenseEventConnectivity.from_edges(pre, post, w, n_pre=hi - lo, n_post=n,
                                                     capacity=hi - lo, pre_offset=lo)
        else:
            conn = EventConnectivity.from_edges(pre, post, w, n_pre=hi - lo, n_post=n,
                                                capacity=jtfne.event_capacity(n), pre_offset=lo)
        projections.append(jtfne.Projection(
            connectivity=conn, tau_ms=None, scale=arr(1.0), kind="delta", name=name,
            sign="excitatory" if name == "E" else "inhibitory"))
    noise = "white" if net["noise_std"] > 0 else "none"
    drive = jtfne.Drive(bias=arr(np.full(n, net["bias"])),
                        noise_sigma=arr(np.full(n, net["noise_std"] * np.sqrt(dt))),
                        noise_tau_ms=arr(1.0), noise=noise)
    model = jtfne.Model(
        emitters=emitters, coupling=jtfne.ExponentialSynapses(projections=tuple(projections)),
        drive=drive, geometry=jtfne.Geometry(soma_depth_um=arr(np.full(n, 500.0)),
                                             radius_um=arr(200.0)),
        populations=(("E", 0, n_exc), ("I", n_exc, n)), record=("spikes",))
    state = model.init(jax.random.key(0), dt)
    state = eqx.tree_at(lambda s: (s.neurons.v, s.neurons.u), state,
                        (arr(net["v0"]), arr(net["u0"])))
    return model, state, path


def main() -> None:
    p = parse_args("jaxfne", ["default"])
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--fast-rng", action="store_true",
                   help="jax_threefry_partitionable=False: JAX's older threefry layout, "
                        "cheaper on CPU (different numbers; a global JAX setting)")
    p.add_argument("--path", choices=["auto", "matvec", "dense", "event"], default="auto",
                   help="matvec: DenseConnectivity; dense: DenseEventConnectivity; event: "
                        "EventConnectivity; auto: by size")
    args = p.parse_args()
    import jax

    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    if args.fast_rng:
        jax.config.update("jax_threefry_partitionable", False)
    import jax.numpy as jnp

    import jaxfne as jtfne

    net = network.load(args.n, seed=args.seed, deterministic=args.check)
    steps = network.steps(net)
    dtype = jnp.float64 if args.dtype == "float64" else jnp.float32
    with Timer() as t_build:
        model, state, path = build(net, dtype, args.path)
        jax.block_until_ready((model, state))
    sim = jtfne.simulation(net["duration_ms"], net["dt_ms"], seed=args.seed,
                           record_every=steps, chunk_ms=net["duration_ms"], progress=False)

    def run(seed):
        out = model.simulate(sim, key=jax.random.key(seed), state=state)
        return jax.block_until_ready(out.spikes)

    with Timer() as t_first:
        counts = np.asarray(run(1000 + args.seed))[0]
    warm, warm_cpu = [], []
    for r in range(args.repeats):
        with Timer() as t:
            run(2000 + r)
        warm.append(t.wall)
        warm_cpu.append(t.cpu)
    n_exc = net["n_exc"]
    spikes_e, spikes_i = int(counts[:n_exc].sum()), int(counts[n_exc:].sum())
    rate_e, rate_i = network.rates(net, spikes_e, spikes_i)
    log(f"jaxfne N={args.n} {path} {args.dtype}: build "
        f"{t_build.wall:.2f} s, first {t_first.wall:.2f} s, warm {median(warm):.3f} s, "
        f"rates E {rate_e:.2f} I {rate_i:.2f} Hz")
    emit(dict(sim="jaxfne", mode=path + ("-fastrng" if args.fast_rng else ""),
              n=args.n, check=args.check, build_s=t_build.wall, first_s=t_first.wall,
              warm_s=median(warm), warm_cpu_s=median(warm_cpu), warm_all=warm,
              rss_mb=peak_rss_mb(), spikes=spikes_e + spikes_i,
              rate_e=rate_e, rate_i=rate_i, dtype=args.dtype, version=jtfne.__version__,
              jax=jax.__version__, device=str(jax.devices()[0])))


if __name__ == "__main__":
    main()
