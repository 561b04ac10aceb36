"""Benchmark: what one small read costs through the DB door (connection, rights, cursor, SQL text), per read.

Run: python bench/bench_db.py [--db PATH] [--reads 300] [--threads 4]. Without --db, a database holding only the
schema is made in a temporary folder (the query is tiny on purpose: what is measured is the door, not DuckDB).
Prints the median and 90th percentile of one `Database.read` for a full-rights user and a département user, the
same query on a cursor already open (the floor), and the median read time with several threads reading at once.
The script only uses Database/Query, so it runs unchanged on an older checkout for a before/after comparison.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from levier.rights.scope import Role, Scope  # noqa: E402
from levier.store.db import Database, Query  # noqa: E402


def timed_reads(db: Database, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        db.read(Query.APPLIED_MIGRATIONS)
        times.append(time.perf_counter() - t)
    return times


def ms(values: list[float], q: float = 0.5) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    if args.db:
        path = Path(args.db)
    else:
        path = Path(tempfile.mkdtemp(prefix="levier-bench-db-")) / "schema.duckdb"
        Database(path).migrate()
    base = Database(path)
    users = {"local": base, "dep38": base.with_scope(Scope.territorial("agent", Role.DEPARTEMENTAL, {"38"}))}
    medians = {}
    for name, db in users.items():
        timed_reads(db, 20)  # warm-up: first connection, rights resolved, SQL text read
        times = timed_reads(db, args.reads)
        medians[name] = ms(times)
        print(f"read as {name:6} median {ms(times):6.3f} ms   p90 {ms(times, 0.9):6.3f} ms   ({args.reads} reads)")

    with base.reader() as r:
        floor = []
        for _ in range(args.reads):
            t = time.perf_counter()
            r.df(Query.APPLIED_MIGRATIONS)
            floor.append(time.perf_counter() - t)
    print(f"same query, reader already open   median {ms(floor):6.3f} ms   (the floor)")
    print(f"door overhead per read (local)    {medians['local'] - ms(floor):6.3f} ms   (median read - floor)")

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        per_thread = list(pool.map(lambda _: timed_reads(users["dep38"], args.reads // args.threads),
                                   range(args.threads)))
    together = [t for times in per_thread for t in times]
    print(f"{args.threads} threads reading at once    median {ms(together):6.3f} ms   p90 {ms(together, 0.9):6.3f} ms")


if __name__ == "__main__":
    main()
