"""The deadline sweep: reminder stages, skipped stages, escalation, close-out.

A low-pressure complaint is normal priority (working time): filed Monday
30 Nov 2026 09:00, its dispatch window ends at 11:00 (2 office hours). 50 % is
10:00, 80 % is 10:36, the breach 11:00, twice the window 240 office minutes:
09:00–12:00 (180) + 14:30–15:30 (60) → 15:30.
"""


import pytest

from issues import sweep
from issues.choices import EventKind, Status
from issues.models import Heartbeat, Issue, Notification
from issues.workflow import Actor, issue_assign, issue_claim, issue_rate, issue_resolve

from .conftest import local

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def staffed(world):
    for i, user in enumerate([world.dispatcher, world.heat_staff, world.water_staff, world.supervisor, world.mayor]):
        user.phone = f"+861380000010{i}"
        user.save()
    return world


def rows(issue, kind_prefix="reminder."):
    return sorted(Notification.objects.filter(issue=issue, kind__startswith=kind_prefix)
                  .values_list("kind", "state", "recipient"))


def test_dispatch_window_stages_and_escalation(staffed, file_issue):
    w = staffed
    issue = file_issue(category=w.water_pressure, description="五楼以上水压不足")
    assert issue.next_due_at == local(2026, 11, 30, 9, 0)

    assert sweep.run(now=local(2026, 11, 30, 9, 0)) == 1
    issue.refresh_from_db()
    assert issue.next_due_at == local(2026, 11, 30, 10, 0)
    assert sweep.run(now=local(2026, 11, 30, 9, 59)) == 0  # nothing due: not even looked at

    sweep.run(now=local(2026, 11, 30, 10, 0))
    assert rows(issue) == [("reminder.dispatch.50", "pending", "+8613800000100")]
    issue.refresh_from_db()
    assert issue.next_due_at == local(2026, 11, 30, 10, 36)

    # The sweep was down from 10:01 to 11:05: 80 % and the breach are due at once.
    sweep.run(now=local(2026, 11, 30, 11, 5))
    assert rows(issue) == [
        ("reminder.dispatch.50", "pending", "+8613800000100"),
        ("reminder.dispatch.80", "skipped", "+8613800000100"),
        ("reminder.dispatch.breach", "pending", "+8613800000100"),
    ]
    issue.refresh_from_db()
    assert issue.escalation_level == 1
    assert rows(issue, "escalation.") == [("escalation.1", "pending", "+8613800000103")]  # the supervisor
    assert issue.next_due_at == local(2026, 11, 30, 15, 30)

    # Run again at once and a minute later: nothing new.
    count = Notification.objects.count()
    Issue.objects.filter(pk=issue.pk).update(next_due_at=local(2026, 11, 30, 11, 5))
    sweep.run(now=local(2026, 11, 30, 11, 5))
    sweep.run(now=local(2026, 11, 30, 11, 6))
    assert Notification.objects.count() == count

    sweep.run(now=local(2026, 11, 30, 15, 30))
    issue.refresh_from_db()
    assert issue.escalation_level == 2
    assert rows(issue, "escalation.2") == [("escalation.2", "pending", "+8613800000104")]  # the mayor's office
    assert issue.next_due_at is None
    assert list(issue.events.filter(kind=EventKind.ESCALATED).values_list("data__escalation_level", flat=True)) \
        == [1, 2]


def test_assignment_switches_to_response_and_resolution_windows(staffed, file_issue, frozen):
    w = staffed
    issue = file_issue()  # heating, urgent in season: response 09:00→11:00, resolution → Wed 09:00 (calendar)
    issue_assign(issue=issue, actor=Actor.of(w.dispatcher), lead_unit=w.heat_gz)
    sweep.run(now=local(2026, 11, 30, 9, 0))
    issue.refresh_from_db()
    assert issue.next_due_at == local(2026, 11, 30, 10, 0)  # 50 % of the 2 h response window
    sweep.run(now=local(2026, 11, 30, 10, 0))
    assert rows(issue) == [("reminder.response.50", "pending", "+8613800000101")]
    issue_claim(issue=issue, actor=Actor.of(w.heat_staff), now=local(2026, 11, 30, 10, 30))
    sweep.run(now=local(2026, 11, 30, 10, 30))
    issue.refresh_from_db()
    # Resolution window 48 h from filing: 50 % = Tue 09:00.
    assert issue.next_due_at == local(2026, 12, 1, 9, 0)


def test_a_working_day_window_breaches_at_its_due_not_at_the_office_close_before(staffed, file_issue, frozen):
    # Filed Mon 30 Nov 19:00, a normal issue's response window ("1 working day") runs from Tue 08:30 and is
    # due Wed 2 Dec 08:30. The breach came at Tue 18:00, the same office time: "已超时" texts and an
    # escalation 14.5 hours before the due they quoted (breaker).
    w = staffed
    frozen.move_to(local(2026, 11, 30, 19, 0))
    issue = file_issue(category=w.water_pressure, description="五楼以上水压不足")
    assert issue.response_due == local(2026, 12, 2, 8, 30)
    issue_assign(issue=issue, actor=Actor.of(w.dispatcher), lead_unit=w.water_gz, now=local(2026, 11, 30, 19, 5))
    sweep.run(now=local(2026, 12, 1, 18, 0))
    assert [k for k, _, _ in rows(issue) if k.startswith("reminder.response")] == [
        "reminder.response.50", "reminder.response.80"]
    sweep.run(now=local(2026, 12, 2, 8, 29))
    issue.refresh_from_db()
    assert issue.escalation_level == 0 and not rows(issue, "reminder.response.breach")
    assert issue.next_due_at == local(2026, 12, 2, 8, 30)
    sweep.run(now=local(2026, 12, 2, 8, 30))
    issue.refresh_from_db()
    assert rows(issue, "reminder.response.breach") == [("reminder.response.breach", "pending", "+8613800000102")]
    assert issue.escalation_level == 1


def test_extension_gives_new_reminders(staffed, file_issue):
    w = staffed
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(w.dispatcher), lead_unit=w.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(w.heat_staff))
    sweep.run(now=local(2026, 12, 1, 9, 0))  # 50 % of the resolution window
    assert [k for k, _, _ in rows(issue)] == ["reminder.resolution.50"]
    from issues.workflow import issue_decide_extension, issue_request_extension

    req = issue_request_extension(issue=issue, actor=Actor.of(w.heat_staff), reason="管材待货",
                                  requested_due=local(2026, 12, 4, 9, 0), now=local(2026, 12, 1, 9, 10))
    issue_decide_extension(issue=issue, actor=Actor.of(w.supervisor), request=req, approve=True,
                           now=local(2026, 12, 1, 9, 20))
    # New window 30 Nov 09:00 → 4 Dec 09:00 (96 h): 50 % = 2 Dec 09:00.
    sweep.run(now=local(2026, 12, 1, 9, 20))
    issue.refresh_from_db()
    assert issue.next_due_at == local(2026, 12, 2, 9, 0)
    sweep.run(now=local(2026, 12, 2, 9, 0))
    refs = list(Notification.objects.filter(issue=issue, kind="reminder.resolution.50")
                .order_by("id").values_list("reference", flat=True))
    assert refs == ["resolution:2026-12-02T09:00:00+08:00", "resolution:2026-12-04T09:00:00+08:00"]


def test_close_out_after_the_revisit_window_exactly_once(staffed, file_issue):
    w = staffed
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(w.dispatcher), lead_unit=w.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(w.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(w.heat_staff), result="已修复")
    sweep.run(now=local(2026, 11, 30, 9, 1))
    issue.refresh_from_db()
    assert issue.next_due_at == local(2026, 12, 7, 9, 0)
    sweep.run(now=local(2026, 12, 7, 8, 59))
    issue.refresh_from_db()
    assert issue.status == Status.AWAITING_RATING
    sweep.run(now=local(2026, 12, 7, 9, 0))
    sweep.run(now=local(2026, 12, 7, 9, 1))
    issue.refresh_from_db()
    assert (issue.status, issue.closed_at) == (Status.CLOSED, local(2026, 12, 7, 9, 0))
    assert issue.events.filter(kind=EventKind.CLOSED_OUT).count() == 1


def test_issue_marked_for_decision_is_not_closed(staffed, file_issue):
    w = staffed
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(w.dispatcher), lead_unit=w.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(w.heat_staff))
    issue = issue_resolve(issue=issue, actor=Actor.of(w.heat_staff), result="已修复")
    Issue.objects.filter(pk=issue.pk).update(rework_count=2)
    issue_rate(issue=issue, actor=Actor.resident(w.phone), resolved=False, satisfaction="dissatisfied")
    sweep.run(now=local(2026, 12, 30, 9, 0))
    issue.refresh_from_db()
    assert (issue.status, issue.needs_decision, issue.next_due_at) == (Status.AWAITING_RATING, True, None)


def test_a_failing_issue_is_pushed_back_and_the_sweep_goes_on(staffed, file_issue, monkeypatch):
    first, second = file_issue(), file_issue()
    real = sweep.process

    def flaky(issue, ctx):
        if issue.pk == first.pk:
            raise RuntimeError("boom")
        return real(issue, ctx)

    monkeypatch.setattr(sweep, "process", flaky)
    assert sweep.run(now=local(2026, 11, 30, 9, 0)) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.next_due_at == local(2026, 11, 30, 9, 5)
    assert second.next_due_at == local(2026, 11, 30, 9, 30)  # 50 % of the 1 h urgent dispatch window


def test_heartbeat_recorded(staffed):
    sweep.run(now=local(2026, 11, 30, 9, 0))
    beat = Heartbeat.objects.get(name="sweep")
    assert beat.last_run_at == local(2026, 11, 30, 9, 0)  # time is frozen
    assert beat.last_processed == 0


def test_one_sender_kick_per_sweep_however_many_rows(staffed, file_issue, django_capture_on_commit_callbacks):
    for _ in range(3):
        file_issue(category=staffed.water_pressure, phone="0936-8221234")  # landline: no SMS, no kick yet
    with django_capture_on_commit_callbacks() as callbacks:
        sweep.run(now=local(2026, 11, 30, 10, 0))  # 50 % of three dispatch windows
    assert Notification.objects.filter(kind="reminder.dispatch.50").count() == 3
    assert [cb.__name__ for cb in callbacks] == ["kick_sender"]
