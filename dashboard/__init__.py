"""Streamlit pieces of the dashboard (widgets, panels); ``app.py`` composes them."""
