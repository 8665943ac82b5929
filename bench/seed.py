"""Seed a PostgreSQL database with DESIGN.md's benchmark sizes using COPY.

Sizes: "100k" = 100,000 issues (10,000 open), "1M" = 1,000,000 (100,000
open), "5M" = 5,000,000 (100,000 open); five years of history. ``due`` open
issues are in progress with their resolution window past 50 % and
next_due_at in the past, so the next sweep has exactly that much work; all
other open issues are due later, terminal ones never.

Reused by every benchmark: ``seed(total, open_count, due)``. Needs
DATABASE_URL=postgres://… (the benchmark database is emptied first).
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

SIZES = {"100k": (100_000, 10_000), "1M": (1_000_000, 100_000), "5M": (5_000_000, 100_000)}

COLUMNS = [
    "tracking_code", "utility", "category_id", "district_id", "community", "building", "unit_no", "room",
    "description", "extra_answers", "reporter_name", "reporter_phone", "channel", "priority", "status",
    "lead_unit_id", "filed_at", "first_assigned_at", "first_claimed_at", "resolved_at", "closed_at",
    "awaiting_rating_since", "dispatch_due", "response_due", "resolution_due", "resolution_started_at",
    "resolution_extended", "deadlines_provisional", "supervision_level", "escalation_level", "resolution_round",
    "rework_count", "needs_decision", "public_reason", "next_due_at",
]
OPEN_MIX = [("new", 15), ("assigned", 15), ("in_progress", 50), ("planned", 5), ("resolved", 5),
            ("awaiting_rating", 10)]
CLOSED_MIX = [("closed", 94), ("rejected", 4), ("merged", 2)]


def _ts(dt):
    return dt.isoformat() if dt else r"\N"


def reference_data():
    """Load reference and demo data (units, routing, demo users) through the project's commands."""
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo_data", verbosity=0, force=True)


def empty():
    """Remove every issue and what hangs off it (TRUNCATE … CASCADE)."""
    with connection.cursor() as cur:
        cur.execute("TRUNCATE issues_issue, issues_dailysequence RESTART IDENTITY CASCADE")


def seed(total: int, open_count: int, due: int, years: int = 5, rng_seed: int = 20261129) -> None:
    """COPY ``total`` issues, ``open_count`` of them open and ``due`` due for the sweep now."""
    from issues.models import Category, District, Unit

    rng = random.Random(rng_seed)
    now = timezone.now()
    cats = list(Category.objects.values_list("id", "utility"))
    districts = list(District.objects.values_list("id", flat=True))
    units = {}
    for uid, utilities in Unit.objects.values_list("id", "utilities"):
        for u in utilities or []:
            units.setdefault(u, []).append(uid)
    open_statuses = [s for s, w in OPEN_MIX for _ in range(w)]
    closed_statuses = [s for s, w in CLOSED_MIX for _ in range(w)]
    span = timedelta(days=365 * years)
    open_ids = set(rng.sample(range(total), open_count))
    due_ids = set(rng.sample(sorted(open_ids), due))
    per_day: dict = {}

    def rows():
        for n in range(total):
            is_open = n in open_ids
            if n in due_ids:
                status = "in_progress"
                filed = now - timedelta(hours=30, minutes=rng.randint(0, 60))
            elif is_open:
                status = rng.choice(open_statuses)
                filed = now - timedelta(minutes=rng.randint(10, 60 * 24 * 30))
            else:
                status = rng.choice(closed_statuses)
                filed = now - span * rng.random()
            cat, utility = rng.choice(cats)
            local_day = timezone.localtime(filed).date()
            per_day[local_day] = per_day.get(local_day, 0) + 1
            code = f"ZY{local_day:%Y%m%d}{per_day[local_day]:06d}"
            lead = rng.choice(units.get(utility, [None])) if status not in ("new", "rejected") else None
            assigned = filed + timedelta(minutes=20) if lead else None
            claimed = filed + timedelta(minutes=50) if lead and status not in ("assigned",) else None
            resolved = filed + timedelta(hours=30) if status in ("resolved", "awaiting_rating", "closed") else None
            closed = filed + timedelta(days=3) if status in ("closed", "rejected", "merged") else None
            awaiting = resolved if status == "awaiting_rating" else None
            if n in due_ids:
                next_due = now - timedelta(seconds=rng.randint(1, 600))
            elif is_open:
                next_due = now + timedelta(minutes=rng.randint(5, 60 * 48))
            else:
                next_due = None
            yield [
                code, utility, cat, rng.choice(districts), f"小区{n % 5000}", str(n % 30), str(n % 6), str(n % 2000),
                "暖气不热，室内温度低", "{}", "", f"+86138{n % 100_000_000:08d}", "web", "urgent", status,
                lead if lead else None, filed, assigned, claimed, resolved, closed, awaiting,
                filed + timedelta(hours=1), filed + timedelta(hours=2), filed + timedelta(hours=48), filed,
                "f", "f", "", 0, 1, 0, "f", "", next_due,
            ]

    def line(values):
        out = []
        for v in values:
            if v is None:
                out.append(r"\N")
            elif hasattr(v, "isoformat"):
                out.append(v.isoformat())
            else:
                out.append(str(v))
        return "\t".join(out) + "\n"

    with connection.cursor() as cur:
        raw = cur.cursor  # psycopg 3 cursor
        with raw.copy(f"COPY issues_issue ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            buf = io.StringIO()
            for i, values in enumerate(tqdm(rows(), total=total, desc=f"COPY {total:,} issues", unit="row",
                                            mininterval=2)):
                buf.write(line(values))
                if i % 20_000 == 19_999:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        cur.execute("ANALYZE issues_issue")
