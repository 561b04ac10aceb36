"""Everything that imports Streamlit: cache wrappers, widgets, sign-in, the server launcher."""
