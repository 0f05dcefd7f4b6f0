"""``python -m deepg_interpret.cli``: the same command line as ``deepg-interpret``."""

import sys

from . import main

sys.exit(main())
