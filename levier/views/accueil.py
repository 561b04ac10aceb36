"""What the home page says about the loaded data: territories, programmes, periods, returns, last imports."""

from __future__ import annotations

import json

from dataclasses import dataclass

import pandas as pd

from levier.store.db import Database, Query
from levier.core.fmt import fmt_int

LEVEL_LABELS = {"region": "Régions", "departement": "Départements", "epci": "EPCI à fiscalité propre", "commune": "Communes"}
LEVEL_ORDER = list(LEVEL_LABELS)


@dataclass(frozen=True)
class HomeSummary:
    territories: pd.DataFrame  # niveau, millésime, nombre
    programmes: pd.DataFrame  # one row per programme, French column labels (programmes_table)
    imports: pd.DataFrame
    demo_values: int
    all_values: int
    replaced_values: int

    @property
    def is_empty(self) -> bool:
        return self.all_values == 0


def territory_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Levels as rows, vintages as columns, so a reader sees at a glance which vintage is loaded."""
    if counts.empty:
        return pd.DataFrame(columns=["Niveau"])
    counts = counts.assign(order=counts["level"].map({k: i for i, k in enumerate(LEVEL_ORDER)}))
    wide = counts.pivot_table(index=["order", "level"], columns="vintage", values="count", aggfunc="sum")
    wide = wide.reset_index().drop(columns="order")
    wide["level"] = wide["level"].map(LEVEL_LABELS).fillna(wide["level"])
    wide.columns = ["Niveau"] + [f"Millésime {c}" for c in wide.columns[1:]]
    for col in wide.columns[1:]:
        wide[col] = wide[col].map(lambda n: fmt_int(n, missing="—"))
    return wide


def _per_rule(counts: object) -> str:
    """The journal's counts per rule (a small JSON object) as « doublon : 699 999 ; territoire : 2 »."""
    if not isinstance(counts, str) or not counts:
        return "—"
    return " ; ".join(f"{rule} : {fmt_int(n)}" for rule, n in json.loads(counts).items())


def imports_table(imports: pd.DataFrame) -> pd.DataFrame:
    if imports.empty:
        return pd.DataFrame(columns=["N°", "Fichier", "Statut", "Date", "Par", "Lignes lues", "Valeurs acceptées",
                                     "Modifiées", "Erreurs", "Erreurs par règle"])
    return pd.DataFrame(
        {
            "N°": imports["id"],
            "Fichier": imports["file_name"],
            "Type": imports["kind"],
            "Format": imports["file_format"].fillna("—"),
            "Statut": imports["status"],
            "Date": imports["finished_at"].dt.strftime("%d/%m/%Y %H:%M"),
            "Par": imports["imported_by"],
            "Lignes lues": imports["rows_read"],
            "Valeurs acceptées": imports["rows_accepted"],
            "Modifiées": imports["rows_changed"],
            "Erreurs": imports["error_count"].fillna(0).astype(int),  # every error; the list keeps the first 1,000
            "Erreurs par règle": imports["error_rules"].map(_per_rule),
            "Démo": imports["is_demo"].map({True: "oui", False: "non"}),
        }
    )


def load_recent_imports(db: Database, limit: int = 10) -> pd.DataFrame:
    """The last imports (the importer's list): HomeSummary.imports without the counts of every current value."""
    return imports_table(db.read(Query.RECENT_IMPORTS, {"limit": limit}))


def load_home_summary(db: Database, imports_limit: int = 10) -> HomeSummary:
    with db.reader() as r:
        counts = r.df(Query.TERRITORY_COUNTS)
        programmes = r.df(Query.PROGRAMME_SUMMARY)
        imports = r.df(Query.RECENT_IMPORTS, {"limit": imports_limit})
        demo = r.rows(Query.DEMO_STATUS)[0]
        replaced = r.rows(Query.HISTORY_SUMMARY)[0]
    return HomeSummary(
        territories=territory_table(counts),
        programmes=programmes_table(programmes),
        imports=imports_table(imports),
        demo_values=int(demo[0] or 0),
        all_values=int(demo[1] or 0),
        replaced_values=int(replaced[0] or 0),
    )


def programmes_table(programmes: pd.DataFrame) -> pd.DataFrame:
    def years(a, b):
        return "—" if pd.isna(a) else (f"{int(a)}" if a == b else f"{int(a)}–{int(b)}")

    return pd.DataFrame(
        {
            "Programme": programmes["programme"],
            "Intitulé": programmes["label"],
            "Années du programme": [f"{a}–{b}" for a, b in zip(programmes["first_year"], programmes["last_year"])],
            "Indicateurs au catalogue": programmes["indicators"],
            "Périodes avec données": [years(a, b) for a, b in zip(programmes["first_period"], programmes["last_period"])],
            "Départements ayant transmis": programmes["departements_with_values"],
            "Valeurs courantes": programmes["current_values"],
        }
    )
