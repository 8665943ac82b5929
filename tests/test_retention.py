"""De-identification after the retention period (default 730 days after closing)."""


import pytest
from django.core.management import call_command

from issues.models import Follower, Issue
from issues.retention import deidentify_closed
from issues.workflow import Actor, Conflict, issue_deidentify, issue_reject

from .conftest import local

pytestmark = pytest.mark.usefixtures("frozen")


def test_personal_fields_erased_only_after_730_days(world, file_issue):
    issue = file_issue(latitude="38.93", longitude="100.45")
    Follower.objects.create(issue=issue, phone="+8613900000001", name="李先生")
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="不属于受理范围")  # closed 2026-11-30 09:00
    still_open = file_issue(phone="13700000000")
    # 2026-11-30 + 730 days = 2028-11-29 (2028 has 29 February).
    assert deidentify_closed(now=local(2028, 11, 29, 8, 59)) == 0
    with pytest.raises(Conflict):
        issue_deidentify(issue=issue, now=local(2028, 11, 29, 8, 59))
    assert deidentify_closed(now=local(2028, 11, 29, 9, 0)) == 1
    issue.refresh_from_db()
    assert (issue.reporter_name, issue.reporter_phone, issue.building, issue.unit_no, issue.room) == ("", "", "", "", "")
    assert (issue.latitude, issue.longitude) == (None, None)
    assert issue.community == "南关小区" and issue.description == "暖气片冰凉，室内只有12度"
    assert list(issue.followers.values_list("phone", "name")) == [(f"removed-{issue.followers.get().pk}", "")]
    assert issue.events.filter(kind="deidentified", public=False).count() == 1
    assert deidentify_closed(now=local(2028, 12, 1, 9, 0)) == 0  # done once
    still_open.refresh_from_db()
    assert still_open.reporter_phone == "+8613700000000"


def test_command_dry_run_counts(world, file_issue, capsys, frozen):
    issue = file_issue()
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="重复")
    frozen.move_to(local(2028, 12, 31, 9, 0))
    call_command("deidentify_closed", "--dry-run")
    assert "1 closed issue(s)" in capsys.readouterr().out
    assert Issue.objects.get(pk=issue.pk).reporter_phone == "+8613800000000"
    call_command("deidentify_closed")
    assert Issue.objects.get(pk=issue.pk).reporter_phone == ""


def test_outbox_rows_and_sms_records_lose_phones_and_addresses_too(world, file_issue, settings):
    # The issue was de-identified, yet its outbox rows and the SMS records still held the phone, the code
    # and "3栋 2单元 501", so admin → 短信记录 searched by the number still tied the resident to it (breaker).
    from issues.models import Notification, SmsMessage
    from issues.notifications import deliver_pending
    from issues.workflow import issue_follow

    issue = file_issue(category=world.gas_leak)
    issue_follow(issue=issue, phone="13900000001")
    deliver_pending(now=local(2026, 11, 30, 9, 1))
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="已由燃气公司现场处置")
    deliver_pending(now=local(2026, 11, 30, 9, 2))
    assert SmsMessage.objects.filter(phone="+8613800000000").exists()
    assert Notification.objects.filter(issue=issue, body__contains=issue.tracking_code).count() >= 3
    assert deidentify_closed(now=local(2028, 11, 29, 9, 0)) == 1
    texts = [str(v) for row in Notification.objects.filter(issue=issue).values_list("recipient", "body", "subject")
             for v in row]
    texts += [str(v) for row in SmsMessage.objects.values_list("phone", "body") for v in row]
    for secret in ("13800000000", "13900000001", "3栋", "501", issue.tracking_code, "/track/t/"):
        assert not any(secret in t for t in texts), secret
    assert set(Notification.objects.filter(issue=issue).values_list("body", flat=True)) == {
        "（个人信息保存期满，内容已删除）"}
    assert deidentify_closed(now=local(2028, 12, 1, 9, 0)) == 0  # done once


def test_an_issue_de_identified_before_messages_were_erased_is_finished(world, file_issue):
    from issues.models import Notification

    issue = file_issue()
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="重复")
    Issue.objects.filter(pk=issue.pk).update(reporter_phone="", reporter_name="", building="", unit_no="", room="")
    assert Notification.objects.filter(issue=issue, recipient="+8613800000000").exists()
    assert deidentify_closed(now=local(2028, 11, 29, 9, 0)) == 1
    assert not Notification.objects.filter(issue=issue, recipient="+8613800000000").exists()


def test_a_lost_code_message_listing_the_issue_is_erased_with_it(world, file_issue):
    # "Lost your code?" is kept under the newest issue it lists: the older one's code stayed tied to the phone.
    from issues.models import Notification
    from issues.notifications import resend_codes

    older, newer = file_issue(), file_issue()
    assert resend_codes("+8613800000000", "req-1") == 2
    issue_reject(issue=older, actor=Actor.of(world.dispatcher), reason="重复")
    row = Notification.objects.get(kind="resident.codes")
    assert row.issue_id == newer.pk and older.tracking_code in row.body
    assert deidentify_closed(now=local(2028, 11, 29, 9, 0)) == 1
    row.refresh_from_db()
    assert older.tracking_code not in row.body and "13800000000" not in row.recipient
