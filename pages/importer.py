"""Import page: download a pre-filled template, upload a file, see every value it would change, then confirm."""

import streamlit as st

from levier.app import auth, cache
from levier.app import downloads as files
from levier.app import widgets as ui
from levier.views import importer

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
    "Retours d'indicateurs (format **long** ou **grille**), fichiers INSEE Filosofi, panoramas INSEE × DIPLP, "
    "financements, variantes de définition et listes de lieux, en `.csv` ou `.xlsx`. "
    "Levier vérifie d'abord le fichier et vous montre **chaque valeur qui changera** ; rien n'est écrit avant "
    "votre confirmation, et un fichier comportant la moindre erreur est refusé en entier."
)
st.caption(auth.mode_text(scope))


def show_findings(report, stem: str, title: str) -> None:
    """A refused file: how many errors, the first ones in words, the table, and the full list to download."""
    st.error(title)
    st.markdown(importer.first_findings_text(report.errors))
    table, note = importer.findings_table(report.errors, report.error_count)
    ui.table(table)
    if note:
        st.caption(note)
    ui.downloads(importer.findings_download(report), f"erreurs_{stem}", key="import_errors")


def show_warnings(report) -> None:
    if report.warnings:
        st.warning(f"{len(report.warnings)} avertissement(s) : le fichier peut être importé, vérifiez-les d'abord.")
        ui.table(importer.findings_table(report.warnings)[0])


# --- 1. A template to fill --------------------------------------------------------------------------------------
st.subheader("1. Préparer le fichier")
territory = importer.template_territory(db, ui.current_selection())
programmes = importer.template_programmes(db)
if territory is None:
    st.info("Choisissez un département ou une métropole dans le panneau de gauche : Levier vous propose alors un "
            "modèle de retour pré-rempli (territoire, indicateurs du programme, années).")
else:
    programme = st.selectbox("Programme", list(programmes), format_func=programmes.get, key="tpl_programme",
                             index=len(programmes) - 1)
    template = importer.return_template(db, territory, programme)
    st.markdown(
        f"Modèle pré-rempli pour **{territory.label}** : {len(template.indicators)} indicateur(s) à saisir du "
        f"programme {programme}, années {template.first_year} à {template.last_year}. Les ratios (parts, taux "
        "calculés) n'y figurent pas : Levier les calcule à partir de leur numérateur et de leur dénominateur."
    )
    # Built when clicked (deferred downloads), not on every run of the page.
    c1, c2, c3 = st.columns(3)
    files.button(c1, "Modèle long (XLSX)", template.long_xlsx, f"{template.stem('long')}.xlsx", importer.XLSX_MIME,
                 key="tpl_long_xlsx", icon=":material/download:",
                 help="Une ligne par indicateur et par année, avec les colonnes cible et année de cible.")
    files.button(c2, "Modèle long (CSV)", template.long_csv, f"{template.stem('long')}.csv", "text/csv",
                 key="tpl_long_csv", icon=":material/download:",
                 help="Le même, en texte séparé par des points-virgules. Ouvert dans Excel, un code comme "
                      "« 01 » peut perdre son zéro : préférez le modèle XLSX.")
    files.button(c3, "Modèle grille (XLSX)", template.grille_xlsx, f"{template.stem('grille')}.xlsx",
                 importer.XLSX_MIME, key="tpl_grille_xlsx", icon=":material/download:",
                 help="Une ligne par indicateur, une colonne par année (grille nationale, annexe 9).")
with st.expander("Autres formats et modèle de panorama"):
    st.markdown(
        "- Retours d'indicateurs : formats décrits dans `docs/formats.md` (colonnes `territoire`, `indicateur`, "
        "`periode`, `valeur`, `cible`, `annee_cible`, `commentaire`, `date_transmission`).\n"
        "- Panorama INSEE × DIPLP : une feuille `donnees` (une ligne par EPCI, une colonne par indicateur) et une "
        "feuille `definitions`."
    )
    files.button(st, "Modèle de classeur panorama (XLSX)", importer.panorama_template, "panorama_modele.xlsx",
                 importer.XLSX_MIME, key="tpl_panorama", icon=":material/download:")

# --- 2. The file --------------------------------------------------------------------------------------------------
st.subheader("2. Déposer le fichier")
kind = st.selectbox("Type de fichier", list(importer.KIND_LABELS), format_func=importer.KIND_LABELS.get, key="kind",
                    help="La détection automatique reconnaît le type à la forme du fichier ; choisissez-le si elle "
                         "se trompe.")
upload = ui.file_uploader("Fichier à importer (CSV ou XLSX)", ["csv", "xlsx"], key="upload",
                          max_mb=importer.max_upload_mb())

# --- 3. Check, then confirm ---------------------------------------------------------------------------------------
if upload is not None:
    data = upload.getvalue()
    key = importer.file_key(data, upload.name, kind)
    st.subheader("3. Vérifier puis confirmer")
    st.caption(f"Fichier reçu : « {upload.name} » ({importer.size_text(len(data))}).")
    done = st.session_state.get("import_done")
    if done is not None and done[0] == key:
        # Confirmed: the result replaces the simulation and its button.
        result = done[1]
        if result.errors:
            show_findings(result, upload.name, f"Import refusé : {result.error_count} erreur(s). La base n'a pas "
                                               "été modifiée.")
        elif result.status == importer.STATUS_IMPORTED:
            st.success(f"Importé (import n° {result.import_id}) — {result.message}")
        else:
            st.info(result.message)
        show_warnings(result)
        st.caption("Pour importer un autre fichier, déposez-le ci-dessus.")
    else:
        version = db.version_token()
        cached = st.session_state.get("import_check")
        if cached is None or cached[:2] != (key, version):
            cached = (key, version, importer.check_file(db, data, upload.name, kind))
            st.session_state["import_check"] = cached
        check = cached[2]
        report = check.report
        proposal = importer.mapping_proposal(report, data, upload.name)
        if proposal is not None:
            # An unknown layout: the proposed mapping, editable, applied only when the user says so.
            st.info(importer.mapping_note(proposal))
            edited = st.data_editor(
                importer.mapping_table(proposal), key="mapping_table", hide_index=True, width="stretch",
                disabled=["Colonne du fichier", "Libellé", "Confiance"],
                # Four columns inside 1280 px: the long headers wrap in the first, the confidence stays visible.
                column_config={"Colonne du fichier": st.column_config.TextColumn(width="medium"),
                               "Indicateur proposé": st.column_config.TextColumn(width="small"),
                               "Libellé": st.column_config.TextColumn(width="medium"),
                               "Confiance": st.column_config.TextColumn(width="small")})
            m1, m2 = st.columns(2)
            year = m1.number_input("Année des valeurs", min_value=1990, max_value=2100, step=1, key="mapping_year",
                                   value=proposal.year)
            profile = m2.text_input("Nom du profil enregistré (réutilisé ensuite sans question)",
                                    value=importer.default_profile_name(upload.name), key="mapping_profile")

            def apply_mapping() -> None:
                result = importer.apply_mapping(db, data, upload.name, proposal, edited, year, profile,
                                                auth.recorded_user(scope))
                cache.clear()
                st.session_state["import_done"] = (key, result)
                st.session_state.pop("import_check", None)

            st.button("Appliquer la correspondance et importer", type="primary", on_click=apply_mapping,
                      disabled=not year)
        elif report.errors:
            show_findings(report, upload.name, f"Fichier refusé : {report.error_count} erreur(s). Corrigez-les puis "
                                               "déposez de nouveau le fichier ; la base n'a pas été modifiée.")
        elif not check.can_confirm:
            st.info(report.message)  # the same content was already imported
        else:
            st.success(report.message)
            st.write(f"Format détecté : **{report.file_format}** — {report.rows_read} ligne(s) lue(s), "
                     f"{report.rows_accepted} retenue(s) pour l'import (une cellule vide n'enregistre rien).")
            m1, m2, m3 = st.columns(3)
            m1.metric("Valeurs nouvelles", check.new)
            m2.metric("Valeurs modifiées", check.modified)
            m3.metric("Identiques (non réécrites)", check.identical)
            if check.other_changes:
                st.write(f"{check.other_changes} ligne(s) nouvelle(s) ou modifiée(s) (montants, variantes ou lieux).")
            if len(check.changes):
                st.markdown("**Ce qui changera** (valeur actuelle → nouvelle valeur) :")
                ui.table(check.changes, height=min(420, 38 + 35 * len(check.changes)))
                ui.downloads(check.changes, f"apercu_{upload.name}", key="import_preview")
            elif not check.other_changes:
                st.info("Aucune valeur ne changera : le fichier ne contient que des valeurs déjà enregistrées.")
        show_warnings(report)
        if check.can_confirm:
            def confirm() -> None:
                result = importer.confirm_import(db, data, upload.name, kind, auth.recorded_user(scope))
                cache.clear()
                st.session_state["import_done"] = (key, result)
                st.session_state.pop("import_check", None)

            st.caption("La confirmation enregistre ces valeurs ; celles qu'elles remplacent restent dans "
                       "l'historique.")
            st.button("Confirmer l'import", type="primary", on_click=confirm)

st.subheader("Journal des imports")
ui.table(cache.recent_imports(db))
