"""The ways people reach Atelier: the Streamlit builder, the ``atelier`` CLI, the HTTP API."""
