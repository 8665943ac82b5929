"""DESIGN.md's Measures pinned on a hand-built week (tests/measures_data.py), values worked out by hand.

Each count is also checked against its drill-down: the ledger filter
``issue_filter(key, ...)`` selects exactly as many issues as the number,
counted right after the data is written (no job run by hand).
"""

from __future__ import annotations

from datetime import date

import pytest

from issues import measures as m
from issues.models import DailyRollup, Issue
from issues.workflow import Actor, issue_rate, issue_submit
from tests import measures_data
from tests.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 30, 9, 0)
P = m.Period(date(2026, 11, 17), date(2026, 11, 18))

# Worked out by hand from the timeline in tests/measures_data.py (period 11-17 … 11-18, mayor's view).
EXPECTED = {
    "received": 6,            # A B E H R P (G merged; C, D, F filed before)
    "closed": 2,              # A, F (R is rejected, not closed)
    "dispatch_due": 7,        # A B C E H R P
    "dispatch_on_time": 5,    # A C E H, R by rejection; B late, P never
    "response_due": 6,        # A B C E H P (R rejected unclaimed)
    "response_on_time": 4,    # A B E H; C claimed after its return, P never
    "resolved": 4,            # A D F H (latest resolutions)
    "resolved_on_time": 3,    # A, D (extended), H (rework window); F late
    "rated": 2,               # A, F (H's only rating excluded on appeal; follower's ignored)
    "rated_resolved": 1,      # A
    "rated_satisfied": 2,     # A satisfied, F basically satisfied
    "rated_reworked": 1,      # F
    "open": 6,                # B C D E H P
    "overdue": 3,             # B C (resolution), P (dispatch)
    "supervised": 2,          # C red, E yellow
    "escalated": 1,           # C (red order)
}


@pytest.fixture
def data(world, frozen):
    return measures_data.build(world)


def drill(key, period=P, utilities=None):
    qs = Issue.objects.filter(m.issue_filter(key, period, NOW))
    if utilities is not None:
        qs = qs.filter(utility__in=utilities)
    return qs


def test_each_measure_matches_the_hand_count(data):
    s = m.summarize(P, now=NOW)
    assert {k: s.totals.get(k, 0) for k in EXPECTED} == EXPECTED


def test_each_drill_down_has_exactly_as_many_rows_as_its_number(data):
    s = m.summarize(P, now=NOW)
    for key, n in EXPECTED.items():
        assert drill(key).count() == s.totals[key] == n, key


def test_drill_down_lists_name_the_expected_issues(data):
    codes = lambda key: set(drill(key).values_list("pk", flat=True))  # noqa: E731
    d = data
    assert codes("received") == {d.A.pk, d.B.pk, d.E.pk, d.H.pk, d.R.pk, d.P.pk}
    assert codes("dispatch_on_time") == {d.A.pk, d.C.pk, d.E.pk, d.H.pk, d.R.pk}
    assert codes("resolved_on_time") == {d.A.pk, d.D.pk, d.H.pk}
    assert codes("rated_reworked") == {d.F.pk}
    assert codes("overdue") == {d.B.pk, d.C.pk, d.P.pk}
    assert set(Issue.objects.overdue(NOW).values_list("pk", flat=True)) == codes("overdue")


def test_rates_and_their_basis(data):
    cards = {c.key: c for c in m.summarize(P, now=NOW).cards}
    assert cards["dispatch_on_time"].percent == "71.4%" and cards["dispatch_on_time"].basis == 7
    assert cards["response_on_time"].percent == "66.7%" and cards["response_on_time"].basis == 6
    assert cards["resolved_on_time"].percent == "75.0%" and cards["resolved_on_time"].basis == 4
    assert cards["rated_resolved"].percent == "50.0%"      # 解决率
    assert cards["rated_satisfied"].percent == "100.0%"    # 满意率
    assert cards["rated_reworked"].percent == "50.0%"      # 重办率
    assert cards["rated_satisfied"].basis_key == "rated"


def test_day_boundaries_are_asia_shanghai(data):
    # A at 00:30 and B at 23:30 on 11-17 belong to 11-17, not to a UTC day.
    day17 = m.summarize(m.Period(date(2026, 11, 17), date(2026, 11, 17)), now=NOW)
    day18 = m.summarize(m.Period(date(2026, 11, 18), date(2026, 11, 18)), now=NOW)
    assert day17.totals["received"] == 5   # A B E H P
    assert day18.totals["received"] == 1   # R
    assert set(drill("received", m.Period(date(2026, 11, 17), date(2026, 11, 17)))
               .values_list("tracking_code", flat=True)) >= {data.A.tracking_code, data.B.tracking_code}


def test_a_supervisor_sees_only_their_utilities(data):
    s = m.summarize(P, utilities=["heat", "gas", "water"], now=NOW)
    assert s.totals["received"] == 5 and s.totals["dispatch_due"] == 6 and s.totals["open"] == 5
    assert s.totals["overdue"] == 2
    assert drill("received", utilities=["heat", "gas", "water"]).count() == 5


def test_rollups_follow_a_late_write_without_a_job(data, world):
    first = m.summarize(P, now=NOW)
    assert DailyRollup.objects.filter(day=date(2026, 11, 17)).exists()
    assert first.totals["rated"] == 2
    # H is rated afterwards, at a time inside the period: the past day changes.
    issue_rate(issue=data.H, actor=Actor.resident(world.phone), resolved=True, satisfaction="satisfied",
               now=local(2026, 11, 18, 20, 0))
    again = m.summarize(P, now=NOW)
    assert again.totals["rated"] == 3 == drill("rated").count()
    assert again.totals["closed"] == 3 == drill("closed").count()
    assert again.totals["open"] == 5


def test_today_is_live(data, world):
    issue_submit(actor=Actor.resident(world.phone), category=world.heat_cold, district=world.ganzhou,
                 community="南关小区", description="暖气不热", reporter_phone=world.phone, now=local(2026, 11, 30, 8, 0))
    today = m.Period.of("today", NOW)
    s = m.summarize(today, now=NOW)
    assert s.totals["received"] == 1 == drill("received", today).count()
    # Its dispatch deadline (09:00 + … ) has not fallen yet: nothing to rate on time.
    assert s.totals["dispatch_due"] == drill("dispatch_due", today).count()


def test_breakdowns_add_up_and_the_ranking_needs_ten_rated(data, world):
    s = m.summarize(P, now=NOW)
    assert sum(c["received"] for c in s.by["district"].values()) == 6
    assert s.by["unit"][world.heat_gz.pk]["rated"] == 2
    assert m.ranking(s) == []
    assert [r["unit_id"] for r in m.ranking(s, min_rated=2)] == [world.heat_gz.pk]


def test_weekly_trend_for_long_periods(data):
    s = m.summarize(m.Period(date(2026, 9, 1), date(2026, 11, 29)), now=NOW)
    assert len(s.trend) < 20 and sum(t[3]["received"] for t in s.trend) == 9  # A B C D E F H R P


def test_rebuild_and_refresh_agree(data):
    m.summarize(P, now=NOW)
    before = sorted(DailyRollup.objects.values_list("day", "received", "closed", "rated"))
    m.refresh(NOW, full=True)
    assert sorted(DailyRollup.objects.values_list("day", "received", "closed", "rated")) == before


def test_periods():
    assert m.Period.of("week", NOW) == m.Period(date(2026, 11, 30), date(2026, 12, 6), "week")
    assert m.Period.of("month", NOW) == m.Period(date(2026, 11, 1), date(2026, 11, 30), "month")
    with pytest.raises(ValueError):
        m.Period.of("custom", NOW, date(2026, 11, 2), date(2026, 11, 1))
