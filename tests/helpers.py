"""Shared builders for the tests."""

from __future__ import annotations

import jaxfne as jtfne

MODES = ["spikes", "V_m", "source"]


def ei_config(n: int = 100, modes=MODES, **network):
    """The tutorial's balanced E/I network, recording `modes`."""
    return (
        jtfne.configuration()
        .network(name="network_100_ei", kind="balanced_ei_population", n=n,
                 cell_types={"E": 0.75, "I": 0.25}, **network)
        .emitter(family="izhikevich", preset="cortical_eig")
        .probe(name="probe", modes=list(modes))
    )


class CompileCounter:
    """Count XLA compilations inside a `with` block (via JAX's compile log)."""

    def __enter__(self):
        import logging

        import jax

        self.count = 0
        counter = self

        class Handler(logging.Handler):
            def emit(self, record):
                if "Finished XLA compilation" in record.getMessage() or \
                        "Compiling" in record.getMessage():
                    counter.count += 1

        self._handler = Handler(level=logging.DEBUG)
        self._logger = logging.getLogger("jax")
        self._old_level = self._logger.level
        self._logger.addHandler(self._handler)
        self._logger.setLevel(logging.DEBUG)
        self._ctx = jax.log_compiles(True)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._old_level)
        return False
