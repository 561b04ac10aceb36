"""Reference geography (régions, départements, EPCI, communes, boundaries): read the files, store them, map them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from levier.core.config import settings

if TYPE_CHECKING:  # the Writer/Database types only; importing levier.store.db at runtime would pull duckdb in here
    from levier.store.db import Database, Writer

LEVELS = ("region", "departement", "epci", "commune")
COG_VINTAGE = 2026  # régions, départements and communes
GEOMETRY_VINTAGE = 2026  # the derived boundary layers follow the 2026 EPCI perimeters and COG
ZONES = ("metro", "drom")  # the 8 COM (975, 977, 978, 984, 986-989) are outside the product's scope

# Excel and integer parsing silently turn '01' into '1': these patterns refuse such files instead of storing them.
_DEP_CODE = r"\d{2}|2[AB]|97[1-6]"
_COMMUNE_CODE = r"\d{5}|2[AB]\d{3}"
_SIREN = r"\d{9}"


@dataclass(frozen=True)
class ReferenceFile:
    """One file expected in the reference directory, and where a user obtains it."""

    path: str  # relative to the reference directory
    content: str
    source: str
    url: str
    columns: tuple[str, ...]
    alternatives: tuple[str, ...] = ()  # accepted instead of `path` (same content, other layout)


REQUIRED_FILES: dict[str, ReferenceFile] = {
    "regions": ReferenceFile(
        path="cog/insee_regions_2026.csv",
        content="Régions, COG 2026",
        source="INSEE, Code officiel géographique 2026 (fichier des régions), "
        "repris tel quel par le paquet etalab decoupage-administratif",
        url="https://www.data.gouv.fr/fr/datasets/code-officiel-geographique-cog/",
        columns=("REG", "LIBELLE"),
    ),
    "departements": ReferenceFile(
        path="cog/departements_2026.csv",
        content="Départements, COG 2026",
        source="INSEE, Code officiel géographique 2026 (fichier des départements), via le paquet etalab "
        "decoupage-administratif (data/departements.json)",
        url="https://github.com/datagouv/decoupage-administratif",
        columns=("code_dep", "nom", "reg"),
        alternatives=("cog/insee_departements_2026.csv",),
    ),
    "communes": ReferenceFile(
        path="cog/communes_2026.csv",
        content="Communes, COG 2026, avec population municipale et EPCI de rattachement",
        source="INSEE, Code officiel géographique 2026 et populations légales, via le paquet etalab "
        "decoupage-administratif (data/communes.json)",
        url="https://github.com/datagouv/decoupage-administratif",
        columns=("code_commune", "nom", "dep", "reg", "zone", "population_municipale", "siren_epci"),
    ),
    "epci": ReferenceFile(
        path="cog/epci_2023_2024_2026.csv",
        content="EPCI à fiscalité propre 2023, 2024 et 2026 (nature, population)",
        source="DGCL, BANATIC : liste des EPCI à fiscalité propre, via le paquet etalab decoupage-administratif "
        "(data/epci.json, versions 3.1.1, 4.1.0 et 6.0.0)",
        url="https://www.banatic.interieur.gouv.fr/",
        columns=("annee", "siren_epci", "nom", "nature", "population_municipale"),
    ),
    "epci_membres": ReferenceFile(
        path="cog/epci_membres_2023_2024_2026.csv",
        content="Communes membres de chaque EPCI, 2023, 2024 et 2026",
        source="DGCL, BANATIC : composition communale des EPCI à fiscalité propre, via le paquet etalab "
        "decoupage-administratif (data/epci.json)",
        url="https://www.banatic.interieur.gouv.fr/",
        columns=("annee", "siren_epci", "code_commune"),
    ),
    "geo_departements": ReferenceFile(
        path="geo/departements_2026_derived.geojson",
        content="Contours des départements 2026 (simplifiés)",
        source="IGN ADMIN EXPRESS (COG 2018, via gregoiredavid/france-geojson), communes regroupées par "
        "département du COG 2026",
        url="https://geoservices.ign.fr/adminexpress",
        columns=("code",),
    ),
    "geo_epci": ReferenceFile(
        path="geo/epci_2026_derived.geojson",
        content="Contours des EPCI 2026 (simplifiés)",
        source="IGN ADMIN EXPRESS (COG 2018, via gregoiredavid/france-geojson), communes regroupées selon la "
        "composition DGCL des EPCI 2026",
        url="https://geoservices.ign.fr/adminexpress",
        columns=("code_siren", "dep_principal", "reg"),
    ),
}


def describe_required_files() -> str:
    """French, printable list of the expected files and their sources (for the README and the CLI)."""
    lines = []
    for f in REQUIRED_FILES.values():
        alt = f" (ou {', '.join(f.alternatives)})" if f.alternatives else ""
        lines.append(f"- {f.path}{alt} : {f.content}.\n  Source : {f.source}. {f.url}")
    return "\n".join(lines)


class ReferenceError(Exception):
    """A reference file is missing or unusable; the message (French) names the file."""


@dataclass
class Reference:
    """DataFrames shaped exactly like the tables territory, commune_epci and territory_geometry."""

    territories: pd.DataFrame
    commune_epci: pd.DataFrame
    geometries: pd.DataFrame


TERRITORY_COLUMNS = ("level", "code", "vintage", "name", "dep", "reg", "nature", "population", "zone")


# ---------------------------------------------------------------------------------------------------------------
# Reading


def _locate(directory: Path, key: str) -> tuple[Path, str]:
    spec = REQUIRED_FILES[key]
    for rel in (spec.path, *spec.alternatives):
        if (directory / rel).is_file():
            return directory / rel, rel
    alt = f" (ou {', '.join(spec.alternatives)})" if spec.alternatives else ""
    raise ReferenceError(
        f"Fichier de référence manquant : {spec.path}{alt} dans {directory}. "
        f"Contenu attendu : {spec.content}. Source : {spec.source} ({spec.url})."
    )


def _read_csv(directory: Path, key: str, columns: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, str]:
    path, rel = _locate(directory, key)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReferenceError(f"Fichier de référence illisible : {rel} ({exc}).") from exc
    frame.columns = [c.strip() for c in frame.columns]
    _require_columns(frame, columns or REQUIRED_FILES[key].columns, rel)
    if frame.empty:
        raise ReferenceError(f"Fichier de référence vide : {rel}.")
    return frame, rel


def _read_geojson(directory: Path, key: str) -> tuple[gpd.GeoDataFrame, str]:
    path, rel = _locate(directory, key)
    try:
        frame = gpd.read_file(path, engine="pyogrio", use_arrow=True)
    except Exception as exc:  # pyogrio raises several unrelated types for a corrupt file
        raise ReferenceError(f"Fichier de référence illisible : {rel} ({exc}).") from exc
    _require_columns(frame, REQUIRED_FILES[key].columns, rel)
    if frame.crs is None:
        frame = frame.set_crs(4326)  # GeoJSON is WGS84 by definition
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any():
        raise ReferenceError(f"Fichier de référence invalide : {rel} — {int(missing.sum())} contour(s) vide(s).")
    return frame, rel


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], rel: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReferenceError(
            f"Fichier de référence invalide : {rel} — colonne(s) manquante(s) : {', '.join(missing)}."
        )


def _check_codes(values: pd.Series, pattern: str, rel: str, what: str) -> None:
    bad = values[~values.str.fullmatch(pattern)]
    if len(bad):
        sample = ", ".join(repr(v) for v in bad.unique()[:5])
        raise ReferenceError(
            f"Fichier de référence invalide : {rel} — {len(bad)} {what} mal formé(s) ({sample}). "
            "Les codes doivent rester du texte (« 01 », « 2A », « 971 ») : ne pas ouvrir puis enregistrer le "
            "fichier dans un tableur."
        )


def _check_unique(frame: pd.DataFrame, keys: list[str], rel: str, what: str) -> None:
    dup = frame.duplicated(keys)
    if dup.any():
        sample = ", ".join(" ".join(map(str, row)) for row in frame.loc[dup, keys].head(3).itertuples(index=False))
        raise ReferenceError(f"Fichier de référence invalide : {rel} — {what} en double ({sample}).")


def _integers(values: pd.Series, rel: str, column: str) -> pd.Series:
    text = values.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna()
    if bad.any():
        sample = ", ".join(repr(v) for v in values[bad].unique()[:5])
        raise ReferenceError(
            f"Fichier de référence invalide : {rel} — colonne {column} : "
            f"{int(bad.sum())} valeur(s) non entière(s) ({sample})."
        )
    return numbers.round().astype("Int64")


def _zone_of_dep(codes: pd.Series) -> pd.Series:
    """metro, drom (971-976) or com (975, 977, 978, 984, 986-989: collectivités d'outre-mer)."""
    zone = pd.Series("metro", index=codes.index, dtype="string")
    zone[codes.str.startswith("97").fillna(False).astype(bool)] = "drom"
    zone[codes.str.fullmatch(r"97[5789]|98\d").fillna(False).astype(bool)] = "com"
    zone[codes.isna()] = pd.NA
    return zone


def _dep_of_commune(codes: pd.Series) -> pd.Series:
    """The département is encoded in the commune code of its vintage ('2A004' -> '2A', '97411' -> '974')."""
    return codes.str[:2].where(~codes.str.startswith("97"), codes.str[:3])


def principal_departement(members: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """dep_principal of each (annee, siren_epci): the département holding most of its members' population.

    members: annee, siren_epci, code_commune (codes of the membership's own vintage);
    communes: code_commune, population (Int64), anciens_codes (current COG).
    A member code that no longer exists takes the population of the commune that absorbed it, counted once per
    EPCI, so a merger of three old communes does not triple its weight.
    """
    current = communes[["code_commune", "population"]]
    old = communes[["code_commune", "anciens_codes"]].assign(old=communes["anciens_codes"].str.split("|"))
    old = old.explode("old")
    old = old[old["old"].notna() & (old["old"] != "")].drop_duplicates("old").set_index("old")["code_commune"]
    m = members[["annee", "siren_epci", "code_commune"]].copy()
    known = m["code_commune"].isin(current["code_commune"])
    m["current"] = m["code_commune"].where(known, m["code_commune"].map(old))
    m["dep"] = _dep_of_commune(m["code_commune"])
    m = m[m["current"].isna() | ~m.duplicated(["annee", "siren_epci", "current"])]
    m = m.merge(current, left_on="current", right_on="code_commune", how="left", suffixes=("", "_cur"))
    m["population"] = m["population"].fillna(0)
    by_dep = m.groupby(["annee", "siren_epci", "dep"], as_index=False)["population"].sum()
    # Ties (only in degenerate data) go to the smallest code, so the result never depends on row order.
    by_dep = by_dep.sort_values(["annee", "siren_epci", "population", "dep"], ascending=[True, True, False, True])
    return by_dep.drop_duplicates(["annee", "siren_epci"])[["annee", "siren_epci", "dep"]].reset_index(drop=True)


def _territory_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: frame[c] if c in frame else pd.Series(pd.NA, index=frame.index) for c in TERRITORY_COLUMNS})
    for c in ("level", "code", "name", "dep", "reg", "nature", "zone"):
        out[c] = out[c].astype("string")
    out["vintage"] = out["vintage"].astype("int32")
    out["population"] = out["population"].astype("Int64")
    return out


def read_reference(directory: Path | str | None = None) -> Reference:
    """Read and check every reference file; raises ReferenceError (French) naming the faulty file."""
    directory = Path(directory) if directory is not None else settings().reference_dir
    if not directory.is_dir():
        raise ReferenceError(f"Dossier des fichiers de référence introuvable : {directory}.")
    for key in REQUIRED_FILES:  # report a missing file before spending time parsing the others
        _locate(directory, key)

    # Régions
    regions, rel_reg = _read_csv(directory, "regions")
    _check_codes(regions["REG"], r"\d{2}", rel_reg, "code(s) de région")
    _check_unique(regions, ["REG"], rel_reg, "région")

    # Départements: the etalab layout or INSEE's own file; the zone follows from the code in both.
    _, rel_dep = _locate(directory, "departements")
    if rel_dep == REQUIRED_FILES["departements"].path:
        deps, _ = _read_csv(directory, "departements")
        deps = deps.rename(columns={"code_dep": "code", "nom": "name"})
    else:
        deps, _ = _read_csv(directory, "departements", ("DEP", "REG", "LIBELLE"))
        deps = deps.rename(columns={"DEP": "code", "REG": "reg", "LIBELLE": "name"})
    deps["zone"] = _zone_of_dep(deps["code"])
    deps = deps[deps["zone"].isin(ZONES)].copy()
    _check_codes(deps["code"], _DEP_CODE, rel_dep, "code(s) de département")
    _check_unique(deps, ["code"], rel_dep, "département")
    unknown_reg = ~deps["reg"].isin(regions["REG"])
    if unknown_reg.any():
        raise ReferenceError(
            f"Fichier de référence invalide : {rel_dep} — région inconnue pour "
            f"{', '.join(deps.loc[unknown_reg, 'code'].head(5))}."
        )

    # Communes (metro + DROM; the COM communes belong to no département of the product)
    communes, rel_com = _read_csv(directory, "communes")
    communes = communes[communes["zone"].isin(ZONES)].copy()
    _check_codes(communes["code_commune"], _COMMUNE_CODE, rel_com, "code(s) de commune")
    _check_codes(communes["dep"], _DEP_CODE, rel_com, "code(s) de département")
    _check_unique(communes, ["code_commune"], rel_com, "commune")
    communes["population"] = _integers(communes["population_municipale"], rel_com, "population_municipale")
    if "anciens_codes" not in communes:
        communes["anciens_codes"] = ""
    unknown_dep = ~communes["dep"].isin(deps["code"])
    if unknown_dep.any():
        raise ReferenceError(
            f"Fichier de référence invalide : {rel_com} — département inconnu pour "
            f"{', '.join(communes.loc[unknown_dep, 'code_commune'].head(5))}."
        )

    # EPCI lists and memberships, every vintage in the files
    epci, rel_epci = _read_csv(directory, "epci")
    _check_codes(epci["siren_epci"], _SIREN, rel_epci, "SIREN")
    _check_codes(epci["annee"], r"\d{4}", rel_epci, "année(s)")
    _check_unique(epci, ["annee", "siren_epci"], rel_epci, "EPCI")
    epci["population"] = _integers(epci["population_municipale"], rel_epci, "population_municipale")
    members, rel_mem = _read_csv(directory, "epci_membres")
    _check_codes(members["siren_epci"], _SIREN, rel_mem, "SIREN")
    _check_codes(members["code_commune"], _COMMUNE_CODE, rel_mem, "code(s) de commune")
    _check_unique(members, ["annee", "code_commune"], rel_mem, "commune membre (même année)")
    orphan = ~members.set_index(["annee", "siren_epci"]).index.isin(epci.set_index(["annee", "siren_epci"]).index)
    if orphan.any():
        sample = members.loc[orphan, ["annee", "siren_epci"]].drop_duplicates().head(3)
        raise ReferenceError(
            f"Fichier de référence invalide : {rel_mem} — EPCI absent de {rel_epci} : "
            f"{', '.join(sample['annee'] + ' ' + sample['siren_epci'])}."
        )

    # Boundaries
    geo_dep, rel_geo_dep = _read_geojson(directory, "geo_departements")
    geo_epci, rel_geo_epci = _read_geojson(directory, "geo_epci")
    geo_dep = geo_dep[_zone_of_dep(geo_dep["code"]) != "com"]
    _mismatch(geo_dep["code"], deps["code"], rel_geo_dep, "départements")
    epci_geo_year = epci[epci["annee"] == str(GEOMETRY_VINTAGE)]
    _mismatch(geo_epci["code_siren"], epci_geo_year["siren_epci"], rel_geo_epci, f"EPCI {GEOMETRY_VINTAGE}")

    # EPCI département: the geometry layer's dep_principal where it exists, else computed from the members.
    principal = principal_departement(members, communes)
    epci = epci.merge(principal, on=["annee", "siren_epci"], how="left")
    from_geo = geo_epci.set_index("code_siren")["dep_principal"].astype("string")
    is_geo_year = epci["annee"] == str(GEOMETRY_VINTAGE)
    epci.loc[is_geo_year, "dep"] = epci.loc[is_geo_year, "siren_epci"].map(from_geo).fillna(
        epci.loc[is_geo_year, "dep"]
    )
    unknown = ~epci["dep"].isin(deps["code"])
    if unknown.any():
        rel = rel_geo_epci if is_geo_year[unknown].any() else rel_mem
        raise ReferenceError(
            f"Fichier de référence invalide : {rel} — département principal inconnu pour les EPCI "
            f"{', '.join(epci.loc[unknown, 'siren_epci'].head(5))}."
        )
    epci["reg"] = epci["dep"].map(deps.set_index("code")["reg"])

    pop_dep = communes.groupby("dep")["population"].sum()
    pop_reg = communes.groupby("reg")["population"].sum()
    territories = pd.concat(
        [
            _territory_frame(
                pd.DataFrame(
                    {
                        "level": "region",
                        "code": regions["REG"],
                        "vintage": COG_VINTAGE,
                        "name": regions["LIBELLE"],
                        "reg": regions["REG"],
                        "population": regions["REG"].map(pop_reg),
                        # the five single-département overseas régions are coded 01 to 06
                        "zone": regions["REG"].str.startswith("0").map({True: "drom", False: "metro"}),
                    }
                )
            ),
            _territory_frame(
                pd.DataFrame(
                    {
                        "level": "departement",
                        "code": deps["code"],
                        "vintage": COG_VINTAGE,
                        "name": deps["name"],
                        "dep": deps["code"],
                        "reg": deps["reg"],
                        "population": deps["code"].map(pop_dep),
                        "zone": deps["zone"],
                    }
                )
            ),
            _territory_frame(
                pd.DataFrame(
                    {
                        "level": "epci",
                        "code": epci["siren_epci"],
                        "vintage": epci["annee"].astype("int32"),
                        "name": epci["nom"],
                        "dep": epci["dep"],
                        "reg": epci["reg"],
                        "nature": epci["nature"],
                        "population": epci["population"],
                        "zone": _zone_of_dep(epci["dep"]),
                    }
                )
            ),
            _territory_frame(
                pd.DataFrame(
                    {
                        "level": "commune",
                        "code": communes["code_commune"],
                        "vintage": COG_VINTAGE,
                        "name": communes["nom"],
                        "dep": communes["dep"],
                        "reg": communes["reg"],
                        "population": communes["population"],
                        "zone": communes["zone"],
                    }
                )
            ),
        ],
        ignore_index=True,
    )

    commune_epci = pd.DataFrame(
        {
            "vintage": members["annee"].astype("int32"),
            "commune": members["code_commune"].astype("string"),
            "epci": members["siren_epci"].astype("string"),
        }
    ).reset_index(drop=True)

    geometries = pd.concat(
        [
            _geometry_frame("departement", geo_dep["code"], geo_dep.geometry, REQUIRED_FILES["geo_departements"]),
            _geometry_frame("epci", geo_epci["code_siren"], geo_epci.geometry, REQUIRED_FILES["geo_epci"]),
        ],
        ignore_index=True,
    )
    return Reference(territories=territories, commune_epci=commune_epci, geometries=geometries)


def _mismatch(found: pd.Series, expected: pd.Series, rel: str, what: str) -> None:
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    dup = found[found.duplicated()].unique().tolist()
    if missing or extra or dup:
        parts = []
        if missing:
            parts.append(f"{len(missing)} manquant(s) ({', '.join(missing[:5])})")
        if extra:
            parts.append(f"{len(extra)} inconnu(s) ({', '.join(extra[:5])})")
        if dup:
            parts.append(f"{len(dup)} en double ({', '.join(dup[:5])})")
        raise ReferenceError(f"Fichier de référence invalide : {rel} — contours des {what} : {' ; '.join(parts)}.")


def _geometry_frame(level: str, codes: pd.Series, geoms: gpd.GeoSeries, spec: ReferenceFile) -> pd.DataFrame:
    # Already simplified upstream with a coverage-preserving method: simplifying again would open gaps.
    wkb = shapely.to_wkb(geoms.values, output_dimension=2)
    return pd.DataFrame(
        {
            "level": pd.Series(level, index=range(len(codes)), dtype="string"),
            "code": pd.Series(codes.to_numpy(), dtype="string"),
            "vintage": pd.Series(GEOMETRY_VINTAGE, index=range(len(codes)), dtype="int32"),
            "geometry": pd.Series(list(wkb), dtype=object),
            "source": pd.Series(f"{spec.source} ({spec.path})", index=range(len(codes)), dtype="string"),
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# Storing and reading back


def store_reference(writer: Writer, ref: Reference) -> dict[str, int]:
    """Replace the reference tables' contents inside the caller's transaction; returns rows stored per table."""
    writer.execute("delete_reference_geometry")
    writer.execute("delete_reference_commune_epci")
    writer.execute("delete_reference_territory")
    return {
        "territory": writer.insert("insert_reference_territory", ref.territories),
        "commune_epci": writer.insert("insert_reference_commune_epci", ref.commune_epci),
        "territory_geometry": writer.insert("insert_reference_geometry", ref.geometries),
    }


def load_reference(
    db: Database,
    directory: Path | str | None = None,
    *,
    record: Callable[[Writer, dict[tuple[str, int], int]], None] | None = None,
) -> dict[tuple[str, int], int]:
    """Read the reference files and replace the stored geography in one transaction (all or nothing).

    `record(writer, counts)` runs inside that same transaction (the journal row): the geography and its record
    are committed together or not at all. Returns the number of stored territories per (level, vintage).
    """
    ref = read_reference(directory)  # before the transaction: a bad file never touches the database
    db.migrate()
    with db.transaction() as w:
        store_reference(w, ref)
        # execute, not df: Writer.df opens a fresh cursor, which does not see this transaction's uncommitted rows.
        counts = {(str(level), int(vintage)): int(count) for level, vintage, count in w.execute("territory_counts")}
        if record is not None:
            record(w, counts)
    return counts


def geometries(db: Database, level: str, vintage: int) -> gpd.GeoDataFrame:
    """Boundaries of one level and vintage with name, nature, population, dep and reg, in EPSG:4326."""
    if level not in LEVELS:
        raise ValueError(f"Niveau inconnu : {level!r} (attendu : {', '.join(LEVELS)}).")
    frame = db.read("geometries", {"level": level, "vintage": int(vintage)})
    blobs = [bytes(b) for b in frame.pop("geometry")]
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(blobs), crs="EPSG:4326")
