"""The outbox: what each event writes, dedupe keys, delivery at least once."""


import pytest
from django.db import IntegrityError

from issues import notifications
from issues.links import RATE_SALT, TRACK_SALT, phone_hash, read_token
from issues.models import Follower, Notification, RoutingRule, SmsMessage
from issues.workflow import (
    Actor,
    issue_assign,
    issue_claim,
    issue_decide_at_limit,
    issue_decide_extension,
    issue_follow,
    issue_rate,
    issue_merge,
    issue_reject,
    issue_request_extension,
    issue_resolve,
)

from .conftest import local

pytestmark = pytest.mark.usefixtures("frozen")


def resident_rows(issue=None):
    qs = Notification.objects.filter(kind__startswith="resident.")
    if issue is not None:
        qs = qs.filter(issue=issue)
    return list(qs.order_by("id").values_list("kind", "recipient"))


def test_filing_sends_the_tracking_code_with_a_working_link(world, file_issue):
    issue = file_issue()
    row = Notification.objects.get(issue=issue)
    assert (row.kind, row.recipient, row.state, row.reference) == (
        "resident.filed", "+8613800000000", "pending", f"event:{issue.events.get().pk}")
    assert issue.tracking_code in row.body and "12月02日09:00" in row.body
    token = row.body.split("/track/t/")[1].rstrip("/")
    assert read_token(token, TRACK_SALT, 3600) == (issue.pk, phone_hash("+8613800000000"))
    assert read_token(token + "x", TRACK_SALT, 3600) is None
    assert "13800000000" not in token


def test_landline_reporter_gets_no_sms(world, file_issue):
    file_issue(phone="0936-8221234")
    assert resident_rows() == []


def test_rejection_and_merge_tell_reporter_and_followers(world, file_issue):
    a = file_issue()
    Follower.objects.create(issue=a, phone="+8613900000001")
    issue_reject(issue=a, actor=Actor.of(world.dispatcher), reason="属于物业管理范围")
    assert resident_rows(a) == [("resident.filed", "+8613800000000"), ("resident.rejected", "+8613800000000"),
                                ("resident.rejected", "+8613900000001")]
    original, dup = file_issue(phone="13700000001"), file_issue(phone="13700000002")
    issue_merge(issue=dup, actor=Actor.of(world.dispatcher), original=original)
    merged = Notification.objects.get(issue=dup, kind="resident.merged")
    assert original.tracking_code in merged.body and merged.recipient == "+8613700000002"


def test_a_merge_into_a_fixed_issue_sends_its_result_and_a_rating_link_that_rates(world, file_issue):
    # Merged into an issue already awaiting its rating, the caller was told "progress will follow" and then
    # heard nothing: the fix and its rating link had gone out before they followed it (breaker).
    from django.test import Client

    from issues.models import Rating

    original = file_issue(phone="13700000001")
    issue_assign(issue=original, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=original, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=original, actor=Actor.of(world.heat_staff), result="更换了循环泵")
    dup = file_issue(phone="13700000002")
    issue_merge(issue=dup, actor=Actor.of(world.dispatcher), original=original)
    merged = Notification.objects.get(issue=dup, kind="resident.merged")
    assert merged.recipient == "+8613700000002"
    before, link = merged.body.split("请您评价：")
    assert before == (f"【张掖城市生命线】您反映的问题（编号{dup.tracking_code}）与{original.tracking_code}为同一问题，"
                      f"已合并办理，该问题已办结：更换了循环泵。")
    assert read_token(link.split("/rate/")[1].rstrip("/"), RATE_SALT, 3600) == (original.pk, phone_hash("+8613700000002"))
    r = Client().post("/rate/" + link.split("/rate/")[1], {"resolved": "yes", "satisfaction": "satisfied"})
    assert r.status_code == 200
    assert Rating.objects.get().follower.phone == "+8613700000002"
    # Awaiting the supervisor's decision after a dissatisfied rating at the rework limit, it is not "已办结".
    original.refresh_from_db()
    original.needs_decision = True
    original.save()
    late = file_issue(phone="13700000003")
    issue_merge(issue=late, actor=Actor.of(world.dispatcher), original=original)
    body = Notification.objects.get(issue=late, kind="resident.merged").body
    assert body.endswith("已合并办理，进展将继续通知您。") and "请您评价" not in body
    # So for "me too" on it: no "已办结" and no rating link while the decision is pending (breaker round 3).
    from issues.workflow import issue_follow

    issue_follow(issue=original, phone="13700000004")
    body = Notification.objects.get(issue=original, kind="resident.followed", recipient="+8613700000004").body
    assert "办结后将通知您并请您评价" in body and "已办结" not in body


def test_fix_sends_each_resident_their_own_rating_link(world, file_issue):
    issue = file_issue()
    Follower.objects.create(issue=issue, phone="+8613900000001")
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了循环泵")
    fixed = Notification.objects.filter(issue=issue, kind="resident.fixed").order_by("recipient")
    assert [r.recipient for r in fixed] == ["+8613800000000", "+8613900000001"]
    for row in fixed:
        assert "更换了循环泵" in row.body
        token = row.body.split("/rate/")[1].rstrip("/")
        assert read_token(token, RATE_SALT, 3600) == (issue.pk, phone_hash(row.recipient))


def test_a_long_result_is_quoted_cut_and_marked_so(world, file_issue):
    # Cut at 60 characters it read as the whole result (breaker round 2).
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了循环泵" * 10 + "，现已正常。")
    body = Notification.objects.get(issue=issue, kind="resident.fixed").body
    assert f"已办结：{'更换了循环泵' * 9}更换了循环…。请您评价：http" in body
    # Counted and cut as the user sees characters: a family emoji at the cut is one, kept whole or left out.
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"
    assert notifications._quoted("一" * 58 + family + "二" * 5) == "一" * 58 + family + "…"
    assert notifications._quoted("一" * 59 + family) == "一" * 59 + family  # 60 as seen: not cut
    # A cluster may hold hundreds of code points ("好" and 150 accents): the quote stays SMS-sized (breaker round 4).
    piled = "好" + "\u0301" * 150
    assert notifications._quoted(piled * 62) == "…"  # not one such cluster fits in 120 code points
    assert notifications._quoted("一" * 10 + piled) == "一" * 10 + "…"


@pytest.mark.parametrize("result", ["阀门已更换，现已正常。", "阀门已更换，现已正常", "阀门已更换，现已正常！\n"])
def test_the_fix_sms_ends_the_result_with_one_full_stop(world, file_issue, result):
    # "现已正常。。" (accessibility audit): the result's own stop and the sentence's made two.
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result=result)
    body = Notification.objects.get(issue=issue, kind="resident.fixed").body
    assert "已办结：阀门已更换，现已正常。请您评价：http" in body


def test_a_follower_is_told_of_the_problem_they_follow_not_one_they_reported(world, file_issue):
    # Followers read "您反映的问题" (the problem you reported) in every message after their own "已关注" (breaker).
    issue = file_issue()
    Follower.objects.create(issue=issue, phone="+8613900000001")
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了循环泵")
    bodies = dict(Notification.objects.filter(issue=issue, kind="resident.fixed").values_list("recipient", "body"))
    assert bodies["+8613800000000"].startswith("【张掖城市生命线】您反映的问题（编号ZY20261130000001）已办结：更换了循环泵。")
    assert bodies["+8613900000001"].startswith("【张掖城市生命线】您关注的问题（编号ZY20261130000001）已办结：更换了循环泵。")


@pytest.mark.parametrize("close", [True, False])
def test_the_decision_at_the_rework_limit_is_told_to_reporter_and_followers(world, file_issue, frozen, close):
    # The reporter's last word was "dissatisfied"; the supervisor's decision then closed the issue or
    # began another rework without a word to anyone (left alone twice, now told).
    from datetime import timedelta

    issue = file_issue()
    Follower.objects.create(issue=issue, phone="+8613900000001")
    Follower.objects.create(issue=issue, phone="+8609368221234")  # a landline: no SMS
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了循环泵")
    issue.refresh_from_db()
    issue.rework_count = 2  # the limit's reworks used
    issue.save()
    issue_rate(issue=issue, actor=Actor.resident("13900000001"), resolved=False, satisfaction="dissatisfied")
    issue_rate(issue=issue, actor=Actor.resident("13800000000"), resolved=False, satisfaction="dissatisfied")
    assert Notification.objects.filter(issue=issue, kind="resident.decided").count() == 0
    frozen.shift(timedelta(hours=3))  # decided at 12:00 Monday: an urgent issue's 48 h run to Wednesday 12:00
    issue_decide_at_limit(issue=issue, actor=Actor.of(world.supervisor), close=close,
                          note="经现场核实，室温已达18度。")
    bodies = dict(Notification.objects.filter(issue=issue, kind="resident.decided").values_list("recipient", "body"))
    # The decision, not its note (written for staff: the form does not say 群众可见; breaker round 2).
    said = ("经督查部门裁定，予以办结销号。如有异议，请拨打12345热线。" if close else
            "经督查部门裁定再次办理，将在2026年12月02日12:00前办结。")
    # The decision is their one message: no "closed" one beside it (breaker), though a follower said not solved.
    assert Notification.objects.filter(issue=issue, kind="resident.closed").count() == 0
    assert bodies == {
        "+8613800000000": f"【张掖城市生命线】您反映的问题（编号{issue.tracking_code}）{said}",
        "+8613900000001": f"【张掖城市生命线】您关注的问题（编号{issue.tracking_code}）{said}",
    }


@pytest.mark.parametrize("by_rating", [True, False])
def test_followers_who_said_it_is_not_solved_are_told_it_closed(world, file_issue, frozen, by_rating):
    # A follower's "not solved" moves nothing; the reporter's satisfied rating (or the end of the rating window)
    # then closed the issue and that follower heard nothing more (breaker). Now they are told, and what to do.
    from datetime import timedelta

    from issues.workflow import issue_close_out

    issue = file_issue()
    phones = {"no": "13900000001", "dissatisfied": "13900000002", "content": "13900000003",
              "landline": "0936-8221234", "silent": "13900000004"}
    for phone in phones.values():
        issue_follow(issue=issue, phone=phone)
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了循环泵")
    issue.refresh_from_db()
    for who, resolved, satisfaction in [("no", False, "basic"), ("dissatisfied", True, "dissatisfied"),
                                        ("content", True, "satisfied"), ("landline", False, "dissatisfied")]:
        issue_rate(issue=issue, actor=Actor.resident(phones[who]), resolved=resolved, satisfaction=satisfaction)
    assert Notification.objects.filter(kind="resident.closed").count() == 0  # the issue is not closed yet
    if by_rating:
        issue_rate(issue=issue, actor=Actor.resident("13800000000"), resolved=True, satisfaction="satisfied")
    else:
        frozen.shift(timedelta(days=30))
        issue_close_out(issue=issue)
    bodies = dict(Notification.objects.filter(issue=issue, kind="resident.closed").values_list("recipient", "body"))
    said = f"您关注的问题（编号{issue.tracking_code}）已办结销号。问题仍然存在的，请重新提交诉求，或拨打12345热线。"
    assert bodies == {"+8613900000001": f"【张掖城市生命线】{said}", "+8613900000002": f"【张掖城市生命线】{said}"}


def test_approved_extension_tells_the_new_date(world, file_issue):
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    req = issue_request_extension(issue=issue, actor=Actor.of(world.heat_staff), reason="r",
                                  requested_due=local(2026, 12, 5, 18, 0))
    issue_decide_extension(issue=issue, actor=Actor.of(world.supervisor), request=req, approve=True)
    row = Notification.objects.get(issue=issue, kind="resident.extended")
    assert "2026年12月05日18:00" in row.body


def test_emergency_alerts_on_call_and_dispatchers_at_filing(world, file_issue):
    world.gas_gz.oncall_contacts = [{"name": "值班长", "phone": "+8613811112222"}]
    world.gas_gz.save()
    world.dispatcher.phone = "+8613833334444"
    world.dispatcher.save()
    RoutingRule.objects.create(utility="gas", district=world.ganzhou, unit=world.gas_gz)  # suggestion only
    issue = file_issue(category=world.gas_leak, description="厨房燃气味很重")
    alerts = sorted(Notification.objects.filter(issue=issue, kind="emergency.alert").values_list("recipient", "state"))
    assert alerts == [("+8613811112222", "pending"), ("+8613833334444", "pending")]


def test_dedupe_key_is_enforced_by_the_database(world, file_issue):
    issue = file_issue()
    row = Notification.objects.get(issue=issue)
    with pytest.raises(IntegrityError):
        Notification.objects.create(issue=issue, kind=row.kind, reference=row.reference, recipient=row.recipient,
                                    body="again")


def test_resend_codes_is_a_new_request_each_time(world, file_issue):
    a, b = file_issue(), file_issue()
    assert notifications.resend_codes("+8613800000000", "req-1") == 2
    assert notifications.resend_codes("+8613800000000", "req-1") == 2  # same request: one row
    assert notifications.resend_codes("+8613800000000", "req-2") == 2
    rows = Notification.objects.filter(kind="resident.codes")
    assert rows.count() == 2
    assert a.tracking_code in rows[0].body and b.tracking_code in rows[0].body
    assert notifications.resend_codes("+8613700000000", "req-3") == 0


def test_resend_codes_lists_the_issues_a_phone_follows_too(world, file_issue):
    # "Lost your code?" sent nothing to a follower, though the follow SMS had been its only copy (breaker).
    from issues.workflow import issue_follow, issue_reject

    mine, followed, closed = file_issue(phone="13900000001"), file_issue(), file_issue(phone="13800000002")
    issue_follow(issue=followed, phone="13900000001")
    issue_follow(issue=closed, phone="13900000001")
    issue_reject(issue=closed, actor=Actor.of(world.dispatcher), reason="不属于水电气暖")
    assert notifications.resend_codes("+8613900000001", "req-1") == 2
    body = Notification.objects.get(kind="resident.codes").body
    assert body == (f"【张掖城市生命线】您办理中和待评价的诉求编号：{mine.tracking_code}、{followed.tracking_code}（关注）。")


class TestDelivery:
    def test_delivers_once_with_the_row_id_as_key(self, world, file_issue):
        issue = file_issue()
        assert notifications.deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
        row = Notification.objects.get(issue=issue)
        assert (row.state, row.attempts) == ("sent", 1)
        sms = SmsMessage.objects.get()
        assert (sms.idempotency_key, sms.phone, sms.times_received) == (str(row.pk), "+8613800000000", 1)
        assert notifications.deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}

    def test_failures_retry_with_backoff_then_fail(self, world, file_issue, settings, frozen):
        settings.ZY_SMS_BACKEND = "tests.support.backends.FailingSmsBackend"
        settings.ZY_OUTBOX_MAX_ATTEMPTS = 3
        issue = file_issue()
        assert notifications.deliver_pending() == {"sent": 0, "retry": 1, "failed": 0}
        row = Notification.objects.get(issue=issue)
        assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 1, local(2026, 11, 30, 9, 2))
        assert "gateway unreachable" in row.last_error
        assert notifications.deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}  # not yet due
        frozen.move_to(local(2026, 11, 30, 9, 2))
        assert notifications.deliver_pending()["retry"] == 1
        frozen.move_to(local(2026, 11, 30, 9, 6))
        assert notifications.deliver_pending()["failed"] == 1
        assert Notification.objects.get(issue=issue).state == "failed"

    def test_a_row_left_sending_by_a_dead_worker_is_sent_after_its_lease(self, world, file_issue, frozen):
        issue = file_issue()
        Notification.objects.filter(issue=issue).update(state="sending", attempts=1,
                                                          lease_until=local(2026, 11, 30, 9, 2))
        assert notifications.deliver_pending()["sent"] == 0  # lease still held
        frozen.move_to(local(2026, 11, 30, 9, 3))
        assert notifications.deliver_pending()["sent"] == 1
        assert Notification.objects.get(issue=issue).attempts == 2

    def test_email_for_staff_without_phone(self, world, mailoutbox):
        world.mayor.email = "mayor@zhangye.gov.cn"
        world.mayor.save()
        from issues.digest import write_daily_digest

        assert write_daily_digest(local(2026, 11, 30, 8, 0)) == 0
        write_daily_digest(local(2026, 11, 30, 8, 1))  # same day: no second row
        assert Notification.objects.filter(kind="digest.daily").count() == 1
        notifications.deliver_pending()
        assert [m.to for m in mailoutbox] == [["mayor@zhangye.gov.cn"]]
        assert "督办日报" in mailoutbox[0].subject


def test_a_new_follower_gets_the_code_and_a_tracking_link(world, file_issue):
    from issues.workflow import issue_follow

    issue = file_issue()
    issue_follow(issue=issue, phone="13900000001")
    row = Notification.objects.get(issue=issue, kind="resident.followed")
    assert row.recipient == "+8613900000001" and issue.tracking_code in row.body
    token = row.body.split("/track/t/")[1].rstrip("/")
    assert read_token(token, TRACK_SALT, 3600) == (issue.pk, phone_hash("+8613900000001"))


def test_resent_codes_are_the_newest_ten_in_filing_order_and_say_how_many_there_are(world, file_issue):
    # Twelve filings in one instant: sorted by filing time the codes came out of order, and the two
    # beyond ten were left out without a word (breaker).
    for _ in range(12):
        file_issue()
    assert notifications.resend_codes("+8613800000000", "req-1") == 10
    body = Notification.objects.get(kind="resident.codes").body
    codes = "、".join(f"ZY20261130{n:06d}" for n in range(3, 13))
    assert body == f"【张掖城市生命线】您办理中和待评价的诉求编号：{codes}（共12件，这里是最近的10件）。"


def test_a_follower_joining_a_fixed_issue_gets_its_rating_link_at_once(world, file_issue):
    # Following an issue that awaited its rating promised a rating SMS that never came (breaker).
    from issues.workflow import issue_follow

    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了循环泵。")
    issue_follow(issue=issue, phone="13900000001")
    row = Notification.objects.get(issue=issue, kind="resident.followed")
    assert row.recipient == "+8613900000001"
    assert row.body.startswith("【张掖城市生命线】您已关注诉求ZY20261130000001（供暖不热），该问题已办结：更换了循环泵。请您评价：http")
    token = row.body.split("/rate/")[1].rstrip("/")
    assert read_token(token, RATE_SALT, 3600) == (issue.pk, phone_hash("+8613900000001"))
    # Before the fix, the confirmation promises the rating SMS to come, with the tracking link.
    other = file_issue(phone="13800000002")
    issue_follow(issue=other, phone="13900000001")
    body = Notification.objects.get(issue=other, kind="resident.followed").body
    assert "办结后将通知您并请您评价。查询进度：http" in body and "/rate/" not in body
