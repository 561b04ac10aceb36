"""Import of indicator returns (long and grille layouts, CSV and xlsx): validate everything, then write all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.config import settings
from levier.store.db import Database, Query, Writer
from levier.ingest.readers import Sheet, UnreadableFile, parse_numbers, read_cells, shorten
from levier.ingest.journal import finish_import, now
from levier.ingest import plausibility
from levier.ingest.report import Finding, ImportReport
from levier.core.text import normalise

KIND_RETURNS = "retours"
FACT_COLUMNS = [
    "territory_level",
    "territory_code",
    "indicator",
    "period",
    "measure",
    "value",
    "missing_reason",
    "comment",
    "submitted_on",
    "source_sheet",
    "source_row",
]
COUNT_UNITS = {"personnes", "nombre", "€", "jours", "minutes"}

# Long-format headers, compared after normalise(); the first name is the canonical one shown in messages.
LONG_COLUMNS: dict[str, tuple[str, ...]] = {
    "territoire": ("territoire", "code territoire", "departement", "code departement", "dep", "code dep"),
    "indicateur": ("indicateur", "code indicateur"),
    "periode": ("periode", "annee", "annee de reference"),
    "valeur": ("valeur", "value"),
    "cible": ("cible", "valeur cible", "objectif"),
    "annee_cible": ("annee cible", "annee_cible", "echeance cible"),
    "commentaire": ("commentaire", "commentaires", "observations"),
    "date_transmission": ("date transmission", "date de transmission", "date d envoi", "date_transmission"),
}
REQUIRED_LONG = ("territoire", "indicateur", "periode", "valeur")
_HEADER_LOOKUP = {normalise(alias): canon for canon, aliases in LONG_COLUMNS.items() for alias in aliases}

GRILLE_TERRITORY_LABELS = {normalise(x) for x in ("territoire", "departement", "code territoire", "code departement", "metropole")}
GRILLE_DATE_LABELS = {normalise(x) for x in ("date de transmission", "date transmission", "date d'envoi")}
GRILLE_CODE_HEADERS = {"code", "code indicateur"}
GRILLE_LABEL_HEADERS = {"indicateur", "libelle", "intitule", "libelle indicateur"}
_YEAR = re.compile(r"^(19|20)\d{2}(\.0+)?$")
_SHEET_CODE = re.compile(r"(?<![0-9A-Za-z])(2A|2B|97[1-6]|\d{9}|\d{2})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class ImportContext:
    """What validation needs from the store, read once per import (or once for a batch)."""

    territories: dict[str, str]  # code -> level ('departement' | 'epci')
    indicators: pd.DataFrame  # indexed by code
    labels: dict[str, str]  # normalised code/label/alias -> code
    years: dict[str, tuple[int, int]]
    ratios: list[tuple[str, str, str]]  # (ratio code, numerator, denominator)
    # Plausibility (docs/formats.md « Règles de plausibilité »): inhabitants per territory code (None: parsing
    # without a store, the per-inhabitant bound is skipped), years after a programme's last one a target may fall.
    populations: dict[str, float] | None = None
    target_margins: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Database) -> ImportContext:
        with db.reader() as r:
            terr = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
            ind = r.df(Query.IMPORT_CONTEXT_INDICATORS)
            prog = r.df(Query.PROGRAMME_YEARS)
            pop = r.df(Query.IMPORT_CONTEXT_POPULATIONS)
        ind = ind.set_index("code", drop=False)
        labels: dict[str, str] = {}
        for code, label, aliases in zip(ind["code"], ind["label"], ind["aliases"].fillna("")):
            labels[normalise(code)] = code
            labels.setdefault(normalise(label), code)
            for alias in str(aliases).split("|"):
                if alias.strip():
                    labels.setdefault(normalise(alias), code)
        ratios = [
            (c, n, d)
            for c, n, d in zip(ind["code"], ind["numerator"], ind["denominator"])
            if isinstance(n, str) and n and isinstance(d, str) and d
        ]
        return cls(
            territories=dict(zip(terr["code"], terr["level"])),
            indicators=ind,
            labels=labels,
            years={c: (int(a), int(b)) for c, a, b in zip(prog["code"], prog["first_year"], prog["last_year"])},
            ratios=ratios,
            populations={c: float(p) for c, p in zip(pop["code"], pop["population"])},
            target_margins={c: int(m) for c, m in zip(prog["code"], prog["target_margin"].fillna(0))},
        )


@dataclass
class ParsedFile:
    facts: pd.DataFrame
    errors: list[Finding]
    warnings: list[Finding]
    file_format: str | None
    rows_read: int


# ---------------------------------------------------------------------------------------------------------------
# Layout detection: every layout is first turned into one "raw long" frame, validated by one function.
# raw columns: territory, indicator, period, value, target, target_year, comment, date, sheet, row,
#              c_territory, c_indicator, c_period, c_value (column names for messages)
# ---------------------------------------------------------------------------------------------------------------


def _first_nonblank_row(cells: pd.DataFrame) -> int | None:
    nonblank = cells.apply(lambda col: col.str.strip().ne("")).any(axis=1)
    idx = np.flatnonzero(nonblank.to_numpy())
    return int(idx[0]) if len(idx) else None


def _long_header(cells: pd.DataFrame) -> tuple[int, dict[str, int]] | None:
    h = _first_nonblank_row(cells)
    if h is None:
        return None
    mapping: dict[str, int] = {}
    for j, cell in enumerate(cells.iloc[h]):
        canon = _HEADER_LOOKUP.get(normalise(cell))
        if canon and canon not in mapping:
            mapping[canon] = j
    if all(k in mapping for k in REQUIRED_LONG):
        return h, mapping
    return None


def _raw_from_long(sheet: Sheet, h: int, mapping: dict[str, int]) -> pd.DataFrame:
    body = sheet.cells.iloc[h + 1 :]
    header = sheet.cells.iloc[h]

    def col(name: str) -> pd.Series:
        j = mapping.get(name)
        return body[body.columns[j]].str.strip() if j is not None else pd.Series("", index=body.index)

    raw = pd.DataFrame(
        {
            "territory": col("territoire"),
            "indicator": col("indicateur"),
            "period": col("periode"),
            "value": col("valeur"),
            "target": col("cible"),
            "target_year": col("annee_cible"),
            "comment": col("commentaire"),
            "date": col("date_transmission"),
        }
    )
    raw["sheet"] = sheet.name
    raw["row"] = body.index.to_numpy() + 1
    for key, canon in (("c_territory", "territoire"), ("c_indicator", "indicateur"), ("c_period", "periode"), ("c_value", "valeur")):
        raw[key] = str(header.iloc[mapping[canon]]).strip()
    raw["c_target"] = str(header.iloc[mapping["cible"]]).strip() if "cible" in mapping else "cible"
    blank = raw[["territory", "indicator", "period", "value", "target"]].eq("").all(axis=1)
    return raw[~blank]


def _grille_header(cells: pd.DataFrame) -> tuple[int, int | None, int | None, list[int]] | None:
    """Row of the table header, its code column, its label column and its year columns."""
    norm = cells.map(normalise)
    for i in range(min(len(cells), 60)):
        row = norm.iloc[i]
        code_col = next((j for j, v in enumerate(row) if v in GRILLE_CODE_HEADERS), None)
        label_col = next((j for j, v in enumerate(row) if v in GRILLE_LABEL_HEADERS), None)
        years = [j for j, v in enumerate(cells.iloc[i]) if _YEAR.match(str(v).strip())]
        if (code_col is not None or label_col is not None) and years:
            return i, code_col, label_col, years
    return None


def _grille_meta(cells: pd.DataFrame, header_row: int) -> tuple[tuple[str, int, str] | None, tuple[str, int, str] | None]:
    """(territory value, row, column label) and (date value, row, column label) from the block above the table."""
    territory = date = None
    for i in range(header_row):
        row = [str(v).strip() for v in cells.iloc[i]]
        for j, v in enumerate(row):
            n = normalise(v)
            if n in GRILLE_TERRITORY_LABELS or n in GRILLE_DATE_LABELS:
                value = next((x for x in row[j + 1 :] if x), "")
                if n in GRILLE_TERRITORY_LABELS and territory is None:
                    territory = (value, i + 1, v)
                elif n in GRILLE_DATE_LABELS and date is None:
                    date = (value, i + 1, v)
    return territory, date


def _raw_from_grille(sheet: Sheet, header, file_name: str, errors: list[Finding]) -> pd.DataFrame | None:
    cells = sheet.cells
    h, code_col, label_col, year_cols = header
    terr, date = _grille_meta(cells, h)
    territory = terr[0] if terr and terr[0] else None
    if territory is None:
        m = _SHEET_CODE.search(sheet.name or "")
        territory = m.group(1) if m else None
    if territory is None:
        errors.append(
            Finding(file_name, "territoire introuvable : indiquez son code dans le nom de la feuille "
                    "ou dans une cellule « Territoire » au-dessus du tableau.", sheet.name, 1, None)
        )
        return None
    body = cells.iloc[h + 1 :]
    codes = body[code_col].str.strip() if code_col is not None else pd.Series("", index=body.index)
    labels = body[label_col].str.strip() if label_col is not None else pd.Series("", index=body.index)
    ident = codes.where(codes.ne(""), labels)
    frames = []
    for j in year_cols:
        year = str(cells.iat[h, j]).strip().split(".")[0]
        values = body[j].str.strip()
        frames.append(
            pd.DataFrame(
                {
                    "indicator": ident,
                    "label": labels,
                    "period": year,
                    "value": values,
                    "row": body.index.to_numpy() + 1,
                    "c_value": year,
                }
            )
        )
    raw = pd.concat(frames, ignore_index=True)
    raw["territory"] = territory
    raw["target"] = ""
    raw["target_year"] = ""
    raw["comment"] = ""
    raw["date"] = date[0] if date else ""
    raw["sheet"] = sheet.name
    raw["c_territory"] = "territoire (nom de la feuille ou cellule « Territoire »)"
    raw["c_indicator"] = "Code" if code_col is not None else "Indicateur"
    raw["c_period"] = "année (en-tête)"
    raw["c_target"] = "cible"
    # A blank cell is no value transmitted; section titles and blank lines have only blank cells.
    raw = raw[raw["value"].ne("")]
    return raw


def _to_raw(sheets: list[Sheet], file_name: str, errors: list[Finding], warnings: list[Finding]) -> tuple[pd.DataFrame | None, str | None]:
    if not sheets:
        errors.append(Finding(file_name, "le classeur ne contient aucune feuille."))
        return None, None
    preferred = [s for s in sheets if normalise(s.name or "") == "retours"] or sheets[:1]
    long_header = _long_header(preferred[0].cells)
    if long_header is not None:
        return _raw_from_long(preferred[0], *long_header), "long"
    frames = []
    for sheet in sheets:
        header = _grille_header(sheet.cells)
        if header is None:
            if _first_nonblank_row(sheet.cells) is not None and len(sheets) > 1:
                warnings.append(Finding(file_name, "feuille sans tableau d'indicateurs reconnu : ignorée.", sheet.name))
            continue
        raw = _raw_from_grille(sheet, header, file_name, errors)
        if raw is not None:
            frames.append(raw)
    if frames:
        return pd.concat(frames, ignore_index=True), "grille"
    if not errors:
        first = _first_nonblank_row(preferred[0].cells)
        if first is None:
            errors.append(Finding(file_name, "le fichier ne contient aucune donnée.", preferred[0].name))
        else:
            errors.append(
                Finding(
                    file_name,
                    "mise en page non reconnue : ni format long (colonnes territoire, indicateur, periode, valeur) "
                    "ni format grille (ligne d'en-tête « Code » ou « Indicateur » suivie d'années). "
                    "Voir docs/formats.md.",
                    preferred[0].name,
                    first + 1,
                )
            )
    return None, None


# ---------------------------------------------------------------------------------------------------------------
# Validation: one vectorised pass, Finding objects only for the rows at fault.
# ---------------------------------------------------------------------------------------------------------------


def _findings(raw: pd.DataFrame, mask, file_name: str, column: str, make_message) -> list[Finding]:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    sub = raw[mask]
    cols = sub[column] if column in sub.columns else pd.Series(column, index=sub.index)
    return [
        Finding(file_name, make_message(rec.map(shorten)), rec["sheet"], int(rec["row"]), str(c))
        for (_, rec), c in zip(sub.iterrows(), cols)
    ]


def _fmt(x: float) -> str:
    return f"{x:,.10g}".replace(",", "\u00a0").replace(".", ",")


def _parse_dates(raw_dates: pd.Series) -> tuple[pd.Series, np.ndarray]:
    s = raw_dates.str.strip()
    blank = s.eq("")
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    fr = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    excel_dt = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    parsed = iso.fillna(fr).fillna(excel_dt)
    bad = (~blank & parsed.isna()).to_numpy()
    return parsed.dt.date.where(parsed.notna(), None), bad


def _match_labels(labels: pd.Series, ctx: ImportContext) -> pd.Series:
    """Grid labels to codes; each distinct label is normalised once (a file repeats them for every year)."""
    uniques = labels.dropna().unique()
    lookup = {u: ctx.labels.get(normalise(u)) for u in uniques}
    return labels.map(lookup)


def validate(raw: pd.DataFrame, ctx: ImportContext, file_name: str, file_format: str) -> tuple[pd.DataFrame, list[Finding]]:
    errors: list[Finding] = []
    raw = raw.reset_index(drop=True).copy()

    # Territories: codes are text; '1' for '01' is the classic spreadsheet accident, said plainly.
    terr = raw["territory"].str.strip().str.upper()
    raw["territory"] = terr
    level = terr.map(ctx.territories)
    unknown_t = level.isna().to_numpy()
    errors += _findings(
        raw, unknown_t, file_name, "c_territory",
        lambda r: (
            f"code territoire « {r['territory']} » : le zéro initial a été perdu (un tableur l'a lu comme un nombre) ; "
            f"écrivez « {r['territory'].zfill(2)} »."
            if r["territory"].isdigit() and len(r["territory"]) < 2 and r["territory"].zfill(2) in ctx.territories
            else f"territoire inconnu « {r['territory']} » : attendu un code de département (01, 2A, 971…) "
            "ou le SIREN d'une métropole."
        ),
    )

    # Indicators by code, or by the grid's label once accents, case and spaces are set aside.
    ident = raw["indicator"].astype(str)
    upper = ident.str.upper()
    code = upper.where(upper.isin(ctx.indicators.index))
    code = code.fillna(_match_labels(ident[code.isna()], ctx))
    if "label" in raw.columns:
        code = code.fillna(_match_labels(raw["label"][code.isna()], ctx))
    raw["code"] = code
    unknown_i = code.isna().to_numpy()
    errors += _findings(
        raw, unknown_i, file_name, "c_indicator",
        lambda r: f"indicateur inconnu « {r['indicator']} » (ni code ni libellé du catalogue).",
    )
    known = ~unknown_i
    info = ctx.indicators.reindex(code.fillna(""))
    derived = (info["numerator"].fillna("").ne("") & info["denominator"].fillna("").ne("")).to_numpy()
    filled = raw["value"].ne("").to_numpy() | raw["target"].ne("").to_numpy()
    errors += _findings(
        raw, known & derived & filled, file_name, "c_indicator",
        lambda r: f"l'indicateur « {r['code']} » est un ratio calculé par Levier à partir de son numérateur et de son "
        "dénominateur : ne le saisissez pas.",
    )

    # Periods: a year, within the programme's years.
    period_txt = raw["period"].str.strip().str.replace(r"\.0+$", "", regex=True)
    year_ok = period_txt.str.fullmatch(r"(19|20)\d{2}").to_numpy()
    errors += _findings(
        raw, ~year_ok, file_name, "c_period",
        lambda r: f"période « {r['period']} » invalide : attendu une année sur quatre chiffres (AAAA).",
    )
    period = pd.to_numeric(period_txt.where(year_ok, None), errors="coerce")
    prog = info["programme"].to_numpy()
    first = np.array([ctx.years.get(p, (1900, 2100))[0] for p in prog])
    last = np.array([ctx.years.get(p, (1900, 2100))[1] for p in prog])
    pvals = period.to_numpy(dtype=float)
    out_of_range = known & year_ok & ((pvals < first) | (pvals > last))
    errors += _findings(
        raw, out_of_range, file_name, "c_period",
        lambda r: (
            f"période {r['period']} hors des années du programme {ctx.indicators.at[r['code'], 'programme']} "
            f"({ctx.years[ctx.indicators.at[r['code'], 'programme']][0]}–{ctx.years[ctx.indicators.at[r['code'], 'programme']][1]})."
        ),
    )

    # Values.
    values, reasons, bad = parse_numbers(raw["value"])
    errors += _findings(raw, bad, file_name, "c_value", lambda r: f"« {r['value']} » n'est pas un nombre.")
    unit = info["unit"].fillna("").to_numpy()
    is_count = np.isin(unit, list(COUNT_UNITS))
    errors += _findings(
        raw, known & is_count & (values < 0), file_name, "c_value",
        lambda r: f"valeur négative ({r['value']}) pour un effectif ou un montant.",
    )
    errors += _findings(
        raw, known & (unit == "%") & ((values < 0) | (values > 100)), file_name, "c_value",
        lambda r: f"pourcentage hors de 0–100 ({r['value']}).",
    )
    raw["num"] = values
    raw["reason"] = reasons

    # Targets (long format only): a value and the year it is due.
    t_values, t_reasons, t_bad = parse_numbers(raw["target"])
    errors += _findings(raw, t_bad, file_name, "c_target", lambda r: f"cible « {r['target']} » n'est pas un nombre.")
    errors += _findings(
        raw, known & is_count & (t_values < 0), file_name, "c_target", lambda r: f"cible négative ({r['target']})."
    )
    errors += _findings(
        raw, known & (unit == "%") & ((t_values < 0) | (t_values > 100)), file_name, "c_target",
        lambda r: f"cible hors de 0–100 % ({r['target']}).",
    )
    ty_txt = raw["target_year"].str.strip().str.replace(r"\.0+$", "", regex=True)
    ty_bad = ty_txt.ne("") & ~ty_txt.str.fullmatch(r"(19|20)\d{2}")
    errors += _findings(
        raw, ty_bad.to_numpy(), file_name, "annee_cible",
        lambda r: f"année de cible « {r['target_year']} » invalide (AAAA attendu).",
    )
    target_year = pd.to_numeric(ty_txt.where(~ty_bad & ty_txt.ne(""), None), errors="coerce")
    # A target falls within the programme's years, or up to the catalogue's margin after them (programmes.csv).
    margin = np.array([ctx.target_margins.get(p, 0) for p in prog], dtype=int)
    ty_vals = target_year.to_numpy(dtype=float)
    ty_out = known & ~np.isnan(ty_vals) & ((ty_vals < first) | (ty_vals > last + margin))
    raw["t_year"], raw["t_programme"], raw["t_range"] = ty_txt, prog, ""
    raw.loc[ty_out, "t_range"] = [f"{a}–{b}" + (f", cibles admises jusqu'en {b + m}" if m else "")
                                  for a, b, m in zip(first[ty_out], last[ty_out], margin[ty_out])]
    errors += _findings(
        raw, ty_out, file_name, "annee_cible",
        lambda r: f"année de cible {r['t_year']} hors des années du programme {r['t_programme']} ({r['t_range']}) : "
        "une cible porte sur une année du programme.",
    )
    target_year = target_year.fillna(pd.Series(last, index=raw.index).where(known))

    dates, date_bad = _parse_dates(raw["date"])
    errors += _findings(
        raw, date_bad, file_name, "date_transmission",
        lambda r: f"date de transmission « {r['date']} » invalide (JJ/MM/AAAA ou AAAA-MM-JJ attendu).",
    )

    # Duplicate keys inside the file (blank cells do not count: a grid may leave a year empty).
    has_value = raw["value"].ne("")
    key = (raw["territory"] + "|" + raw["code"].fillna(raw["indicator"]) + "|" + period_txt).where(has_value)
    raw["first_row"] = raw["row"].groupby(key).transform("min")
    dup = (key.notna() & key.duplicated(keep="first")).to_numpy()
    errors += _findings(
        raw, dup, file_name, "c_indicator",
        lambda r: f"doublon : {r['territory']} / {r['code'] or r['indicator']} / {r['period']} "
        f"figure déjà ligne {int(r['first_row'])}.",
    )

    facts = pd.DataFrame(
        {
            "territory_level": level,
            "territory_code": raw["territory"],
            "indicator": raw["code"],
            "period": period,
            "measure": "valeur",
            "value": values,
            "missing_reason": reasons,
            "comment": raw["comment"].where(raw["comment"].ne(""), None),
            "submitted_on": dates,
            "source_sheet": raw["sheet"],
            "source_row": raw["row"],
        }
    )
    facts = facts[raw["value"].ne("").to_numpy()]
    has_target = raw["target"].ne("").to_numpy()
    if has_target.any():
        targets = pd.DataFrame(
            {
                "territory_level": level[has_target],
                "territory_code": raw["territory"][has_target],
                "indicator": raw["code"][has_target],
                "period": target_year[has_target],
                "measure": "cible",
                "value": t_values[has_target],
                "missing_reason": t_reasons[has_target],
                "comment": None,
                "submitted_on": dates[has_target],
                "source_sheet": raw["sheet"][has_target],
                "source_row": raw["row"][has_target],
            }
        )
        facts = pd.concat([facts, targets], ignore_index=True)
    return facts, errors


def _ratio_findings(facts: pd.DataFrame, ctx: ImportContext, stored: pd.DataFrame, file_name: str) -> list[Finding]:
    """A sub-count above its total (e.g. oriented within a month > new entrants) is impossible.

    The total comes from the same file, or else from the stored current value."""
    vals = facts[(facts["measure"] == "valeur") & facts["value"].notna()]
    if vals.empty or not ctx.ratios:
        return []
    pairs = pd.DataFrame(ctx.ratios, columns=["ratio", "num", "den"])[["num", "den"]].drop_duplicates()
    key = ["territory_code", "period"]
    numerators = vals.merge(pairs, left_on="indicator", right_on="num")
    if numerators.empty:
        return []
    totals = vals[key + ["indicator", "value"]].drop_duplicates(key + ["indicator"])
    if len(stored):
        totals = pd.concat([totals, stored[key + ["indicator", "value"]]], ignore_index=True).drop_duplicates(key + ["indicator"])
    totals = totals.rename(columns={"indicator": "den", "value": "den_value"})
    checked = numerators.merge(totals, on=key + ["den"], how="inner")
    over = checked[checked["value"] > checked["den_value"]]
    return [
        Finding(
            file_name,
            f"{rec.indicator} ({_fmt(rec.value)}) dépasse son total {rec.den} ({_fmt(rec.den_value)}) pour "
            f"{rec.territory_code} en {int(rec.period)} : un sous-effectif ne peut excéder son total.",
            rec.source_sheet,
            int(rec.source_row),
            "valeur",
        )
        for rec in over.itertuples()
    ]


def parse_returns(data: bytes, file_name: str, ctx: ImportContext, db: Database | None = None) -> ParsedFile:
    errors: list[Finding] = []
    warnings: list[Finding] = []
    try:
        _, sheets = read_cells(data, file_name, settings().max_file_bytes)
    except UnreadableFile as exc:
        return ParsedFile(pd.DataFrame(columns=FACT_COLUMNS), [Finding(file_name, str(exc))], [], None, 0)
    raw, file_format = _to_raw(sheets, file_name, errors, warnings)
    if raw is None:
        return ParsedFile(pd.DataFrame(columns=FACT_COLUMNS), errors, warnings, file_format, 0)
    rows_read = int(raw[["sheet", "row"]].drop_duplicates().shape[0])
    if raw.empty:
        errors.append(Finding(file_name, "le fichier ne contient aucune ligne de données sous l'en-tête."))
        return ParsedFile(pd.DataFrame(columns=FACT_COLUMNS), errors, warnings, file_format, 0)
    facts, found = validate(raw, ctx, file_name, file_format)
    errors += found
    # Sub-counts are checked even when other rows are wrong, so the report lists every error at once.
    present = set(facts["indicator"].dropna())
    dens = sorted({d for _, n, d in ctx.ratios if n in present})
    stored = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": dens}) if (db is not None and dens) else pd.DataFrame()
    errors += _ratio_findings(facts.dropna(subset=["indicator", "period", "territory_level"]), ctx, stored, file_name)
    # Plausibility (whole counts, bounds per inhabitant, growth): every rule comes from the catalogue.
    grows = plausibility.growth_codes(ctx.indicators, present)
    previous = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": grows}) if (db is not None and grows) else None
    found = plausibility.check(facts, ctx.indicators, ctx.populations, previous, file_name,
                               plausibility.value_columns(facts, raw))
    errors += found.errors
    warnings += found.warnings
    # A grid row at fault in several year columns is one error, not one per year.
    errors = sorted(dict.fromkeys(errors), key=lambda f: (f.sheet or "", f.row or 0))
    if not errors and facts.empty:
        errors.append(Finding(file_name, "aucune valeur à importer : toutes les cellules de valeurs sont vides."))
    facts = facts.astype({"period": "int64"}) if not errors else facts
    return ParsedFile(facts[FACT_COLUMNS].reset_index(drop=True), errors, warnings, file_format, rows_read)


def facts_writer(facts: pd.DataFrame, demo: bool) -> Callable[[Writer, int], int]:
    """Appends the facts that are new or differ from the current value (history keeps the replaced ones)."""
    return lambda w, import_id: w.insert(
        Query.INSERT_CHANGED_FACTS, facts, {"import_id": import_id, "recorded_at": now(), "is_demo": demo}
    )


def write_facts(db: Database, facts: pd.DataFrame, report: ImportReport, data: bytes, *, started: datetime,
                imported_by: str | None, demo: bool, dry_run: bool = False) -> ImportReport:
    return finish_import(db, report, data, facts_writer(facts, demo), started=started, dry_run=dry_run,
                         demo=demo, imported_by=imported_by)


def import_returns(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    demo: bool = False,
    imported_by: str | None = None,
    ctx: ImportContext | None = None,
) -> ImportReport:
    started = now()
    ctx = ctx or ImportContext.load(db)
    parsed = parse_returns(data, file_name, ctx, db)
    report = ImportReport(
        file=file_name,
        kind=KIND_RETURNS,
        file_format=parsed.file_format,
        rows_read=parsed.rows_read,
        rows_accepted=len(parsed.facts),
        errors=parsed.errors,
        warnings=parsed.warnings,
    )
    return write_facts(db, parsed.facts, report, data, started=started, imported_by=imported_by, demo=demo,
                       dry_run=dry_run)


def import_paths(db: Database, paths: Iterable[Path], **kwargs) -> list[ImportReport]:
    ctx = ImportContext.load(db)
    reports = []
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reports.append(ImportReport(file=path.name, kind=KIND_RETURNS, errors=[Finding(path.name, f"lecture impossible : {exc.strerror}")]))
            continue
        reports.append(import_returns(db, data, path.name, ctx=ctx, **kwargs))
    return reports
