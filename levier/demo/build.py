"""Building a database: schema, catalogue, reference geography, public statistics and the demo returns."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from levier.core.config import settings
from levier.store.db import Database, Query, Writer, migrations, replace_database
from levier.geo.display import build_static, ensure_static
from levier.ingest.catalogue import read_catalogue, store_catalogue, validate_catalogue
from levier.ingest.drees import load_drees_statistics
from levier.ingest.filosofi import read_insee_file
from levier.ingest.journal import content_hash, default_user, journal_params, now
from levier.ingest.public_stats import load_public_statistics
from levier.ingest.reference import REQUIRED_FILES, load_reference
from levier.ingest.report import ImportReport
from levier.ingest.returns import import_paths
from levier.ingest.services import import_services
from levier.ingest.variants import import_variants
from levier.demo.common import cdppe_wave_table
from levier.demo.funding import build_demo_funding
from levier.demo.returns import generate_demo_files, write_demo_variants

Progress = Callable[[str], None]
Publish = Callable[[Database], object]  # the publication step (levier.views.derived.refresh)


def load_catalogue(db: Database) -> dict[str, int]:
    cat = read_catalogue()
    problems = validate_catalogue(cat)
    if problems:
        raise ValueError("Catalogue invalide :\n" + "\n".join(problems))
    with db.transaction() as w:
        return store_catalogue(w, cat)


def init_database(db: Database) -> None:
    db.migrate()
    load_catalogue(db)


def load_reference_journaled(db: Database, reference_dir: Path) -> dict[tuple[str, int], int]:
    """Loads the reference geography and records it in the import journal (what, from where, when, by whom), in
    one transaction: a journal row without its geography, or the reverse, cannot happen."""
    started = now()
    fingerprint = "|".join(
        f"{spec.path}:{(Path(reference_dir) / spec.path).stat().st_size if (Path(reference_dir) / spec.path).exists() else '-'}"
        for spec in REQUIRED_FILES.values()
    )

    def record(w: Writer, counts: dict[tuple[str, int], int]) -> None:
        report = ImportReport(
            file=str(reference_dir), kind="référence", file_format="COG / EPCI / géométries",
            rows_read=sum(counts.values()), rows_accepted=sum(counts.values()), rows_changed=sum(counts.values()),
            status="importé", message="Géographie de référence remplacée en entier.",
        )
        w.execute(Query.INSERT_IMPORT_RUN,
                  journal_params(report, content_hash(fingerprint.encode()), started, default_user(), False))

    return load_reference(db, reference_dir, record=record)


# The two real lists of service locations in the reference data, imported through their documented mappings
# (docs/services.md): they are real, not demo data.
SERVICE_LISTS = (
    ("services/france_services_anct_20240801.csv", "france_services_anct"),
    ("services/pole_emploi_agences_2019-11.csv", "pole_emploi_agences"),
)


def load_service_lists(db: Database, reference_dir: Path) -> list[ImportReport]:
    reports = []
    for rel, mapping in SERVICE_LISTS:
        path = Path(reference_dir) / rel
        if not path.is_file():
            continue  # a reference directory without service lists still gives a working demo, without coverage
        report = import_services(db, path.read_bytes(), path.name, mapping=mapping, imported_by="levier (données de référence)")
        if report.errors:
            raise RuntimeError("Import des lieux de service en échec :\n" + report.summary())
        reports.append(report)
    return reports


def _demo_inputs(db: Database, reference_dir: Path):
    with db.reader() as r:
        deps = r.df(Query.DEMO_DEPARTEMENTS)
        metros = r.df(Query.DEMO_METROPOLES)
        programmes = r.df(Query.PROGRAMME_YEARS)
    indicators = read_catalogue().indicators
    rates: dict[str, float] = {}
    filo = reference_dir / "filosofi" / "FILO2020_DISP_PAUVRES_DEP.csv"
    if filo.exists():
        res = read_insee_file(filo)
        tp60 = res.facts[(res.facts["indicator"] == "STAT-TP60") & res.facts["value"].notna()]
        rates = dict(zip(tp60["territory_code"], tp60["value"]))
    return deps, metros, indicators, programmes, rates


def build_demo(db_path: Path, reference_dir: Path | None = None, progress: Progress = print,
               publish: Publish | None = None) -> list[ImportReport]:
    """Builds the demo database in a temporary file and moves it into place, so readers never see half of it.
    `publish` (levier.views.derived.refresh, passed by the faces) computes the derived tables in the temporary
    file, before the move: the database arrives with them."""
    reference_dir = reference_dir or settings().reference_dir
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="levier-build-", dir=db_path.parent)) / db_path.name
    db = Database(tmp)
    t0 = time.perf_counter()
    with db.batch(fresh=True):  # every write of the build in one new version: no copy per transaction
        progress("Schéma et catalogue des indicateurs…")
        init_database(db)
        progress(f"Géographie de référence depuis {reference_dir}…")
        load_reference_journaled(db, reference_dir)
        progress("Statistiques publiques INSEE (Filosofi)…")
        load_public_statistics(db, reference_dir)
        progress("Statistiques publiques DREES (aide sociale, minima sociaux, OARSA, prestations mensuelles, personnel)…")
        t_drees = time.perf_counter()
        drees = load_drees_statistics(db, reference_dir)
        failed_drees = [r for r in drees if r.errors]
        if failed_drees:
            raise RuntimeError("Import des classeurs DREES en échec :\n" + "\n".join(r.summary() for r in failed_drees[:3]))
        progress(f"  {len(drees)} classeurs DREES importés ({time.perf_counter() - t_drees:.1f} s).")
        progress("Lieux de service (France services, agences France Travail)…")
        load_service_lists(db, reference_dir)
        progress("Fonds de carte (static/geo)…")
        build_static(reference_dir)
        progress("Génération des fichiers de retours fictifs…")
        deps, metros, indicators, programmes, rates = _demo_inputs(db, reference_dir)
        out_dir = db_path.parent / "demo"  # beside the database: tests build theirs in a temporary folder
        if out_dir.exists():
            shutil.rmtree(out_dir)
        waves = cdppe_wave_table(deps["code"], reference_dir=reference_dir)  # one source: returns, funding, contracts
        files = generate_demo_files(out_dir, deps, metros, indicators, programmes, rates,
                                    cdppe_wave_years=dict(zip(waves["code"], waves["signed_year"])))
        progress(f"Import de {len(files)} fichiers de retours fictifs par l'importeur réel…")
        reports = import_paths(db, [f.path for f in files], demo=True, imported_by="levier demo")
        variants = write_demo_variants(out_dir, deps["code"])
        if variants is not None:  # after the returns: declarations name indicators the returns already carry
            reports.append(import_variants(db, variants.path.read_bytes(), variants.path.name, demo=True,
                                           imported_by="levier demo"))
        progress("Financements fictifs par action et vagues CDPPE…")
        reports += build_demo_funding(db, out_dir, deps, rates, waves, reference_dir, metropoles=metros)
        failed = [r for r in reports if r.errors]
        if failed:
            raise RuntimeError("Import de démonstration en échec :\n" + "\n".join(r.summary() for r in failed[:3]))
        if publish is not None:
            progress("Tables dérivées (positions, statuts, contrôles…)…")
            publish(db)
    replace_database(tmp, db_path)  # with the WAL question settled: a killed import's .wal does not survive
    shutil.rmtree(tmp.parent, ignore_errors=True)
    progress(f"Base de démonstration prête : {db_path} ({time.perf_counter() - t0:.1f} s).")
    return reports


def ensure_database(db: Database, on_build: Callable[[], None] | None = None,
                    publish: Publish | None = None) -> bool:
    """Builds the demo database on first start; returns True when it had to. The static map files (generated,
    git-ignored) are rebuilt whenever one is missing, even for an existing database. `publish`: see build_demo;
    an existing database upgraded by a migration is published again."""
    ensure_static()
    if db.exists():
        # A schema change can bring catalogue columns (the plausibility rules of 006): the shipped catalogue is
        # stored again, or an upgraded database would import with its new rules empty.
        if _needs_migration(db) and db.migrate():
            load_catalogue(db)
            if publish is not None:
                publish(db)
        return False
    if on_build:
        on_build()
    build_demo(db.path, progress=lambda _msg: None, publish=publish)
    return True


def _needs_migration(db: Database) -> bool:
    return db.schema_version() < max(v for v, _, _ in migrations())
