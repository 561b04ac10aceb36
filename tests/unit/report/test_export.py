"""`levier export` on the demo database: the tables hold what the T0 and mi-parcours views show, in the two CSV
dialects and XLSX, codes as text, rights as in the app, French errors on bad requests."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from levier.cli import main
from levier.core.fmt import fmt_number, value_decimals
from levier.report.export import EXPORTS, ExportOptions, build
from levier.views import effet_levier, mi_parcours, services, t0
from levier.views.common import available_periods

TP60 = "STAT-TP60"


@pytest.fixture(autouse=True)
def local_mode(tmp_path, monkeypatch):
    """No access file unless a test installs one: the local mode, every right."""
    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("LEVIER_USER", raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def read_csv(text: str, sep: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def test_the_registry_holds_the_tables_the_pages_show():
    assert set(EXPORTS) == {"valeurs", "positions", "trajectoires", "couverture", "qualite", "financements"}


def test_couverture_is_the_services_page_figure(demo_db, capsys):
    code, out, err = run(capsys, "couverture", "--service", "agence_france_travail", "--km", "20", "--format",
                         "csv-point")
    assert code == 0, err
    table = read_csv(out, ",").set_index("code")
    assert len(table) == 101 and list(table.columns[:1]) == ["libelle"]
    page = services.coverage_table(demo_db, "agence_france_travail", 20.0, "departement").set_index("code")
    assert float(table.at["973", "part_couverte"]) == page.at["973", "part_couverte"]  # full precision
    assert 0 < float(table.at["973", "part_couverte"]) < 100 and table.at["2A", "libelle"] == "Corse-du-Sud"
    code, out, _ = run(capsys, "couverture", "--service", "agence_france_travail", "--km", "20", "--territoire",
                       "973")
    (row,) = read_csv(out.lstrip("\ufeff"), ";").to_dict("records")
    assert row["part_couverte"] == fmt_number(page.at["973", "part_couverte"], 1).replace("\u00a0", "")
    assert row["population"] == str(page.at["973", "population"])  # no thousands separator: a number in Excel
    code, _, err = run(capsys, "couverture", "--service", "boulangerie")
    assert code == 2 and "Type de lieu « boulangerie » inconnu" in err


def test_couverture_per_epci_and_departement_from_commune_points(demo_db, capsys):
    code, out, err = run(capsys, "couverture", "--service", "agence_france_travail", "--km", "10", "--niveau", "epci",
                         "--format", "csv-point")
    assert code == 0, err
    epci = read_csv(out, ",")
    assert list(epci.columns[-3:]) == ["communes", "communes_couvertes", "communes_point_repli"]
    assert len(epci) == 1255 and epci["code"].str.fullmatch(r"\d{9}").all()
    assert sum(int(n) for n in epci["communes"]) == 34871  # the 4 island communes without an EPCI are in no row
    assert set(epci["communes_point_repli"]) == {"0"}  # every commune has its own point in the shared file
    # CA du Centre Littoral (Cayenne): within 10 km of Cayenne's three agencies, Cayenne (62,675 inhabitants) and
    # Rémire-Montjoly (27,723) but not Matoury (12 km): 90,398 of 153,884 inhabitants, by hand from the files.
    cacl = epci.set_index("code").loc["249730045"]
    assert (cacl["population"], cacl["population_couverte"], cacl["communes_couvertes"]) == ("153884", "90398", "2")
    assert float(cacl["part_couverte"]) == pytest.approx(100 * 90398 / 153884)
    shares = {}
    for km in ("10", "30"):
        code, out, err = run(capsys, "couverture", "--service", "agence_france_travail", "--km", km, "--format",
                             "csv-point")
        assert code == 0, err
        shares[km] = read_csv(out, ",").set_index("code")["part_couverte"].astype(float)
    assert (shares["10"] <= shares["30"]).all() and shares["10"]["973"] < shares["30"]["973"]
    assert shares["10"]["48"] < shares["30"]["48"]


def test_qualite_lists_the_planted_unit_slip_of_gironde(demo_db, capsys):
    code, out, err = run(capsys, "qualite", "--territoire", "33")
    assert code == 0, err
    table = read_csv(out.lstrip("\ufeff"), ";")
    assert set(table["code"]) == {"33"} and set(table["libelle"]) == {"Gironde"}
    slip = table[(table["indicateur"] == "CALPAE-3.1.1-OR1M") & (table["annee"] == "2021")]
    assert "numérateur saisi en pourcentage ?" in set(slip["probleme"])


def test_financements_are_the_lever_page_amounts(demo_db, capsys):
    code, out, err = run(capsys, "financements", "--territoire", "38", "--format", "csv-point")
    assert code == 0, err
    table = read_csv(out, ",")
    page = effet_levier.funding_table(demo_db, "departement", "38")
    assert len(table) == len(page) > 0 and set(table["code"]) == {"38"}
    assert sum(float(x) for x in table["etat_consomme"]) == pytest.approx(page["etat_consomme"].sum())
    code, _, err = run(capsys, "financements", "--niveau", "epci")
    assert code == 2 and "suivis par département" in err


def test_positions_of_isere_are_the_t0_view_figures(demo_db, capsys):
    view = t0.t0_view(demo_db, "38", "departement", 2023)
    shown = view.table.set_index("Code").loc[TP60]
    code, out, err = run(capsys, "positions", "--territoire", "38", "--indicateur", TP60, "--format", "csv-point")
    assert code == 0, err
    table = read_csv(out, ",")
    assert list(table.columns[:2]) == ["code", "libelle"]
    (row,) = table.to_dict("records")
    assert row["code"] == "38" and row["libelle"] == "Isère" and row["indicateur"] == TP60
    assert float(row["valeur"]) == shown["Valeur"] == pytest.approx(11.3)
    assert row["annee"] == "2020" and int(row["rang"]) == shown["Rang"] and row["territoires_classes"] == "98"
    assert int(row["quartile"]) == shown["Quartile"]
    for col, label in (("mediane_nationale", "Médiane nationale"), ("ecart_mediane_regionale", "Écart à la médiane régionale"),
                       ("mediane_pairs", "Médiane des pairs"), ("ecart_mediane_pairs_pct", "Écart à la médiane des pairs (%)")):
        assert float(row[col]) == shown[label]  # full precision: the same float
    assert row["situation_mediane_nationale"] == shown["Situation / médiane nationale"]

    code, out, _ = run(capsys, "positions", "--territoire", "38", "--indicateur", TP60)
    (text,) = read_csv(out.lstrip("\ufeff"), ";").to_dict("records")
    display = view.display.set_index("Code").loc[TP60]
    assert text["valeur"] == "11,3" and display["Valeur"] == "11,3\u00a0%"  # as on screen, without the unit
    assert text["rang"] == str(int(shown["Rang"])) and text["annee"] == "2020"
    assert display["Écart à la médiane nationale"].replace("−", "-").startswith(text["ecart_mediane_nationale"])


def test_without_territory_every_departement_comes_with_its_code_as_text(demo_db, capsys):
    code, out, err = run(capsys, "valeurs", "--indicateur", TP60, "--format", "csv-point")
    assert code == 0, err
    table = read_csv(out, ",")
    assert len(table) >= 98 and table["code"].is_unique
    assert {"01", "2A", "2B", "974"} <= set(table["code"])
    assert out.splitlines()[1].startswith("01,Ain,STAT-TP60,")
    _, comma, _ = run(capsys, "valeurs", "--indicateur", TP60)
    assert comma.lstrip("\ufeff").splitlines()[1].startswith("01;Ain;STAT-TP60;")


def test_valeurs_are_the_values_the_t0_page_shows(demo_db, capsys):
    view = t0.t0_view(demo_db, "38", "departement", 2023)
    code, out, err = run(capsys, "valeurs", "--territoire", "38", "--annee", "2023", "--format", "csv-point")
    assert code == 0, err
    table = read_csv(out, ",").set_index("indicateur")
    shown = view.table[view.table["Valeur"].notna()].set_index("Code")
    assert len(shown) > 10
    for indicator, row in shown.iterrows():
        assert float(table.at[indicator, "valeur"]) == row["Valeur"], indicator
        assert int(table.at[indicator, "annee"]) == row["Année"], indicator
    assert table.at[TP60, "source"] == shown.at[TP60, "Source"]
    assert set(table["code"]) == {"38"} and set(table["donnee_demo"]) <= {"oui", "non"}
    assert (table.loc[table.index.str.startswith("PACTE"), "donnee_demo"] == "oui").all()


def test_csv_rounds_as_on_screen_and_csv_point_keeps_full_precision(demo_db, capsys):
    _, point, _ = run(capsys, "valeurs", "--territoire", "38", "--format", "csv-point")
    _, comma, _ = run(capsys, "valeurs", "--territoire", "38")
    p = read_csv(point, ",").set_index("indicateur")
    c = read_csv(comma.lstrip("\ufeff"), ";").set_index("indicateur")
    assert comma.splitlines()[0].startswith("code;libelle;indicateur")
    assert point.splitlines()[0].startswith("code,libelle,indicateur")
    for indicator in p.index[p["valeur"] != ""]:
        exact, text, unit = float(p.at[indicator, "valeur"]), c.at[indicator, "valeur"], p.at[indicator, "unite"]
        assert "." not in text and "\u00a0" not in p.at[indicator, "valeur"]
        decimals = value_decimals(exact, unit)  # what the T0 page shows
        assert len(text.split(",")[1]) == decimals if decimals else "," not in text
        if unit in ("personnes", "€"):
            assert decimals == 0
        assert float(text.replace("\u00a0", "").replace(",", ".")) == pytest.approx(exact, abs=0.5 * 10**-decimals + 1e-9)
    assert c.at[TP60, "valeur"] == "11,3" and p.at[TP60, "valeur"] == "11.3"


def test_trajectoires_are_the_mi_parcours_statuses(demo_db, capsys):
    periods = available_periods(demo_db, "departement", "38")
    start, end = mi_parcours.default_periods(periods, "PACTE")
    view = mi_parcours.midterm_view(demo_db, "38", "departement", start, end, start, "PACTE")
    assert len(view.tracking) > 0
    code, out, err = run(capsys, "trajectoires", "--territoire", "38", "--format", "csv-point")
    assert code == 0, err
    table = read_csv(out, ",")
    pacte = table[table["programme"] == "PACTE"].set_index("indicateur")
    shown = view.tracking.set_index("indicator")
    assert list(pacte.index) == list(shown.index)
    assert pacte["statut"].tolist() == shown["status"].tolist()
    assert "motif_statut" in table.columns  # why a status is « non évaluable » (a value a quality check rejects)
    for indicator, row in shown.iterrows():
        rate = pacte.at[indicator, "taux_atteinte_pct"]
        assert (rate == "" and math.isnan(row["attainment"])) or float(rate) == row["attainment"]
        assert int(pacte.at[indicator, "annee_t0"]) == start


def test_xlsx_keeps_codes_as_text_and_booleans_in_french(demo_db, tmp_path, capsys):
    target = tmp_path / "valeurs.xlsx"
    code, _, err = run(capsys, "valeurs", "--territoire", "2A", "--format", "xlsx", "--sortie", str(target))
    assert code == 0, err
    assert "ligne(s) écrite(s)" in err
    frame = pd.read_excel(target, dtype={"code": str})
    assert set(frame["code"]) == {"2A"} and frame["libelle"].iloc[0] == "Corse-du-Sud"
    assert set(frame["donnee_demo"]) <= {"oui", "non"}
    assert main(["export", "valeurs", "--format", "xlsx"]) == 2
    assert "--sortie" in capsys.readouterr().err


def test_bad_requests_are_refused_in_french(demo_db, capsys):
    code, out, err = run(capsys, "tableau")
    assert code == 2 and out == "" and "Table « tableau » inconnue" in err and "positions" in err
    code, _, err = run(capsys, "valeurs", "--territoire", "1")
    assert code == 2 and "Territoire « 1 » inconnu" in err
    code, _, err = run(capsys, "valeurs", "--indicateur", "NOPE")
    assert code == 2 and "Indicateur « NOPE » inconnu" in err
    code, _, err = run(capsys, "valeurs", "--niveau", "canton")
    assert code == 2 and "Niveau « canton » inconnu" in err
    code, _, err = run(capsys, "valeurs", "--annee", "deux-mille")
    assert code == 2 and "année « deux-mille » invalide" in err
    code, _, err = run(capsys, "valeurs", "--format", "json")
    assert code == 2 and "format « json » inconnu" in err


def test_rights_apply_as_in_the_app(demo_db, tmp_path, monkeypatch, capsys):
    from tests.unit.rights.test_access import FOUR_USERS

    rights = tmp_path / "acces.toml"
    rights.write_text(FOUR_USERS, encoding="utf-8")
    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(rights))
    code, out, err = run(capsys, "valeurs", "--territoire", "69")
    assert code == 4 and out == "" and "--utilisateur" in err

    code, out, err = run(capsys, "valeurs", "--territoire", "69", "--format", "csv-point",
                         "--utilisateur", "isere@exemple.gouv.fr")
    assert code == 0, err
    lyon = read_csv(out, ",")
    assert len(lyon) > 0 and set(lyon["programme"]) == {"STAT"}  # another département's returns stay hidden
    monkeypatch.setenv("LEVIER_USER", "isere@exemple.gouv.fr")
    code, out, _ = run(capsys, "valeurs", "--territoire", "38", "--format", "csv-point")
    assert code == 0 and "PACTE" in set(read_csv(out, ",")["programme"])


def test_a_table_is_built_the_same_without_the_command_line(demo_db):
    table = build(demo_db, "valeurs", ExportOptions(territoire="38", indicateur=TP60))
    assert table.frame[["code", "libelle", "indicateur", "annee"]].values.tolist() == [["38", "Isère", TP60, 2020]]
