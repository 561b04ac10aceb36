"""Import page: upload a returns file, read the validation report, then confirm the import."""

import streamlit as st

from levier.app import auth, cache
from levier.app import widgets as ui
from levier.ingest import panorama
from levier.ingest.detect import KIND_LABELS, import_file
from levier.ingest.report import STATUS_DRY_RUN, findings_frame, first_findings_text
from levier.report.tables import to_csv_bytes

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

st.title("Importer des données")
scope = db.scope
if not scope.can_import:
    # app.py lists this page for administrators only; this covers an address typed by hand.
    st.error("Import réservé aux administrateurs de Levier : votre rôle ne permet pas de modifier les données.",
             icon="🔒")
    st.stop()
st.markdown(
    "Retours d'indicateurs au format **long** (une ligne par territoire, indicateur, période, valeur) ou "
    "**grille** (une feuille par territoire, une ligne par indicateur, une colonne par année), fichiers INSEE "
    "Filosofi et panoramas INSEE × DIPLP, en `.csv` ou `.xlsx`. "
    "Le fichier est d'abord vérifié ; rien n'est écrit avant votre confirmation, et un fichier comportant "
    "la moindre erreur est refusé en entier."
)
with st.expander("Modèles et formats"):
    st.markdown(
        "- Retours d'indicateurs : formats décrits dans `docs/formats.md` (colonnes `territoire`, `indicateur`, "
        "`periode`, `valeur`, `cible`, `annee_cible`, `commentaire`, `date_transmission`).\n"
        "- Panorama INSEE × DIPLP : une feuille `donnees` (une ligne par EPCI, une colonne par indicateur) et une "
        "feuille `definitions`."
    )
    st.download_button(
        "Télécharger le modèle de classeur panorama (XLSX)",
        panorama.template_bytes(),
        "panorama_modele.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
st.caption(auth.mode_text(scope))

kind = st.radio("Type de fichier", list(KIND_LABELS), format_func=KIND_LABELS.get, horizontal=True, key="kind")
upload = st.file_uploader("Fichier à importer", type=["csv", "xlsx"], key="upload")

if upload is not None:
    data = upload.getvalue()
    check = import_file(db, data, upload.name, kind=kind, dry_run=True)
    st.subheader("Rapport de vérification")
    if check.errors:
        st.error(
            f"Fichier refusé : {len(check.errors)} erreur(s). Corrigez-les puis déposez de nouveau le fichier ; "
            "la base n'a pas été modifiée."
        )
        st.markdown(first_findings_text(check.errors))
        errors = findings_frame(check.errors)
        ui.table(errors)
        st.download_button(
            "Télécharger la liste des erreurs (CSV)",
            to_csv_bytes(errors),
            file_name=f"erreurs_{upload.name}.csv",
            mime="text/csv",
        )
    else:
        st.success(check.message)
        st.write(f"Format détecté : **{check.file_format}** — {check.rows_read} ligne(s) lue(s).")
    if check.warnings:
        st.warning(f"{len(check.warnings)} avertissement(s).")
        ui.table(findings_frame(check.warnings))
    if check.status == STATUS_DRY_RUN and st.button("Confirmer l'import", type="primary"):
        result = import_file(db, data, upload.name, kind=kind, imported_by=auth.recorded_user(scope))
        cache.clear()
        st.success(f"{result.status.capitalize()} — {result.message}")

st.subheader("Journal des imports")
ui.table(cache.home_summary(db).imports)
