"""Benchmark: service coverage for all of France from the 34,875 commune points (time at 10/20/30 km), and the
share covered per département with EPCI points (the former fallback) against commune points.

Run: python bench/bench_coverage.py [--repeat 5]. Reads the reference directory (levier.core.config); no database.
Prints two tables and writes bench/results/coverage.json.
Target (issue 13, item 8): coverage for all France with 34,875 commune points < 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from levier.analysis import coverage  # noqa: E402
from levier.core.config import settings  # noqa: E402
from levier.ingest import communes as places  # noqa: E402
from levier.ingest import service_lists as services  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DEPARTEMENTS = {"38": "Isère", "973": "Guyane", "48": "Lozère", "59": "Nord"}
DISTANCES = (10, 20, 30)
LISTS = {
    "france_services": ("services/france_services_anct_20240801.csv", services.FRANCE_SERVICES_ANCT),
    "agence_france_travail": ("services/pole_emploi_agences_2019-11.csv", services.POLE_EMPLOI_AGENCES),
}
# The three ways of placing the population compared: the former fallback (every commune at its EPCI's point),
# commune centroids alone, and the shipped method (centroids; a commune hosting a place at distance 0).
METHODS = ("epci", "centroide", "centroide_commune_hote")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ref_dir = settings().reference_dir

    t0 = time.perf_counter()
    ref = services.build_referential(ref_dir)
    referential_s = time.perf_counter() - t0
    communes = places.read_communes(ref_dir)
    t0 = time.perf_counter()
    file_points = places.read_commune_points_file(ref_dir)
    centroids = places.commune_points(communes, ref.epci, ref.deps, file_points)
    placing_s = time.perf_counter() - t0
    epci_points = places.commune_points(communes, ref.epci, ref.deps)
    lists = {k: services.read_services(ref_dir / f, layout, reference=ref)[0] for k, (f, layout) in LISTS.items()}

    timings: dict[str, dict[int, float]] = {}
    for name, svc in lists.items():
        timings[name] = {}
        for km in DISTANCES:
            runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                coverage.coverage(centroids, svc, km)
                runs.append(time.perf_counter() - started)
            timings[name][km] = statistics.median(runs)

    shares: dict[str, dict[str, dict[str, list[float]]]] = {}
    for name, svc in lists.items():
        shares[name] = {dep: {m: [] for m in METHODS} for dep in DEPARTEMENTS}
        for km in DISTANCES:
            runs = {
                "epci": coverage.coverage(epci_points, svc, km, own_commune=False),
                "centroide": coverage.coverage(centroids, svc, km, own_commune=False),
                "centroide_commune_hote": coverage.coverage(centroids, svc, km),
            }
            for method, result in runs.items():
                by_dep = result.departements.set_index("code")["share"]
                for dep in DEPARTEMENTS:
                    shares[name][dep][method].append(round(float(by_dep[dep]), 1))

    print(f"Référentiel (communes, couches, points) : {referential_s:.2f} s ; placement des "
          f"{len(centroids):,} points : {placing_s:.2f} s ; {int((centroids['point_source'] == 'fichier').sum()):,} "
          f"depuis le fichier.")
    print(f"\n| liste | lieux | {' | '.join(f'{km} km' for km in DISTANCES)} |")
    print("|---|---|" + "---|" * len(DISTANCES))
    for name, per_km in timings.items():
        print(f"| {name} | {len(lists[name]):,} | " + " | ".join(f"{s:.2f} s" for s in per_km.values()) + " |")
    print("\nPart de la population couverte à 10 / 20 / 30 km (%)")
    print("| liste | département | points EPCI | centroïdes | centroïdes + commune hôte (livré) |")
    print("|---|---|---|---|---|")
    for name in lists:
        for dep, label in DEPARTEMENTS.items():
            cells = [" / ".join(f"{v:.1f}" for v in shares[name][dep][m]) for m in METHODS]
            print(f"| {name} | {label} ({dep}) | " + " | ".join(cells) + " |")

    RESULTS.mkdir(exist_ok=True)
    out = {"referential_s": referential_s, "placing_s": placing_s, "coverage_s": timings, "shares": shares,
           "communes": len(centroids), "distances_km": list(DISTANCES)}
    (RESULTS / "coverage.json").write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
