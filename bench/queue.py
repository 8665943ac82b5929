"""Benchmark the staff queues at DESIGN.md's sizes (run by hand, PostgreSQL).

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE zhangye_bench_queue'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangye_bench_queue \\
        .venv/bin/python bench/queue.py --sizes 100k 1M

For each size: seed with COPY (bench/seed.py: 100k issues with 10k open, 1M
with 100k open, five years of history), then render, through Django's test
Client in this process (server time: URL routing, middleware, the scoped
queries, templates), the unit queue of the unit with the most open issues
(/work/queue/), the dispatch queue (/work/dispatch/) and the supervision
page (/work/supervise/?tab=due): a few warm-up requests, then ``--runs``
timed ones each. Prints every raw time, the median and the p95, the
queries per request, and at the end the 1M/100k ratios. The database in
DATABASE_URL is migrated and its issues are replaced.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file
# would shadow the standard library's ``queue`` module: put the project root there.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if p and Path(p).resolve() != HERE]
sys.modules.pop("queue", None)

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangye_utilities.settings")
os.environ.setdefault("ZY_KICK_SENDER", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# No collectstatic here: resolve {% static %} without the manifest (as the tests do).
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import seed as seeder  # noqa: E402
from issues.choices import WORKING_STATUSES, Role  # noqa: E402
from issues.models import Issue  # noqa: E402

WARMUP = 3


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def busiest_unit_staff() -> tuple[User, int]:
    """A staff user of the unit leading the most issues in its queue, and that number."""
    row = (Issue.objects.filter(status__in=WORKING_STATUSES, lead_unit__isnull=False).values("lead_unit")
           .annotate(n=Count("id")).order_by("-n").first())
    user = User.objects.filter(role=Role.UNIT_STAFF, unit_id=row["lead_unit"], is_active=True).first()
    if user is None:
        user = User.objects.create_user(username=f"bench_unit_{row['lead_unit']}", role=Role.UNIT_STAFF,
                                        unit_id=row["lead_unit"])
    return user, row["n"]


def measure(client: Client, url: str, runs: int) -> dict:
    """GET ``url`` a few times to warm up, then ``runs`` timed times; times in ms, queries and rows of one run."""
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    times = []
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    queries = len(ctx.captured_queries)
    rows = response.content.decode().count('class="row-card')
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    reset_queries()
    return {"url": url, "times": times, "median": statistics.median(times), "p95": p95(times), "queries": queries,
            "rows": rows}


def explain(sql_label: str, qs) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a queryset, indented under ``sql_label``."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return sql_label + "\n" + "\n".join("    " + r[0] for r in cur.fetchall())


def run_size(name: str, runs: int, plans: bool, reseed: bool = True) -> dict:
    """Seed (unless reusing) and measure the three pages at one size; returns their results by label."""
    total, open_count = seeder.SIZES[name]
    print(f"\n=== {name}: {total:,} issues, {open_count:,} open ===", flush=True)
    if reseed or Issue.objects.count() != total:
        seeder.empty()
        t = time.monotonic()
        seeder.seed(total, open_count, due=0)
        print(f"seeded in {time.monotonic() - t:.1f} s", flush=True)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE issues_issue")
    else:
        print("reusing the seeded issues", flush=True)
    unit_user, in_queue = busiest_unit_staff()
    dispatcher = User.objects.get(username="dispatcher")
    supervisor = User.objects.filter(role=Role.SUPERVISOR).order_by("id").first()
    print(f"unit queue of {unit_user.unit} ({in_queue:,} issues as lead); "
          f"dispatch queue: {Issue.objects.filter(status='new').count():,} new issues", flush=True)
    results = {}
    for label, user, url in [("unit queue", unit_user, "/work/queue/"),
                             ("dispatch queue", dispatcher, "/work/dispatch/"),
                             ("supervise (due)", supervisor, "/work/supervise/?tab=due")]:
        client = Client()
        client.force_login(user)
        r = measure(client, url, runs)
        results[label] = r
        print(f"  {label:<16} {url:<26} rows {r['rows']:>3}  queries {r['queries']:>2}  "
              f"median {r['median']:6.1f} ms  p95 {r['p95']:6.1f} ms", flush=True)
        print("    raw ms: " + " ".join(f"{x:.1f}" for x in r["times"]), flush=True)
    if plans:
        from issues.views import staff

        print(explain("plan: unit queue page", staff._queue_qs(unit_user).order_by("deadline", "id")[:51]))
        print(explain("plan: dispatch page", staff._dispatch_qs(dispatcher).order_by("rank", "filed_at", "id")[:51]))
    return results


def main():
    """Parse the arguments, migrate, load reference data, measure each size and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["100k", "1M"], choices=sorted(seeder.SIZES))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN ANALYZE of the two list queries")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the issues already seeded when their number matches the (single) size")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/queue.py needs DATABASE_URL=postgres://… (a database it may fill)")
    call_command("migrate", verbosity=0)
    seeder.reference_data()
    results = {name: run_size(name, args.runs, args.plans, reseed=not args.reuse) for name in args.sizes}
    print("\nsize   page              median(ms)  p95(ms)  queries")
    for name, pages in results.items():
        for label, r in pages.items():
            print(f"{name:<6} {label:<17} {r['median']:>10.1f} {r['p95']:>8.1f} {r['queries']:>8}")
    if len(results) >= 2:
        (a, ra), (b, rb) = list(results.items())[:2]
        for label in ra:
            print(f"{b}/{a} {label}: median {rb[label]['median'] / ra[label]['median']:.2f}x, "
                  f"p95 {rb[label]['p95'] / ra[label]['p95']:.2f}x")


if __name__ == "__main__":
    main()
