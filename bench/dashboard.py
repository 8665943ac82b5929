"""Benchmark the mayor's dashboard at DESIGN.md's sizes (run by hand, PostgreSQL).

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE zhangye_bench_dash'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangye_bench_dash \\
        .venv/bin/python -m bench.dashboard --sizes 1M 5M [--export 100000]

(Run it as a module: a script run as bench/dashboard.py would put bench/ first on
sys.path, where bench/queue.py shadows the standard library's queue.)

For each size: seed with COPY (bench/seed.py, five years, 100k open), add a
reporter rating to every closed issue (INSERT … SELECT), CLUSTER the issues
by filing time and the ratings by rating time (production appends them in
that order; the seeder writes random dates) and VACUUM ANALYZE (as autovacuum
would after a bulk load), backfill the rollups once
(``measures.refresh(full=True)``, timed), then render
/dashboard/ through Django's test Client as the mayor — today, this week,
this month, the last 365 days — ``--runs`` times each after one warm-up,
and print every raw time, the median and the p95 (server time: the whole
request through middleware, views and templates). Also times a render right
after a past-day event that changes no count ("after_note") and right after
a past-day change that does (a rating excluded on appeal, "after_change":
the daily, monthly and trend rows are rewritten and the cached sums expire);
each write, like the workflow's, refreshes the rollups when it commits, and
its own time is printed too.
With ``--no-seed`` the data already there is timed; a pending rollup
refresh (e.g. the rebuild after a migration) is run and timed first.
``--export N`` also times an export of N ledger rows (.xlsx and .csv).
The database in DATABASE_URL is migrated and its issues are replaced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangye_utilities.settings")
os.environ.setdefault("ZY_KICK_SENDER", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import seed as seeder  # noqa: E402
from issues import measures  # noqa: E402
from issues.models import DailyRollup, Export, Issue, RollupState  # noqa: E402

PERIODS = {
    "today": {"period": "today"},
    "week": {"period": "week"},
    "month": {"period": "month"},
    "365d": None,  # filled at run time
}


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def add_ratings() -> int:
    """One reporter rating per closed issue (90 % solved; 10 % dissatisfied, 20 % basic)."""
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO issues_rating (issue_id, round, rater_kind, resolved, satisfaction, comment, created_at, excluded)
            SELECT id, 1, 'reporter', (id % 10 <> 0),
                   CASE id % 10 WHEN 0 THEN 'dissatisfied' WHEN 1 THEN 'basic' WHEN 2 THEN 'basic' ELSE 'satisfied' END,
                   '', closed_at - interval '1 minute', false
            FROM issues_issue WHERE status = 'closed'""")
        n = cur.rowcount
        cur.execute("ANALYZE issues_rating")
    return n


def mayor():
    from accounts.models import User
    from issues.choices import Role

    user, _ = User.objects.get_or_create(username="bench_mayor", defaults={"role": Role.MAYOR})
    return user


def time_dashboard(client, params, runs) -> list[float]:
    client.get("/dashboard/", params)  # warm-up
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get("/dashboard/", params)
        out.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    return out


def time_after_write(client, runs, change: bool) -> tuple[list[float], list[float]]:
    """Render this month right after a past-day write to a recently closed issue, ``runs`` times.

    ``change`` False: a note event (recomputes the issue's days, changes no
    count). True: its rating excluded on appeal, as ``issue_decide_appeal``
    writes it (the rated counts of a past day change). Each write runs in a
    transaction that, like the workflow's, asks ``measures.refresh_after_commit``
    (the rollups follow the write in the writer's request). Returns (render
    times, write times incl. that refresh), in ms.
    """
    from django.db import transaction

    from issues.models import IssueEvent, Rating

    renders, writes = [], []
    recent = timezone.now() - timedelta(days=20)
    ids = list(Issue.objects.filter(status="closed", closed_at__gte=recent, ratings__excluded=False)
               .order_by("-id").values_list("id", flat=True)[:runs])
    for issue_id in ids:
        t = time.perf_counter()
        with transaction.atomic():
            if change:
                Rating.objects.filter(issue_id=issue_id).update(excluded=True)
            IssueEvent.objects.create(issue_id=issue_id, at=timezone.now() - timedelta(days=3),
                                      kind="note", actor_label="bench", public=False, data={})
            measures.refresh_after_commit()
        writes.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        response = client.get("/dashboard/", {"period": "month"})
        renders.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    return renders, writes


def time_export(n: int) -> dict:
    from issues import ledger

    result = {}
    user = mayor()
    newest = Issue.objects.order_by("-filed_at").values_list("filed_at", flat=True)[n - 1]
    start = timezone.localtime(newest).date()
    for fmt in ("xlsx", "csv"):
        export = Export.objects.create(requested_by=user, format=fmt,
                                       filters={"measure": "received", "start": start.isoformat(),
                                                "end": timezone.localdate().isoformat()})
        t = time.perf_counter()
        rows = ledger.run_export(export.pk)
        result[fmt] = (rows, time.perf_counter() - t)
        print(f"  export {fmt}: {rows:,} rows in {result[fmt][1]:.1f} s", flush=True)
    return result


def run_size(name: str, runs: int, export: int, reseed: bool = True) -> dict:
    total, open_count = seeder.SIZES[name]
    print(f"\n=== {name}: {total:,} issues, {open_count:,} open ===", flush=True)
    if reseed:
        seed_size(total, open_count)
    else:
        backfill(full=False)
    return time_size(name, runs, export)


def seed_size(total: int, open_count: int) -> None:
    """Replace the issues with ``total`` seeded ones, rate the closed ones, backfill the rollups."""
    seeder.empty()
    DailyRollup.objects.all().delete()
    RollupState.objects.all().delete()
    t = time.monotonic()
    seeder.seed(total, open_count, 0)
    print(f"seeded in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    print(f"ratings: {add_ratings():,} in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    settle()
    print(f"cluster + vacuum analyze in {time.monotonic() - t:.1f} s", flush=True)
    backfill(full=True)


def settle() -> None:
    """Lay the seeded rows out as production has them, then VACUUM ANALYZE (as autovacuum would).

    The seeder writes issues in random date order; in production they arrive
    in filing order (ratings in rating order), so a day's issues share a few
    pages. CLUSTER restores that order once; the visibility map set by VACUUM
    lets the open-issue measures use index-only scans.
    """
    with connection.cursor() as cur:
        cur.execute("CLUSTER issues_issue USING issue_filed_id")
        cur.execute("CLUSTER issues_rating USING rating_created_at")
        cur.execute("VACUUM ANALYZE issues_issue")
        cur.execute("VACUUM ANALYZE issues_rating")


def backfill(full: bool) -> None:
    """Run ``measures.refresh`` (the whole history with ``full``) and print what it wrote and how long it took."""
    t = time.monotonic()
    refreshed = measures.refresh(full=full)
    print(f"rollup refresh{' (full)' if full else ''}: {refreshed['days']} days, {refreshed['rows']:,} daily rows "
          f"in {time.monotonic() - t:.1f} s", flush=True)
    with connection.cursor() as cur:
        for table in ("issues_dailyrollup", "issues_monthlyrollup", "issues_dailytotal"):
            cur.execute(f"VACUUM ANALYZE {table}")
        # Flush what seeding and the rebuild dirtied, so that a checkpoint's
        # writes do not land in the middle of the timed renders.
        cur.execute("CHECKPOINT")


def time_size(name: str, runs: int, export: int) -> dict:
    """Time the dashboard (and optionally an export) on the issues already in the database."""
    client = Client()
    client.force_login(mayor())
    today = timezone.localdate()
    PERIODS["365d"] = {"period": "custom", "start": (today - timedelta(days=364)).isoformat(),
                       "end": today.isoformat()}
    result = {"size": name}
    for label, params in PERIODS.items():
        times = time_dashboard(client, params, runs)
        result[label] = times
        print(f"  {label:<6} median {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms  raw "
              + " ".join(f"{x:.0f}" for x in times), flush=True)
    for label, change in (("after_note", False), ("after_change", True)):
        times, writes = time_after_write(client, max(5, runs // 2), change)
        result[label] = times
        print(f"  {label}: median {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms  raw "
              + " ".join(f"{x:.0f}" for x in times), flush=True)
        print(f"    its write (the writer's request, incl. the rollup refresh): median "
              f"{statistics.median(writes):6.1f} ms  p95 {p95(writes):6.1f} ms  raw "
              + " ".join(f"{x:.0f}" for x in writes), flush=True)
    if export:
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            result["export"] = time_export(export)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["1M"], choices=sorted(seeder.SIZES))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export", type=int, default=0, help="also time an export of this many rows")
    parser.add_argument("--no-seed", action="store_true", help="time the data already seeded (one size)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/dashboard.py needs DATABASE_URL=postgres://… (a database it may fill)")
    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic here: resolve {% static %} without the manifest, as the tests do.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    seeder.reference_data()
    results = [run_size(name, args.runs, args.export, reseed=not args.no_seed) for name in args.sizes]
    print("\nsize   period  median(ms)  p95(ms)")
    for r in results:
        for label in list(PERIODS) + ["after_note", "after_change"]:
            print(f"{r['size']:<6} {label:<11} {statistics.median(r[label]):8.1f} {p95(r[label]):8.1f}")
    if len(results) >= 2:
        a, b = results[0], results[-1]
        for label in PERIODS:
            print(f"{b['size']}/{a['size']} {label}: p95 ratio "
                  f"{p95(b[label]) / p95(a[label]):.2f}x, median ratio "
                  f"{statistics.median(b[label]) / statistics.median(a[label]):.2f}x")


if __name__ == "__main__":
    main()
