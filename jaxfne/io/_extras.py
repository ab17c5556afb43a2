"""Optional dependencies: imported only when an export needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXTRAS", "MissingExtraError", "require"]

#: Which extra installs which module.
EXTRAS = {
    "neo": "neo", "quantities": "neo", "elephant": "neo",
    "mne": "mne",
    "pynwb": "nwb", "hdmf": "nwb", "h5py": "nwb",
    "matplotlib": "viz",
}


class MissingExtraError(ImportError):
    """An optional dependency of jaxfne is not installed."""


def require(module: str, purpose: str) -> ModuleType:
    """Import `module`, or raise `MissingExtraError` naming the `pip install` command.

    Args:
        module: the module to import ("neo", "mne", "pynwb", ...).
        purpose: what needs it, for the message ("`jaxfne.io.to_neo`").
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        extra = EXTRAS.get(module.split(".")[0], "all")
        raise MissingExtraError(
            f"{purpose} needs the optional package `{module.split('.')[0]}`, which is not "
            f"installed; install it with: pip install 'jaxfne[{extra}]' "
            f"(or 'jaxfne[all]' for every extra).") from err
