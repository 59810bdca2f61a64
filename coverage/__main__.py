"""Entry point for ``python -m coverage``."""

import gc
import os
import sys

from coverage.cli.main import main
from coverage.products.budget import ENGINE_THREADS_ENV, usable_cores

# One user's own process: an engine run may use the usable cores (up to 4; the dashboard keeps
# one a request). The user's own setting wins.
os.environ.setdefault(ENGINE_THREADS_ENV, str(min(4, usable_cores())))
# The imports leave ~10⁶ objects (pandas, geopandas, pyarrow) that the collector's full passes
# would walk again and again while a command builds its tables: frozen, they are skipped
# (0.1-0.2 s of a 1 s command). Objects the command makes are collected as usual. Here, not in
# main(): a process that calls main() many times (the tests) must not freeze its garbage.
gc.freeze()
sys.exit(main())
