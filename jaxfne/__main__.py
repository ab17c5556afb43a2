"""`python -m jaxfne`: the `jaxfne` command (see `jaxfne.cli`)."""

import sys

from .cli import main

sys.exit(main())
