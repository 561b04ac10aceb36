"""Home page: which data is loaded (territories, programmes, periods, returns) and the last imports."""

import streamlit as st

from levier.app import auth, cache
from levier.app import widgets as ui
from levier.core.fmt import fmt_int

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

summary = cache.home_summary(db)

st.title("Levier")
st.markdown(
    "Diagnostics territoriaux de pauvreté et contrats État–départements : CALPAE 2019–2022, "
    "contrats de prévention et de protection de l'enfance 2020–2022, Pacte des solidarités 2024–2027."
)

if summary.is_empty:
    st.info("Aucune valeur d'indicateur n'est encore chargée. Importez des retours depuis la page **Importer**.")

c1, c2, c3 = st.columns(3)
c1.metric("Valeurs d'indicateurs courantes", fmt_int(summary.all_values))
c2.metric("Valeurs remplacées (historique conservé)", fmt_int(summary.replaced_values))
c3.metric("Dont valeurs fictives", fmt_int(summary.demo_values))

st.subheader("Programmes, indicateurs et périodes")
ui.table(summary.programmes)

st.subheader("Territoires chargés, par niveau et millésime")
ui.table(summary.territories)
st.caption("Sources : INSEE, Code officiel géographique 2026 ; DGCL, liste des EPCI à fiscalité propre 2023, 2024, 2026.")

st.subheader("Derniers imports")
ui.table(summary.imports)
