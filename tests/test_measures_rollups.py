"""How the rollups stay current and how their grains agree (issues.measures: refresh, MonthlyRollup, DailyTotal).

Built on the hand-counted week of tests/measures_data.py. Every check reads
the numbers right after the data is written (``summarize`` refreshes only the
rows that changed; no job is run by hand) and compares them with values
worked out by hand and with their drill-down lists.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from issues import measures as m
from issues.models import DailyRollup, DailyTotal, Issue, IssueEvent, MonthlyRollup
from issues.workflow import Actor, issue_assign, issue_claim, issue_rate, issue_resolve
from tests import measures_data
from tests.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 30, 9, 0)
WEEKS = m.Period(date(2026, 11, 15), date(2026, 11, 29))
NOVEMBER = m.Period(date(2026, 11, 1), date(2026, 11, 30))
DEC2 = local(2026, 12, 2, 9, 0)


@pytest.fixture
def data(world, frozen):
    return measures_data.build(world)


def assert_drill_downs_match(period, now):
    s = m.summarize(period, now=now)
    for key in m.PERIOD_COUNTS:
        assert Issue.objects.filter(m.issue_filter(key, period, now)).count() == s.totals[key], key
    return s


def test_each_kind_of_late_transition_keeps_every_number_equal_to_its_drill_down(data, world):
    staff, disp = Actor.of(world.heat_staff), Actor.of(world.dispatcher)
    before = assert_drill_downs_match(WEEKS, NOW)
    assert before.totals["resolved"] == 4 and before.totals["rated"] == 2   # A D F H; A F
    # Each write lands on a past day of the period, after the rollups were written.
    issue_resolve(issue=data.B, actor=staff, result="已修复", now=local(2026, 11, 20, 10, 0))
    s = assert_drill_downs_match(WEEKS, NOW)
    assert s.totals["resolved"] == 5                                        # + B
    issue_rate(issue=data.B, actor=Actor.resident(world.phone), resolved=True, satisfaction="satisfied",
               now=local(2026, 11, 20, 11, 0))
    s = assert_drill_downs_match(WEEKS, NOW)
    assert s.totals["rated"] == 3 and s.totals["rated_satisfied"] == 3     # + B
    assert s.totals["closed"] == 3                                          # A F + B
    issue_assign(issue=data.P, actor=disp, lead_unit=world.heat_gz, now=local(2026, 11, 19, 9, 0))
    s = assert_drill_downs_match(WEEKS, NOW)
    assert s.totals["dispatch_on_time"] == before.totals["dispatch_on_time"]  # P was due 11-17: late
    issue_claim(issue=Issue.objects.get(pk=data.P.pk), actor=Actor.of(world.heat_staff),
                now=local(2026, 11, 19, 9, 30))
    assert_drill_downs_match(WEEKS, NOW)


def test_a_refresh_with_nothing_new_writes_nothing_and_keeps_the_cache(data):
    m.summarize(WEEKS, now=NOW)
    version = m._rollup_version()
    assert m.refresh(NOW) == {"days": 0, "rows": 0}
    # An event that changes no count: its days are recomputed, no row is written.
    IssueEvent.objects.create(issue=data.A, at=local(2026, 11, 20, 8, 0), kind="note", actor_label="test",
                              public=False, data={})
    result = m.refresh(NOW)
    assert result["days"] > 0 and result["rows"] == 0
    assert m._rollup_version() == version


def test_a_month_that_has_ended_is_read_from_its_monthly_rows_with_the_same_numbers(data):
    assert m._whole_months(date(2026, 11, 1), date(2026, 11, 30)) == (date(2026, 11, 1), date(2026, 11, 1))
    s = assert_drill_downs_match(NOVEMBER, DEC2)
    # Worked out by hand: every issue of tests/measures_data.py but merged G was filed in November.
    assert (s.totals["received"], s.totals["closed"], s.totals["resolved"], s.totals["rated"]) == (9, 2, 4, 2)
    sums = {c: Sum(c) for c in m.PERIOD_COUNTS}
    monthly = MonthlyRollup.objects.filter(month=date(2026, 11, 1)).aggregate(**sums)
    daily = DailyRollup.objects.filter(day__gte=date(2026, 11, 1), day__lte=date(2026, 11, 30)).aggregate(**sums)
    totals = DailyTotal.objects.filter(day__gte=date(2026, 11, 1), day__lte=date(2026, 11, 30)).aggregate(**sums)
    assert monthly == daily == totals and monthly["received"] == 9
    # A period mixing the whole month with days at both edges.
    mixed = assert_drill_downs_match(m.Period(date(2026, 10, 15), date(2026, 12, 1)), DEC2)
    assert mixed.totals["received"] == 9 and sum(t[3]["received"] for t in mixed.trend) == 9


def test_a_late_write_to_an_ended_month_rewrites_its_monthly_rows(data, world):
    m.summarize(NOVEMBER, now=DEC2)
    issue_rate(issue=data.H, actor=Actor.resident(world.phone), resolved=True, satisfaction="satisfied",
               now=local(2026, 11, 18, 20, 0))
    s = assert_drill_downs_match(NOVEMBER, DEC2)
    assert s.totals["rated"] == 3                                           # A F + H
    assert MonthlyRollup.objects.filter(month=date(2026, 11, 1)).aggregate(n=Sum("rated"))["n"] == 3


def test_whole_months():
    assert m._whole_months(date(2026, 9, 1), date(2026, 11, 29)) == (date(2026, 9, 1), date(2026, 10, 1))
    assert m._whole_months(date(2026, 9, 2), date(2026, 9, 30)) is None
    assert m._whole_months(date(2025, 11, 29), date(2026, 11, 29)) == (date(2025, 12, 1), date(2026, 10, 1))
    assert m._whole_months(date(2026, 11, 1), date(2026, 11, 29)) is None


def test_today_follows_a_write_at_once_and_a_falling_deadline_without_one(data, world):
    from issues.workflow import issue_submit

    today = m.Period.of("today", NOW)
    assert m.summarize(today, now=NOW).totals["received"] == 0
    issue = issue_submit(actor=Actor.resident(world.phone), category=world.heat_cold, district=world.ganzhou,
                         community="南关小区", description="暖气不热", reporter_phone=world.phone,
                         now=local(2026, 11, 30, 8, 0))
    assert issue.dispatch_due == local(2026, 11, 30, 9, 0)   # urgent heating: one hour
    s = m.summarize(today, now=NOW)
    assert s.totals["received"] == 1 == Issue.objects.filter(m.issue_filter("received", today, NOW)).count()
    assert s.totals["dispatch_due"] == 0                     # due at 09:00, not yet fallen at 09:00
    later = local(2026, 11, 30, 9, 30)                       # no write in between
    s = m.summarize(today, now=later)
    assert (s.totals["dispatch_due"], s.totals["dispatch_on_time"]) == (1, 0)
    assert Issue.objects.filter(m.issue_filter("dispatch_due", today, later)).count() == 1


def test_the_refresh_rollups_command_writes_the_days_and_says_so(data):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    text = out.getvalue()
    assert text.startswith("refreshing rollups…\nrollups: ") and " day(s) recomputed, " in text
    stored = DailyRollup.objects.filter(day__range=(date(2026, 11, 17), date(2026, 11, 18)))
    assert stored.aggregate(r=Sum("received"))["r"] == 6  # A B E H R P, by hand (tests/test_measures.py)
    assert stored.aggregate(c=Sum("closed"))["c"] == 2    # A, F
    again = StringIO()
    call_command("refresh_rollups", stdout=again)
    assert "rollups: 0 day(s) recomputed, 0 row(s) written" in again.getvalue()  # nothing new since
    full = StringIO()
    call_command("refresh_rollups", "--full", stdout=full)
    assert "(full rebuild)" in full.getvalue() and "0 row(s) written" in full.getvalue()  # same counts: no row changes


@pytest.mark.django_db(transaction=True)
def test_a_write_on_an_older_issue_brings_the_rollups_up_to_date_when_it_commits(world, file_issue):
    import time_machine

    from issues.models import RollupState

    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False):
        older = file_issue()
    with time_machine.travel(local(2026, 11, 30, 9, 0), tick=False):
        m.refresh()
        filed_day = DailyRollup.objects.get(day=date(2026, 11, 20))
        assert (filed_day.received, filed_day.dispatch_due) == (1, 1)
        issue_assign(issue=older, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
        # No dashboard view and no job ran: the write's own commit refreshed the rollups.
        assert RollupState.objects.get(pk=1).last_event_id == IssueEvent.objects.latest("id").id
        file_issue()  # a filing today touches only today's (live) numbers: nothing scheduled
        assert RollupState.objects.get(pk=1).last_event_id < IssueEvent.objects.latest("id").id


@pytest.mark.django_db(transaction=True)
def test_a_write_never_builds_the_rollups_for_the_first_time(world, file_issue):
    import time_machine

    from issues.models import RollupState

    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False):
        older = file_issue()
    with time_machine.travel(local(2026, 11, 30, 9, 0), tick=False):
        issue_assign(issue=older, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
        assert not RollupState.objects.filter(refreshed_at__isnull=False).exists()  # left to the job or command
        assert DailyRollup.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_refresh_after_a_write_does_not_wait_for_a_running_refresh(world):
    import threading
    import time as clock

    from django.db import connection, transaction

    from issues.models import RollupState

    m.refresh()
    held, release = threading.Event(), threading.Event()

    def long_refresh():
        with transaction.atomic():
            RollupState.objects.select_for_update().get(pk=1)
            held.set()
            release.wait(10)
        connection.close()

    other = threading.Thread(target=long_refresh)
    other.start()
    assert held.wait(10)
    started = clock.monotonic()
    try:
        assert m.refresh(wait=False) == {"days": 0, "rows": 0}
        assert clock.monotonic() - started < 2  # skipped the locked row instead of waiting for it
    finally:
        release.set()
        other.join(10)
