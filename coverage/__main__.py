"""Entry point for ``python -m coverage``."""

import sys

from coverage.cli import main

sys.exit(main())
