"""`levier app`'s server: app.py behind Levier's session guard (levier.app.guard), started by `streamlit run`.

`streamlit run levier_server.py` finds the st.App below and serves app.py exactly as `streamlit run app.py` would,
with one middleware in front: download URLs bound to the session that asked for them (levier.app.downloads)."""

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from levier.app.guard import SessionGuard

# app.py routes every page with st.navigation. Until a process's first st.navigation call, Streamlit reads a pages/
# folder beside the entry script as its legacy menu, named after the files: on a fresh server, the first visitor of a
# link such as /effet-levier (no file is named so) got Streamlit's « Page not found » box over the right page. The
# legacy mode is left before any session starts, as st.navigation itself leaves it (menu.py says the rest).
PagesManager.uses_pages_directory = False

app = st.App("app.py", middleware=[Middleware(SessionGuard)])
