"""The services every interface calls (the CLI, the Streamlit builder and, later, the HTTP API),
so that they agree by construction. Nothing here imports Streamlit or Typer."""
