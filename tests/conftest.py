import os
from pathlib import Path

import jax
import pytest

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="session")
def ei_model():
    """The default 100-neuron network (built once for the whole session)."""
    from helpers import ei_config

    import jaxfne as jtfne

    return jtfne.construct(ei_config())


def pytest_sessionstart(session):
    """In CI the reference vectors must be present: their tests may not skip there."""
    here = Path(__file__).resolve().parents[2] / "shared" / "reference"
    found = here.is_dir() or bool(os.environ.get("JAXFNE_REFERENCE_DIR"))
    if os.environ.get("CI") and not found:
        raise pytest.UsageError(f"CI run without the reference vectors: {here} is missing "
                                "and JAXFNE_REFERENCE_DIR is unset.")
