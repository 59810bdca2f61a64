"""Open a GeoPackage in QGIS and report how each table is styled: the check of its QGIS styles.

Run with the Python that has PyQGIS (Debian's ``python3-qgis``: ``/usr/bin/python3``), not the
project's virtual environment; it imports nothing of this project::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/check_qgis_styles.py FILE.gpkg [--png OUT]

Each feature table is added as QGIS adds it (its default style from the file's
``layer_styles``, coverage.render.qml) and described on one JSON line: whether the style loaded,
the renderer's type, its symbols' colours (``#AARRGGBB``) and legend words, whether labels are
on, and how many symbols QGIS draws for each feature (``symbols_per_feature``: a feature no rule
matches draws none, one two rules match is drawn twice) and by which (``drawn_by``: each
feature's rules' legend words). With ``--png``, the tables are drawn
together in their file order (the first at the bottom) in EPSG:3035 over Europe, for a person to
look at. The last line is ``{"qgis": VERSION}``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gpkg")
    parser.add_argument("--png", help="draw the tables together into this PNG")
    args = parser.parse_args()

    from qgis.core import (  # type: ignore[import-not-found]  # Debian's python3-qgis
        Qgis,
        QgsApplication,
        QgsCoordinateReferenceSystem,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsRectangle,
        QgsRenderContext,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize  # type: ignore[import-not-found]
    from qgis.PyQt.QtGui import QColor  # type: ignore[import-not-found]

    app = QgsApplication([], False)
    app.initQgis()
    with sqlite3.connect(args.gpkg) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
            )
        ]

    def described(table: str) -> QgsVectorLayer | None:
        """The table as QGIS adds it, after printing what QGIS made of it."""
        layer = QgsVectorLayer(f"{args.gpkg}|layername={table}", table, "ogr")
        if not layer.isValid():
            print(json.dumps({"table": table, "valid": False}))
            return None
        message, loaded = layer.loadDefaultStyle()
        renderer = layer.renderer()
        context = QgsRenderContext()
        renderer.startRender(context, layer.fields())
        labels = {item.ruleKey(): item.label() for item in renderer.legendSymbolItems()}
        features = list(layer.getFeatures())
        per_feature = [len(renderer.symbolsForFeature(f, context)) for f in features]
        # The legend words of the rules (or class) each feature is drawn by (not the root rule,
        # which holds them all and has no legend entry).
        drawn_by = [
            [labels[k] for k in renderer.legendKeysForFeature(f, context) if k in labels]
            for f in features
        ]
        symbols = renderer.symbols(context)
        renderer.stopRender(context)
        print(
            json.dumps(
                {
                    "table": table,
                    "valid": True,
                    "style_loaded": bool(loaded),
                    "message": "" if loaded else message,
                    "renderer": renderer.type(),
                    "colours": [s.color().name(QColor.HexArgb) for s in symbols],
                    "legend": [item.label() for item in renderer.legendSymbolItems()],
                    "labels": layer.labelsEnabled(),
                    "symbols_per_feature": per_feature,
                    "drawn_by": drawn_by,
                },
                ensure_ascii=False,
            )
        )
        return layer

    layers = [layer for layer in map(described, tables) if layer is not None]
    if args.png and layers:
        settings = QgsMapSettings()
        settings.setLayers(list(reversed(layers)))  # the first in the list is drawn on top
        settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3035"))
        settings.setExtent(QgsRectangle(1.5e6, 0.6e6, 7.6e6, 5.5e6))
        settings.setOutputSize(QSize(1400, 1120))
        settings.setBackgroundColor(QColor("#DCEBF5"))
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        job.renderedImage().save(args.png)
    print(json.dumps({"qgis": Qgis.QGIS_VERSION}), flush=True)
    # PyQGIS 3.22 crashes in exitQgis() while Python still holds layers (exit code 139);
    # the layers go first.
    layers.clear()
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
