"""What the catalogue and data-quality pages assemble (levier.views.indicateurs, levier.views.qualite), on the real demo
database: the catalogue with its coverage and comparability, the quality report scoped to a territory, the corrections
list (every planted defect, nothing else) and the findings table of `levier export qualite`, the restriction of a
ranking to the reference definition, and the routing of variants files at import."""

from __future__ import annotations

import io
import time
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest
import xlsxwriter

from levier.analysis import quality
from levier.analysis.comparability import (
    STATUS_REFERENCE,
    STATUS_UNDECLARED,
    STATUS_VARIANT,
)
from levier.views import comparer as views
from levier.core.config import PROJECT_ROOT
from levier.demo import returns as demo
from levier.ingest.detect import KIND_RETURNS, KIND_VARIANTS, detect_kind, import_file
from levier.store import derived as derived_store
from levier.store.db import Database, Query
from levier.views import indicateurs, panorama, qualite, series
from levier.views.indicateurs import declarations as declarations_table

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
# After the 2025 Pacte returns were due, before the 2026 ones: the demo's planted defects are then the only issues.
TODAY = date(2026, 9, 1)
OR1M, OR1M_TX, NE, ACC = "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-OR1M-TX", "CALPAE-3.1.1-NE", "CALPAE-2.1.2-ACC"


@pytest.fixture(scope="module")
def bundle(demo_db_path):
    from levier.store.db import Database

    return qualite.quality_bundle(Database(demo_db_path), today=TODAY)


@pytest.fixture(scope="module")
def catalogue(demo_db_path):
    from levier.store.db import Database

    return indicateurs.catalogue(Database(demo_db_path))


# --------------------------------------------------------------------------------------------------------------
# Catalogue page
# --------------------------------------------------------------------------------------------------------------


def test_catalogue_lists_every_indicator_with_the_data_that_exists(catalogue, demo_db):
    n_indicators = len(demo_db.read(Query.INDICATOR_CATALOGUE))
    assert len(catalogue) == n_indicators and catalogue["Code"].is_unique
    row = catalogue.set_index("Code")
    assert row.at[OR1M_TX, "Années disponibles"] == "2019–2022"
    assert row.at[OR1M_TX, "Départements"] == 101
    assert row.at[OR1M_TX, "Calcul"] == f"ratio calculé : {OR1M} / {NE}"
    assert row.at[OR1M_TX, "Sens souhaité"] == "hausse souhaitée"
    assert row.at["STAT-TP60", "Années disponibles"] == "2020"
    assert row.at["STAT-TP60", "Calcul"] == "statistique publique"
    assert row.at["PACTE-2-NE", "EPCI"] > 15  # the métropoles report on the Pacte too
    assert row.at[OR1M, "Axe"].startswith("CALPAE 3 – ")
    # Three départements declare J45 for the numerator: the ratio inherits it.
    assert row.at[OR1M_TX, "Départements sous une variante"] == 3
    assert row.at[NE, "Définition variable"] == "non déclarée"
    assert set(indicateurs.catalogue_display(catalogue).columns) >= {"Définition", "Source", "Périodicité", "Unité"}


def test_catalogue_search_and_filters(catalogue):
    found = indicateurs.filter_catalogue(catalogue, "CONTRAT jeune-majeur")  # case and punctuation ignored, definitions searched
    assert {"CALPAE-1.1.1-MAJ", "CALPAE-1.1.3-PAR", "CDPPE-4-JM"} <= set(found["Code"]) and len(found) < 15
    assert indicateurs.filter_catalogue(catalogue, "sortie seche")["Code"].str.startswith("CALPAE-1.1").all()  # accents
    cdppe_pct = indicateurs.filter_catalogue(catalogue, "", {"Programme": ["CDPPE"], "Unité": ["%"]})
    assert len(cdppe_pct) > 0 and set(cdppe_pct["Programme"]) == {"CDPPE"} and set(cdppe_pct["Unité"]) == {"%"}
    insee = indicateurs.filter_catalogue(catalogue, "", {"Source": ["INSEE, Filosofi"]})
    assert set(insee["Programme"]) == {"STAT"}
    varying = set(indicateurs.filter_catalogue(catalogue, variants_only=True)["Code"])
    assert {OR1M, OR1M_TX, ACC, "CALPAE-1.1.1-MAJ"} <= varying and NE not in varying
    assert indicateurs.filter_catalogue(catalogue, "zzz introuvable").empty
    options = indicateurs.catalogue_options(catalogue)
    assert set(options) == set(indicateurs.CATALOGUE_FILTERS) and "" not in options["Axe"]


def test_indicator_detail_shows_who_uses_which_definition_year_by_year(demo_db):
    d = indicateurs.indicator_detail(demo_db, OR1M_TX)
    assert d.applicable and d.mixed and "définitions mélangées" in d.message
    assert d.parts == [f"Numérateur : {OR1M} – Nombre de nouveaux entrants orientés en 1 mois et moins",
                       f"Dénominateur : {NE} – Nombre de nouveaux entrants"]
    status = d.by_year.set_index(["Code territoire", "Année"])["Statut"]
    # Nord counted at 45 days, back to the reference in 2022; Pas-de-Calais at 45 days from 2020 only.
    assert [status[("59", y)] for y in (2019, 2020, 2021, 2022)] == [STATUS_VARIANT] * 3 + [STATUS_REFERENCE]
    assert [status[("62", y)] for y in (2019, 2020, 2021, 2022)] == [STATUS_UNDECLARED] + [STATUS_VARIANT] * 3
    assert status[("38", 2021)] == STATUS_REFERENCE and status[("75", 2021)] == STATUS_UNDECLARED
    assert d.matrix["Statut"].iloc[:3].tolist() == [STATUS_VARIANT] * 3  # variants listed first
    assert d.counts == {STATUS_VARIANT: 3, STATUS_REFERENCE: 9, STATUS_UNDECLARED: 89}
    assert {"J15", "J45", "FOYERS"} <= set(d.known["Code"])  # the numerator's and the denominator's known codes
    heat = [t for t in d.comparability_figure.data if isinstance(t, go.Heatmap)][0]
    assert len(heat.x) == 101 and list(heat.y) == ["2019", "2020", "2021", "2022"]
    assert {t.name for t in d.comparability_figure.data if isinstance(t, go.Scatter)} == set(indicateurs.COMPARABILITY_COLORS)
    assert indicateurs.comparability_rows(d, [STATUS_VARIANT])["Code territoire"].tolist() == ["59", "62", "76"]
    assert d.coverage["Départements avec une valeur"].tolist() == [101, 101, 101, 96]  # five 2022 returns missing
    assert "Source" in indicateurs.facts_markdown(d)


def test_a_typed_in_indicator_lists_the_ratios_it_feeds_and_public_statistics_have_no_variants(demo_db):
    assert indicateurs.indicator_detail(demo_db, OR1M).used_in == [f"{OR1M_TX} – Part des nouveaux entrants orientés en 1 mois et moins"]
    stat = indicateurs.indicator_detail(demo_db, "STAT-TP60")
    assert not stat.applicable and "INSEE" in stat.message and stat.comparability_figure is None
    assert stat.coverage["Départements avec une valeur"].sum() > 90


# --------------------------------------------------------------------------------------------------------------
# Quality page: planted defects found, nothing else, scoped to the selection
# --------------------------------------------------------------------------------------------------------------


def _planted_keys() -> set[tuple[str, str, int]]:
    """(territory, indicator or '', year) of every defect the demo plants, as the corrections list must show it."""
    keys = set()
    for d in demo.PLANTED_DEFECTS:
        if d["kind"] in ("retour_absent", "retour_tardif"):
            keys.add((d["territory"], "", d["period"]))
        elif d["kind"] in ("unite_erronee", "valeur_figee", "valeur_vide"):
            keys.add((d["territory"], d["indicator"], d["period"]))
    return keys


def _independent_keys(bundle) -> set[tuple[str, str, int]]:
    """The planted gap to the independent source (demo.INDEPENDENT_GAP), one value a year: found only once the
    DREES OARSA share of that département is in the database (the DREES import); none before."""
    terr, ind, _, _ = demo.INDEPENDENT_GAP
    public = bundle.data.public
    if not ((public["indicator"] == "STAT-OARSA-ORIENTES") & (public["territory_code"] == terr)).any():
        return set()
    d = next(d for d in demo.PLANTED_DEFECTS if d["kind"] == "ecart_source_independante")
    return {(terr, ind, y) for y in d["periods"]}


def test_corrections_list_every_planted_defect_and_nothing_else(bundle):
    fixes = qualite.corrections(bundle, qualite.perimeter_of(bundle))
    found = set(zip(fixes["Code territoire"], fixes["Indicateur"], fixes["Année"].astype(int)))
    planted = _planted_keys() | _independent_keys(bundle)
    assert found == planted, (found - planted, planted - found)  # no false alarm, nothing missed
    problems = fixes.groupby("Problème").size()
    assert problems["retour manquant"] == len(demo.MISSING_RETURN_2022)
    assert problems["retour transmis en retard"] == 1
    late = fixes[fixes["Problème"] == "retour transmis en retard"].iloc[0]
    assert f"({demo.LATE_DELAY_DAYS} jours de retard)" in late["Détail"]
    unit = fixes[(fixes["Code territoire"] == demo.UNIT_DEFECT[0]) & (fixes["Indicateur"] == demo.UNIT_DEFECT[1])]
    assert set(unit["Problème"]) == {"numérateur saisi en pourcentage ?", "rupture de série"}
    # Secret and "non disponible" cells are answers, not omissions.
    assert not fixes["Code territoire"].isin(["48", "23", "976"]).any()
    assert list(fixes.columns) == qualite.CORRECTION_COLUMNS


def test_the_headline_and_checks_summary_count_only_the_planted_defects(bundle):
    national = dict((label, value) for label, value, _ in qualite.headline(bundle, qualite.perimeter_of(bundle)))
    assert national["Retours manquants"] == "5" and national["Retours en retard"] == "1"
    independent = len(_independent_keys(bundle))
    assert national["Retours partiels"] == "4" and national["Valeurs mises en doute"] == str(3 + independent)
    summary = qualite.checks_summary(bundle, qualite.perimeter_of(bundle)).set_index("Contrôle")["Valeurs mises en doute"]
    assert summary.to_dict() == {
        "Sous-effectifs supérieurs à leur total": 0, "Pourcentages hors de 0–100": 0, "Ruptures de série": 1,
        "Valeurs identiques plusieurs années de suite": 2, "Unités incohérentes avec le catalogue": 1,
        "Déclaré et statistique publique": 0, "Déclaré et source indépendante": independent,
    }
    assert len(qualite.public_rows(bundle, qualite.perimeter_of(bundle), only_flagged=True)) == 0


def test_a_selected_departement_sees_only_its_own_issues(bundle):
    gironde = qualite.perimeter_of(bundle, "75", "33")
    assert gironde.departements == ("33",) and "Bordeaux Métropole" in gironde.label and gironde.stem == "33"
    fixes = qualite.corrections(bundle, gironde)
    assert set(fixes["Code territoire"]) == {"33"} and len(fixes) == 2
    for check in qualite.consistency_checks(bundle):
        rows = qualite.check_rows(check, gironde)
        assert set(rows["Code territoire"]) <= gironde.codes
    long = qualite.completeness_long(bundle, "CALPAE", gironde)
    assert set(long["Code territoire"]) == {"33"} and len(long) == 4
    assert dict((label, v) for label, v, _ in qualite.headline(bundle, gironde))["Valeurs mises en doute"] == "1"
    bouches = qualite.corrections(bundle, qualite.perimeter_of(bundle, "93", "13"))
    assert bouches["Problème"].tolist() == ["retour transmis en retard"]
    region = qualite.perimeter_of(bundle, reg="84")
    assert len(region.departements) == 12 and region.stem == "region_84"
    lyon = bundle.territories[bundle.territories["name"].str.contains("Lyon")]["code"].iloc[0]
    assert qualite.perimeter_of(bundle, "84", "69", lyon).codes == frozenset({lyon})
    assert qualite.perimeter_of(bundle).national and qualite.corrections(bundle, qualite.perimeter_of(bundle, "84", "38")).empty


def test_completeness_heatmap_follows_the_programme_and_the_scope(bundle):
    national = qualite.completeness_figure(qualite.completeness_long(bundle, "CALPAE", qualite.perimeter_of(bundle)), "CALPAE")
    heat = [t for t in national.data if isinstance(t, go.Heatmap)][0]
    assert list(heat.y) == ["2019", "2020", "2021", "2022"] and len(heat.x) == 101
    legend = {t.name for t in national.data if isinstance(t, go.Scatter)}
    assert {"manquant (5)", "en retard (1)", "partiel (3)"} <= legend
    assert "31 mars" in national.layout.annotations[0].text  # the due date said under the chart
    pacte = qualite.completeness_figure(qualite.completeness_long(bundle, "PACTE", qualite.perimeter_of(bundle)), "PACTE")
    assert list([t for t in pacte.data if isinstance(t, go.Heatmap)][0].y) == ["2023", "2024", "2025", "2026", "2027"]
    assert f"{quality.STATUS_NOT_DUE} (101)" in {t.name for t in pacte.data}  # 2027: not due yet, not missing
    one = qualite.completeness_figure(qualite.completeness_long(bundle, "CALPAE", qualite.perimeter_of(bundle, "93", "13")), "CALPAE")
    heat = [t for t in one.data if isinstance(t, go.Heatmap)][0]
    assert list(heat.x) == ["2019", "2020", "2021", "2022"]  # few territories: years across
    table = qualite.completeness_table(bundle, "CALPAE", qualite.perimeter_of(bundle)).set_index("Code territoire")
    assert table.at["05", "2022"] == quality.STATUS_MISSING and table.at["13", "2022"] == quality.STATUS_LATE


def test_indicator_completeness_names_the_blank_cells(bundle):
    corse = qualite.perimeter_of(bundle, "94", "2A")
    cells = qualite.indicator_completeness(bundle, "CALPAE", corse)
    missing = cells[cells["Statut"] == quality.STATUS_MISSING]
    assert set(zip(missing["Indicateur"], missing["Année"])) == {("CALPAE-3.1.3-CER", 2019), ("CALPAE-3.1.3-CER2M", 2019)}
    fig = qualite.indicator_completeness_figure(cells, "CALPAE")
    assert list([t for t in fig.data if isinstance(t, go.Heatmap)][0].x) == ["2019", "2020", "2021", "2022"]
    secret = qualite.indicator_completeness(bundle, "CALPAE", qualite.perimeter_of(bundle, "76", "48"))
    assert any(s.startswith(quality.STATUS_DECLARED_MISSING) for s in secret["Statut"])
    year = qualite.indicator_completeness(bundle, "CALPAE", qualite.perimeter_of(bundle), 2022)
    assert set(year["Année"]) == {2022} and year["Code territoire"].nunique() == 101


def test_declared_and_public_statistics_side_by_side(bundle):
    options = qualite.public_options(bundle)
    assert options[NE] == [2022, 2021, 2020, 2019]
    fig = qualite.public_figure(bundle, NE, 2021, qualite.perimeter_of(bundle, "93", "13"))
    names = [t.name for t in fig.data]
    assert any(n.startswith("cohérent") for n in names) and "territoire sélectionné (1)" in names
    rows = qualite.public_rows(bundle, qualite.perimeter_of(bundle, "93", "13"), NE, 2021)
    assert len(rows) == 1 and "Écart à la valeur attendue (%)" in rows.columns


def test_score_map_on_the_display_layer(bundle):
    layer = panorama.display_layer("departement")
    fig = qualite.score_map(bundle, layer, qualite.perimeter_of(bundle, "93", "13"))
    choropleths = [t for t in fig.data if isinstance(t, go.Choropleth)]
    assert sum(len(t.locations) for t in choropleths if t.name != "sélection") == 101
    assert [t for t in choropleths if t.name == "sélection"][0].locations == ("13",)
    assert qualite.static_geojson_url(layer, False) is None
    scores = qualite.score_table(bundle, qualite.perimeter_of(bundle))
    assert scores["Score qualité (0-100)"].iloc[0] <= scores["Score qualité (0-100)"].iloc[-1]
    assert set(scores["Code territoire"].iloc[:5]) == set(demo.MISSING_RETURN_2022)  # the lowest scores


def test_benchmark_quality_page_on_the_national_demo(demo_db, capsys):
    t0 = time.perf_counter()
    bundle = qualite.quality_bundle(demo_db, today=TODAY)
    loaded = time.perf_counter()
    scope = qualite.perimeter_of(bundle)
    qualite.corrections(bundle, scope)
    qualite.completeness_figure(qualite.completeness_long(bundle, "CALPAE", scope), "CALPAE")
    qualite.indicator_completeness_figure(qualite.indicator_completeness(bundle, "CALPAE", scope, 2022), "CALPAE")
    done = time.perf_counter()
    t1 = time.perf_counter()
    indicateurs.catalogue(demo_db)
    indicateurs.indicator_detail(demo_db, OR1M_TX)
    t2 = time.perf_counter()
    n_values = int(demo_db.read(Query.DEMO_STATUS)["all_values"].iloc[0])
    with capsys.disabled():
        print(f"\n[benchmark] national demo ({n_values} stored values): every check + score "
              f"{loaded - t0:.2f} s; corrections list and heat-maps {done - loaded:.2f} s; "
              f"catalogue + one indicator's comparability matrix {t2 - t1:.2f} s")
    assert len(bundle.report.checks) == 7


# --------------------------------------------------------------------------------------------------------------
# Ranking restricted to the reference definition
# --------------------------------------------------------------------------------------------------------------


def test_ranking_flags_mixed_definitions_and_can_keep_the_reference_only(demo_db):
    mixed = views.ranking_view(demo_db, OR1M_TX, 2021, "59", ())
    assert any("n'utilisent pas tous la définition de référence" in c for c in mixed.caveats)
    definition = mixed.table.set_index("Code")["Définition"]
    assert definition["59"] == f"{OR1M} : J45" and definition["38"] == STATUS_REFERENCE
    restricted = views.ranking_view(demo_db, OR1M_TX, 2021, "59", (), reference_only=True)
    assert not restricted.table["Code"].isin(["59", "62", "76"]).any()
    assert len(restricted.table) == len(mixed.table) - 3
    assert restricted.table["Rang"].tolist() == list(range(1, len(restricted.table) + 1))  # ranks recomputed
    assert "restreint à la définition de référence" in restricted.caveats[0]
    assert not any("n'utilisent pas tous" in c for c in restricted.caveats)
    # In 2022 Nord is back to the reference: only two départements are set aside.
    assert len(views.ranking_view(demo_db, OR1M_TX, 2022, None, (), reference_only=True).table) == 96 - 2


def test_a_value_a_warning_puts_in_doubt_is_ranked_with_its_mark_and_its_reason(demo_db):
    """Puy-de-Dôme's planted gap to the independent source is a warning: its value stays ranked (first), and the
    ranking says so where the rank is read: a caveat naming it with its rank, the reason in its row, a mark beside
    its name in the chart. An indicator without a warning gets neither."""
    view = views.ranking_view(demo_db, OR1M_TX, 2022, "38", ())
    row = view.table.set_index("Code").loc["63"]
    assert row["Rang"] == 1 and "source indépendante" in row["Signalement qualité"]
    assert view.table["Signalement qualité"].notna().sum() == 1
    assert any(c.startswith("⚠") and "Puy-de-Dôme (63, rang 1)" in c for c in view.caveats)
    labels = [str(y) for t in view.figure.to_dict()["data"] for y in (t.get("y") if t.get("y") is not None else [])]
    assert "1. Puy-de-Dôme ⚠" in labels and sum("⚠" in label for label in labels) == 1
    restricted = views.ranking_view(demo_db, OR1M_TX, 2022, "38", (), reference_only=True)
    assert any("Puy-de-Dôme (63, rang 1)" in c for c in restricted.caveats)
    clean = views.ranking_view(demo_db, "STAT-TP60", 2020, "38", ())
    assert "Signalement qualité" not in clean.table.columns and not any(c.startswith("⚠") for c in clean.caveats)


def _chart_labels(fig: go.Figure) -> list[str]:
    """Every name a chart shows beside a point or a bar: tick labels, hover texts, point texts, panel titles."""
    out = []
    for t in fig.to_dict()["data"]:
        for key in ("y", "hovertext", "text"):
            seq = t.get(key)
            out += [str(v) for v in (list(seq) if seq is not None and not isinstance(seq, str) else [seq] if seq else [])]
    return out + [str(a.text) for a in fig.layout.annotations]


def test_a_change_computed_on_a_warned_value_is_ranked_with_its_mark_the_years_and_the_reason(demo_db):
    """The change ranking: Puy-de-Dôme's rate is warned every year (gap to the independent source), Haute-Vienne's
    count is warned in 2020 and 2021 (frozen values). A change using a warned year stays ranked and says which
    year and why; a change whose two years carry no warning, or an indicator without any, is not marked."""
    data = series.load_series_data(demo_db, [OR1M_TX])
    view = series.change_view(data, OR1M_TX, 2019, 2022, "63")
    row = view.table.set_index("Code").loc["63"]
    assert pd.notna(row["Rang"])
    assert row["Signalement qualité"].startswith("2019 et 2022 : ") and "source indépendante" in row["Signalement qualité"]
    assert view.table["Signalement qualité"].notna().sum() == 1
    assert any(c.startswith("⚠ Évolution(s) calculée(s) sur une valeur signalée")
               and f"Puy-de-Dôme (63, rang {int(row['Rang'])} ; valeurs 2019 et 2022)" in c for c in view.caveats)
    assert view.caveats[0].startswith("Puy-de-Dôme ⚠ : ")  # the selected département's own line is marked too
    marked = [label for label in _chart_labels(view.figure) if "⚠" in label]  # its bar's tick and hover label
    assert all("Puy-de-Dôme ⚠" in label for label in marked)
    assert any(f"{int(row['Rang'])}. Puy-de-Dôme ⚠" in label for label in marked)

    acc = series.load_series_data(demo_db, [ACC])
    one_year = series.change_view(acc, ACC, 2019, 2020, None)
    row = one_year.table.set_index("Code").loc["87"]
    assert row["Signalement qualité"].startswith("2020 : ") and "valeur identique" in row["Signalement qualité"]
    assert any(f"Haute-Vienne (87, rang {int(row['Rang'])} ; valeur 2020)" in c for c in one_year.caveats)
    assert f"{int(row['Rang'])}. Haute-Vienne ⚠" in _chart_labels(one_year.figure)
    for clean in (series.change_view(acc, ACC, 2019, 2022, None),  # warned years 2020, 2021 not compared
                  series.change_view(series.load_series_data(demo_db, ["STAT-Q2"]), "STAT-Q2", 2015, 2020, None)):
        assert "Signalement qualité" not in clean.table.columns and not any("⚠" in c for c in clean.caveats)
        assert not any("⚠" in label for label in _chart_labels(clean.figure))


def test_a_change_over_a_value_a_check_rejects_is_not_ranked(demo_db):
    """Gironde's 2021 rate is an error (series break, doubtful unit): no change is ranked from it, it is listed
    with the reason, and it is not a warned row either."""
    data = series.load_series_data(demo_db, [OR1M_TX])
    view = series.change_view(data, OR1M_TX, 2020, 2021, None)
    assert "33" not in set(view.table["Code"])
    assert "contrôle qualité" in view.missing.set_index("Code").loc["33", "Motif"]
    bars = [str(y) for t in view.figure.to_dict()["data"] if t.get("type") == "bar" for y in t["y"]]
    assert len(bars) == len(view.table) and not any(b.split(". ", 1)[-1].startswith("Gironde") for b in bars)
    assert not any("Gironde (33" in c for c in view.caveats)


def test_a_point_on_a_warned_value_is_marked_in_the_scatter(demo_db):
    """The scatter: a point whose x or y value (at the year drawn) is warned keeps its place, and is named with
    the axis, indicator and year in a caveat, its reason in the table, ⚠ in its hover label."""
    view = views.scatter_view(demo_db, "STAT-TP60", OR1M_TX, 2022, "63")
    row = view.table.set_index("Code").loc["63"]
    assert row["Signalement qualité"].startswith("ordonnée « Part des nouveaux entrants orientés en 1 mois et moins » 2022 : ")
    assert "source indépendante" in row["Signalement qualité"] and view.table["Signalement qualité"].notna().sum() == 1
    assert row["Département"] == "Puy-de-Dôme"  # the mark is the column's, the name stays clean for the downloads
    assert any(c.startswith("⚠ Point(s) placé(s) sur une valeur signalée") and "Puy-de-Dôme (63 ; ordonnée « Part des "
               "nouveaux entrants orientés en 1 mois et moins » 2022)" in c for c in view.caveats)
    marked = [label for label in _chart_labels(view.figure) if "⚠" in label]
    assert marked and all("Puy-de-Dôme ⚠" in label for label in marked)
    both = views.scatter_view(demo_db, ACC, OR1M_TX, 2021, None)
    signals = both.table.set_index("Code")["Signalement qualité"].dropna()
    assert set(signals.index) == {"63", "87"} and signals["87"].startswith("abscisse « ") and "2021 : " in signals["87"]
    assert any("Haute-Vienne (87 ; abscisse" in c for c in both.caveats)
    clean = views.scatter_view(demo_db, "STAT-TP60", NE, 2022, None)
    assert "Signalement qualité" not in clean.table.columns and not any("⚠" in c for c in clean.caveats)
    assert not any("⚠" in label for label in _chart_labels(clean.figure))


def test_a_value_a_check_rejects_is_not_placed_in_the_scatter(demo_db):
    """Gironde's rejected 2021 rate (35 for 7 428 new entrants, 0,5 %) is never a point of the scatter."""
    view = views.scatter_view(demo_db, "STAT-TP60", OR1M_TX, 2021, None)
    y = view.table.set_index("Code")["Part des nouveaux entrants orientés en 1 mois et moins"]
    assert y.get("33") != pytest.approx(100 * 35 / 7428)
    assert not (y.dropna() < 1).any()
    # Nor is its 2020 rate drawn in its place, as if it were the latest: it is out of the scatter, and said so.
    assert "33" not in set(view.table["Code"])
    out = [c for c in view.caveats if c.startswith("Hors du nuage")]
    assert len(out) == 1 and "Gironde (33), « Part des nouveaux entrants orientés en 1 mois et moins » 2021 : " in out[0]
    assert not any(c.startswith("Hors du nuage") for c in views.scatter_view(demo_db, "STAT-TP60", OR1M_TX, 2020,
                                                                                None).caveats if "Gironde" in c)


def test_small_multiples_name_a_warned_year_they_draw(demo_db):
    """The small multiples do not rank, but they draw Puy-de-Dôme's warned years: its panel carries the mark and a
    caveat lists the years and the reason. A département or indicator without a warning gets neither."""
    view = views.small_multiples_view(demo_db, OR1M_TX, ("38", "63"), "38")
    assert len(view.caveats) == 1 and view.caveats[0].startswith("⚠ Valeur(s) signalée(s) par un contrôle de qualité, tracée(s)")
    assert "Puy-de-Dôme (63 ; 2019, 2020, 2021 et 2022 : contrôle qualité du numérateur" in view.caveats[0]
    assert "Puy-de-Dôme ⚠" in [a.text for a in view.figure.layout.annotations]
    for clean in (views.small_multiples_view(demo_db, OR1M_TX, ("38", "69"), "38"),
                  views.small_multiples_view(demo_db, NE, ("38", "63"), "38")):
        assert clean.caveats == [] and not any("⚠" in label for label in _chart_labels(clean.figure))


# --------------------------------------------------------------------------------------------------------------
# Import routing and the demo's declarations
# --------------------------------------------------------------------------------------------------------------


def _returns_with_variants_sheet() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("retours")
    for r, row in enumerate([["territoire", "indicateur", "periode", "valeur"], ["38", NE, 2021, 4200],
                             ["38", OR1M, 2021, 2900]]):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws = wb.add_worksheet("Définitions")
    for r, row in enumerate([["territoire", "indicateur", "variante", "description"],
                             ["38", OR1M, "J15", "Orientations comptées jusqu'à 15 jours"]]):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def test_variants_files_are_detected_and_imported(db):
    csv = (FIXTURES / "variantes_exemple.csv").read_bytes()
    assert detect_kind(csv, "variantes_exemple.csv") == KIND_VARIANTS
    assert detect_kind((FIXTURES / "variantes_exemple.xlsx").read_bytes(), "v.xlsx") == KIND_VARIANTS
    workbook = _returns_with_variants_sheet()
    assert detect_kind(workbook, "retours_38.xlsx") == KIND_RETURNS
    dry = import_file(db, csv, "variantes_exemple.csv", dry_run=True)
    assert not dry.errors and declarations_table(db).empty
    report = import_file(db, csv, "variantes_exemple.csv")
    assert not report.errors and len(declarations_table(db)) > 0
    report = import_file(db, workbook, "retours_38.xlsx")
    assert not report.errors, report.summary()
    decl = declarations_table(db)
    assert ((decl["Code territoire"] == "38") & (decl["Variante"] == "J15")).any()
    values = db.read(Query.TERRITORY_INDICATOR_VALUES, {"level": "departement", "code": "38"})
    assert set(values.loc[values["period"] == 2021, "indicator"]) >= {NE, OR1M}


def test_the_demo_declares_j45_17ans_and_visites_variants(demo_db):
    decl = declarations_table(demo_db)
    variants = decl[decl["Référence"] == "non"]
    assert set(variants["Variante"]) == {"J45", "17ANS", "VISITES"}
    assert set(variants.loc[variants["Variante"] == "VISITES", "Code territoire"]) == {"35", "67"}
    assert set(variants.loc[variants["Variante"] == "17ANS", "Indicateur"]) >= {"CALPAE-1.1.1-MAJ", "CALPAE-1.1.3-PAR"}
    assert (decl["Référence"] == "oui").sum() >= 10
    assert decl["Code territoire"].nunique() < 30  # the rest of the départements declare nothing
    overview = pd.DataFrame(declarations_table(demo_db))
    assert (overview["Fichier"] == demo.VARIANTS_FILE).all()


# --------------------------------------------------------------------------------------------------------------
# The findings table of `levier export qualite`
# --------------------------------------------------------------------------------------------------------------


def test_findings_table_lists_the_planted_defects_one_row_each(demo_db_path):
    db = Database(demo_db_path)
    findings = qualite.findings_table(db, today=TODAY)
    assert list(findings.columns[:7]) == ["code", "libelle", "indicateur", "annee", "regle", "niveau", "probleme"]
    assert "message" in findings.columns
    found = set(zip(findings["code"], findings["indicateur"], findings["annee"].astype(int)))
    planted = _planted_keys() | _independent_keys(qualite.quality_bundle(db, today=TODAY))
    assert found == planted  # the page's corrections list, nothing more, nothing less
    assert pd.api.types.is_integer_dtype(findings["annee"]) and findings["code"].map(type).eq(str).all()
    assert set(findings["niveau"]) == {"departement"}
    gironde = qualite.findings_table(db, territory="33", today=TODAY)
    page = qualite.corrections(qualite.quality_bundle(db, today=TODAY), qualite.perimeter_of(qualite.quality_bundle(
        db, today=TODAY), "75", "33"))
    assert len(gironde) == len(page) == 2 and set(gironde["code"]) == {"33"} and set(gironde["libelle"]) == {"Gironde"}
    assert gironde["message"].tolist() == page["Détail"].tolist()


def test_findings_table_by_region_and_for_the_metropoles(demo_db_path):
    db = Database(demo_db_path)
    by_dep = qualite.findings_table(db, today=TODAY)
    region = qualite.findings_table(db, "region", "75", today=TODAY)
    assert set(region["code"]) == {"75"} and set(region["libelle"]) == {"Nouvelle-Aquitaine"}
    nouvelle_aquitaine = {"16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"}
    assert len(region) == by_dep["code"].isin(nouvelle_aquitaine).sum()
    assert set(region["code_territoire"]) <= nouvelle_aquitaine | set(qualite.quality_bundle(db, today=TODAY)
                                                                      .territories["code"])
    metropoles = qualite.findings_table(db, "epci", today=TODAY)
    assert list(metropoles.columns[:2]) == ["code", "libelle"] and set(metropoles["niveau"]) <= {"epci"}
    with pytest.raises(ValueError, match="Territoire inconnu"):
        qualite.findings_table(db, territory="200046977", today=TODAY)  # a métropole is not a département


# --------------------------------------------------------------------------------------------------------------
# Derived tables (issue 16): the bundle read from them is the bundle computed live
# --------------------------------------------------------------------------------------------------------------


def test_the_quality_bundle_from_the_derived_tables_is_the_live_one(demo_db):
    assert derived_store.available(demo_db)
    stored, live = qualite.derived_bundle(demo_db, TODAY), qualite.live_bundle(demo_db, TODAY)
    eq = pd.testing.assert_frame_equal
    eq(stored.data.cells, live.data.cells)
    keys = ["territory_level", "territory_code", "indicator", "period"]  # the query's order is not part of it
    eq(*(b.data.public.sort_values(keys).reset_index(drop=True) for b in (stored, live)))
    assert [c.code for c in stored.report.checks] == [c.code for c in live.report.checks]
    for a, b in zip(stored.report.checks, live.report.checks):
        assert (a.title, a.rule, a.severity) == (b.title, b.rule, b.severity)
        eq(a.rows.reset_index(drop=True), b.rows.reset_index(drop=True))
        eq(a.keys.reset_index(drop=True), b.keys.reset_index(drop=True))
    eq(stored.report.completeness, live.report.completeness)
    eq(stored.report.score, live.report.score)
    eq(stored.report.flagged, live.report.flagged)
    assert (stored.demo, stored.regions) == (live.demo, live.regions)
    eq(stored.territories, live.territories)
    eq(stored.programmes, live.programmes)
    for perimeter in (qualite.Perimeter("France entière"), qualite.perimeter_of(live, dep="33"),
                      qualite.perimeter_of(live, reg="93")):
        assert qualite.headline(stored, perimeter) == qualite.headline(live, perimeter)
        eq(qualite.corrections(stored, perimeter), qualite.corrections(live, perimeter))
        eq(qualite.checks_summary(stored, perimeter), qualite.checks_summary(live, perimeter))
        eq(qualite.independent_rows(stored, perimeter), qualite.independent_rows(live, perimeter))
        eq(qualite.public_rows(stored, perimeter), qualite.public_rows(live, perimeter))
        for programme in live.programmes["code"]:
            eq(qualite.completeness_table(stored, programme, perimeter), qualite.completeness_table(live, programme, perimeter))


def test_the_completeness_table_is_the_matrix_of_the_programmes_cells(demo_db):
    # The page's table is pivoted from the report's completeness (every programme at once), not from the cells
    # grouped again: the same statuses in the same cells as quality.completeness_matrix.
    bundle = qualite.derived_bundle(demo_db, TODAY)
    for programme in bundle.programmes["code"]:
        table = qualite.completeness_table(bundle, programme, qualite.Perimeter("France entière"))
        matrix = quality.completeness_matrix(bundle.data, programme)
        assert len(table) >= 100 and set(table.columns) == set(matrix.columns)
        pd.testing.assert_frame_equal(table.sort_values("Code territoire").reset_index(drop=True),
                                      matrix[list(table.columns)].sort_values("Code territoire").reset_index(drop=True))


def test_the_report_read_as_frames_is_the_report_read_as_rows(demo_db):
    # The bundle reads each part of the report as one stored frame (derived_quality_frames); a database migrated to
    # 021 and not published since has the rows alone, and reads the same report from them.
    class RowsOnly:
        def __init__(self, reader):
            self.reader = reader

        def df(self, query, params=None):
            frame = self.reader.df(query, params)
            return frame.iloc[0:0] if query == Query.DERIVED_QUALITY_FRAMES else frame

    with demo_db.reader() as r:
        assert len(r.df(Query.DERIVED_QUALITY_FRAMES)) > 10
        cells, parts = qualite._stored_parts(r)
        cells_rows, parts_rows = qualite._stored_parts(RowsOnly(r))
    pd.testing.assert_frame_equal(cells, cells_rows)
    # The frames also hold what the bundle computes whatever the day; read back as rows, it computes them.
    assert len(cells) > 1000 and parts.keys() - parts_rows.keys() == {"completeness_groups", "flagged"}
    assert {"data.public", "independent", "score_counts", "demo"} <= parts_rows.keys()
    for name, (frame, meta) in ((k, v) for k, v in parts.items() if k in parts_rows):
        pd.testing.assert_frame_equal(frame, parts_rows[name][0], check_exact=True, obj=name)
        assert meta == parts_rows[name][1]


def test_the_derived_bundle_judges_lateness_on_the_day_it_is_shown(demo_db):
    # Statuses depend on the day, not on the publication: a return due after one day and before the other.
    before, after = date(2023, 1, 1), TODAY
    for day in (before, after):
        pd.testing.assert_frame_equal(qualite.derived_bundle(demo_db, day).report.completeness,
                                      qualite.live_bundle(demo_db, day).report.completeness)
    statuses = qualite.derived_bundle(demo_db, before).report.completeness["Statut"]
    assert (statuses == quality.STATUS_NOT_DUE).any()


def test_the_catalogue_and_an_indicator_sheet_from_the_derived_tables_are_the_live_ones(demo_db, monkeypatch):
    assert derived_store.available(demo_db)
    stored = indicateurs.catalogue(demo_db)
    sheets = {code: indicateurs.indicator_detail(demo_db, code) for code in (OR1M_TX, ACC, "STAT-TP60")}
    assert qualite.is_demo(demo_db)
    monkeypatch.setattr(derived_store, "available", lambda _db: False)
    pd.testing.assert_frame_equal(stored, indicateurs.catalogue(demo_db))
    assert qualite.is_demo(demo_db)
    for code, sheet in sheets.items():
        live = indicateurs.indicator_detail(demo_db, code)
        pd.testing.assert_frame_equal(sheet.coverage, live.coverage)
        pd.testing.assert_frame_equal(sheet.facts, live.facts)
        assert sheet.coverage_figure.to_json() == live.coverage_figure.to_json()
