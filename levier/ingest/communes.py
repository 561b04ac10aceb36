"""The communes of the reference directory and one point for each (its own from geo/communes_2026_points.csv when
the file is there, else its EPCI's or its département's representative point): where service lists are placed and
where levier.analysis.coverage measures distances from."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from levier.core.config import settings

COMMUNES_FILE = "cog/communes_2026.csv"
COMMUNE_POINTS_FILE = "geo/communes_2026_points.csv"
POINT_SOURCES = {"fichier": "point de la commune", "epci": "point de l'intercommunalité", "dep": "point du département"}


def read_communes(reference_dir: Path | str | None = None) -> pd.DataFrame:
    """Communes of the COG 2026 in France and the DROM: code_commune, name, dep, epci, population (int)."""
    directory = Path(reference_dir) if reference_dir else settings().reference_dir
    raw = pd.read_csv(directory / COMMUNES_FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = raw[raw["zone"].isin(["metro", "drom"])]
    return pd.DataFrame(
        {
            "code_commune": raw["code_commune"].astype("string"),
            "name": raw["nom"].astype("string"),
            "dep": raw["dep"].astype("string"),
            "epci": raw["siren_epci"].replace("", None).astype("string"),
            "population": pd.to_numeric(raw["population_municipale"], errors="coerce").fillna(0).astype("int64"),
        }
    ).reset_index(drop=True)


def read_commune_points_file(reference_dir: Path | str | None = None) -> pd.DataFrame | None:
    """The commune points (code_commune as text, lon, lat in WGS84 degrees), or None when the file is not there.
    A commune absent from the file (or whose point is not a number) is placed by commune_points' fallback."""
    directory = Path(reference_dir) if reference_dir else settings().reference_dir
    path = directory / COMMUNE_POINTS_FILE
    if not path.is_file():
        return None
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("code_commune", "lat", "lon") if c not in raw.columns]
    if missing:
        raise ValueError(f"{COMMUNE_POINTS_FILE} : colonne(s) {', '.join(missing)} absente(s) ; attendu "
                         f"code_commune, lat, lon (degrés WGS84).")
    return pd.DataFrame(
        {
            "code_commune": raw["code_commune"].astype("string"),
            "lon": pd.to_numeric(raw["lon"].str.replace(",", "."), errors="coerce"),
            "lat": pd.to_numeric(raw["lat"].str.replace(",", "."), errors="coerce"),
        }
    ).dropna()


def commune_points(
    communes: pd.DataFrame,
    epci_layer: gpd.GeoDataFrame,
    dep_layer: gpd.GeoDataFrame | None = None,
    points: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """One point per commune (EPSG:4326) with its population; see the module docstring for where points come from.

    `epci_layer`/`dep_layer`: code + geometry (true positions, EPSG:4326). `points`: code_commune, lon, lat.
    """
    frame = communes.copy()
    geoms = np.full(len(frame), None, dtype=object)
    source = np.full(len(frame), "", dtype=object)

    if points is not None and len(points):
        pts = points.drop_duplicates("code_commune").set_index("code_commune")
        lon = frame["code_commune"].map(pts["lon"]).to_numpy(dtype=float)
        lat = frame["code_commune"].map(pts["lat"]).to_numpy(dtype=float)
        has = np.isfinite(lon) & np.isfinite(lat)
        geoms[has] = shapely.points(lon[has], lat[has])
        source[has] = "fichier"

    def fallback(layer: gpd.GeoDataFrame | None, key: str, label: str) -> None:
        if layer is None:
            return
        reps = pd.Series(
            shapely.point_on_surface(layer.to_crs(4326).geometry.to_numpy()), index=layer["code"].astype(str)
        )
        todo = (source == "") & frame[key].notna().to_numpy()
        found = frame.loc[todo, key].astype(str).map(reps)
        idx = np.flatnonzero(todo)[found.notna().to_numpy()]
        geoms[idx] = found.dropna().to_numpy()
        source[idx] = label

    fallback(epci_layer, "epci", "epci")
    fallback(dep_layer, "dep", "dep")
    frame["point_source"] = pd.Series(source, dtype="string").replace("", None)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)
