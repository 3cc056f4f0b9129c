"""`python -m emulator --port 0 --db PATH ...` (see emulator.cli)."""

import sys

from emulator.cli import main

sys.exit(main())
