"""The shipped indicator catalogue: complete Annexe 9 grid, consistent ratios, label lookup, round trip to DuckDB."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from levier.ingest.catalogue import (
    COUNT_UNITS,
    DIRECTIONS,
    KINDS,
    UNITS,
    Catalogue,
    label_index,
    read_catalogue,
    store_catalogue,
    validate_catalogue,
)
from levier.core.config import CATALOGUE_DIR
from levier.store.db import Database
from tests.queries import ProbeQuery
from levier.core.text import normalise

# Every line of the CALPAE grid "Annexe 9" (DOMAIN.md §4, seed 002), with the grid's own wording.
ANNEXE_9 = {
    "CALPAE-1.1.1-MAJ": "Nombre de jeunes devenus majeurs dans l'année (jeunes confiés à l'ASE)",
    "CALPAE-1.1.1-REF": "Nombres de jeunes pris en charge dans le cadre du référentiel",
    "CALPAE-1.1.1-CJM": "Nombres de jeunes devenus majeurs dans l'année bénéficiant d'un CJM",
    "CALPAE-1.1.1-LIEN": "Nombre de jeunes ayant pu choisir leur personne lien au moment de la contractualisation",
    "CALPAE-1.1.1-LOG": "Nombre de jeunes avec un-logement stable",
    "CALPAE-1.1.2-RES": "Nombre de jeunes ayant accès à des ressources financières",
    "CALPAE-1.1.3-PAR": "Nombre de jeunes dans un parcours professionnel et/ou scolaire",
    "CALPAE-1.2-FAM": "Nombre de familles rencontrées par la maraude",
    "CALPAE-1.2-ABRI": "Nombre d'adultes et nombre de mineurs mis à l'abri",
    "CALPAE-1.2-DRO": "Ouverture de droits pour les enfants et les familles",
    "CALPAE-1.2-PROT": "Nombre d'enfants faisant l'objet d'une mesure de protection de l'enfance",
    "CALPAE-2.1.1-COUV": "Taux de couverture de premier accueil social inconditionnel par département accessible à "
                         "moins de 30 minutes",
    "CALPAE-2.1.2-STP": "Nombre de structures ou lieux susceptibles de s'engager dans la démarche de premier accueil "
                        "inconditionnel.",
    "CALPAE-2.1.2-STE": "Nombre de structures réellement engagées dans la démarche de premier accueil inconditionnel",
    "CALPAE-2.1.2-ACC": "Nombre de personnes accueillies par les structures engagées dans la démarche de premier "
                        "accueil inconditionnel",
    "CALPAE-2.2-INT": "Nombre d'intervenants sociaux formés ou sensibilisés à la démarche du référent de parcours",
    "CALPAE-2.2-ACC": "Nombre total de personnes accompagnées par un référent de parcours",
    "CALPAE-3.1.1-NE": "Nombre de nouveaux entrants",
    "CALPAE-3.1.1-OR1M": "Nombre de nouveaux entrants orientés en 1 mois et moins",
    "CALPAE-3.1.2-RDV": "Nombre total de 1er rendez-vous d'accompagnement fixé",
    "CALPAE-3.1.2-RDV2S": "Nombre de 1er rendez-vous fixés dans le délai de 2 semaines",
    "CALPAE-3.1.3-CER": "Nombre total de 1er contrat d'engagement",
    "CALPAE-3.1.3-CER2M": "Nombre de 1er contrat d'engagement dans les 2 mois",
    "CALPAE-3.2.1-OAG": "Nombre de bénéficiaires du RSA orientés vers l'accompagnement global (nouveaux entrants de "
                        "l'année)",
    "CALPAE-3.2.1-OGAD": "Nombre de bénéficiaires du RSA orientés vers la garantie d'activité départementale "
                         "(nouveaux entrants de l'année)",
    "CALPAE-3.2.1-ENC": "Nombre de bénéficiaires du RSA en cours d'accompagnement par la garantie d'activité (dont "
                        "accompagnement global + dont garantie d'activité départementale)",
    "CALPAE-3.2.2-PPC": "Nombre de personnes accompagnées par conseiller dédié à l'accompagnement global",
    "CALPAE-3.2.2-DEL": "Délai moyen du démarrage de l'accompagnement global (reporting assuré par pôle emploi)",
    # Both lines of section 4 carry the same wording in the grid; their sub-heading tells them apart.
    "CALPAE-4.1.1-TOT": "Formations figurant sur le catalogue CNFPT",
    "CALPAE-4.1.2-TOT": "Formations faisant l'objet d'un financement spécifique",
}

# Ratios the grid implies: (numerator, denominator).
EXPECTED_RATIOS = {
    "CALPAE-3.1.1-OR1M-TX": ("CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-NE"),
    "CALPAE-3.1.2-RDV2S-TX": ("CALPAE-3.1.2-RDV2S", "CALPAE-3.1.2-RDV"),
    "CALPAE-3.1.3-CER2M-TX": ("CALPAE-3.1.3-CER2M", "CALPAE-3.1.3-CER"),
    "CALPAE-1.1.1-LOG-TX": ("CALPAE-1.1.1-LOG", "CALPAE-1.1.1-MAJ"),
    "CALPAE-1.1.2-RES-TX": ("CALPAE-1.1.2-RES", "CALPAE-1.1.1-MAJ"),
    "CALPAE-1.1.3-PAR-TX": ("CALPAE-1.1.3-PAR", "CALPAE-1.1.1-MAJ"),
    "CALPAE-2.2-INT-TX": ("CALPAE-2.2-INT", "CALPAE-2.2-EFF"),
}


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return read_catalogue()


def _with_indicators(cat: Catalogue, indicators: pd.DataFrame) -> Catalogue:
    return dataclasses.replace(cat, indicators=indicators.reset_index(drop=True))


def _edit(cat: Catalogue, code: str, **changes: str) -> Catalogue:
    ind = cat.indicators.copy()
    row = ind["code"] == code
    assert row.sum() == 1, code
    for column, value in changes.items():
        ind.loc[row, column] = value
    return _with_indicators(cat, ind)


def test_shipped_catalogue_has_no_problem(cat):
    assert validate_catalogue(cat) == []
    assert set(cat.programmes["code"]) >= {"CALPAE", "CDPPE", "PACTE", "STAT"}


def test_types_are_ready_for_the_database(cat):
    assert cat.programmes["first_year"].dtype == "int64"
    assert cat.indicators["sensitive"].dtype == bool
    assert cat.indicators["code"].map(type).eq(str).all()
    calpae = cat.programmes.set_index("code").loc["CALPAE"]
    assert (calpae["first_year"], calpae["last_year"], calpae["due_date"]) == (2019, 2022, "03-31")
    assert "paramétrable" in calpae["description"]
    pacte = cat.programmes.set_index("code").loc["PACTE"]
    assert pacte["first_year"] == 2023 and "T0" in pacte["description"]


@pytest.mark.parametrize("code,grid_label", sorted(ANNEXE_9.items()))
def test_every_annexe_9_line_is_found_by_its_grid_wording(cat, code, grid_label):
    index = label_index(cat.indicators)
    assert code in set(cat.indicators["code"]), f"ligne de l'annexe 9 absente : {code}"
    assert index.get(normalise(grid_label)) == code


def test_documented_codes_exist(cat):
    codes = set(cat.indicators["code"])
    # docs/formats.md uses these in its examples.
    assert {"CALPAE-3.1.1-NE", "CALPAE-3.1.1-OR1M", "PACTE-1-ACC"} <= codes


def test_codes_are_unique_ascii_uppercase(cat):
    codes = cat.indicators["code"]
    assert not codes.duplicated().any(), codes[codes.duplicated()].tolist()
    for code in codes:
        assert code.isascii() and code == code.upper() and " " not in code, code


def test_every_ratio_divides_two_existing_counts(cat):
    ind = cat.indicators.set_index("code")
    ratios = ind[(ind["numerator"] != "") | (ind["denominator"] != "")]
    assert len(ratios) >= 15
    for code, row in ratios.iterrows():
        assert row["unit"] == "%", code
        for ref in (row["numerator"], row["denominator"]):
            assert ref in ind.index, f"{code} : {ref} inconnu"
            assert ind.loc[ref, "unit"] in COUNT_UNITS, f"{code} : {ref} n'est pas un comptage"
            assert ind.loc[ref, "numerator"] == "", f"{code} : {ref} est lui-même un ratio"
        assert "jamais saisi" in row["definition"], code
    for code, (num, den) in EXPECTED_RATIOS.items():
        assert (ind.loc[code, "numerator"], ind.loc[code, "denominator"]) == (num, den), code


def test_allowed_values_are_used(cat):
    ind = cat.indicators
    assert set(ind["kind"]) <= set(KINDS)
    assert set(ind["unit"]) <= set(UNITS)
    assert set(ind["direction"]) <= set(DIRECTIONS) | {""}
    assert (ind["territory"] == "").all(), "les lignes nationales n'ont pas de territoire"


def test_children_in_care_and_maraudes_are_sensitive(cat):
    ind = cat.indicators.set_index("code")
    ase = [c for c in ind.index if c.startswith(("CALPAE-1.1.", "CALPAE-1.2-"))]
    assert len(ase) >= 17
    assert ind.loc[ase, "sensitive"].all()
    assert ind.loc[["CDPPE-2-PPE", "CDPPE-2-PPE-TX", "CDPPE-4-JM"], "sensitive"].all()
    assert not ind.loc["CALPAE-3.1.1-NE", "sensitive"]


def test_known_definition_conflicts_are_written_down(cat):
    definition = cat.indicators.set_index("code")["definition"]
    sortie = definition["CALPAE-1.1.1-MAJ"]
    assert "17 ans" in sortie and "contrat jeune majeur" in sortie and "TDC" in sortie
    assert "visites" in definition["CALPAE-2.1.2-ACC"]
    orientation = definition["CALPAE-3.1.1-OR1M"]
    assert "15, 30 ou 45 jours" in orientation and "point de départ" in orientation


def test_label_index_forgives_accents_case_and_punctuation(cat):
    index = label_index(cat.indicators)
    assert index[normalise("NOMBRE DE NOUVEAUX ENTRANTS ORIENTES EN 1 MOIS ET MOINS")] == "CALPAE-3.1.1-OR1M"
    assert index[normalise("  nombre de jeunes AYANT acces a des ressources financieres.")] == "CALPAE-1.1.2-RES"
    assert index[normalise("calpae-3.1.1-ne")] == "CALPAE-3.1.1-NE"
    # formats.md grid example, without "Nombre de".
    assert index[normalise("Nouveaux entrants orientés en 1 mois et moins")] == "CALPAE-3.1.1-OR1M"


def test_label_index_refuses_a_label_shared_by_two_indicators(cat):
    ind = cat.indicators.copy()
    ind.loc[ind["code"] == "CALPAE-3.1.2-RDV", "aliases"] = "NOMBRE DE NOUVEAUX ENTRANTS"
    with pytest.raises(ValueError, match="CALPAE-3.1.1-NE"):
        label_index(ind)
    problems = validate_catalogue(_with_indicators(cat, ind))
    assert any("à la fois" in p and "CALPAE-3.1.2-RDV" in p for p in problems)


def test_broken_denominator_is_reported_in_french(cat):
    broken = _edit(cat, "CALPAE-3.1.1-OR1M-TX", denominator="CALPAE-3.1.1-NOUVEAUX")
    problems = validate_catalogue(broken)
    assert problems == ["Indicateur « CALPAE-3.1.1-OR1M-TX » : dénominateur « CALPAE-3.1.1-NOUVEAUX » inconnu dans "
                        "le catalogue."]


def test_other_ratio_mistakes_are_reported(cat):
    not_percent = validate_catalogue(_edit(cat, "CALPAE-3.1.1-OR1M-TX", unit="personnes"))
    assert any("unité « % »" in p for p in not_percent)
    ratio_of_ratio = validate_catalogue(_edit(cat, "CALPAE-3.1.1-OR1M-TX", numerator="CALPAE-3.1.2-RDV2S-TX"))
    assert any("lui-même un ratio" in p for p in ratio_of_ratio)
    half = validate_catalogue(_edit(cat, "CALPAE-3.1.1-OR1M-TX", numerator=""))
    assert any("à la fois un numérateur et un dénominateur" in p for p in half)


def test_references_and_allowed_values_are_checked(cat):
    problems = validate_catalogue(_edit(cat, "CALPAE-3.1.1-NE", action="CALPAE-9.9", kind="objectif",
                                        direction="stable", label=""))
    assert any("action « CALPAE-9.9 » inconnue" in p for p in problems)
    assert any("nature « objectif » inconnue" in p for p in problems)
    assert any("sens « stable » inconnu" in p for p in problems)
    assert any("libellé vide" in p for p in problems)
    twice = _with_indicators(cat, pd.concat([cat.indicators, cat.indicators.iloc[[0]]]))
    assert any("code en double" in p for p in validate_catalogue(twice))
    unknown_axis = validate_catalogue(_edit(cat, "PACTE-1-ACC", axis="7"))
    assert any("axe « 7 » inconnu pour le programme PACTE" in p for p in unknown_axis)


def _copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    target.mkdir()
    for name in ("programmes.csv", "axes.csv", "actions.csv"):
        shutil.copy(CATALOGUE_DIR / name, target / name)
    for path in CATALOGUE_DIR.glob("indicateurs*.csv"):  # every file: a link may name an indicator of another one
        shutil.copy(path, target / path.name)
    return target


def test_reader_concatenates_every_indicateurs_file(tmp_path):
    directory = _copy_catalogue(tmp_path)
    own = len(read_catalogue(directory).indicators)
    # Another file, columns in another order, booleans written differently: still read.
    extra = pd.DataFrame([{
        "territory": "", "sensitive": "FALSE", "code": "STAT-TEST", "label": "Indicateur de test",
        "programme": "STAT", "axis": "", "action": "", "kind": "contexte", "unit": "%", "direction": "baisse",
        "numerator": "", "denominator": "", "periodicity": "annuelle", "source": "INSEE",
        "definition": "Indicateur ajouté par un autre fichier.", "aliases": "",
    }])
    extra.to_csv(directory / "indicateurs_test.csv", index=False)
    cat = read_catalogue(directory)
    assert len(cat.indicators) == own + 1
    assert cat.indicators.set_index("code").loc["STAT-TEST", "sensitive"] == False  # noqa: E712
    assert validate_catalogue(cat) == []


def test_reader_names_a_missing_column(tmp_path):
    directory = _copy_catalogue(tmp_path)
    frame = pd.read_csv(directory / "axes.csv", dtype=str, keep_default_na=False)
    frame.drop(columns="label").to_csv(directory / "axes.csv", index=False)
    with pytest.raises(ValueError, match="axes.csv : colonnes manquantes : label"):
        read_catalogue(directory)


def _counts(db: Database) -> dict[str, int]:
    frame = db.read(ProbeQuery.CATALOGUE_COUNTS)
    return dict(zip(frame["table_name"], frame["n_rows"].astype(int)))


def test_store_replaces_the_catalogue_tables(tmp_path, cat):
    db = Database(path=tmp_path / "t.duckdb")
    db.migrate()
    with db.transaction() as w:
        stored = store_catalogue(w, cat)
    with db.transaction() as w:  # a reload replaces, never appends
        store_catalogue(w, cat)
    counts = _counts(db)
    expected = {"programme": len(cat.programmes), "axis": len(cat.axes), "action": len(cat.actions),
                "indicator": len(cat.indicators)}
    assert stored == expected
    assert {k: counts[k] for k in expected} == expected
    ind = cat.indicators
    # Empty cells become NULL: the derived-value view only joins ratios whose numerator IS NOT NULL.
    assert counts["indicator_derived"] == int((ind["numerator"] != "").sum())
    assert counts["indicator_sensitive"] == int(ind["sensitive"].sum())


def test_store_refuses_a_broken_catalogue_and_keeps_the_previous_one(tmp_path, cat):
    db = Database(path=tmp_path / "t.duckdb")
    db.migrate()
    with db.transaction() as w:
        store_catalogue(w, cat)
    before = _counts(db)
    broken = _edit(cat, "CALPAE-3.1.1-OR1M-TX", denominator="INCONNU")
    with pytest.raises(ValueError, match="dénominateur « INCONNU » inconnu"):
        with db.transaction() as w:
            store_catalogue(w, broken)
    assert _counts(db) == before


def test_every_count_with_a_direction_has_a_ranking_denominator(cat):
    # Issue 14: a count is never ranked raw. Every shipped count carrying a direction names its denominator
    # (population, another typed count, or 'aucun'), and a count over another count uses the same denominator as
    # the derived ratio of the grid when there is one (CALPAE-1.1.1-REF over CALPAE-1.1.1-MAJ, as REF-TX).
    ind = cat.indicators.set_index("code", drop=False)
    counts = ind[ind["unit"].isin(["personnes", "nombre"]) & ind["direction"].ne("")]
    assert len(counts) >= 77 and counts["rate_base"].ne("").all()
    for ratio in ind[ind["numerator"].ne("")].itertuples():
        base = ind.at[ratio.numerator, "rate_base"]
        assert base == ratio.denominator, (ratio.code, base)
    assert ind.at["STAT-TP40", "published_floor"] == "5"


@pytest.mark.parametrize("changes,expected", [
    ({"rate_base": "CALPAE-1.1.1-REF-TX"}, "doit être un effectif saisi"),
    ({"rate_base": "CALPAE-9-INCONNU"}, "dénominateur de classement « CALPAE-9-INCONNU » inconnu"),
    ({"rate_base": "CALPAE-1.1.1-REF"}, "ne peut pas être l'indicateur lui-même"),
    ({"rate_scale": ""}, "rate_scale doit être un nombre positif"),
    ({"rate_scale": "mille"}, "« mille » n'est pas un nombre (colonne rate_scale)"),
])
def test_a_bad_ranking_denominator_is_refused(cat, changes, expected):
    problems = validate_catalogue(_edit(cat, "CALPAE-1.1.1-REF", **changes))
    assert any(expected in p for p in problems), problems


def test_only_a_count_gets_a_ranking_denominator(cat):
    problems = validate_catalogue(_edit(cat, "STAT-TP60", rate_base="population", rate_scale="1000"))
    assert any("seul un effectif" in p and "STAT-TP60" in p for p in problems), problems


def test_a_catalogue_file_without_the_rate_columns_still_loads(tmp_path, cat):
    # The four columns are optional: an older indicateurs.csv loads, its counts then have no denominator (unranked).
    for path in CATALOGUE_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    frame = pd.read_csv(tmp_path / "indicateurs.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.drop(columns=["rate_base", "rate_scale", "rate_noun", "published_floor"]).to_csv(
        tmp_path / "indicateurs.csv", index=False)
    loaded = read_catalogue(tmp_path).indicators.set_index("code")
    assert loaded.at["CALPAE-1.1.1-REF", "rate_base"] == "" and loaded.at["STAT-TP40", "published_floor"] == "5"
