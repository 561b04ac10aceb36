"""The comité de suivi pack: its content on the demo database (sections, cover, sources, demo mention, masked
values written « s (secret) »), then the PDF (pages drawn by pdftoppm, not blank) and the PPTX read back."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import shutil
import subprocess
import threading
import time
from datetime import date

import numpy as np
import pytest
from PIL import Image

from levier.charts import perimeter
from levier.core.fmt import fmt_date
from levier.ingest.communes import read_communes
from levier.report import build, pack
from levier.report import slides
from levier.store.db import Database
from levier.report.images import PackRenderError

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def isere(demo_db_path):
    """The full pack of Isère (38), read with every right, as a committee would print it."""
    db = Database(demo_db_path)
    return pack.build_pack(db, "38", "departement", rights_text="Rôle national : tous les territoires.", today=TODAY)


@pytest.fixture(scope="module")
def isere_images(isere):
    return build.render_images(isere)


def test_french_date_and_cells():
    assert fmt_date(TODAY) == "23 novembre 2026"
    assert fmt_date(date(2027, 1, 1)) == "1er janvier 2027"
    assert pack.cell(math.nan, "personnes", "s") == "s (secret)"
    assert pack.cell(math.nan, "%", None) == "–"
    assert pack.cell(0.0, "personnes") == "0\u00a0personnes"  # a real zero stays a zero
    assert pack.cell(12.345, "%") == "12,3\u00a0%"


def test_pack_content_on_the_demo_database(isere):
    assert [s.key for s in isere.sections] == ["apercu", "t0", "actions", "financement", "qualite", "definitions"]
    cover = isere.cover
    assert cover.territory == "Isère (38)" and cover.date_text == "23 novembre 2026"
    assert cover.rights_text == "Rôle national : tous les territoires." and cover.demo and isere.demo
    assert "Pacte des solidarités" in cover.subtitle

    t0 = isere.section("t0")
    key = t0.tables[0].frame.set_index("Indicateur")
    assert key.at["Taux de pauvreté au seuil de 60 %", "Valeur"] == "11,3\u00a0%"
    assert key.at["Taux de pauvreté au seuil de 60 %", "Année"] == "2020"
    assert {f.kind for f in t0.figures} == {"map", "chart"}

    actions = isere.section("actions")
    counts = dict(actions.facts)
    assert set(counts) == {"En avance", "Dans la trajectoire", "En retard", "Sans donnée", "Non évaluable"}
    assert sum(int(v) for v in counts.values()) == 24
    assert counts["Non évaluable"] == "0"  # Isère has no value a quality check rejects
    statuses = {s for t in actions.tables for s in t.frame["Statut"]}
    assert statuses <= {"en avance", "dans la trajectoire", "en retard", "sans donnée"} and "en retard" in statuses

    funding = isere.section("financement")
    assert dict(funding.facts)["Effet levier"] != "–"
    assert {"État prévu", "État engagé", "État consommé", "Département prévu", "Département consommé"} <= set(
        funding.tables[0].frame.columns)

    appendix = isere.section("definitions").tables[0].frame
    shown = {c for t in actions.tables for c in t.frame["Indicateur"]}
    assert shown <= set(appendix["Indicateur"]) and "STAT-TP60" in set(appendix["Code"])
    assert all(appendix["Définition"].str.len() > 20)

    for fig in isere.figures:  # every chart says its source, its year and that the data are fictitious
        assert fig.source and fig.year, fig.key
        assert fig.caption.startswith("Source : ") and fig.year[:4] in fig.caption
        assert "fictive" in fig.caption, fig.key
    assert not isere.secret


def test_masked_values_are_written_secret_never_zero(demo_db_path):
    """A national user without the detail sees the Creuse's small counts masked by the data layer."""
    from levier.rights.scope import Scope

    full = pack.build_pack(Database(demo_db_path), "23", "departement", programme="CDPPE",
                           sections=["actions", "definitions"], today=TODAY)
    masked_db = Database(demo_db_path).with_scope(Scope.national("test@interieur.gouv.fr"))
    masked = pack.build_pack(masked_db, "23", "departement", programme="CDPPE", sections=["actions", "definitions"],
                             rights_text=pack.rights_sentence(masked_db), today=TODAY)

    def cells(p):
        return {(r["Indicateur"], col): r[col] for t in p.section("actions").tables
                for r in t.frame.to_dict("records") for col in t.frame.columns}

    secret = {k: v for k, v in cells(masked).items() if v == pack.SECRET_TEXT or v.startswith("s (secret)")}
    assert secret, "no masked value in the Creuse's CDPPE pack"
    assert masked.secret and not full.secret
    for k in secret:  # with every right the same cell is a number
        assert "secret" not in cells(full)[k] and any(ch.isdigit() for ch in cells(full)[k])
    assert any("Petits effectifs" in n for n in masked.section("actions").notes)
    assert any("Petits effectifs" in n for n in masked.section("definitions").notes)
    assert "masqués" in masked.cover.rights_text


def test_pdf_pages_exist_and_are_drawn(isere, isere_images, tmp_path):
    assert shutil.which("pdftoppm"), "poppler-utils is needed (apt-get install poppler-utils)"
    data, images = build.export(isere, "pdf", isere_images)
    assert images is isere_images and data[:5] == b"%PDF-"
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 8
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=float)
        assert pixels.std() > 8, f"{page.name} is blank"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Pack du comité de suivi" in text and "Isère (38)" in text and "23 novembre 2026" in text
    assert "Données fictives de démonstration" in text and "Source : " not in text[:200]
    for sec in isere.sections:
        assert sec.title in text
    # No word cut between two letters by a narrow table column (« (consomm / é) », « personne / s »).
    lines = [line.strip() for line in text.splitlines()]
    assert "Effet levier (consommé)" in " ".join(lines) and "é)" not in lines and "s" not in lines
    assert not any(line.endswith("(consomm") or line == "personne" for line in lines)


def test_the_first_page_is_the_territory_at_a_glance(demo_db_path, isere):
    """The page after the cover holds Accueil's glance: status counts, alerts, key figures with their trend and
    national rank (a count as its rate), each with its producer."""
    glance = isere.section("apercu")
    assert isere.sections[0] is glance and glance.title == "Isère (38) en un coup d'œil"
    assert [label for label, _ in glance.facts] == ["En avance", "Dans la trajectoire", "En retard", "Sans donnée"]
    db = Database(demo_db_path)
    alone = pack.build_pack(db, "38", "departement", sections=("apercu",), today=TODAY)
    data, _ = build.export(alone, "pdf", {})  # no chart on this page: no browser
    page = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    page = " ".join(page.split())  # cells wrap inside the table
    assert "Isère (38) en un coup d'œil" in page and "Alertes avant le comité" in page
    assert "En retard" in page and "Dans la trajectoire" in page
    assert "Taux de pauvreté au seuil de 60 %" in page and "Rang 12 sur 98" in page and "INSEE, Filosofi" in page
    assert "Allocataires du RSA au 31 décembre" in page and "‰" in page and "plus forte valeur sur 101" in page
    assert "2016 : 19,1 ‰ → 2019 : 17,7 ‰" in page and "23 037 personnes" in page  # its trend, as a rate
    assert "en retard sur leur trajectoire" in page


def test_pptx_slides_titles_and_pictures(isere, isere_images):
    from pptx import Presentation

    data, _ = build.export(isere, "pptx", isere_images)
    deck = Presentation(io.BytesIO(data))
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[0] == "Pack du comité de suivi"
    for sec in isere.sections:
        assert sec.title in titles
    for fig in isere.figures:
        assert fig.title in titles
    pictures = [sh for s in deck.slides for sh in s.shapes if sh.shape_type == 13]
    assert len(pictures) == len(isere.figures)
    assert len(deck.slides) >= 1 + len(isere.sections) + len(isere.figures)
    assert all(p.image.content_type == "image/png" for p in pictures)
    cover_text = " ".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)
    assert "Isère (38)" in cover_text and "Données fictives" in cover_text


def test_presentation_slides_follow_the_pack(isere):
    deck = slides.slides(isere)
    assert [s.key for s in deck] == [f.key for f in isere.figures]
    first = deck[0]
    assert first.caption.startswith("Source : ") and "fictive" in first.caption
    big = slides.slide_figure(first)
    assert big.layout.height is None and big.layout.autosize  # as tall as the screen leaves it (PAGE_CSS)
    assert not any(slides._is_caption(a.to_plotly_json()) for a in big.layout.annotations)  # said under it
    chart = next(s for s in deck if s.figure.kind == "chart")
    assert slides.slide_figure(chart).layout.font.size > chart.figure.figure.layout.font.size
    assert slides.clamp(-1, 5) == 0 and slides.clamp(9, 5) == 4 and slides.clamp(3, 0) == 0
    # The funding slide: one label per action, on one line, small enough not to overlap on 1280×720.
    funding = slides.slide_figure(next(s for s in deck if s.key == "financement_execution"))
    axis = funding.layout.yaxis
    assert len(axis.ticktext) == len(set(funding.data[0].y)) and not any("<br>" in t for t in axis.ticktext)
    assert len(axis.ticktext) * slides.SLIDE_LINE_FACTOR * axis.tickfont.size <= slides.SLIDE_PLOT_MIN_PX + 1
    assert "Taux de consommation" in next(s for s in deck if s.key == "financement_execution").caption


def test_a_departement_pack_opens_on_it_and_its_neighbours(isere):
    first = slides.slides(isere)[0]
    assert first.key == "t0_carte_departements"
    areas = {loc for t in first.figure.figure.data if t.type == "choropleth" for loc in t.locations}
    assert {"38", "73", "26", "69", "01", "05"} <= areas and "75" not in areas


def test_a_metropole_pack_and_slides_open_on_its_perimeter(demo_db_path):
    db = Database(demo_db_path)
    grenoble = pack.build_pack(db, "200040715", "epci", sections=("t0", "financement"), today=TODAY)
    first = slides.slides(grenoble)[0]
    assert first.key == "t0_carte_perimetre" and first.figure.kind == "map"
    fig = first.figure.figure
    assert {loc for t in fig.data if t.type == "choropleth" for loc in t.locations} == {"200040715"}
    communes = read_communes()
    members = set(communes.loc[communes["epci"] == "200040715", "code_commune"])
    assert len(members) == 49 and set(perimeter.commune_codes(fig)) == members  # its communes, no other
    assert "t0_carte_departements" not in [f.key for f in grenoble.figures]  # not its département's neighbours
    funding = grenoble.section("financement")
    assert dict(funding.facts)["Métropole"].endswith("€") and dict(funding.facts)["Effet levier"] != "–"
    assert "Métropole consommé" in funding.tables[0].frame.columns
    assert "financement_levier" in [f.key for f in funding.figures]
    capi = pack.build_pack(db, "243800604", "epci", sections=("financement",), today=TODAY)
    intro = capi.section("financement").intro
    assert "ne porte pas de contrat" in intro[0] and not capi.section("financement").facts


def test_clear_errors_without_chromium_or_fonts(monkeypatch, tmp_path):
    from levier.report import images as pack_images
    from levier.report import pdf as pack_pdf

    monkeypatch.setenv("LEVIER_CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(pack_images.shutil, "which", lambda _name: None)
    monkeypatch.setattr(pack_images, "DEFAULT_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(PackRenderError, match="Chromium est introuvable"):
        pack_images.chromium_path()
    from fpdf import FPDF

    with pytest.raises(PackRenderError, match="fonts-dejavu-core"):
        pack_pdf.register_fonts(FPDF(), tmp_path)


def test_the_model_knows_no_writer_and_the_renderer_no_pack():
    """One-way imports inside levier.report: build chooses the format; the model, the image renderer and the
    writers never import what sits above them."""
    import ast
    import inspect

    from levier.report import images, pdf, pptx, slides

    def imported(module) -> set[str]:
        return {n.module for n in ast.walk(ast.parse(inspect.getsource(module)))
                if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("levier.report")}

    writers = {"levier.report.pdf", "levier.report.pptx", "levier.report.images", "levier.report.slides",
               "levier.report.build"}
    assert not imported(pack) & writers
    assert not imported(images)
    assert imported(slides) == {"levier.report.pack", "levier.report.background"}  # background: threads at exit
    for writer in (pdf, pptx):
        assert "levier.report.build" not in imported(writer)
    assert set(build.FORMATS) == {"pdf", "pptx"} and build.file_name(pack_stub(), "pptx") == "pack_comite_38_pacte.pptx"


def test_the_pack_page_loads_no_writer_until_a_file_is_asked_for():
    """A server whose users only look at the Pack page does not hold fpdf, fontTools, python-pptx and lxml (about
    30 MB): build imports the format's writer on the first file asked for, and that writer is the format's."""
    import sys

    code = ("import sys; from levier.report import build, pack, images; "
            "print(sorted(m for m in ('fpdf', 'fontTools', 'pptx', 'lxml') if m in sys.modules)); "
            "w = build.writer('pptx'); print(w.__module__, 'pptx' in sys.modules, 'fpdf' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "levier.report.pptx True False"
    assert build.writer("pdf").__name__ == "pack_pdf"
    with pytest.raises(ValueError, match="Format inconnu"):
        build.writer("docx")


def pack_stub():
    cover = pack.Cover("Pack du comité de suivi", "Isère (38)", "", "23 novembre 2026", "", False)
    return pack.Pack("38", "departement", "Isère (38)", "PACTE", cover, [], False, False, "")



def test_made_from_scratch_the_pack_is_the_same_pack(demo_db_path, isere, isere_images):
    """build.make (the page's path: Chromium opens while the data are read, each chart drawn as soon as its section
    is built, pages laid out while the last ones are drawn) gives the same charts to the byte and the same PDF text."""
    db = Database(demo_db_path)
    model, data, images = build.make(lambda on_figure: pack.build_pack(
        db, "38", "departement", rights_text="Rôle national : tous les territoires.", today=TODAY,
        on_figure=on_figure), "pdf")
    assert [f.key for f in model.figures] == [f.key for f in isere.figures]
    assert images == isere_images  # same browser page, sizes and scale: the same PNG bytes
    reference, _ = build.export(isere, "pdf", isere_images)

    def text(pdf: bytes) -> str:
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()

    assert data[:5] == b"%PDF-" and text(data) == text(reference)
    pptx, same = build.export(model, "pptx", images)
    assert same is images and pptx[:2] == b"PK"


def test_each_figure_is_handed_over_before_the_next_section_is_read(demo_db_path, monkeypatch):
    """The T0 charts go to the renderer before the actions section reads its data (they are drawn meanwhile)."""
    db = Database(demo_db_path)
    handed: list[str] = []
    at_actions: list[int] = []
    tracking = pack.mi_parcours.load_target_tracking

    def spy(*args, **kwargs):
        at_actions.append(len(handed))
        return tracking(*args, **kwargs)

    monkeypatch.setattr(pack.mi_parcours, "load_target_tracking", spy)
    model = pack.build_pack(db, "38", "departement", sections=("t0", "actions"), today=TODAY,
                            on_figure=lambda f: handed.append(f.key))
    assert handed == [f.key for f in model.figures]
    t0_charts = len(model.section("t0").figures)
    assert t0_charts >= 2 and at_actions == [t0_charts]


def test_sources_are_where_the_pack_reads_its_heavier_views(demo_db_path, isere):
    """Handed other readers (the app's cached wrappers, same signatures), the pack reads through them and is the same
    pack: the same tables, texts and charts as read from the views."""
    db = Database(demo_db_path)
    called: list[str] = []

    def spy(name):
        real = getattr(pack.PackSources(), name)

        def read(*args):
            called.append(name)
            return real(*args)
        return read

    names = [f.name for f in dataclasses.fields(pack.PackSources)]
    sources = pack.PackSources(**{name: spy(name) for name in names})
    model = pack.build_pack(db, "38", "departement", rights_text="Rôle national : tous les territoires.", today=TODAY,
                            sources=sources)
    assert set(called) == set(names)
    assert called.count("quality_bundle") == 1  # one bundle for the glance and the quality section
    assert [s.key for s in model.sections] == [s.key for s in isere.sections]
    for mine, ref in zip(model.sections, isere.sections):
        assert (mine.intro, mine.facts, mine.notes) == (ref.intro, ref.facts, ref.notes)
        assert [t.frame.to_csv() for t in mine.tables] == [t.frame.to_csv() for t in ref.tables]
        assert [f.figure.to_json() for f in mine.figures] == [f.figure.to_json() for f in ref.figures]


def test_slides_come_in_the_pack_order_before_the_tables_are_read(demo_db_path, isere):
    """on_slide gives each chart with its section as the slides of the finished pack; the sections of tables (the
    glance, quality) are read after the last chart, yet the pack keeps its order."""
    db = Database(demo_db_path)
    events: list[str] = []
    real = pack.PackSources().quality_bundle

    def bundle(database):
        events.append("quality")
        return real(database)

    model = pack.build_pack(db, "38", "departement", today=TODAY, sources=pack.PackSources(quality_bundle=bundle),
                            on_slide=lambda section, fig: events.append(f"{section}|{fig.key}"))
    deck = slides.slides(model)
    assert events == [f"{s.section}|{s.key}" for s in deck] + ["quality"]
    assert [s.key for s in model.sections] == [s.key for s in isere.sections]


def test_the_deck_shows_slide_one_before_the_other_sections_are_read(demo_db_path):
    """The presentation's deck: slide 1 is there while the funding section has not been read yet (held back here),
    the rest follows in the background, in the pack's order."""
    db = Database(demo_db_path)
    release, reached = threading.Event(), threading.Event()
    real = pack.PackSources().lever_view

    def held_back(*args):
        reached.set()
        assert release.wait(120)
        return real(*args)

    deck = slides.Deck(lambda on_slide: pack.build_pack(
        db, "38", "departement", sections=pack.CHART_SECTIONS, today=TODAY,
        sources=pack.PackSources(lever_view=held_back), on_slide=on_slide))
    first = deck.wait(1, timeout=120)
    assert [s.key for s in first] == ["t0_carte_departements"]
    assert reached.wait(120) and not deck.done  # the funding section is not read yet, slide 1 is shown
    release.set()
    every = deck.all(timeout=120)
    reference = pack.build_pack(db, "38", "departement", sections=pack.CHART_SECTIONS, today=TODAY)
    assert [(s.key, s.section, s.title, s.caption) for s in every] == [
        (s.key, s.section, s.title, s.caption) for s in slides.slides(reference)]
    assert deck.wait(99) == every  # past the end: every slide, no wait
    # Each slide's projected chart made once, in the background: the one the page would draw from the pack.
    assert all(json.loads(slides.slide_figure(s).to_json()) == json.loads(slides.for_projection(r.figure.figure).to_json())
               for s, r in zip(every, slides.slides(reference)))


def test_a_deck_says_why_it_failed_and_stops_when_cancelled():
    def broken(on_slide):
        raise RuntimeError("lecture impossible")

    failed = slides.Deck(broken)
    with pytest.raises(RuntimeError, match="lecture impossible"):
        failed.wait(1, timeout=30)
    assert failed.done

    figure = pack.PackFigure("a", "A", "Source : test", "2020", slides.go.Figure())
    built: list[str] = []

    def endless(on_slide):
        while True:
            on_slide("Section", figure)
            built.append("a")
            time.sleep(0.01)

    deck = slides.Deck(endless)
    assert len(deck.wait(2, timeout=30)) == 2
    deck.cancel()
    assert len(deck.all(timeout=30)) >= 2 and deck.done


def test_a_deck_lets_the_page_draw_the_slide_it_waited_for_before_going_on(monkeypatch):
    """The deck's build pauses once the slide the page waits for exists, until the page has drawn it (shown()): the
    page's run does not share the interpreter with the next slides. A deck nobody waits for never pauses, and one
    whose page never says so goes on after SHOW_PAUSE_SECONDS."""
    figure = pack.PackFigure("a", "A", "Source : test", "2020", slides.go.Figure())
    made: list[int] = []
    go = threading.Event()

    def three(on_slide):
        assert go.wait(30)  # slide 1 is made once the page waits for it, as when a deck starts
        for i in range(3):
            on_slide("Section", figure)
            made.append(i)

    def start_soon() -> None:
        go.clear()
        threading.Timer(0.2, go.set).start()

    monkeypatch.setattr(slides, "SHOW_PAUSE_SECONDS", 60)
    start_soon()
    deck = slides.Deck(three)
    assert len(deck.wait(1, timeout=30)) == 1
    time.sleep(0.5)
    assert made == [] and not deck.done  # slide 2 is not made while slide 1 is drawn
    deck.shown()
    assert len(deck.all(timeout=30)) == 3 and made == [0, 1, 2]

    made.clear()
    go.set()
    unwatched = slides.Deck(three)
    assert len(unwatched.all(timeout=30)) == 3 and made == [0, 1, 2]  # nobody waiting: no pause

    made.clear()
    monkeypatch.setattr(slides, "SHOW_PAUSE_SECONDS", 0.3)
    start_soon()
    started = time.perf_counter()
    silent = slides.Deck(three)
    silent.wait(1, timeout=30)
    assert len(silent.all(timeout=30)) == 3 and time.perf_counter() - started >= 0.3


def test_a_pack_prepared_in_the_background_is_the_same_pack(demo_db_path, isere, isere_images):
    """The pack page's path: the model read from the moment the page is shown, the click drawing what is built and
    waiting for the rest; the charts handed over in the pack's order, the same images, and the page's failures kept."""
    db = Database(demo_db_path)
    release = threading.Event()
    real = pack.PackSources().quality_bundle

    def held_back(database):  # the model is not finished when the file is asked for
        assert release.wait(120)
        return real(database)

    prepared = build.Prepared(lambda on_figure: pack.build_pack(
        db, "38", "departement", rights_text="Rôle national : tous les territoires.", today=TODAY,
        sources=pack.PackSources(quality_bundle=held_back), on_figure=on_figure))
    handed: list[str] = []

    def on_figure(fig):
        handed.append(fig.key)
        if len(handed) == len(isere.figures):
            release.set()  # every chart handed over before the model is complete

    model = prepared.build(on_figure)
    assert prepared.done and handed == [f.key for f in isere.figures] == [f.key for f in model.figures]
    again, data, images = build.make(prepared.build, "pptx")
    assert again is model and images == isere_images and data[:2] == b"PK"

    def broken(on_figure):
        raise RuntimeError("lecture impossible")

    with pytest.raises(RuntimeError, match="lecture impossible"):
        build.Prepared(broken).build(lambda fig: None)
    cancelled = build.Prepared(lambda on_figure: [on_figure(f) or time.sleep(0.05) for f in isere.figures * 50])
    cancelled.cancel()
    with pytest.raises(RuntimeError, match="cancelled"):
        cancelled.build(lambda fig: None)
