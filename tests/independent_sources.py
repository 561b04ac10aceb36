"""Test helper: the DREES indicators the catalogue links declared figures to, and a few of their real values, planted
in a test database (the DREES import is another slice's; the codes are fixed by the issue-13 brief)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pandas as pd

from levier.ingest.catalogue import read_catalogue, store_catalogue
from levier.ingest.public_stats import KIND_STAT
from levier.ingest.report import ImportReport
from levier.ingest.returns import write_facts
from levier.store.db import Database

# (code, label, unit) of the public indicators, as the DREES slice names them.
PUBLIC = (
    ("STAT-OARSA-ORIENTES", "Part des personnes soumises aux droits et devoirs orientées au 31 décembre", "%"),
    ("STAT-OARSA-DELAI-ORIENTATION", "Délai moyen entre l'entrée au RSA et la première orientation", "jours"),
    ("STAT-ASE-APJM", "Accueils provisoires jeunes majeurs au 31 décembre", "personnes"),
    ("STAT-RSA-DEC", "Allocataires du RSA en décembre", "nombre"),
)
# The links and tolerances of data/catalogue/indicateurs.csv (planted here too, so the test stands on its own).
LINKS = {
    "CALPAE-3.1.1-OR1M-TX": ("STAT-OARSA-ORIENTES|STAT-OARSA-DELAI-ORIENTATION", "10"),
    "CALPAE-1.1.1-CJM": ("STAT-ASE-APJM", "100"),
    "CALPAE-3.1.1-NE": ("STAT-RSA-DEC", "10"),
}
# Real DREES values (OARSA B1 and B13; Aide sociale 2020 Tab3-ase; monthly RSA, December) for the Puy-de-Dôme, the
# département of the demo's planted gap (demo.INDEPENDENT_GAP), and the Isère, a département without one.
VALUES = (
    ("63", "STAT-OARSA-ORIENTES", 2017, 58.0), ("63", "STAT-OARSA-ORIENTES", 2018, 56.0),
    ("38", "STAT-OARSA-ORIENTES", 2017, 90.0), ("38", "STAT-OARSA-ORIENTES", 2018, 87.0),
    ("38", "STAT-OARSA-DELAI-ORIENTATION", 2018, 100.0),
    ("63", "STAT-ASE-APJM", 2020, 271.0), ("38", "STAT-ASE-APJM", 2020, 645.0),
    ("63", "STAT-RSA-DEC", 2018, 15710.0), ("63", "STAT-RSA-DEC", 2019, 15960.0),
    ("38", "STAT-RSA-DEC", 2018, 23400.0), ("38", "STAT-RSA-DEC", 2019, 23040.0),
)


def plant_independent_sources(db: Database) -> None:
    """Adds the four public indicators and the links to the stored catalogue, then their values (not demo)."""
    cat = read_catalogue()
    ind = cat.indicators.copy()
    template = ind[ind["code"] == "STAT-TP60"].iloc[0]
    rows = []
    for code, label, unit in PUBLIC:
        if code in set(ind["code"]):
            continue
        row = template.copy()
        row["code"], row["label"], row["unit"], row["source"] = code, label, unit, "DREES"
        row["definition"], row["direction"], row["aliases"] = label + ".", "", ""
        row["rate_base"], row["rate_scale"], row["rate_noun"], row["published_floor"] = "", "", "", ""
        rows.append(row)
    ind = pd.concat([ind, pd.DataFrame(rows)], ignore_index=True)
    for code, (source, tolerance) in LINKS.items():
        ind.loc[ind["code"] == code, ["independent_source", "independent_tolerance"]] = [source, tolerance]
    with db.transaction() as w:
        store_catalogue(w, dataclasses.replace(cat, indicators=ind))
    facts = pd.DataFrame(
        [("departement", t, i, p, "valeur", v, None, None, None, None, None) for t, i, p, v in VALUES],
        columns=["territory_level", "territory_code", "indicator", "period", "measure", "value", "missing_reason",
                 "comment", "submitted_on", "source_sheet", "source_row"],
    )
    report = ImportReport(file="drees_test.csv", kind=KIND_STAT, rows_read=len(facts),
                          rows_accepted=len(facts))
    write_facts(db, facts, report, b"drees test values", started=datetime.now(), imported_by="test", demo=False)
