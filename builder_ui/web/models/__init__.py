"""What the pages show, worked out without Streamlit, so that it is tested on its own."""
