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
from issues.models import Issue, Notification
from issues.workflow import (
    Actor,
    Conflict,
    issue_assign,
    issue_claim,
    issue_merge,
    issue_rate,
    issue_reject,
    issue_resolve,
)

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


def _together(*calls):
    """Run ``calls`` (no-argument functions) at the same moment; their outcomes in order: ok / its exception's class name."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=30)
            call()
            outcomes[i] = "ok"
        except Exception as exc:  # recorded so the assertion shows it
            outcomes[i] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


ROUNDS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_merge_into_an_original_being_rejected_never_leaves_its_caller_untold(world, file_issue):
    # The merge read the original unlocked: a rejection committing meanwhile left the duplicate merged
    # into a rejected issue whose rejection its reporter was never sent (breaker, 10 of 10 runs).
    dispatcher = Actor.of(world.dispatcher)
    for n in range(ROUNDS):
        original = file_issue(phone=f"+86139000{n:05d}")
        dup = file_issue(phone=f"+86137000{n:05d}")
        outcomes = _together(lambda: issue_merge(issue=dup.pk, actor=dispatcher, original=original.pk),
                             lambda: issue_reject(issue=original.pk, actor=dispatcher, reason="不属于受理范围"))
        dup.refresh_from_db()
        told = Notification.objects.filter(issue=original, recipient=dup.reporter_phone, kind="resident.rejected").exists()
        assert outcomes[1] == "ok", outcomes
        if outcomes[0] == "ok":  # merged first: the rejection that followed told the merged reporter too
            assert dup.status == Status.MERGED and told, (n, outcomes)
        else:  # rejected first: the merge saw it and refused
            assert outcomes[0] == "Invalid" and dup.status == Status.NEW and not told, (n, outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_merges_crossing_each_other_have_one_winner_and_no_deadlock(world, file_issue):
    # A into B and B into A at once: each held its own row and waited for the other's (a deadlock, 500).
    dispatcher = Actor.of(world.dispatcher)
    for n in range(ROUNDS):
        a = file_issue(phone=f"+86139000{n:05d}")
        b = file_issue(phone=f"+86137000{n:05d}")
        outcomes = _together(lambda: issue_merge(issue=a.pk, actor=dispatcher, original=b.pk),
                             lambda: issue_merge(issue=b.pk, actor=dispatcher, original=a.pk))
        assert sorted(outcomes) == ["Conflict", "ok"] or sorted(outcomes) == ["Invalid", "ok"], (n, outcomes)
        statuses = sorted(Issue.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
        assert statuses == sorted([Status.MERGED, Status.NEW]), (n, statuses)
