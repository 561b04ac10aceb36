"""Import page: upload a returns file, read the validation report, then confirm the import."""

import streamlit as st

from levier import cache
from levier.importer import import_returns
from levier.report import STATUS_DRY_RUN, findings_frame

st.title("Importer des retours d'indicateurs")
st.markdown(
    "Formats acceptés : **long** (une ligne par territoire, indicateur, période, valeur) ou **grille** "
    "(une feuille par territoire, une ligne par indicateur, une colonne par année), en `.csv` ou `.xlsx`. "
    "Le fichier est d'abord vérifié ; rien n'est écrit avant votre confirmation, et un fichier comportant "
    "la moindre erreur est refusé en entier."
)
st.caption("Mode local : pas d'authentification, l'import est ouvert à l'utilisateur de ce poste.")

upload = st.file_uploader("Fichier de retours", type=["csv", "xlsx"], key="upload")
db = cache.database()

if upload is not None:
    data = upload.getvalue()
    check = import_returns(db, data, upload.name, dry_run=True)
    st.subheader("Rapport de vérification")
    if check.errors:
        st.error(
            f"Fichier refusé : {len(check.errors)} erreur(s). Corrigez-les puis déposez de nouveau le fichier ; "
            "la base n'a pas été modifiée."
        )
        errors = findings_frame(check.errors)
        st.dataframe(errors, hide_index=True, width="stretch")
        st.download_button(
            "Télécharger la liste des erreurs (CSV)",
            errors.to_csv(index=False, sep=";").encode("utf-8-sig"),
            file_name=f"erreurs_{upload.name}.csv",
            mime="text/csv",
        )
    else:
        st.success(check.message)
        st.write(f"Format détecté : **{check.file_format}** — {check.rows_read} ligne(s) lue(s).")
    if check.warnings:
        st.warning(f"{len(check.warnings)} avertissement(s).")
        st.dataframe(findings_frame(check.warnings), hide_index=True, width="stretch")
    if check.status == STATUS_DRY_RUN and st.button("Confirmer l'import", type="primary"):
        result = import_returns(db, data, upload.name, imported_by="application (mode local)")
        cache.clear()
        st.success(f"{result.status.capitalize()} — {result.message}")

st.subheader("Journal des imports")
st.dataframe(cache.home_summary().imports, hide_index=True, width="stretch")
