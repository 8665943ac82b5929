"""manage.py seed_demo_issues: the demo history lies wholly in the past."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from issues.choices import Status
from issues.models import Issue, IssueEvent, Rating

NOW = datetime(2026, 12, 7, 14, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
LATEST = NOW + timedelta(seconds=1)  # the seeder ends some stories at "now" itself (plus a microsecond)


@pytest.mark.django_db(transaction=True)
def test_every_seeded_time_lies_before_now():
    # Two merged duplicates of an original filed an hour or two before "now" were merged after it: closed
    # 2 h in the future (README trial). Three seeds over three days put such recent originals in the mix
    # (the seeder before the fix wrote merges after "now" here).
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo_data", verbosity=0, stdout=io.StringIO())
    for seed in range(3):
        call_command("seed_demo_issues", count=120, days=3, seed=seed, now=NOW.isoformat(),
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert Issue.objects.filter(status=Status.MERGED).exists()
    for field in ("filed_at", "closed_at", "resolved_at", "first_assigned_at", "first_claimed_at"):
        assert not Issue.objects.filter(**{f"{field}__gt": LATEST}).exists(), field
    assert not IssueEvent.objects.filter(at__gt=LATEST).exists()
    assert not Rating.objects.filter(created_at__gt=LATEST).exists()
