"""The `jaxfne` command: run a configuration, plot a run, show versions and devices.

    jaxfne example-config --out network.json
    jaxfne run network.json --duration-ms 1000 --out out/run
    jaxfne plot out/run
    jaxfne info

Exit codes: 0 success; 1 the simulation failed (diverged, or a spike buffer
overflowed); 2 a bad command line or input file (missing, unreadable, not
JSON, not a valid configuration, not a run folder); 3 an optional package
is missing (the message names the `pip install` command).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["EXIT_BAD_INPUT", "EXIT_MISSING_EXTRA", "EXIT_OK", "EXIT_RUN_FAILED", "main"]

EXIT_OK, EXIT_RUN_FAILED, EXIT_BAD_INPUT, EXIT_MISSING_EXTRA = 0, 1, 2, 3

_EPILOG = """exit codes: 0 success; 1 the simulation failed; 2 bad command line or input
file; 3 a missing optional package (the message names the pip command)."""

#: Optional packages `jaxfne info` reports, with the extra that installs each.
OPTIONAL = (("matplotlib", "viz"), ("neo", "neo"), ("elephant", "neo"), ("quantities", "neo"),
            ("mne", "mne"), ("pynwb", "nwb"), ("mkdocs", "docs"), ("mkdocs-material", "docs"),
            ("mkdocstrings", "docs"))


class CommandError(Exception):
    """A failure to report as one line on stderr with an exit code."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def _example_configuration() -> Any:
    import jaxfne as jtfne

    return (
        jtfne.configuration()
        .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                 cell_types={"E": 0.75, "I": 0.25})
        .emitter(family="izhikevich", preset="cortical_eig")
        .field(domain="laminar_column", conductivity="proxy", boundary="declared_proxy",
               gauge="mean_zero")
        .probe(name="multimodal_100_ei",
               modes=["spikes", "V_m", "source", "phi_e", "J_e", "CSD", "LFP", "EEG", "MEG",
                      "EMM"])
    )


def read_configuration(path: str | Path) -> Any:
    """The `Configuration` in a JSON file: a configuration, or a bundle holding one."""
    import jaxfne as jtfne

    path = Path(path)
    if not path.is_file():
        raise CommandError(f"CONFIG {str(path)!r} does not exist (or is not a file); give a "
                           "configuration JSON file (`jaxfne example-config` writes one).")
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError as err:
        raise CommandError(f"CONFIG {str(path)!r} is not a text file ({err}).") from err
    except json.JSONDecodeError as err:
        raise CommandError(f"CONFIG {str(path)!r} is not valid JSON: {err}.") from err
    if isinstance(data, dict) and "configuration" in data and "versions" in data:
        data = data["configuration"]  # a bundle.json of an earlier run
    if not isinstance(data, dict):
        raise CommandError(f"CONFIG {str(path)!r} must hold a JSON object (a jaxfne "
                           f"configuration); got a {type(data).__name__}.")
    sections = ("network", "synapses", "drive", "emitter", "field", "sources")
    for key in sections:
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise CommandError(f"CONFIG {str(path)!r}: section {key!r} must be a JSON object "
                               f"(or null); got {data[key]!r}.")
    probes = data.get("probes", [])
    if not isinstance(probes, list) or not all(isinstance(p, dict) for p in probes):
        raise CommandError(f"CONFIG {str(path)!r}: 'probes' must be a list of objects "
                           f"{{\"name\": ..., \"modes\": [...]}}; got {probes!r}.")
    try:
        return jtfne.Configuration.from_dict(data)
    except (ValueError, TypeError, KeyError) as err:
        detail = f"missing key {err}" if isinstance(err, KeyError) else str(err)
        raise CommandError(f"CONFIG {str(path)!r} is not a valid jaxfne configuration: "
                           f"{detail}") from err


def _figures(signals: Any, folder: Path, window_ms: tuple[float, float] | None) -> list[Path]:
    from .io._extras import MissingExtraError

    try:
        from .viz import plot_all

        paths = plot_all(signals, folder, window_ms=window_ms)
    except ImportError as err:
        raise CommandError(f"Figures need matplotlib: pip install 'jaxfne[viz]' (or pass "
                           f"--no-figures). ({err})", EXIT_MISSING_EXTRA) from err
    if signals.field is not None and signals.field.eeg is not None:
        from .io import eeg_topomap

        try:
            fig = eeg_topomap(signals, window_ms=window_ms, path=folder / "eeg_topomap.png")
            import matplotlib.pyplot as plt

            plt.close(fig)
            paths.append(folder / "eeg_topomap.png")
        except MissingExtraError:
            print("note: the EEG scalp map needs MNE: pip install 'jaxfne[mne]'; skipped.")
    return paths


def _window(values: Sequence[float] | None) -> tuple[float, float] | None:
    if values is None:
        return None
    start, stop = float(values[0]), float(values[1])
    if not start < stop:
        raise CommandError(f"--window-ms must be START STOP with START < STOP; got "
                           f"{start:g} {stop:g}.")
    return start, stop


def cmd_run(args: argparse.Namespace) -> int:
    import jax

    if args.float64:
        jax.config.update("jax_enable_x64", True)
    import jaxfne as jtfne

    cfg = read_configuration(args.config)
    try:
        sim = jtfne.simulation(args.duration_ms, args.dt_ms, args.seed,
                               record_every=args.record_every)
    except (ValueError, TypeError) as err:
        raise CommandError(f"bad simulation options: {err}") from err
    window = _window(args.window_ms)
    try:
        model = jtfne.construct(cfg, seed=args.construct_seed)
    except (ValueError, TypeError) as err:
        raise CommandError(f"CONFIG {str(args.config)!r} cannot be built: {err}") from err
    print(f"jaxfne {jtfne.__version__}: {model.n} neurons, {sim.n_steps} steps of "
          f"{sim.dt_ms:g} ms, simulation seed {sim.seed}, construct seed {args.construct_seed}")
    start = time.perf_counter()
    try:
        signals = model.simulate(sim)
        jax.block_until_ready(signals)
    except (jtfne.DivergenceError, jtfne.SpikeBufferOverflowError) as err:
        raise CommandError(f"the simulation failed: {err}", EXIT_RUN_FAILED) from err
    print(f"simulated {args.duration_ms:g} ms in {time.perf_counter() - start:.2f} s "
          "(compiling included)")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CommandError(f"--out {str(out)!r} cannot be created: {err}") from err
    json_path, npz_path = jtfne.save(out / "bundle", model, signals, discard_ms=args.discard_ms,
                                     seed=sim.seed)
    written = [json_path, npz_path]
    summary = json.loads(json_path.read_text())["summary"]
    if "rates_hz" in summary:
        rates = ", ".join(f"{k} {v:.2f} Hz" for k, v in summary["rates_hz"].items())
        print(f"rates (after {args.discard_ms:g} ms): {rates}")
    if args.nwb:
        from .io import to_nwb
        from .io._extras import MissingExtraError

        try:
            written.append(to_nwb(signals, out / "run.nwb", model=model, overwrite=True))
        except MissingExtraError as err:
            raise CommandError(str(err), EXIT_MISSING_EXTRA) from err
    if not args.no_figures:
        written += _figures(signals, out, window)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from .io import load_signals

    try:
        _, signals = load_signals(args.run)
    except (FileNotFoundError, ValueError) as err:
        raise CommandError(f"RUN: {err}") from err
    out = Path(args.out) if args.out is not None else Path(args.run)
    if out.suffix in (".json", ".npz"):
        out = out.parent
    for path in _figures(signals, out, _window(args.window_ms)):
        print(f"wrote {path}")
    return EXIT_OK


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def cmd_info(args: argparse.Namespace) -> int:
    import jax

    import jaxfne as jtfne

    print(f"jaxfne {jtfne.__version__}")
    print(f"python {platform.python_version()} ({platform.platform()})")
    for name in ("jax", "jaxlib", "equinox", "jaxtyping", "optax", "numpy"):
        print(f"{name} {_version(name) or 'not installed'}")
    print("optional packages:")
    for name, extra in OPTIONAL:
        version = _version(name)
        print(f"  {name} {version}" if version else
              f"  {name}: not installed (pip install 'jaxfne[{extra}]')")
    print(f"default backend: {jax.default_backend()}; float64 "
          f"{'on' if jax.config.read('jax_enable_x64') else 'off'}")
    print("devices:")
    for device in jax.devices():
        print(f"  {device.id}: {device.platform} {device.device_kind}")
    return EXIT_OK


def cmd_example_config(args: argparse.Namespace) -> int:
    text = _example_configuration().resolved().to_json(indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as err:
        raise CommandError(f"--out {str(path)!r} cannot be written: {err}") from err
    print(f"wrote {path}")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    """The argument parser of the `jaxfne` command."""
    top = argparse.ArgumentParser(
        prog="jaxfne", epilog=_EPILOG,
        description="Spiking cortical circuits with laminar LFP/CSD, EEG, MEG and energy "
                    "readouts.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run", epilog=_EPILOG, help="simulate a configuration; write the bundle, arrays and "
                                    "figures",
        description="Build the model of CONFIG, simulate it and write OUT/bundle.json (the "
                    "configuration, seeds, versions, summary and the units of every array), "
                    "OUT/bundle.npz (the arrays) and PNG figures.")
    run.add_argument("config", metavar="CONFIG", type=Path,
                     help="configuration JSON (or the bundle.json of an earlier run)")
    run.add_argument("--duration-ms", type=float, required=True, help="simulated time (ms)")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--dt-ms", type=float, default=0.1, help="integration step (ms; 0.1)")
    run.add_argument("--seed", type=int, default=0, help="simulation seed: initial state "
                                                          "and noise (0)")
    run.add_argument("--construct-seed", type=int, default=0,
                     help="construct seed: connectivity and soma depths (0)")
    run.add_argument("--record-every", type=int, default=1, help="steps per recording bin (1)")
    run.add_argument("--discard-ms", type=float, default=0.0,
                     help="initial time left out of the summary statistics (ms; 0)")
    run.add_argument("--window-ms", type=float, nargs=2, metavar=("START", "STOP"),
                     help="time window of the figures (ms; default the whole run)")
    run.add_argument("--no-figures", action="store_true", help="write no figures")
    run.add_argument("--nwb", action="store_true",
                     help="also write OUT/run.nwb (needs pip install 'jaxfne[nwb]')")
    run.add_argument("--float64", action="store_true", help="simulate in double precision")
    run.set_defaults(func=cmd_run)

    plot = sub.add_parser(
        "plot", epilog=_EPILOG, help="draw the figures of a run folder",
        description="Read RUN/bundle.json and RUN/bundle.npz (written by `jaxfne run`) and "
                    "draw every figure the recorded signals allow: raster, laminar LFP/CSD, "
                    "EEG/MEG traces, energy budget, and the EEG scalp map (with MNE).")
    plot.add_argument("run", metavar="RUN", type=Path, help="a folder written by `jaxfne run`")
    plot.add_argument("--out", type=Path, default=None, help="figure folder (default RUN)")
    plot.add_argument("--window-ms", type=float, nargs=2, metavar=("START", "STOP"),
                      help="time window (ms; default the whole run)")
    plot.set_defaults(func=cmd_plot)

    info = sub.add_parser("info", epilog=_EPILOG, help="versions, optional packages, devices",
                          description="Print the versions of jaxfne and its dependencies, "
                                      "which optional extras are installed, and JAX's devices.")
    info.set_defaults(func=cmd_info)

    example = sub.add_parser(
        "example-config", epilog=_EPILOG, help="write the 100-neuron tutorial configuration",
        description="Write the configuration of the 100-neuron balanced E/I tutorial network "
                    "with every probe (spikes, V_m, sources, phi_e, J_e, CSD, LFP, EEG, MEG, "
                    "EMM) as JSON, to edit and pass to `jaxfne run`.")
    example.add_argument("--out", type=Path, default=None, help="file (default: stdout)")
    example.set_defaults(func=cmd_example_config)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `jaxfne` command with `argv` (default `sys.argv[1:]`); return the exit code."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        return int(args.func(args))
    except CommandError as err:
        print(f"jaxfne {args.command}: error: {err}", file=sys.stderr)
        return err.code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
