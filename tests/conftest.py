import jax
import pytest

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="session")
def ei_model():
    """The default 100-neuron network (built once for the whole session)."""
    from helpers import ei_config

    import jaxfne as jtfne

    return jtfne.construct(ei_config())
