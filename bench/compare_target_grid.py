"""Checks that analysis.trajectories.target_grid gives the same frames as another checkout's, and times both.

Run: python bench/compare_target_grid.py --before DIR [--db PATH]
DIR is the root of another checkout (e.g. `git archive <commit> | tar -x -C DIR`; DIR/../shared must hold the
reference data, as for any checkout). For each level of views.mi_parcours.DERIVED_LEVELS, the grid's inputs are
read from the database as the publication step reads them (values with their quality gates, targets, catalogue),
and both versions of target_grid run on them: the frames must be equal (pandas.testing.assert_frame_equal, exact)
and so must the Python types of the object columns' cells (None against NaN, list items). Prints a table, writes
bench/results/compare_target_grid.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

from pandas.testing import assert_frame_equal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import demo_db  # noqa: E402
from levier.analysis import trajectories  # noqa: E402
from levier.store.db import Database, Query  # noqa: E402
from levier.views import mi_parcours  # noqa: E402
from levier.views.common import catalogue  # noqa: E402
from levier.views.gating import gate_values, load_gates  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def other_trajectories(root: Path):
    """The other checkout's trajectories module, loaded under its own name (its imports resolve to this one's
    package: only target_grid's own code is compared)."""
    spec = importlib.util.spec_from_file_location("before_trajectories", root / "levier/analysis/trajectories.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_same(before, after) -> None:
    assert_frame_equal(before, after, check_exact=True)
    for col in before.columns:
        if before[col].dtype == object:
            assert [type(v) for v in before[col]] == [type(v) for v in after[col]], col
            if col.startswith("milestone_"):
                assert all([type(x) for x in a] == [type(x) for x in b] for a, b in zip(before[col], after[col])), col


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="root of the other checkout")
    parser.add_argument("--db", help="demo database (default: build one in a temporary folder)")
    args = parser.parse_args()
    db = Database(demo_db(args.db))
    old = other_trajectories(Path(args.before))
    cat = catalogue(db)
    out = {}
    print(f"{'niveau':12} {'lignes':>10} {'avant':>9} {'après':>9}  identiques")
    for level in mi_parcours.DERIVED_LEVELS:
        with db.reader() as r:
            values = r.df(Query.MIDTERM_LEVEL_VALUES, {"level": level})
            targets = r.df(Query.MIDTERM_LEVEL_TARGETS, {"level": level})
        values = values.drop_duplicates(["code", "indicator", "period"])
        gated = gate_values(db, values, level, gate_rows=load_gates(db, None, level))
        t = time.perf_counter()
        before = old.target_grid(gated, targets, cat)
        t_before = time.perf_counter() - t
        t = time.perf_counter()
        after = trajectories.target_grid(gated, targets, cat)
        t_after = time.perf_counter() - t
        assert_same(before, after)
        out[level] = {"rows": len(after), "before_s": round(t_before, 2), "after_s": round(t_after, 2),
                      "identical": True}
        print(f"{level:12} {len(after):>10} {t_before:>8.2f}s {t_after:>8.2f}s  oui")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "compare_target_grid.json"
    path.write_text(json.dumps({"db": str(db.path), "before": args.before, "levels": out}, indent=2))
    print(f"Écrit : {path}")


if __name__ == "__main__":
    main()
