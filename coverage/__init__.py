"""Coverage engine for European ballistic-missile-defence maps (no Streamlit inside).

Modules: ``catalogue`` (sourced data, validation), ``geodesy`` (WGS84 rings and sectors),
``radar`` (horizon, RCS scaling, footprints), ``scenario`` (what is deployed when),
``layers`` (pydeck), ``cli`` (command line).
"""

__version__ = "0.1.0"
