"""An EPCI's own perimeter (a métropole holding a contract): its member communes with their population and point,
and the perimeter map the pack and slides of the EPCI open on, instead of its département's neighbours."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from levier.charts import perimeter
from levier.geo.display import VINTAGE, DisplayLayer
from levier.ingest.communes import read_commune_points_file, read_communes

# The year (the geography's vintage) follows the source under the map.
PERIMETER_SOURCE = ("INSEE (code officiel géographique, population municipale) ; DGCL (périmètres des EPCI) ; points "
                    "des communes : La Poste, IGN")


def member_communes(code: str, reference_dir: Path | str | None = None) -> pd.DataFrame:
    """The EPCI's member communes (COG of the reference directory): code_commune, name, population, lon, lat (NaN
    when the commune has no point of its own), most populous first."""
    communes = read_communes(reference_dir)
    mine = communes[communes["epci"] == str(code)]
    points = read_commune_points_file(reference_dir)
    out = pd.DataFrame({"code_commune": mine["code_commune"].astype(str), "name": mine["name"].astype(str),
                        "population": mine["population"].astype("int64")})
    if points is not None and len(points):
        pts = points.drop_duplicates("code_commune").set_index("code_commune")
        out["lon"] = out["code_commune"].map(pts["lon"]).astype(float)
        out["lat"] = out["code_commune"].map(pts["lat"]).astype(float)
    else:
        out["lon"] = out["lat"] = float("nan")
    return out.sort_values(["population", "code_commune"], ascending=[False, True]).reset_index(drop=True)


def perimeter_figure(code: str, name: str, layer: DisplayLayer, *, height: int = 620,
                     reference_dir: Path | str | None = None) -> go.Figure | None:
    """The EPCI's perimeter map (levier.charts.perimeter), None when it has no member commune or no shape."""
    members = member_communes(code, reference_dir)
    if members.empty:
        return None
    try:
        return perimeter.perimeter_map(
            members, layer, code, name, title=f"{name} : ses {len(members)} communes", source=PERIMETER_SOURCE,
            year=VINTAGE, height=height)
    except ValueError:  # the EPCI is not in the map layer (another vintage)
        return None
