"""Optional extras: the core imports none of them; a missing one names the pip command."""

import subprocess
import sys

import pytest

import jaxfne as jtfne

OPTIONAL = ["neo", "elephant", "quantities", "mne", "pynwb", "hdmf", "h5py", "matplotlib",
            "mkdocs"]


def test_importing_jaxfne_and_its_io_imports_no_optional_package():
    code = ("import sys, jaxfne, jaxfne.io, jaxfne.cli, jaxfne.fit; "
            f"print([m for m in {OPTIONAL!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("module, extra, call", [
    ("neo", "neo", lambda s: jtfne.io.to_neo(s)),
    ("mne", "mne", lambda s: jtfne.io.to_mne(s)),
    ("pynwb", "nwb", lambda s: jtfne.io.to_nwb(s, "/tmp/never_written.nwb")),
])
def test_a_missing_extra_names_the_pip_install_command(monkeypatch, module, extra, call):
    import jax.numpy as jnp

    from jaxfne.fields import FieldGeometry, FieldSignals

    field = FieldSignals(geometry=FieldGeometry.build(), dipole_nAum=jnp.zeros((3, 3)),
                         eeg=jnp.zeros((3, 19)))
    signals = jtfne.Signals(time_ms=jnp.arange(1.0, 4.0) * 0.1, status=jnp.asarray(-1),
                            spikes=jnp.zeros((3, 2)), field=field)
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(jtfne.io.MissingExtraError,
                       match=rf"pip install 'jaxfne\[{extra}\]'") as info:
        call(signals)
    assert isinstance(info.value, ImportError)
