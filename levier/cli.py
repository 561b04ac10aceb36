"""Levier's command line: reference load, imports, the demo database, the import journal, table exports, the app."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from levier.analysis import evaluation
from levier.core.config import settings
from levier.core.fmt import fmt_int
from levier.demo.build import (
    build_demo,
    ensure_database,
    init_database,
    load_reference_journaled,
)
from levier.ingest.detect import KIND_LABELS, import_file
from levier.ingest.mapping import MappingRequest
from levier.ingest.panel import PanelError, read_panel
from levier.ingest.reference import ReferenceError
from levier.report.export import (
    FORMATS,
    ExportError,
    ExportOptions,
    build,
    to_bytes,
    to_text,
)
from levier.rights.access import (
    AccessError,
    access_file_path,
    administrator,
    load_access,
    read_access,
    scope_for,
)
from levier.store.db import Database, DatabaseBusy, DatabaseUnavailable
from levier.store.geography import load_geography
from levier.views import derived
from levier.views.accueil import LEVEL_LABELS, load_home_summary

ENV_USER = "LEVIER_USER"
EXIT_FORBIDDEN = 4
EXIT_REFUSED = 3


def _db() -> Database:
    return Database()


def _named_user(args: argparse.Namespace, path: Path, why: str) -> str:
    """Who runs the command (--utilisateur, else LEVIER_USER) when an access file is installed; "" after saying, in
    French, that they must say it."""
    user = (getattr(args, "utilisateur", None) or os.environ.get(ENV_USER) or "").strip()
    if not user:
        print(f"Refusé : le fichier des droits « {path} » est installé, {why}. Indiquez qui vous êtes : "
              f"--utilisateur ADRESSE (ou la variable {ENV_USER}).", file=sys.stderr)
    return user


def write_guard(args: argparse.Namespace) -> int | None:
    """With an access file (a deployment with sign-in), writes need an administrator named by --utilisateur or
    LEVIER_USER; without one (local mode) they run as before. Returns an exit code to stop with, or None."""
    path = access_file_path()
    if not path.exists():
        return None
    user = _named_user(args, path, "les écritures sont réservées aux administrateurs")
    if not user:
        return EXIT_FORBIDDEN
    try:
        config = read_access(path)
    except AccessError as exc:
        print(f"Refusé : {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    if administrator(config, user) is None:
        print(f"Refusé : « {user} » n'a pas le rôle administrateur dans le fichier des droits « {path} ».",
              file=sys.stderr)
        return EXIT_FORBIDDEN
    args.recorded_user = user
    return None


def cmd_reference_load(args: argparse.Namespace) -> int:
    directory = Path(args.directory) if args.directory else settings().reference_dir
    db = _db()
    init_database(db)
    try:
        counts = load_reference_journaled(db, directory)
    except ReferenceError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    derived.refresh(db)
    print(f"Géographie de référence chargée depuis {directory} :")
    for (level, vintage), n in sorted(counts.items()):
        print(f"  {LEVEL_LABELS.get(level, level)}, millésime {vintage} : {fmt_int(n)}")
    return 0


def _expand(names: list[str]) -> list[str]:
    """File names as given, a quoted pattern (« ../shared/data/drees/*.xlsx ») expanded here as a shell would, in
    name order; a pattern that matches nothing is kept, so that its error names it."""
    out: list[str] = []
    for name in names:
        matches = sorted(glob.glob(name)) if glob.has_magic(name) and not Path(name).exists() else []
        out.extend(matches or [name])
    return out


def cmd_import(args: argparse.Namespace) -> int:
    try:
        year = int(args.annee) if args.annee is not None else None
    except ValueError:
        year = None
    if args.annee is not None and (year is None or not 1900 <= year <= 2100):
        print(f"Erreur : année « {args.annee} » invalide : indiquez une année sur quatre chiffres (ex. 2021).",
              file=sys.stderr)
        return 2
    if args.profil is not None and not args.profil.strip():
        print("Erreur : --profil attend un nom (ex. --profil filosofi_dep).", file=sys.stderr)
        return 2
    mapping = MappingRequest(accept=args.accepter_correspondance, year=year, profile=args.profil)
    db = _db()
    failed = wrote = False
    # The files and the pages' derived tables published as one new version (readers never see one without the
    # other); a dry run writes nothing.
    with nullcontext() if args.dry_run else db.batch():
        for name in _expand(args.files):
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                print(f"Fichier « {path} » illisible : {exc.strerror}", file=sys.stderr)
                failed = True
                continue
            report = import_file(db, data, path.name, kind=args.type, dry_run=args.dry_run,
                                 imported_by=getattr(args, "recorded_user", None), mapping=mapping)
            failed |= bool(report.errors)
            wrote |= not args.dry_run and not report.errors
            print(report.summary())
            print()
        if wrote:
            derived.refresh(db)  # the pages' derived tables, for the data as it now is
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    build_demo(_db().path, Path(args.reference) if args.reference else None, publish=derived.refresh)
    return 0


def cmd_imports(args: argparse.Namespace) -> int:
    summary = load_home_summary(_db(), imports_limit=args.limit)
    if summary.imports.empty:
        print("Aucun import.")
        return 0
    cols = ["N°", "Date", "Statut", "Type", "Fichier", "Valeurs acceptées", "Modifiées", "Erreurs", "Par",
            "Erreurs par règle"]
    print(summary.imports[cols].to_string(index=False))
    return 0


def read_database(args: argparse.Namespace) -> Database | int:
    """The database as the user may read it, with the app's rules: without an access file (local mode), every
    right; with one, the rights of --utilisateur (or LEVIER_USER) as the file grants them, public statistics only
    when the file does not name them. Returns an exit code to stop with instead when no user is given."""
    path = access_file_path()
    if not path.exists():
        return _db()
    user = _named_user(args, path, "les lectures suivent les droits de chacun")
    if not user:
        return EXIT_FORBIDDEN
    db = _db()
    try:
        geography = load_geography(db)
        config = load_access(path, geography)
    except AccessError as exc:
        print(f"Refusé : {exc}", file=sys.stderr)
        return EXIT_FORBIDDEN
    return db.with_scope(scope_for({"email": user, "sub": user}, config, geography))


def cmd_export(args: argparse.Namespace) -> int:
    def refuse(message: str) -> int:
        print(f"Erreur : {message}", file=sys.stderr)
        return 2

    if args.format not in FORMATS:
        return refuse(f"format « {args.format} » inconnu : choisissez parmi {', '.join(FORMATS)}.")
    if args.format == "xlsx" and not args.sortie:
        return refuse("le format xlsx s'écrit dans un fichier : indiquez --sortie FICHIER.")
    try:
        year = int(args.annee) if args.annee is not None else None
    except ValueError:
        return refuse(f"année « {args.annee} » invalide : indiquez une année sur quatre chiffres (ex. 2023).")
    db = read_database(args)
    if isinstance(db, int):
        return db
    try:
        km = float(str(args.km).replace(",", ".")) if args.km is not None else None
    except ValueError:
        return refuse(f"distance « {args.km} » invalide : indiquez un nombre de kilomètres (ex. 20).")
    options = ExportOptions(territoire=args.territoire, niveau=args.niveau, indicateur=args.indicateur, annee=year,
                            extra={"service": args.service, "km": km})
    try:
        table = build(db, args.nom, options)
    except ExportError as exc:
        return refuse(str(exc))
    if args.sortie:
        Path(args.sortie).write_bytes(to_bytes(table, args.format, sheet=args.nom))
        print(f"{len(table.frame)} ligne(s) écrite(s) dans {args.sortie}.", file=sys.stderr)
    else:
        sys.stdout.write(to_text(table, args.format))
    return 0


def cmd_evaluation(args: argparse.Namespace) -> int:
    """The event study of the Évaluation page on any panel: the event-time table on stdout (CSV), notes on stderr; a
    refusal exits 3 with its French reason, an unreadable panel exits 2."""
    path = Path(args.panel)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Erreur : fichier « {path} » illisible : {exc.strerror}.", file=sys.stderr)
        return 2
    try:
        panel, cohort = read_panel(data, str(path))
    except PanelError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    study = evaluation.event_study(panel, cohort, controls=args.temoins)
    if not study.ok:
        print("Estimation refusée : " + " ".join(study.refusal), file=sys.stderr)
        return EXIT_REFUSED
    sys.stdout.write(evaluation.event_table_csv(study))
    for line in evaluation.study_notes(study):
        print(f"Note : {line}", file=sys.stderr)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    # Imported here: Streamlit's server takes a second to import and only this command needs it.
    from levier.app.serve import run_server

    ensure_database(_db(), on_build=lambda: print("Construction de la base de démonstration (première ouverture)…"),
                    publish=derived.refresh)
    extra = ["--server.address", args.address] if args.address else []
    return run_server(args.port, extra)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="levier", description="Levier — diagnostics territoriaux et contrats État–départements.")
    sub = parser.add_subparsers(dest="command", required=True)

    ref = sub.add_parser("reference", help="données de référence (géographie)")
    ref_sub = ref.add_subparsers(dest="action", required=True)
    load = ref_sub.add_parser("load", help="charge la géographie de référence (COG, EPCI, géométries)")
    load.add_argument("directory", nargs="?", help="dossier des données (défaut : LEVIER_REFERENCE_DIR ou ../shared/data)")
    load.set_defaults(func=cmd_reference_load, writes=True)

    imp = sub.add_parser("import", help="importe des fichiers de retours d'indicateurs")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--dry-run", action="store_true", help="vérifie sans rien écrire")
    imp.add_argument("--type", choices=list(KIND_LABELS), default="auto",
                     help="type de fichier (défaut : détecté d'après son contenu)")
    imp.add_argument("--accepter-correspondance", action="store_true",
                     help="mise en page inconnue : applique la correspondance proposée (colonnes → indicateurs) et "
                          "l'enregistre comme profil, réutilisé ensuite sans question")
    imp.add_argument("--annee", metavar="N", help="année des valeurs quand ni les en-têtes, ni un titre, ni le nom du "
                                                  "fichier ne la donnent (l'emporte sur eux)")
    imp.add_argument("--profil", metavar="NOM", help="nom du profil enregistré avec --accepter-correspondance "
                                                     "(défaut : d'après le nom du fichier, sans l'année)")
    imp.set_defaults(func=cmd_import, writes=True)

    demo = sub.add_parser("demo", help="reconstruit la base de démonstration de zéro")
    demo.add_argument("--reference", help="dossier des données de référence")
    demo.set_defaults(func=cmd_demo, writes=True)

    journal = sub.add_parser("imports", help="affiche le journal des imports")
    journal.add_argument("--limit", type=int, default=50)
    journal.set_defaults(func=cmd_imports)

    export = sub.add_parser("export", help="exporte un tableau des pages (valeurs, positions, trajectoires…)")
    export.add_argument("nom", metavar="NOM", help="table à exporter : valeurs, positions, trajectoires, couverture, "
                                                  "qualite, financements")
    export.add_argument("--territoire", metavar="CODE", help="un seul territoire (défaut : tous ceux du niveau)")
    export.add_argument("--niveau", default="departement", help="departement (défaut), epci ou region")
    export.add_argument("--indicateur", metavar="CODE", help="un seul indicateur (défaut : tous)")
    export.add_argument("--annee", metavar="N", help="année du tableau (T0 pour positions, année de comparaison "
                                                     "pour trajectoires, dernière année lue pour valeurs)")
    export.add_argument("--format", default="csv", help="csv (défaut : « ; », virgule décimale, arrondis de "
                                                        "l'écran), csv-point (« , », point décimal, pleine "
                                                        "précision) ou xlsx")
    export.add_argument("--service", help="couverture : france_services (défaut) ou agence_france_travail")
    export.add_argument("--km", help="couverture : distance à vol d'oiseau en km (défaut : 20)")
    export.add_argument("--sortie", metavar="FICHIER", help="fichier à écrire (défaut : la sortie standard)")
    export.add_argument("--utilisateur", metavar="ADRESSE",
                        help=f"utilisateur dont les droits s'appliquent, quand un fichier des droits est installé "
                             f"(défaut : {ENV_USER})")
    export.set_defaults(func=cmd_export)

    ev = sub.add_parser("evaluation", help="étude d'événement (Callaway–Sant'Anna) sur un panel quelconque (CSV ou .xlsx)")
    ev.add_argument("--panel", metavar="FICHIER", required=True,
                    help="CSV ou .xlsx à colonnes territoire,annee,valeur,annee_traitement (annee_traitement vide : "
                         "jamais traité ; séparateur « , » ou « ; » ; nombres lus comme dans tout import)")
    ev.add_argument("--temoins", choices=list(evaluation.CONTROL_GROUPS), default=evaluation.CONTROLS_NOT_YET,
                    help="témoins : pas_encore (défaut : territoires pas encore traités l'année comparée, et jamais "
                         "traités) ou jamais (territoires jamais traités seulement)")
    ev.set_defaults(func=cmd_evaluation)

    app = sub.add_parser("app", help="lance l'application (construit la base de démonstration si besoin)")
    app.add_argument("--port", type=int, default=8501)
    app.add_argument("--address", help="adresse d'écoute (ex. 127.0.0.1)")
    app.set_defaults(func=cmd_app)
    for writer in (load, imp, demo):
        writer.add_argument("--utilisateur", metavar="ADRESSE",
                            help=f"administrateur au nom duquel écrire, quand un fichier des droits est installé "
                                 f"(défaut : {ENV_USER})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "writes", False) and (refused := write_guard(args)) is not None:
        return refused
    try:
        return int(args.func(args) or 0)
    except DatabaseBusy as exc:
        print(f"Base occupée : {exc}", file=sys.stderr)
        return 3
    except DatabaseUnavailable as exc:
        print(f"Base inutilisable : {exc}", file=sys.stderr)
        return 3
