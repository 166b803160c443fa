"""Parts of pages drawn with Streamlit."""
