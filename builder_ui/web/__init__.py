"""The Streamlit builder: its entry point (``app.py``), its pages (``views/``), the panels the
pages draw (``panels/``), what they show worked out without Streamlit (``models/``) and the
session state (``state/``)."""
