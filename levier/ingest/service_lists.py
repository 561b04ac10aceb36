"""Lists of service locations (France services, France Travail agencies, any CSV/XLSX list): read, check, place.

A row is placed by its coordinates when it has them (the main path: both real lists have them), otherwise at its
commune's point (see levier.analysis.coverage: a coarse point when no commune-points file exists). Every row gets its
département and EPCI: from its commune code through the COG when it has one, else by point-in-polygon on the EPCI
layer. Problems are Findings (file, row as a spreadsheet shows it, column, French message): errors for rows that
cannot be placed at all, warnings for rows kept with a doubt or whose position is set aside. The column mappings
of the two real lists are documented in docs/services.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from levier.core.config import settings
from levier.core.fmt import fmt_number
from levier.core.text import normalise
from levier.geo.display import LEVEL_DEP, LEVEL_EPCI, read_layer
from levier.ingest.communes import (
    commune_points,
    read_commune_points_file,
    read_communes,
)
from levier.ingest.cells import DEGREES_UNIT, parse_column
from levier.ingest.readers import UnreadableFile, Workbook, read_workbook
from levier.ingest.report import Finding
from levier.store.db import Query

# A point outside every département polygon but closer than this to one is on a coast the simplified boundaries
# cut off (Audierne, Propriano, Le Moule…); measured in Web-Mercator metres, i.e. 10 km at 46° N, 15 km at 0°.
COAST_TOLERANCE_M = 15_000.0
# A position in another département than the declared one is accepted up to this distance from the declared one
# (postcodes and communes on a border), beyond it the position is set aside with a warning.
BORDER_TOLERANCE_M = 15_000.0
# The collectivités d'outre-mer have no polygon in the reference layers: boxes (lon_min, lat_min, lon_max, lat_max).
COM_BOXES = {
    "975": (-56.6, 46.7, -56.0, 47.2),  # Saint-Pierre-et-Miquelon
    "977": (-63.0, 17.85, -62.75, 18.0),  # Saint-Barthélemy
    "978": (-63.2, 18.0, -62.95, 18.15),  # Saint-Martin
    "986": (-178.3, -14.5, -176.0, -13.1),  # Wallis-et-Futuna
    "987": (-155.0, -28.0, -134.0, -7.0),  # Polynésie française
    "988": (163.0, -23.0, 169.0, -19.5),  # Nouvelle-Calédonie
}
COM_NAMES = {
    "975": "Saint-Pierre-et-Miquelon",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
}
# Saint-Barthélemy and Saint-Martin kept Guadeloupe's postcodes when they left it in 2007.
_COM_POSTCODES = {"97133": "977", "97150": "978"}
# Arrondissements of Paris, Lyon and Marseille are not communes of the COG: they map to their city.
_ARRONDISSEMENTS = [(75101, 75120, "75056"), (69381, 69389, "69123"), (13201, 13216, "13055")]

METHOD_COORDINATES = "coordonnées"
METHOD_COMMUNE = "commune (point approché)"
METHOD_NONE = "aucune"

SERVICE_TYPES = {
    "france_services": "France services",
    "agence_france_travail": "Agence France Travail (ex-Pôle emploi)",
}

POINT_COLUMNS = (
    "service_type",
    "name",
    "source_ref",
    "address",
    "postcode",
    "city",
    "commune",
    "dep",
    "epci",
    "lon",
    "lat",
    "location_method",
    "source_row",
)


@dataclass(frozen=True)
class ServiceMapping:
    """How the columns of one kind of list map to a service point. Headers match without case or accents."""

    key: str
    label: str  # French, shown in reports
    source: str  # citation shown under maps and stored with the points
    service_type: str | None = None  # the same type for every row…
    type_col: str | None = None  # …or the column that gives it
    name_col: str = "nom"
    id_col: str | None = None
    lat_col: str | None = "latitude"
    lon_col: str | None = "longitude"
    commune_col: str | None = "code_commune"
    postcode_col: str | None = None
    city_col: str | None = None
    address_cols: tuple[str, ...] = ()
    keep: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, accepted values): other rows are not services
    null_tokens: tuple[str, ...] = ("NULL",)


FRANCE_SERVICES_ANCT = ServiceMapping(
    key="france_services_anct",
    label="Liste des structures France services (ANCT)",
    source="ANCT, liste des structures France services au 1er août 2024",
    service_type="france_services",
    name_col="lib_fs",
    id_col="id_fs",
    lat_col="latitude",
    lon_col="longitude",
    commune_col="insee_com",
    postcode_col="code_postal",
    city_col="lib_com",
    address_cols=("adresse", "complement_adresse"),
)

POLE_EMPLOI_AGENCES = ServiceMapping(
    key="pole_emploi_agences",
    label="Référentiel des agences Pôle emploi (novembre 2019)",
    source="Pôle emploi (France Travail), référentiel des agences, novembre 2019",
    service_type="agence_france_travail",
    name_col="NOM",
    id_col="REFERENCE_PE",
    lat_col="DN_LATITUDE",
    lon_col="DN_LONGITUDE",
    commune_col=None,
    postcode_col="CODE_POSTAL",
    city_col="COMMUNE",
    address_cols=("ADRESSE", "COMPLEMENT_ADRESSE", "DC_COMPLEMENTADRSITEPHYSIQUE"),
    keep=(("TYPE_SITE", ("ALE",)),),  # agences locales; DDA/DRA are management sites without public reception
)

GENERIC_LIST = ServiceMapping(
    key="liste_generique",
    label="Liste de lieux (format Levier)",
    source="liste importée",
    type_col="type",
    name_col="nom",
    id_col="identifiant",
    lat_col="latitude",
    lon_col="longitude",
    commune_col="code_commune",
    postcode_col="code_postal",
    city_col="commune",
    address_cols=("adresse",),
)

MAPPINGS = {m.key: m for m in (FRANCE_SERVICES_ANCT, POLE_EMPLOI_AGENCES, GENERIC_LIST)}


# ---------------------------------------------------------------------------------------------------------------
# Reference geography used to place the rows (and, by levier.analysis.coverage, to measure distances)

@dataclass
class Referential:
    communes: pd.DataFrame  # code_commune, name, dep, epci, population
    resolve: dict[str, str]  # any known code (current, old, arrondissement) -> current commune code
    names: dict[tuple[str, str], str]  # (dep, normalised name, current or old) -> current commune code
    deps: gpd.GeoDataFrame  # code, geometry (true positions, EPSG:4326)
    epci: gpd.GeoDataFrame
    points: gpd.GeoDataFrame  # commune points (levier.ingest.communes.commune_points)


_ST = re.compile(r"\bst\b")
_STE = re.compile(r"\bste\b")
_TAIL = re.compile(r"\b(cedex\b.*|\d+\s*(e|er|eme)?)$")


def _name_key(text: str) -> str:
    """'ST PIERRE CEDEX' and 'Saint-Pierre' give the same key."""
    s = normalise(text)
    s = _STE.sub("sainte", _ST.sub("saint", s))
    return _TAIL.sub("", s).strip()


def build_referential(reference_dir: Path | str | None = None) -> Referential:
    """The reference geography of a reference directory (about 1 s): the app shares one per data version
    (levier.app.cache.service_referential); an import builds its own."""
    directory = Path(reference_dir) if reference_dir else settings().reference_dir
    raw = pd.read_csv(directory / "cog/communes_2026.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    resolve: dict[str, str] = {}
    for code, old in zip(raw["code_commune"], raw["anciens_codes"], strict=True):
        for o in filter(None, old.split("|")):
            resolve.setdefault(o, code)
    for lo, hi, city in _ARRONDISSEMENTS:
        for c in range(lo, hi + 1):
            resolve[str(c)] = city
    for code in raw["code_commune"]:
        resolve[code] = code  # a current code always wins over an old one

    names: dict[tuple[str, str], str] = {}
    moves = directory / "cog/insee_mouvements_communes_2026.csv"
    if moves.is_file():  # old names of merged communes (Cherbourg-Octeville, Vire…) for lists without codes
        mv = pd.read_csv(moves, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for old, label in zip(mv["COM_AV"], mv["LIBELLE_AV"], strict=True):
            if old in resolve:
                names.setdefault((_dep_of_code(resolve[old]), _name_key(label)), resolve[old])
    for code, name, dep in zip(raw["code_commune"], raw["nom"], raw["dep"], strict=True):
        names[(dep, _name_key(name))] = code

    communes = read_communes(directory)
    deps = read_layer(LEVEL_DEP, directory)[["code", "geometry"]]
    epci = read_layer(LEVEL_EPCI, directory)[["code", "geometry"]]
    points = commune_points(communes, epci, deps, read_commune_points_file(directory))
    return Referential(communes, resolve, names, deps, epci, points)


def _dep_of_code(code: str) -> str:
    return code[:3] if code.startswith(("97", "98")) else code[:2]


def dep_of_postcode(postcode: str) -> str | None:
    """Département of a French postcode: '01600' -> '01', '97500' -> '975', '20000' -> '2A', '20200' -> '2B'."""
    pc = (postcode or "").strip()
    if not re.fullmatch(r"\d{5}", pc):
        return None
    if pc in _COM_POSTCODES:
        return _COM_POSTCODES[pc]
    if pc.startswith(("97", "98")):
        return pc[:3]
    if pc.startswith("20"):
        return "2A" if int(pc) < 20200 else "2B"  # 200xx-201xx Corse-du-Sud, 202xx-206xx Haute-Corse
    return pc[:2]


# ---------------------------------------------------------------------------------------------------------------
# Reading a list


def _match_columns(header: list[str], mapping: ServiceMapping) -> dict[str, int]:
    """Mapping column name -> position in the file, headers compared without case, accents or spacing."""
    by_norm: dict[str, int] = {}
    for i, h in enumerate(header):
        by_norm.setdefault(normalise(h), i)
    wanted = [
        mapping.type_col,
        mapping.name_col,
        mapping.id_col,
        mapping.lat_col,
        mapping.lon_col,
        mapping.commune_col,
        mapping.postcode_col,
        mapping.city_col,
        *mapping.address_cols,
        *(c for c, _ in mapping.keep),
    ]
    return {c: by_norm[normalise(c)] for c in wanted if c and normalise(c) in by_norm}


def _locate_points(lon: np.ndarray, lat: np.ndarray, layer: gpd.GeoDataFrame, tolerance_m: float) -> pd.DataFrame:
    """For each point, the code of the polygon holding it (or the nearest within tolerance) and the distance (m)."""
    pts = gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs=4326)
    hit = gpd.sjoin(pts, layer, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    out = pd.DataFrame({"code": hit["code"].astype("object"), "distance": 0.0}, index=pts.index)
    miss = out["code"].isna().to_numpy()
    out.loc[miss, "distance"] = np.inf
    if miss.any():
        near = gpd.sjoin_nearest(
            pts[miss].to_crs(3857), layer.to_crs(3857), how="left", max_distance=tolerance_m, distance_col="d"
        )
        near = near[~near.index.duplicated(keep="first")].dropna(subset=["code"])
        out.loc[near.index, "code"] = near["code"].astype(str)
        out.loc[near.index, "distance"] = near["d"].to_numpy()
    return out


def _distance_to(lon: float, lat: float, dep: str, deps: gpd.GeoDataFrame) -> float:
    """Web-Mercator metres from a point to a département polygon (inf if the département has none)."""
    poly = deps.loc[deps["code"] == dep, "geometry"]
    if poly.empty:
        return float("inf")
    p = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(3857).iloc[0]
    return float(poly.to_crs(3857).distance(p).min())


def _in_com(lon: float, lat: float) -> str | None:
    for code, (x0, y0, x1, y1) in COM_BOXES.items():
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return code
    return None


def _territory(code: str) -> str:
    return f"la collectivité {code} ({COM_NAMES[code]})" if code in COM_NAMES else f"le département {code}"


def _coords_text(lat: float, lon: float) -> str:
    return f"({fmt_number(lat, 4)} ; {fmt_number(lon, 4)})"


@dataclass
class _Report:
    """The findings of one file, each located in the file as a spreadsheet shows it."""

    file: str
    sheet: str | None
    errors: list[Finding]
    warnings: list[Finding]

    # Rows come from numpy arrays: stored as plain ints, so the journal can write the findings as JSON.
    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(Finding(self.file, message, self.sheet, int(row), column))

    def warn(self, row: int, column: str | None, message: str) -> None:
        self.warnings.append(Finding(self.file, message, self.sheet, int(row), column))


def _check_coordinates(
    rep: _Report, mapping: ServiceMapping, rows: np.ndarray, lat_raw: pd.Series, lon_raw: pd.Series,
    lat_types: pd.Series | None = None, lon_types: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parsed latitude and longitude, and which rows have a usable pair (readable, both present, on the globe).
    `lat_types` / `lon_types`: the reader's cell types (None for a CSV): a percentage-formatted coordinate (45,19 %
    for 0.4519) or a date is refused, a typed number is read exactly."""
    # Degrees: a lone separator is always the decimal one ('45.188'); a marker (nd, s…) is a missing coordinate.
    lat_p = parse_column(lat_raw, lat_types, unit=DEGREES_UNIT)
    lon_p = parse_column(lon_raw, lon_types, unit=DEGREES_UNIT)
    lat, lon = lat_p.values, lon_p.values
    lat_bad, lon_bad = lat_p.bad, lon_p.bad
    usable = np.zeros(len(rows), dtype=bool)
    for i, row in enumerate(rows):
        for parsed, column in ((lat_p, mapping.lat_col), (lon_p, mapping.lon_col)):
            if parsed.bad[i]:
                rep.error(row, column, f"coordonnée illisible : {parsed.why.iat[i]} (un nombre décimal est attendu, "
                          "ex. 48,8566).")
        if lat_bad[i] or lon_bad[i]:
            continue
        if np.isfinite(lat[i]) != np.isfinite(lon[i]):
            column = mapping.lon_col if np.isfinite(lat[i]) else mapping.lat_col
            rep.error(row, column, "latitude et longitude vont ensemble : l'une manque.")
        elif np.isfinite(lat[i]) and (abs(lat[i]) > 90 or abs(lon[i]) > 180):
            rep.error(row, mapping.lat_col, f"coordonnées impossibles {_coords_text(lat[i], lon[i])} : la latitude "
                      "va de -90 à 90, la longitude de -180 à 180.")
        elif np.isfinite(lat[i]):
            usable[i] = True
    return lat, lon, usable


def _resolve_communes(
    rep: _Report, mapping: ServiceMapping, ref: Referential, rows: np.ndarray, codes: pd.Series, usable: np.ndarray
) -> list[str | None]:
    """Current, old (anciens_codes) and arrondissement codes all resolve to a 2026 commune code."""
    out: list[str | None] = [None] * len(rows)
    for i, code in enumerate(codes):
        if not code:
            continue
        row = int(rows[i])
        report = rep.warn if usable[i] else rep.error
        if re.fullmatch(r"\d{4}", code):
            report(row, mapping.commune_col, f"code commune « {code} » sur 4 caractères (zéro initial perdu par un "
                   f"tableur ?) : écrivez-le sur 5 caractères, par exemple 0{code}.")
            continue
        current = ref.resolve.get(code)
        if current is None:
            then = (
                "le lieu est placé par ses coordonnées."
                if usable[i]
                else "pas de coordonnées : le lieu ne peut pas être placé."
            )
            report(row, mapping.commune_col, f"code commune « {code} » inconnu du code officiel géographique 2026 ; "
                   f"{then}")
            continue
        out[i] = current
    return out


def _outside_france_message(lat: float, lon: float, ref: Referential) -> str:
    swapped = bool(_in_com(lat, lon)) or (
        abs(lon) <= 90
        and isinstance(_locate_points(np.array([lat]), np.array([lon]), ref.deps, 1.0)["code"].iloc[0], str)
    )
    hint = " La latitude et la longitude semblent inversées." if swapped else ""
    return (
        f"coordonnées {_coords_text(lat, lon)} hors de France (ni dans un département, ni dans une collectivité "
        f"d'outre-mer).{hint}"
    )


def read_services(
    path: Path | str,
    mapping: ServiceMapping,
    *,
    reference: Referential | None = None,
    data: bytes | None = None,
    file_name: str | None = None,
    workbook: Workbook | None = None,
) -> tuple[gpd.GeoDataFrame, list[Finding], list[Finding]]:
    """Read a list of service locations; returns (points, errors, warnings).

    `points` has one row per kept row without error (POINT_COLUMNS + geometry, EPSG:4326; geometry None when the
    row has no usable position); `attrs['rows_read']` and `attrs['rows_kept']` count the file's rows and those of
    the kind kept by `mapping.keep`. `data` (bytes) replaces reading `path` (an upload).
    """
    path = Path(path)
    name = file_name or path.name
    ref = reference or build_referential()
    try:
        book = workbook or read_workbook(data if data is not None else path.read_bytes(), name,
                                         settings().max_file_bytes)
    except (UnreadableFile, OSError) as exc:
        return _empty(), [Finding(name, str(exc))], []
    if not book.sheets:
        return _empty(), [Finding(name, "le classeur ne contient aucune feuille visible.")], list(book.notes)
    sheet = book.sheets[0]
    rep = _Report(name, sheet.name, [], list(book.notes))
    if sheet.cells.empty:
        rep.error(1, None, "le fichier est vide.")
        return _empty(), rep.errors, rep.warnings
    header = [str(h).strip() for h in sheet.cells.iloc[0].tolist()]
    body = sheet.cells.iloc[1:].reset_index(drop=True)
    cols = _match_columns(header, mapping)

    def col(key: str | None) -> pd.Series:
        if not key or key not in cols:
            return pd.Series([""] * len(body), dtype="string")
        s = body.iloc[:, cols[key]].astype("string").str.strip()
        return s.where(~s.isin(mapping.null_tokens), "")

    missing = [c for c in (mapping.name_col, mapping.type_col, *(k for k, _ in mapping.keep)) if c and c not in cols]
    has_coords = bool(mapping.lat_col in cols and mapping.lon_col in cols)
    if not has_coords and mapping.commune_col not in cols:
        wanted = " et ".join(c for c in (mapping.lat_col, mapping.lon_col) if c)
        missing.append(f"{wanted} ou {mapping.commune_col}" if mapping.commune_col else wanted)
    if missing:
        found = ", ".join(h for h in header if h) or "aucune"
        for m in missing:
            rep.error(1, m, f"colonne obligatoire absente ({mapping.label}) ; colonnes lues : {found}.")
        return _empty(), rep.errors, rep.warnings

    keep = np.ones(len(body), dtype=bool)
    for column, accepted in mapping.keep:
        keep &= col(column).isin(accepted).to_numpy()
    rows = (np.arange(len(body)) + 2)[keep]  # spreadsheet row numbers: the header is row 1
    n = len(rows)

    def kcol(key: str | None) -> pd.Series:
        return col(key)[keep].reset_index(drop=True)

    def ktypes(key: str | None) -> pd.Series | None:
        """The reader's cell types of a kept column (None for a CSV or an absent column)."""
        if sheet.types is None or not key or key not in cols:
            return None
        return sheet.types.iloc[1:, cols[key]][keep].reset_index(drop=True)

    types = kcol(mapping.type_col) if mapping.type_col else pd.Series([mapping.service_type] * n, dtype="string")
    names, codes, postcodes, cities = (kcol(c) for c in (mapping.name_col, mapping.commune_col,
                                                        mapping.postcode_col, mapping.city_col))
    parts = [kcol(c).tolist() for c in mapping.address_cols]
    addresses = [" ".join(filter(None, p)) for p in zip(*parts, strict=True)] if parts else [""] * n
    for i, row in enumerate(rows):
        if mapping.type_col and not types[i]:
            rep.error(row, mapping.type_col, "type de lieu vide.")
        if not names[i]:
            rep.warn(row, mapping.name_col, "nom du lieu vide.")
        if re.fullmatch(r"\d{4}", postcodes[i] or ""):  # 1600 for 01600: a spreadsheet read it as a number
            rep.warn(row, mapping.postcode_col, f"code postal « {postcodes[i]} » sur 4 chiffres (zéro initial perdu "
                     f"par un tableur ?) : non enregistré ; écrivez-le sur 5 chiffres, par exemple 0{postcodes[i]}.")
            postcodes[i] = ""
    lat, lon, usable = _check_coordinates(rep, mapping, rows, kcol(mapping.lat_col), kcol(mapping.lon_col),
                                          ktypes(mapping.lat_col), ktypes(mapping.lon_col))
    commune = _resolve_communes(rep, mapping, ref, rows, codes, usable)

    com_dep = dict(zip(ref.communes["code_commune"], ref.communes["dep"].astype(str), strict=True))
    com_epci = {c: (None if pd.isna(e) else str(e)) for c, e in zip(ref.communes["code_commune"],
                                                                    ref.communes["epci"], strict=True)}
    # The département the row claims: its commune's, else its postcode's. Without a commune code, the commune is
    # looked up by name in that département (lists like Pôle emploi's): for the table and as a fallback position.
    declared: list[str | None] = [None] * n
    for i in range(n):
        if commune[i]:
            declared[i] = com_dep.get(commune[i], _dep_of_code(commune[i]))  # COM communes: dep from the code
        elif postcodes[i]:
            declared[i] = dep_of_postcode(postcodes[i])
            if declared[i] and cities[i]:
                commune[i] = ref.names.get((declared[i], _name_key(cities[i])))

    located_dep: list[str | None] = [None] * n
    located_epci: list[str | None] = [None] * n
    idx = np.flatnonzero(usable)
    if len(idx):
        for layer, target in ((ref.deps, located_dep), (ref.epci, located_epci)):
            found = _locate_points(lon[idx], lat[idx], layer, COAST_TOLERANCE_M)["code"]
            for i, code in zip(idx, found, strict=True):
                target[i] = code if isinstance(code, str) else None

    point_of = ref.points.set_index("code_commune").geometry
    out = {c: [None] * n for c in POINT_COLUMNS}
    for i, row in enumerate(rows):
        row = int(row)
        here = located_dep[i] or (_in_com(lon[i], lat[i]) if usable[i] else None)
        position_ok = bool(usable[i])
        if usable[i] and here is None:
            rep.error(row, mapping.lat_col, _outside_france_message(lat[i], lon[i], ref))
            continue
        if position_ok and declared[i] and here != declared[i]:
            if _distance_to(lon[i], lat[i], declared[i], ref.deps) > BORDER_TOLERANCE_M:
                basis = f"de la commune {commune[i]}" if codes[i] else f"du code postal {postcodes[i]}"
                then = (
                    "le lieu est placé au point approché de sa commune."
                    if commune[i] in point_of.index
                    else "position écartée (le lieu reste dans la liste, sans position)."
                )
                rep.warn(row, mapping.lat_col, f"coordonnées {_coords_text(lat[i], lon[i])} situées dans "
                         f"{_territory(here)}, incohérentes avec {_territory(declared[i])} {basis} : {then}")
                position_ok = False
        if position_ok:
            method, x, y = METHOD_COORDINATES, float(lon[i]), float(lat[i])
            dep = com_dep.get(commune[i], here) if commune[i] else here
            epci = com_epci.get(commune[i]) if commune[i] else located_epci[i]
        elif commune[i] in point_of.index:
            p = point_of[commune[i]]
            method, x, y = METHOD_COMMUNE, float(p.x), float(p.y)
            dep, epci = com_dep.get(commune[i]), com_epci.get(commune[i])
        else:
            method, x, y, epci = METHOD_NONE, None, None, None
            dep = com_dep.get(commune[i], _dep_of_code(commune[i])) if commune[i] else declared[i]
            if not usable[i] and commune[i]:
                rep.warn(row, mapping.commune_col, f"commune {commune[i]} hors du champ des cartes (collectivité "
                         "d'outre-mer) et pas de coordonnées : le lieu reste dans la liste, sans position.")
            elif not usable[i] and not any(f.row == row for f in rep.errors):
                rep.error(row, mapping.lat_col or mapping.commune_col,
                          "ni coordonnées ni code commune connu : le lieu ne peut pas être placé.")
        out["service_type"][i] = types[i] or None
        out["name"][i] = names[i] or None
        out["address"][i] = addresses[i] or None
        out["postcode"][i] = postcodes[i] or None
        out["city"][i] = cities[i] or None
        out["commune"][i] = commune[i]
        out["dep"][i], out["epci"][i] = dep, epci
        out["lon"][i], out["lat"][i], out["location_method"][i] = x, y, method
        out["source_row"][i] = row
    out["source_ref"] = [v or None for v in kcol(mapping.id_col)]

    frame = pd.DataFrame(out)[list(POINT_COLUMNS)]
    for c in POINT_COLUMNS:
        if c in ("lon", "lat"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        elif c == "source_row":
            frame[c] = pd.Series(rows, dtype="Int64")
        else:
            frame[c] = frame[c].astype("string")
    # Rows with an error are left out: the caller refuses such a file anyway, but the frame stays truthful.
    frame = frame[~frame["source_row"].isin({f.row for f in rep.errors})].reset_index(drop=True)
    geometry = [
        shapely.Point(x, y) if np.isfinite(x) and np.isfinite(y) else None
        for x, y in zip(frame["lon"], frame["lat"], strict=True)
    ]
    points = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=4326), crs=4326)
    points.attrs.update(rows_read=len(body), rows_kept=n, source=mapping.source)
    return points, rep.errors, rep.warnings


def _empty() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in POINT_COLUMNS})
    frame["lon"] = frame["lon"].astype(float)
    frame["lat"] = frame["lat"].astype(float)
    frame["source_row"] = frame["source_row"].astype("Int64")
    points = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    points.attrs.update(rows_read=0, rows_kept=0)
    return points


# ---------------------------------------------------------------------------------------------------------------
# Storing


def to_table(points: gpd.GeoDataFrame, *, import_id: int, source: str, is_demo: bool = False) -> pd.DataFrame:
    """Rows shaped like the table service_point (queries/schema/002_services.sql)."""
    frame = pd.DataFrame(points.drop(columns=points.geometry.name))
    frame["source"] = source
    frame["import_id"] = int(import_id)
    frame["is_demo"] = bool(is_demo)
    return frame


def store_points(writer, points: gpd.GeoDataFrame, *, import_id: int, source: str, is_demo: bool = False) -> int:
    """Append the points inside the caller's transaction (levier.store.db Writer); returns the rows written."""
    return writer.insert(Query.SERVICE_POINT_INSERT, to_table(points, import_id=import_id, source=source, is_demo=is_demo))


def stored_points(db, service_type: str) -> pd.DataFrame:
    """The points of the latest import of a service type, with lon/lat (NULL for rows without a position)."""
    return db.read(Query.SERVICE_POINTS, {"service_type": service_type})
