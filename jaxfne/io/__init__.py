"""Files and other tools: bundles (JSON + .npz), Neo/Elephant, MNE and NWB.

The exports need optional extras (`pip install 'jaxfne[neo]'`, `[mne]`,
`[nwb]`, or `[all]`); they are imported only when called, and a missing one
raises `MissingExtraError` naming the `pip install` command.
"""

from ._bundle import ARRAY_UNITS as ARRAY_UNITS
from ._bundle import bundle as bundle
from ._bundle import load_signals as load_signals
from ._bundle import save as save
from ._bundle import signal_arrays as signal_arrays
from ._extras import MissingExtraError as MissingExtraError
from ._mne import eeg_topomap as eeg_topomap
from ._mne import to_mne as to_mne
from ._neo import to_neo as to_neo
from ._nwb import read_nwb as read_nwb
from ._nwb import to_nwb as to_nwb
from ._recording import LaminarRecording as LaminarRecording
from ._recording import load_lfp as load_lfp
