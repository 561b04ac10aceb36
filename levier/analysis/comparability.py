"""Comparability of definitions: from the declared variants, which territories compute an indicator the reference way,
and the verdict rankings and aggregates must show (reference definition, which variant, or undeclared). Pure: the
declarations come in as DataFrames (levier.views.indicateurs loads them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

STATUS_REFERENCE = "référence"
STATUS_VARIANT = "variante"
STATUS_UNDECLARED = "non déclaré"

COMPARABILITY_RULE = (
    "Chaque département déclare comment il calcule réellement un indicateur (délai d'orientation, âge de sortie de "
    "l'ASE, visites ou personnes…). Un classement ou un total qui réunit des départements sous des définitions "
    "différentes mélange des grandeurs qui ne se comparent pas : Levier le signale et permet de ne garder que les "
    "départements à la définition de référence. Un département qui n'a rien déclaré est présumé suivre la "
    "référence, sans garantie. Pour un ratio, la variante de son numérateur ou de son dénominateur compte."
)

MATRIX_COLUMNS = ["Code territoire", "Territoire", "Statut", "Variante(s)", "Libellé", "Description", "Depuis",
                  "Fichier"]


def effective_declarations(declarations: pd.DataFrame, period: int | None) -> pd.DataFrame:
    """The declaration in force for a year: per (territory, indicator), the one with the latest start year not after
    it (no start year = every year). With period None, every declaration in force for some year counts."""
    if declarations.empty or period is None:
        return declarations
    since = declarations["period_from"].astype("Float64").fillna(0)
    d = declarations[(since <= period).to_numpy()].assign(_since=since[(since <= period).to_numpy()])
    if d.empty:
        return d.drop(columns="_since")
    latest = d.groupby(["territory_level", "territory_code", "indicator"])["_since"].transform("max")
    return d[d["_since"] == latest].drop(columns="_since")


def non_reference_values(values: pd.DataFrame, declarations: pd.DataFrame) -> pd.Series:
    """For (territory_code, indicator, period) rows: True where the declaration in force that year is a variant."""
    flags = np.zeros(len(values), dtype=bool)
    if declarations.empty or values.empty:
        return pd.Series(flags, index=values.index)
    decl = declarations.assign(_since=declarations["period_from"].astype("Float64").fillna(0).astype(float))
    per = decl.groupby(["territory_code", "indicator", "_since"], as_index=False)["is_reference"].all()
    cand = values[["territory_code", "indicator", "period"]].assign(_pos=np.arange(len(values)))
    cand = cand.merge(per, on=["territory_code", "indicator"])
    cand = cand[cand["_since"] <= cand["period"]]
    if not cand.empty:
        best = cand.loc[cand.groupby("_pos")["_since"].idxmax()]
        flags[best["_pos"].to_numpy()] = ~best["is_reference"].to_numpy(dtype=bool)
    return pd.Series(flags, index=values.index)


@dataclass(frozen=True)
class Comparability:
    """Which territories compute an indicator the reference way. Also readable as a dict (c['mixed'])."""

    indicator: str
    period: int | None
    mixed: bool
    reference_only: list[str]  # declared the reference definition
    variants: pd.DataFrame  # one row per territory under a variant (French column labels)
    undeclared: list[str]  # nothing declared: presumed reference, unverified
    matrix: pd.DataFrame  # every territory asked: Code, Territoire, Statut, Variante(s)…

    def __getitem__(self, key: str):
        return getattr(self, key)

    @property
    def comparable(self) -> list[str]:
        """Reference definition declared, or nothing declared (the restriction a page offers by default)."""
        return sorted(self.reference_only + self.undeclared)

    def message(self) -> str:
        n_var = len(self.variants)
        if not self.mixed:
            if n_var:
                return (f"Tous les territoires retenus appliquent la même variante de définition "
                        f"({self.variants['Variante(s)'].iloc[0]}) : comparables entre eux, pas avec la référence.")
            return (f"Aucune variante déclarée : {len(self.reference_only)} territoire(s) à la définition de référence, "
                    f"{len(self.undeclared)} sans déclaration (présumés à la référence).")
        return (f"Attention : définitions mélangées. {n_var} territoire(s) déclarent une variante de définition "
                f"({', '.join(self.variants['Code territoire'].head(8))}{'…' if n_var > 8 else ''}) ; "
                f"{len(self.reference_only)} déclarent la référence ; {len(self.undeclared)} n'ont rien déclaré. "
                "Un classement ou un total sur ces territoires compare des grandeurs différentes.")


def indicator_parts(indicators: pd.DataFrame, indicator: str) -> list[str]:
    """The indicator and, for a ratio, its numerator and denominator: the codes whose variants count."""
    info = indicators.set_index("code")
    if indicator not in info.index:
        raise KeyError(f"Indicateur inconnu : {indicator}")
    num, den = info.at[indicator, "numerator"], info.at[indicator, "denominator"]
    parts = [indicator]
    if isinstance(num, str) and num and isinstance(den, str) and den:
        parts += [num, den]
    return parts


# The fields of a declaration comparability() reads, in this order.
_DECLARATION_FIELDS = ("territory_code", "is_reference", "indicator", "variant", "variant_label", "description",
                       "period_from", "file_name")


def comparability(
    indicator: str,
    declarations: pd.DataFrame,
    territories: pd.DataFrame,
    codes: Iterable[str] | None = None,
    period: int | None = None,
    *,
    level: str = "departement",
) -> Comparability:
    """Who computes `indicator` (or, for a ratio, its numerator and denominator) the reference way.

    declarations: the declarations in force of the indicator's parts (indicator_parts); territories: level, code,
    name. codes: the territories to consider (default: every territory of `level`).
    period: the year the figures are for; None = any year (a territory is a variant if it was one in any year)."""
    names = dict(zip(territories["code"], territories["name"]))
    if codes is None:
        codes = sorted(territories.loc[territories["level"] == level, "code"])
    codes = list(dict.fromkeys(codes))
    decl = effective_declarations(declarations[declarations["territory_code"].isin(codes)], period)
    # Each territory's declarations as plain rows, in the frame's order: a pandas group per territory (and a filter
    # of it) cost most of the Indicateurs page's first view, which asks this once per year of the programme.
    by_territory: dict[str, list[tuple]] = {}
    for row in zip(*(decl[col].tolist() for col in _DECLARATION_FIELDS)):
        by_territory.setdefault(row[0], []).append(row)
    prefix = (lambda ind: "" if ind == indicator else f"{ind} : ")
    rows = []
    for code in codes:
        mine = by_territory.get(code)
        if mine is None:  # nothing declared (most territories)
            rows.append({"Code territoire": code, "Territoire": names.get(code, ""), "Statut": STATUS_UNDECLARED,
                         "Variante(s)": "", "Libellé": "", "Description": "", "Depuis": "", "Fichier": ""})
            continue
        var = [r for r in mine if not bool(r[1])]
        status = STATUS_VARIANT if var else STATUS_REFERENCE
        rows.append(
            {
                "Code territoire": code,
                "Territoire": names.get(code, ""),
                "Statut": status,
                "Variante(s)": ", ".join(sorted(dict.fromkeys(prefix(r[2]) + r[3] for r in var))),
                "Libellé": " ; ".join(dict.fromkeys(prefix(r[2]) + r[4] for r in var)),
                "Description": " ; ".join(dict.fromkeys(r[5] for r in var if pd.notna(r[5]) and r[5])),
                "Depuis": ", ".join(sorted({"toujours" if pd.isna(r[6]) else str(int(r[6])) for r in var})),
                "Fichier": ", ".join(dict.fromkeys(r[7] for r in (var or mine) if pd.notna(r[7]))),
            }
        )
    matrix = pd.DataFrame(rows, columns=MATRIX_COLUMNS)
    variants = matrix[matrix["Statut"] == STATUS_VARIANT].reset_index(drop=True)
    reference_only = matrix.loc[matrix["Statut"] == STATUS_REFERENCE, "Code territoire"].tolist()
    undeclared = matrix.loc[matrix["Statut"] == STATUS_UNDECLARED, "Code territoire"].tolist()
    # Undeclared territories are presumed to follow the reference; two different variants also make a mix.
    keys = {"" if s != STATUS_VARIANT else v for s, v in zip(matrix["Statut"], matrix["Variante(s)"])}
    return Comparability(indicator, period, len(keys) > 1, reference_only, variants, undeclared, matrix)


def comparability_overview(declarations: pd.DataFrame, territories: pd.DataFrame, period: int | None = None,
                           level: str = "departement") -> pd.DataFrame:
    """Territories × indicators with a declared variant: 'référence', the variant codes, or 'non déclaré'."""
    terr = territories[territories["level"] == level].sort_values("code")
    decl = effective_declarations(declarations[declarations["territory_level"] == level], period)
    out = pd.DataFrame({"Code territoire": terr["code"].to_numpy(), "Territoire": terr["name"].to_numpy()})
    for ind, part in decl.groupby("indicator", sort=True):
        status = {}
        for code, mine in part.groupby("territory_code"):
            var = mine[~mine["is_reference"].astype(bool)]
            status[code] = ", ".join(sorted(set(var["variant"]))) if not var.empty else STATUS_REFERENCE
        out[ind] = out["Code territoire"].map(status).fillna(STATUS_UNDECLARED)
    return out


def annotate(frame: pd.DataFrame, comp: Comparability, code_column: str = "territory_code") -> pd.DataFrame:
    """Adds a 'Définition' column to a ranking table: 'référence', 'non déclaré' or the variant codes."""
    label = {
        c: (v if s == STATUS_VARIANT else s)
        for c, s, v in zip(comp.matrix["Code territoire"], comp.matrix["Statut"], comp.matrix["Variante(s)"])
    }
    return frame.assign(**{"Définition": frame[code_column].map(label).fillna(STATUS_UNDECLARED)})
