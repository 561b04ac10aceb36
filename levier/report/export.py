"""`levier export`: the tables the pages show, as CSV or XLSX, computed by the same view functions as the pages.

EXPORTS maps a table name to a function (db, options) -> ExportTable (or a plain DataFrame); adding a table is one
entry. Every table starts with the territory's `code` and `libelle`, one row per territory (and per indicator/year
where the table has them). Writers: `csv` (';', decimal comma, numbers rounded as on screen through levier.core.fmt, no thousands separator so that
a spreadsheet reads them as numbers),
`csv-point` (',', decimal point, full precision, no thousands separator) and `xlsx` (levier.report.tables).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from levier.analysis.positions import LEVEL_DEPARTEMENT, MISSING_LABELS
from levier.core.fmt import value_decimals
from levier.report.tables import displayed, neutralise, to_xlsx_bytes
from levier.store.db import Database
from levier.views import common, effet_levier, gating, mi_parcours, qualite, services, t0

LEVELS = ("departement", "epci", "region")
LEVEL_LABELS = {"departement": "département", "epci": "EPCI", "region": "région"}
FORMATS = ("csv", "csv-point", "xlsx")
UNIT_COLUMN = "unite"
BY_UNIT = "unite"  # decimals read per row from the unit column, as the screen shows the value


class ExportError(ValueError):
    """A bad request (unknown table, territory, indicator…), with a French message for the user."""


@dataclass(frozen=True)
class ExportOptions:
    territoire: str | None = None  # None: every territory of the level
    niveau: str = LEVEL_DEPARTEMENT
    indicateur: str | None = None  # None: every indicator
    annee: int | None = None  # the table's year (its meaning is the table's: see each function)
    extra: Mapping[str, object] = field(default_factory=dict)  # options of one table only (e.g. service, km)


@dataclass(frozen=True)
class ExportTable:
    """Numbers kept as numbers; `decimals` says how the screen rounds a column: an int, or BY_UNIT (value_decimals
    of the row's unit). Float columns not listed keep one decimal in `csv`."""

    frame: pd.DataFrame
    decimals: Mapping[str, int | str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ shared


def territories(db: Database, options: ExportOptions) -> pd.DataFrame:
    """code, libelle of the territories asked for: the one of --territoire, or every territory of the level."""
    if options.niveau not in LEVELS:
        raise ExportError(f"Niveau « {options.niveau} » inconnu : choisissez parmi {', '.join(LEVELS)}.")
    terr = common.load_territories(db, options.niveau)[["code", "name"]].rename(columns={"name": "libelle"})
    terr["code"] = terr["code"].astype(str)
    if options.territoire is not None:
        terr = terr[terr["code"] == options.territoire]
        if terr.empty:
            raise ExportError(f"Territoire « {options.territoire} » inconnu au niveau "
                              f"{LEVEL_LABELS.get(options.niveau, options.niveau)} (les codes s'écrivent comme au "
                              "COG : « 01 », « 2A », « 971 »).")
    return terr.reset_index(drop=True)


def _indicators(db: Database, options: ExportOptions) -> list[str] | None:
    if options.indicateur is None:
        return None
    cat = common.load_indicators(db)
    if options.indicateur not in set(cat["code"]):
        raise ExportError(f"Indicateur « {options.indicateur} » inconnu du catalogue.")
    return [options.indicateur]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# ------------------------------------------------------------------------------------------------ tables

VALEURS_COLUMNS = ["code", "libelle", "indicateur", "libelle_indicateur", "programme", "valeur", UNIT_COLUMN, "annee",
                   "source", "motif_absence", "donnee_demo"]


def export_valeurs(db: Database, options: ExportOptions) -> ExportTable:
    """Current values: for each territory and indicator, the latest year with a value (up to --annee, as the T0
    page reads it), its source; a value declared missing is listed with its reason."""
    terr = territories(db, options)
    data = t0.load_t0_data(db, options.niveau, _indicators(db, options))
    cat = common.catalogue(db)
    rows = []
    for code, libelle in zip(terr["code"], terr["libelle"]):
        latest = t0.latest_values(data, code, options.annee)
        for r in latest.itertuples(index=False):
            rows.append({
                "code": code, "libelle": libelle, "indicateur": r.indicator,
                "libelle_indicateur": cat.at[r.indicator, "label"], "programme": cat.at[r.indicator, "programme"],
                "valeur": r.value, UNIT_COLUMN: cat.at[r.indicator, "unit"], "annee": r.period,
                "source": common.source_text(cat, r.indicator),
                "motif_absence": None if not pd.isna(r.value) else MISSING_LABELS.get(r.missing_reason, r.missing_reason),
                "donnee_demo": bool(r.is_demo),
            })
    frame = pd.DataFrame(rows, columns=VALEURS_COLUMNS) if rows else _empty(VALEURS_COLUMNS)
    frame["valeur"] = pd.to_numeric(frame["valeur"], errors="coerce").astype("float64")
    frame["annee"] = pd.to_numeric(frame["annee"], errors="coerce").astype("Int64")
    return ExportTable(frame, {"valeur": BY_UNIT})


POSITIONS_COLUMNS = {
    "Code": "indicateur", "Indicateur": "libelle_indicateur", "Programme": "programme", "Valeur": "valeur",
    "Unité": UNIT_COLUMN, "Année": "annee", "Sens": "sens", "Rang": "rang", "Territoires classés": "territoires_classes",
    "Quartile": "quartile", "Médiane régionale": "mediane_regionale",
    "Écart à la médiane régionale": "ecart_mediane_regionale",
    "Écart à la médiane régionale (%)": "ecart_mediane_regionale_pct", "Médiane nationale": "mediane_nationale",
    "Écart à la médiane nationale": "ecart_mediane_nationale",
    "Écart à la médiane nationale (%)": "ecart_mediane_nationale_pct", "Médiane des pairs": "mediane_pairs",
    "Écart à la médiane des pairs": "ecart_mediane_pairs", "Écart à la médiane des pairs (%)": "ecart_mediane_pairs_pct",
    "Situation / médiane nationale": "situation_mediane_nationale", "Motif d'absence": "motif_absence",
    "Motif de non-classement": "motif_non_classement", "Signalement qualité": "signalement_qualite",
    "Donnée de démonstration": "donnee_demo",
    # Ranks, quartiles, medians and gaps are on the ranked figure: a count's rate (levier.analysis.rates).
    "Classé sur": "classe_sur", "Valeur classée": "valeur_classee", "Unité classée": "unite_classee",
    "Valeur plancher": "valeur_plancher",
}
RANK_UNIT_COLUMN = "unite_classee"
BY_RANK_UNIT = "unite_classee"  # decimals read per row from the unit of the ranked figure


def export_positions(db: Database, options: ExportOptions) -> ExportTable:
    """The T0 table of each territory: rank, quartile, regional / national / peer medians and gaps, at the T0 year
    (--annee, default the page's 2023), each indicator at its latest year up to it."""
    terr = territories(db, options)
    year = options.annee or t0.T0_YEARS[0]
    names = dict(zip(terr["code"], terr["libelle"]))
    parts = []
    for view in t0.t0_views(db, options.niveau, year, list(terr["code"]), indicators=_indicators(db, options)):
        part = view.table[list(POSITIONS_COLUMNS)].rename(columns=POSITIONS_COLUMNS)
        part.insert(0, "libelle", names[view.code])
        part.insert(0, "code", view.code)
        parts.append(part)
    columns = ["code", "libelle"] + list(POSITIONS_COLUMNS.values())
    frame = pd.concat(parts, ignore_index=True) if parts else _empty(columns)
    by_unit = {"valeur": BY_UNIT}
    by_unit |= {c: BY_RANK_UNIT for c in ("valeur_classee", "mediane_regionale", "ecart_mediane_regionale",
                                          "mediane_nationale", "ecart_mediane_nationale", "mediane_pairs",
                                          "ecart_mediane_pairs")}
    pct = {c: 1 for c in ("ecart_mediane_regionale_pct", "ecart_mediane_nationale_pct", "ecart_mediane_pairs_pct")}
    return ExportTable(frame[columns], {**by_unit, **pct})


TRAJECTOIRES_COLUMNS = {
    "indicator": "indicateur", "label": "libelle_indicateur", "unit": UNIT_COLUMN, "t0_period": "annee_t0",
    "t0_value": "valeur_t0", "target_period": "annee_cible", "target_value": "cible",
    "milestones": "cibles_intermediaires", "current_period": "derniere_annee", "current_value": "derniere_valeur",
    "expected": "valeur_attendue", "attainment": "taux_atteinte_pct", "status": "statut", "status_reason": "motif_statut",
}


def export_trajectoires(db: Database, options: ExportOptions) -> ExportTable:
    """The targets table of the mi-parcours page for each territory and programme, with the page's default
    periods for that programme (T0 and comparison year among the territory's years); --annee sets the comparison
    year instead."""
    terr = territories(db, options)
    wanted = _indicators(db, options)
    cat = common.catalogue(db)
    gates = gating.load_gates(db, level=options.niveau)  # the quality checks once, not once per territory
    parts = []
    for code, libelle in zip(terr["code"], terr["libelle"]):
        periods = common.available_periods(db, options.niveau, code)
        for programme in mi_parcours.PROGRAMME_PERIODS:
            t0_year, period_to = mi_parcours.default_periods(periods, programme)
            if options.annee is not None:
                period_to = int(options.annee)
            tracking = mi_parcours.tracking_of(db, code, options.niveau, t0_year, period_to, programme, cat, gates)
            if wanted is not None:
                tracking = tracking[tracking["indicator"].isin(wanted)]
            if tracking.empty:
                continue
            part = tracking[list(TRAJECTOIRES_COLUMNS)].rename(columns=TRAJECTOIRES_COLUMNS)
            part.insert(0, "programme", programme)
            part.insert(0, "libelle", libelle)
            part.insert(0, "code", code)
            parts.append(part)
    columns = ["code", "libelle", "programme"] + list(TRAJECTOIRES_COLUMNS.values())
    frame = pd.concat(parts, ignore_index=True) if parts else _empty(columns)
    for col in ("annee_t0", "annee_cible", "derniere_annee", "cibles_intermediaires"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    by_unit = {c: BY_UNIT for c in ("valeur_t0", "cible", "derniere_valeur", "valeur_attendue")}
    return ExportTable(frame[columns], {**by_unit, "taux_atteinte_pct": 0})


ExportFunction = Callable[[Database, ExportOptions], "ExportTable | pd.DataFrame"]

SERVICES = ("france_services", "agence_france_travail")
DEFAULT_KM = 20.0


def _from_view(make: Callable[[], pd.DataFrame], decimals: Mapping[str, int | str] | None = None) -> ExportTable:
    """A view's export table; its French ValueError (unknown level or territory) becomes an ExportError."""
    try:
        frame = make()
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    return ExportTable(frame, dict(decimals if decimals is not None else frame.attrs.get("decimals", {})))


def export_couverture(db: Database, options: ExportOptions) -> ExportTable:
    """Service coverage per territory (share of the population within --km of a --service place), as the
    Services page computes it: straight line from each commune's centroid (its EPCI's point when the commune is
    absent from the commune points file, counted in `communes_point_repli`)."""
    service = str(options.extra.get("service") or SERVICES[0])
    if service not in SERVICES:
        raise ExportError(f"Type de lieu « {service} » inconnu : choisissez parmi {', '.join(SERVICES)}.")
    km = float(options.extra.get("km") or DEFAULT_KM)
    if not 0 < km <= 200:
        raise ExportError(f"Distance « {km:g} km » hors limites : indiquez entre 1 et 200 km.")
    return _from_view(lambda: services.coverage_table(db, service, km, options.niveau, options.territoire))


def export_qualite(db: Database, options: ExportOptions) -> ExportTable:
    """The quality page's findings (missing, late or doubtful values), one row per finding."""
    return _from_view(lambda: qualite.findings_table(db, options.niveau, options.territoire), {"annee": 0})


def export_financements(db: Database, options: ExportOptions) -> ExportTable:
    """The lever-effect table: State € and own € planned, committed and spent per action, leverage."""
    return _from_view(lambda: effet_levier.funding_table(db, options.niveau, options.territoire, options.annee))


EXPORTS: dict[str, ExportFunction] = {
    "valeurs": export_valeurs,
    "positions": export_positions,
    "trajectoires": export_trajectoires,
    "couverture": export_couverture,
    "qualite": export_qualite,
    "financements": export_financements,
}


def build(db: Database, name: str, options: ExportOptions) -> ExportTable:
    """The table `name` (a key of EXPORTS) for these options; ExportError with a French message otherwise."""
    if name not in EXPORTS:
        raise ExportError(f"Table « {name} » inconnue. Tables disponibles : {', '.join(sorted(EXPORTS))}.")
    table = EXPORTS[name](db, options)
    return table if isinstance(table, ExportTable) else ExportTable(table)


# ------------------------------------------------------------------------------------------------ writers


def _screen_decimals(table: ExportTable) -> dict[str, int | list[int]]:
    """How the screen rounds each number column: the table's own spec, BY_UNIT read per row from the unit column,
    one decimal for a float column the table does not mention."""
    frame = table.frame
    units = frame[UNIT_COLUMN] if UNIT_COLUMN in frame.columns else pd.Series("", index=frame.index)
    out: dict[str, int | list[int]] = {}
    for col in frame.columns:
        if not pd.api.types.is_float_dtype(frame[col]):
            continue
        spec = table.decimals.get(col, 1)
        if spec == BY_RANK_UNIT and RANK_UNIT_COLUMN in frame.columns:
            out[col] = [value_decimals(v, u) for v, u in zip(frame[col], frame[RANK_UNIT_COLUMN].fillna(units))]
        elif spec in (BY_UNIT, BY_RANK_UNIT):
            out[col] = [value_decimals(v, u) for v, u in zip(frame[col], units)]
        else:
            out[col] = int(spec)
    return out


def to_text(table: ExportTable, kind: str) -> str:
    """`csv`: ';' and decimal comma, as on screen; `csv-point`: ',' and decimal point, full precision."""
    if kind == "csv":
        # Decimal comma and the screen's rounding, but no thousands separator, so that a French spreadsheet reads a
        # number; CRLF rows, as report.tables: a lone CR inside a cell stays quoted.
        text = displayed(neutralise(table.frame), as_text=True, decimals=_screen_decimals(table))
        return text.to_csv(index=False, sep=";", lineterminator="\r\n")
    if kind == "csv-point":
        full = displayed(neutralise(table.frame), as_text=False, rounded=False)
        return full.to_csv(index=False, sep=",", lineterminator="\n")
    raise ExportError(f"Format « {kind} » non textuel : choisissez csv ou csv-point, ou indiquez --sortie.")


def to_bytes(table: ExportTable, kind: str, sheet: str = "donnees") -> bytes:
    if kind not in FORMATS:
        raise ExportError(f"Format « {kind} » inconnu : choisissez parmi {', '.join(FORMATS)}.")
    if kind == "xlsx":
        return to_xlsx_bytes(table.frame, sheet=sheet, decimals=_screen_decimals(table))
    # A BOM for `csv` so that a spreadsheet reads UTF-8; analysts' tools want none.
    return to_text(table, kind).encode("utf-8-sig" if kind == "csv" else "utf-8")
