"""Benchmark: what row filtering and small-count masking cost on page renders (issue 7 target: < 10 % overhead).

Run: python bench/bench_scope.py [--db PATH] [--runs 3]. Builds the demo database first when --db is not given.
Each page is rendered cold (Streamlit caches emptied) in AppTest with Isère selected, as four users:
  local     the single-user local mode (full rights: no filtering, no masking — the baseline)
  national  every territory, small counts masked with secondary suppression (same rows as local + masking)
  regional  the 12 départements of Auvergne-Rhône-Alpes, in detail
  dep38     Isère only
The overhead is the median cold render time against the local baseline; the masked-cell computation (once per
data version and rights) and the per-query cost of setting the rights on a cursor are timed on their own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import demo_db, router_app_test  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ARA = frozenset({"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"})


def scopes():
    from levier.rights.scope import Role, Scope

    return {
        "local": Scope.local_admin(),
        "national": Scope.national("rapporteur"),
        "regional": Scope.territorial("commissaire", Role.REGIONAL, ARA),
        "dep38": Scope.territorial("agent", Role.DEPARTEMENTAL, {"38"}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=None)
    args = parser.parse_args()

    from levier.core.config import PROJECT_ROOT

    db_path = demo_db(args.db)
    os.environ["LEVIER_DB"] = str(db_path)

    import streamlit as st

    from levier.app import auth
    from levier.store import db as dbmod
    from levier.store.db import Database


    # The data layer on its own: masked cells computed once per version and rights, rights set per cursor.
    base = Database(db_path)
    layer = {}
    for name, scope in scopes().items():
        dbmod._access_cache.clear()
        d = base.with_scope(scope)
        t = time.perf_counter()
        with d.reader() as r:
            first = time.perf_counter() - t
            access = r._access
            t = time.perf_counter()
            for _ in range(50):
                r.rows("applied_migrations")
            per_query = (time.perf_counter() - t) / 50
        layer[name] = {"rights_setup_s": round(first, 4), "per_query_ms": round(per_query * 1000, 2),
                       "masked_versions": len(access["levier_masked"]), "codes": len(access["levier_codes"])}
        print(f"data layer {name:9} first reader {first * 1000:7.1f} ms   query incl. rights "
              f"{per_query * 1000:5.2f} ms   masked versions {len(access['levier_masked'])}")

    pages = args.pages or sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pages").glob("*.py")
                                 if p.stem not in {"importer"})
    results: dict[str, dict[str, float]] = {}
    for page in pages:
        results[page] = {}
        for name, scope in scopes().items():
            auth.current_scope = lambda scope=scope: scope
            times = []
            for _ in range(args.runs):
                st.cache_data.clear()
                dbmod._access_cache.clear()
                at = router_app_test(default_timeout=300)
                at.query_params["reg"] = "84"
                at.query_params["dep"] = "38"
                at.run()
                at.switch_page(page)
                t = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - t)
                if at.exception:
                    print(f"  {page} as {name}: EXCEPTION {at.exception[0].message[:200]}")
            results[page][name] = round(statistics.median(times), 3)
        base_t = results[page]["local"]
        print(f"{page:26} " + "  ".join(f"{n} {v:6.3f} s" for n, v in results[page].items())
              + f"   national/local {results[page]['national'] / base_t:5.2f}")
    total = {n: sum(results[p][n] for p in results) for n in scopes()}
    summary = {n: round(total[n] / total["local"] - 1, 3) for n in total}
    print("sum of cold renders: " + "  ".join(f"{n} {v:.2f} s" for n, v in total.items()))
    print("overhead against local: " + "  ".join(f"{n} {100 * v:+.1f} %" for n, v in summary.items()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scope.json").write_text(json.dumps({"layer": layer, "pages": results, "overhead": summary}, indent=2))


if __name__ == "__main__":
    main()
