"""`levier evaluation --panel FICHIER.csv` run as a user runs it (a subprocess): the event-time table on stdout, a
refusal exiting 3 with its French reason, a bad file named with its line and column."""

from __future__ import annotations

import csv
import io
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from levier.analysis import evaluation as ev
from tests.unit.analysis.test_evaluation import staggered

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["temps_relatif", "estimation", "erreur_type", "ic_bas", "ic_haut", "n_territoires"]


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "levier", "evaluation", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def write_panel(path: Path, panel, cohort, sep: str = ",") -> None:
    """The panel in the command's input format; codes padded to look like départements ('001'), kept as text."""
    lines = [sep.join(["territoire", "annee", "valeur", "annee_traitement"])]
    for row in panel.itertuples():
        g = cohort[row.unit]
        value = f"{row.y:.12g}"
        lines.append(sep.join([row.unit, str(row.year), value.replace(".", ",") if sep == ";" else value,
                               "" if math.isnan(g) else str(int(g))]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("sep", [",", ";"])
def test_prints_the_event_time_table_and_nothing_else(tmp_path, sep):
    panel, cohort = staggered(8)
    path = tmp_path / "panel.csv"
    write_panel(path, panel, cohort, sep)
    done = run("--panel", str(path))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == COLUMNS
    expected = ev.event_study(panel, cohort).coefs  # the same estimator in-process, on the same values
    assert [int(r["temps_relatif"]) for r in rows] == expected["event_time"].tolist() == list(range(-6, 5))
    for r, e in zip(rows, expected.itertuples()):
        assert float(r["estimation"]) == pytest.approx(e.estimate, abs=1e-8)
        assert float(r["erreur_type"]) == pytest.approx(e.se, abs=1e-8)
        assert float(r["ic_bas"]) < float(r["estimation"]) < float(r["ic_haut"]) or e.reference
        assert int(r["n_territoires"]) == e.n_treated
    reference = next(r for r in rows if r["temps_relatif"] == "-1")
    assert [reference[c] for c in COLUMNS[1:]] == ["0", "0", "0", "0", "30"]
    assert "Test conjoint des tendances antérieures" in done.stderr


def test_never_treated_controls_on_request(tmp_path):
    panel, cohort = staggered(8)
    path = tmp_path / "panel.csv"
    write_panel(path, panel, cohort)
    done = run("--panel", str(path), "--temoins", "jamais")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    expected = ev.event_study(panel, cohort, controls=ev.CONTROLS_NEVER).coefs.set_index("event_time")
    assert float(rows[0]["estimation"]) == pytest.approx(expected.loc[int(rows[0]["temps_relatif"]), "estimate"])
    assert "jamais sous contrat" in done.stderr


def test_refusal_exits_3_with_its_french_reason(tmp_path):
    panel, cohort = staggered(4, per_wave=3, never=3)  # 12 territories: too few clusters
    path = tmp_path / "petit.csv"
    write_panel(path, panel, cohort)
    done = run("--panel", str(path))
    assert done.returncode == 3 and done.stdout == ""
    assert "Estimation refusée : seulement 12 territoires" in done.stderr


def test_bad_file_names_file_line_and_column(tmp_path):
    path = tmp_path / "mauvais.csv"
    path.write_text("territoire;annee;valeur;annee_traitement\n01;2019;1,5;2021\n01;2020;beaucoup;2021\n",
                    encoding="utf-8")
    done = run("--panel", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert f"Fichier « {path} », ligne 3, colonne « valeur » : « beaucoup » n'est pas un nombre" in done.stderr
    missing = run("--panel", str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "absent.csv" in missing.stderr and "illisible" in missing.stderr
