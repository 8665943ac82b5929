"""Benchmark the deadline sweep at DESIGN.md's sizes (run by hand, PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangye_bench \\
        .venv/bin/python -m bench.sweep --sizes 100k 1M

For each size: seed with COPY (bench/seed.py), ~500 issues due; then 5 runs,
each resetting the same 500 to due, of (a) the sweep's find-due query and
(b) the whole sweep (reminder rows, next due times). Prints medians, the
query's plan and buffers from EXPLAIN (ANALYZE, BUFFERS). The database in
DATABASE_URL is migrated and its issues are replaced.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where bench/queue.py
# would shadow the standard library's queue module: take it off.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangye_utilities.settings")
os.environ.setdefault("ZY_KICK_SENDER", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import seed as seeder  # noqa: E402
from issues import sweep  # noqa: E402
from issues.models import Issue, Notification  # noqa: E402


def explain_find_due(now) -> tuple[str, int]:
    qs = (Issue.objects.filter(status__in=sweep.OPEN_STATUSES, next_due_at__isnull=False, next_due_at__lte=now)
          .order_by("next_due_at").values_list("id", flat=True)[: sweep.BATCH])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql + " FOR UPDATE SKIP LOCKED", params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    # The top node's Buffers line counts the whole plan's pages.
    found = re.findall(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", plan)
    buffers = max((int(hit) + int(read or 0) for hit, read in found), default=0)
    return plan, buffers


def run_size(name: str, due: int) -> dict:
    total, open_count = seeder.SIZES[name]
    print(f"\n=== {name}: {total:,} issues, {open_count:,} open, {due} due ===", flush=True)
    seeder.empty()
    t = time.monotonic()
    seeder.seed(total, open_count, due)
    print(f"seeded in {time.monotonic() - t:.1f} s", flush=True)
    due_ids = list(Issue.objects.filter(next_due_at__lte=timezone.now()).values_list("id", flat=True))
    query_ms, sweep_ms, processed = [], [], []
    for i in range(5):
        now = timezone.now()
        Issue.objects.filter(pk__in=due_ids).update(next_due_at=now)
        Notification.objects.all().delete()
        with transaction.atomic():
            t = time.perf_counter()
            ids = sweep.find_due(now)
            query_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        processed.append(sweep.run(now=now))
        sweep_ms.append((time.perf_counter() - t) * 1000)
        print(f"  run {i + 1}: find-due {query_ms[-1]:.1f} ms ({len(ids)} ids); whole sweep {sweep_ms[-1]:.0f} ms "
              f"({processed[-1]} issues)", flush=True)
    Issue.objects.filter(pk__in=due_ids).update(next_due_at=timezone.now())
    with transaction.atomic():
        plan, buffers = explain_find_due(timezone.now())
    result = {"size": name, "find_due_ms": statistics.median(query_ms), "sweep_ms": statistics.median(sweep_ms),
              "buffers": buffers, "processed": processed[-1]}
    print(f"median find-due query: {result['find_due_ms']:.1f} ms; median whole sweep: {result['sweep_ms']:.0f} ms; "
          f"buffers (find-due): {buffers}")
    print(plan)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["100k", "1M"], choices=sorted(seeder.SIZES))
    parser.add_argument("--due", type=int, default=500)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/sweep.py needs DATABASE_URL=postgres://… (a database it may fill)")
    call_command("migrate", verbosity=0)
    seeder.reference_data()
    results = [run_size(name, args.due) for name in args.sizes]
    print("\nsize   find-due(ms)  sweep(ms)  buffers")
    for r in results:
        print(f"{r['size']:<6} {r['find_due_ms']:>12.1f} {r['sweep_ms']:>10.0f} {r['buffers']:>8}")
    if len(results) >= 2:
        a, b = results[0], results[1]
        print(f"{b['size']}/{a['size']} ratio: find-due {b['find_due_ms'] / a['find_due_ms']:.2f}x, "
              f"sweep {b['sweep_ms'] / a['sweep_ms']:.2f}x")


if __name__ == "__main__":
    main()
