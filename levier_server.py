"""`levier app`'s server: app.py behind Levier's session guard (levier.app.guard), started by `streamlit run`.

`streamlit run levier_server.py` finds the st.App below and serves app.py exactly as `streamlit run app.py` would,
with one middleware in front: download URLs bound to the session that asked for them (levier.app.downloads)."""

import streamlit as st
from starlette.middleware import Middleware

from levier.app.guard import SessionGuard

app = st.App("app.py", middleware=[Middleware(SessionGuard)])
