"""Entry point for ``python -m coverage``."""

import sys

from coverage.cli.main import main

sys.exit(main())
