"""Concurrent transitions end in one clear winner (PostgreSQL row locks).

50 unit staff released together by a barrier claim one issue: exactly one
succeeds, 49 get Conflict (409), and one claim event is written. Without the
workflow's ``SELECT ... FOR UPDATE`` every thread would read "assigned" and
many would "win" (checked by hand by removing the lock: the test fails).
"""

import threading

import pytest
from django.db import connection

from accounts.models import User
from issues.choices import EventKind, Role, Status
from issues.models import Issue
from issues.workflow import Actor, Conflict, issue_assign, issue_claim, issue_rate, issue_resolve

THREADS = 50


def _race(fn, actors):
    barrier = threading.Barrier(len(actors))
    results = []
    lock = threading.Lock()

    def worker(actor):
        try:
            barrier.wait(timeout=30)
            fn(actor)
            outcome = "ok"
        except Conflict:
            outcome = "conflict"
        except Exception as exc:  # recorded so the assertion shows it
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_staff_claiming_one_issue_have_one_winner(world, file_issue):
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    staff = [
        User.objects.create_user(username=f"heat{i:02d}", password="x-test-password-123", role=Role.UNIT_STAFF,
                                 unit=world.heat_gz)
        for i in range(THREADS)
    ]
    results = _race(lambda a: issue_claim(issue=issue.pk, actor=a), [Actor.of(u) for u in staff])
    assert sorted(set(results)) == ["conflict", "ok"], results
    assert results.count("ok") == 1
    assert results.count("conflict") == THREADS - 1
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
    assert issue.claimed_by in staff
    assert issue.events.filter(kind=EventKind.CLAIMED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reporter_and_agent_rating_at_once_rate_once(world, file_issue):
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="已修复")
    actors = [Actor.resident(world.phone), Actor.of(world.revisit)] * 5
    results = _race(lambda a: issue_rate(issue=issue.pk, actor=a, resolved=True, satisfaction="dissatisfied"),
                    actors)
    assert results.count("ok") == 1 and results.count("conflict") == 9, results
    issue = Issue.objects.get(pk=issue.pk)
    assert (issue.status, issue.rework_count, issue.ratings.count()) == (Status.IN_PROGRESS, 1, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_get_distinct_consecutive_codes(world, file_issue):
    results = _race(lambda phone: file_issue(phone=phone), [f"1390000{i:04d}" for i in range(20)])
    assert results == ["ok"] * 20
    codes = sorted(Issue.objects.values_list("tracking_code", flat=True))
    day = codes[0][:10]
    assert codes == [f"{day}{n:06d}" for n in range(1, 21)]
