"""Many issues fast, for ledger paging and export tests: rows inserted directly (no workflow, no events)."""

from __future__ import annotations

from datetime import timedelta

from issues.models import Issue
from tests.conftest import local

EVIL = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")"]


def bulk_issues(world, n: int, start=None, unit=None) -> list[Issue]:
    """``n`` heat issues in 甘州区, one a minute from ``start``; every 7th description, name and address
    starts with a formula character."""
    start = start or local(2026, 11, 1, 8, 0)
    objs = []
    offset = Issue.objects.count()
    for i in range(n):
        at = start + timedelta(minutes=i)
        evil = EVIL[(i // 7) % len(EVIL)] if i % 7 == 0 else ""
        objs.append(Issue(
            tracking_code=f"ZY{at:%Y%m%d}{offset + i:06d}", utility="heat", category=world.heat_cold, district=world.ganzhou,
            community=f"{evil}南关小区", building="3", description=f"{evil}暖气不热 {i}", reporter_name=f"{evil}王",
            reporter_phone=f"+86138{offset + i:08d}", priority="urgent", status="in_progress", lead_unit=unit or world.heat_gz,
            filed_at=at, first_assigned_at=at, dispatch_due=at + timedelta(hours=1),
            response_due=at + timedelta(hours=2), resolution_due=at + timedelta(hours=48), resolution_started_at=at,
        ))
    return Issue.objects.bulk_create(objs, batch_size=1000)
