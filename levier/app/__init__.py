"""Everything that imports Streamlit: the menu, cache wrappers, widgets, sign-in and rights, the server launcher."""
