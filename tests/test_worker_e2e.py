"""The jobs with real parts: a Celery worker process, Redis, PostgreSQL.

The worker runs without beat: the test sends the sweep task itself after
moving the issue's stored deadlines into the past.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from issues.choices import EventKind, Status
from issues.models import Issue, Notification, SmsMessage
from issues.tasks import send_notifications, sweep
from issues.workflow import Actor, issue_assign, issue_claim, issue_rate, issue_resolve

from .support.worker import ROOT, celery_worker, manage_env, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

RESIDENT = "+8613800000000"


@pytest.fixture
def staffed(world, settings):
    settings.ZY_KICK_SENDER = True
    for i, user in enumerate([world.dispatcher, world.power_supervisor, world.mayor]):
        user.phone = f"+861380000020{i}"
        user.save()
    from zhangye_utilities.celery import app

    app.control.purge()
    return world


def sent(issue, kind):
    return Notification.objects.filter(issue=issue, kind=kind, state="sent").count()


def test_closed_loop_with_a_real_worker(staffed, file_issue, tmp_path):
    w = staffed
    with celery_worker(tmp_path):
        issue = file_issue(category=w.power_out, description="整栋楼停电两个小时了")  # urgent: 60 min dispatch
        wait_for(lambda: sent(issue, "resident.filed") == 1, what="the tracking-code SMS")

        # Move the stored dispatch window to a 12-second one around now, so
        # that each stage falls due in real time while the worker runs.
        t0 = timezone.now()
        Issue.objects.filter(pk=issue.pk).update(filed_at=t0 - timedelta(seconds=6),
                                                 dispatch_due=t0 + timedelta(seconds=6), next_due_at=t0)

        def sweep_at(offset):
            time.sleep(max(0.0, (t0 + timedelta(seconds=offset) - timezone.now()).total_seconds()))
            sweep.delay()

        sweep_at(0)  # 50 %
        wait_for(lambda: sent(issue, "reminder.dispatch.50") == 1, what="the 50 % reminder")
        sweep_at(3.8)  # 80 %
        wait_for(lambda: sent(issue, "reminder.dispatch.80") == 1, what="the 80 % reminder")
        sweep_at(6.3)  # the breach: level 1
        wait_for(lambda: sent(issue, "reminder.dispatch.breach") == 1 and sent(issue, "escalation.1") == 1,
                 what="the breach reminder and the level-1 escalation")
        sweep_at(18.3)  # past twice the window: level 2
        wait_for(lambda: sent(issue, "escalation.2") == 1, what="the level-2 escalation")

        before = Notification.objects.count()
        Issue.objects.filter(pk=issue.pk).update(next_due_at=timezone.now())
        sweep.delay()
        sweep.delay()
        wait_for(lambda: Issue.objects.get(pk=issue.pk).next_due_at is None, what="the repeated sweeps")
        time.sleep(1)
        assert Notification.objects.count() == before

        staff, resident = Actor.of(w.heat_staff), Actor.resident(RESIDENT)
        w.heat_staff.unit = w.power_gz
        w.heat_staff.save()
        issue_assign(issue=issue, actor=Actor.of(w.dispatcher), lead_unit=w.power_gz)
        issue_claim(issue=issue, actor=staff)
        issue_resolve(issue=issue, actor=staff, result="更换了烧坏的电缆接头")
        wait_for(lambda: sent(issue, "resident.fixed") == 1, what="the first fix SMS")
        issue_rate(issue=issue, actor=resident, resolved=False, satisfaction="dissatisfied", comment="又停了")
        assert Issue.objects.get(pk=issue.pk).status == Status.IN_PROGRESS
        issue_resolve(issue=issue, actor=staff, result="更换整段电缆")
        wait_for(lambda: sent(issue, "resident.fixed") == 2, what="the second fix SMS")
        issue_rate(issue=issue, actor=resident, resolved=True, satisfaction="satisfied")

    issue.refresh_from_db()
    assert (issue.status, issue.rework_count, issue.escalation_level) == (Status.CLOSED, 1, 0)
    assert list(issue.events.order_by("at", "id").values_list("kind", flat=True)) == [
        EventKind.SUBMITTED, EventKind.ESCALATED, EventKind.ESCALATED, EventKind.ASSIGNED, EventKind.CLAIMED,
        EventKind.RESOLVED, EventKind.RATED, EventKind.RESOLVED, EventKind.RATED]
    to_resident = list(SmsMessage.objects.filter(phone=RESIDENT).order_by("id").values_list("body", "times_received"))
    assert len(to_resident) == 3
    assert "已受理" in to_resident[0][0] and "更换了烧坏的电缆接头" in to_resident[1][0] \
        and "更换整段电缆" in to_resident[2][0]
    assert all(times == 1 for _, times in to_resident)
    assert SmsMessage.objects.filter(phone="+8613800000200").count() == 3  # dispatcher: 50 %, 80 %, breach
    assert SmsMessage.objects.filter(phone="+8613800000201").count() == 1  # power supervisor: level 1
    assert SmsMessage.objects.filter(phone="+8613800000202").count() == 1  # mayor's office: level 2


def test_emergency_alert_is_delivered_without_beat(staffed, file_issue, tmp_path):
    w = staffed
    w.gas_gz.oncall_contacts = [{"name": "值班长", "phone": "+8613811112222"}]
    w.gas_gz.save()
    from issues.models import RoutingRule

    RoutingRule.objects.create(utility="gas", district=w.ganzhou, unit=w.gas_gz, auto_assign=True)
    issue = file_issue(category=w.gas_leak, description="楼道燃气味很重")
    # Committed: the alerts are in the outbox already, before any worker or beat runs.
    assert sorted(Notification.objects.filter(issue=issue, kind="emergency.alert")
                  .values_list("recipient", flat=True)) == ["+8613800000200", "+8613811112222"]
    with celery_worker(tmp_path):
        send_notifications.delay()
        wait_for(lambda: sent(issue, "emergency.alert") == 2, what="the emergency alerts")


def test_worker_killed_mid_delivery_loses_nothing(staffed, file_issue, tmp_path):
    marker = tmp_path / "sending"
    with celery_worker(tmp_path, ZY_SMS_BACKEND="tests.support.backends.BlockingSmsBackend",
                       ZY_TEST_MARKER=marker, ZY_OUTBOX_LEASE_SECONDS=3) as worker:
        issue = file_issue()
        wait_for(marker.exists, what="the worker to start sending")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    row = Notification.objects.get(issue=issue)
    assert (row.state, row.attempts, marker.read_text()) == ("sending", 1, str(row.pk))
    assert SmsMessage.objects.count() == 0
    time.sleep(3.5)  # the dead worker's lease runs out
    with celery_worker(tmp_path):
        send_notifications.delay()
        wait_for(lambda: Notification.objects.get(pk=row.pk).state == "sent", what="redelivery after restart")
    row.refresh_from_db()
    assert row.attempts == 2
    sms = SmsMessage.objects.get()
    assert (sms.idempotency_key, sms.times_received) == (str(row.pk), 1)


def test_two_sweep_processes_at_once_write_each_row_once(staffed, file_issue):
    w = staffed
    issues = [file_issue(category=w.power_out, description=f"停电{i}") for i in range(30)]
    now = timezone.now()
    Issue.objects.filter(pk__in=[i.pk for i in issues]).update(
        filed_at=now - timedelta(minutes=40), dispatch_due=now + timedelta(minutes=20), next_due_at=now)
    cmd = [sys.executable, "manage.py", "sweep", "--no-deliver"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=manage_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    swept = sorted(int(o.split("swept ")[1].split()[0]) for o in outputs)
    assert sum(swept) >= 30, outputs  # every due issue processed by one of them (maybe both, in turn)
    subprocess.run(cmd, cwd=ROOT, env=manage_env(), check=True, capture_output=True, timeout=120)  # and again
    reminders = Notification.objects.filter(kind="reminder.dispatch.50")
    assert reminders.count() == 30
    assert sorted(reminders.values_list("issue_id", flat=True)) == sorted(i.pk for i in issues)


def test_exports_go_to_their_own_worker_not_the_jobs_worker(staffed, file_issue, tmp_path, settings):
    """Eight big exports on the one worker held up the sweep and the SMS for minutes (breaker): the jobs
    worker never takes an export, and the export worker (queue "exports") writes it."""
    from issues.ledger import enqueue_export
    from issues.models import Export

    data = tmp_path / "data"
    settings.MEDIA_ROOT = data / "media"
    file_issue()
    export = Export.objects.create(requested_by=staffed.mayor, format=Export.Format.CSV)
    with celery_worker(tmp_path, DATA_DIR=data) as jobs:
        enqueue_export(export.pk)
        sweep.delay()  # sent after the export: the jobs worker runs it, and never the export
        wait_for(lambda: "Task issues.tasks.sweep" in jobs.log_path.read_text()
                 and "succeeded" in jobs.log_path.read_text(), what="the jobs worker to run the sweep")
        time.sleep(1)
        assert "Task issues.tasks.export_ledger[" not in jobs.log_path.read_text()
        assert Export.objects.get(pk=export.pk).state == Export.State.PENDING
    with celery_worker(tmp_path, queues="exports", DATA_DIR=data):
        wait_for(lambda: Export.objects.get(pk=export.pk).state == Export.State.DONE, what="the export worker")
    export.refresh_from_db()
    assert (export.progress, export.attempts) == (1, 1)
    assert export.file.name.startswith(f"exports/{export.pk}/")
