"""Publish the dashboard's basemap layers as static files (``static/basemap/*.json``).

Streamlit serves ``./static`` at ``app/static`` (``server.enableStaticServing`` in
``.streamlit/config.toml``). The dashboard's map then refers to the countries, borders and NATO
members by URL: each browser fetches a file once instead of receiving it on every rerun, and
deck.gl does not rebuild those layers when the year or a layer toggle changes.

File names carry a hash of their content; a layer whose file is missing (``data/`` changed and this
script was not run) is sent inline, as before, so the map is never without its basemap. The test
suite checks that the committed files are current.

Usage: ``.venv/bin/python scripts/publish_basemap.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coverage.catalogue.tables import load_catalogue  # noqa: E402 - after the path set-up above
from coverage.render.layers import StaticFiles, write_basemap_files  # noqa: E402


def main() -> int:
    """Write the files and list them with their sizes."""
    files = write_basemap_files(StaticFiles(REPO / "static"), load_catalogue())
    for path in files:
        print(f"{path.relative_to(REPO)}  {path.stat().st_size / 1024:.0f} KB")
    print(f"{len(files)} files in {(REPO / 'static' / 'basemap').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
