"""The staff workbenches page by page: what each list shows, in which order, and how actions answer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from accounts.models import User
from issues.choices import EventKind, Priority, Role, Status
from issues.models import Attachment, Category, Issue, RoutingRule
from issues.workflow import Actor, issue_assign, issue_claim, issue_resolve, issue_return
from tests.support.images import jpeg_with_exif

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def codes_in(html: str) -> list[str]:
    return re.findall(r'class="code">(ZY\d+)<', html)


def assigned(world, issue, co=()):
    return issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz, co_units=list(co))


# --------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------


@pytest.mark.parametrize("who,where", [("dispatcher", "/work/dispatch/"), ("heat_staff", "/work/queue/"),
                                       ("supervisor", "/work/supervise/"), ("mayor", "/dashboard/"),
                                       ("revisit", "/work/revisit/"), ("admin", "/admin/")])
def test_home_sends_each_role_to_its_page(client, world, who, where):
    client.force_login(getattr(world, who))
    assert client.get("/work/")["Location"] == where


@pytest.mark.parametrize("who,dashboard", [("dispatcher", False), ("heat_staff", False), ("revisit", False),
                                           ("supervisor", True), ("mayor", True)])
def test_the_staff_menus_link_the_ledger_and_the_dashboard_only_for_those_who_may_open_it(client, world, who,
                                                                                           dashboard):
    # README trial: no page linked them, and the ledger's own menu linked the dashboard to everyone (403).
    client.force_login(getattr(world, who))
    for page in ("/work/", "/ledger/"):
        html = client.get(page, follow=True).content.decode()
        assert 'href="/ledger/"' in html, page
        assert ('href="/dashboard/"' in html) is dashboard, page
    assert client.get("/dashboard/").status_code == (200 if dashboard else 403)
    # And back from the ledger to the workbench (the mayor's supervision page had no link; breaker round 2).
    workbench = "/work/supervise/" if who in ("supervisor", "mayor") else "/work/"
    assert f'href="{workbench}"' in client.get("/ledger/").content.decode()
    if dashboard:
        assert f'href="{workbench}"' in client.get("/dashboard/").content.decode()


def test_home_without_a_role_explains(client, world):
    client.force_login(world.norole)
    response = client.get("/work/")
    assert response.status_code == 403 and "尚未分配角色" in response.content.decode()


# --------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------


def test_dispatch_lists_emergencies_first_then_oldest_with_returned_and_suggestion(client, world, file_issue, frozen):
    RoutingRule.objects.create(utility="heat", district=world.ganzhou, unit=world.heat_gz)
    old = file_issue()
    frozen.shift(timedelta(minutes=10))
    returned = file_issue(phone="+8613900000002")
    assigned(world, returned)
    issue_return(issue=returned, actor=Actor.of(world.heat_staff), reason="不属于本单位")
    frozen.shift(timedelta(minutes=10))
    gas = file_issue(category=world.gas_leak, phone="+8613900000003")
    frozen.shift(timedelta(minutes=10))
    client.force_login(world.dispatcher)
    html = client.get("/work/dispatch/").content.decode()
    assert codes_in(html) == [gas.tracking_code, old.tracking_code, returned.tracking_code]
    assert "退单" in html
    assert "交办给 甘州区供热公司" in html
    assert "已等待 30分钟" in html  # the oldest
    assert "已超时" in html  # the gas leak's 15-minute dispatch window has passed
    assert 'href="/report/"' in html  # file for a caller


def test_one_click_assign_with_htmx_replaces_the_row(client, world, file_issue, frozen):
    issue = file_issue()
    client.force_login(world.dispatcher)
    response = client.post(f"/work/issues/{issue.pk}/assign/", {"lead_unit": world.heat_gz.pk,
                                                                  "co_units": [world.water_gz.pk], "panel": "dispatch"},
                           **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="row-{issue.pk}"' in html and "已交办" in html and "<html" not in html
    issue.refresh_from_db()
    assert issue.status == Status.ASSIGNED and issue.lead_unit == world.heat_gz
    assert list(issue.co_units.all()) == [world.water_gz]


def test_a_refused_assignment_on_the_issue_page_names_why_and_keeps_the_choices(client, world, file_issue, frozen):
    # Only "输入有误，请按提示修改" showed; the lead went back to the suggestion and the co-units were cleared
    # (breaker). The power company of the test city has nobody who can claim.
    issue = file_issue()
    client.force_login(world.dispatcher)
    for extra in ({}, HX):
        r = client.post(f"/work/issues/{issue.pk}/assign/", {"lead_unit": world.power_gz.pk,
                                                               "co_units": [world.water_gz.pk], "note": "请核实"}, **extra)
        html = r.content.decode()
        assert r.status_code == 400
        assert ('<small id="lead_unit-error" class="field-error" role="alert">'
                "甘州供电中心没有可以认领诉求的工作人员或接口，请选择其他牵头单位</small>") in html
        assert f'<option value="{world.power_gz.pk}" selected>' in html
        assert f'value="{world.water_gz.pk}" checked>' in html and 'value="请核实"' in html
    issue.refresh_from_db()
    assert issue.status == Status.NEW


def test_a_mistyped_deadline_is_said_to_be_one_not_to_be_missing(client, world, file_issue, frozen):
    # "garbage" in the date field was answered "请填写申请的办结时间" (breaker).
    issue = file_issue()
    assigned(world, issue)
    client.force_login(world.heat_staff)
    client.post(f"/work/issues/{issue.pk}/claim/", {})
    for typed, message in (("garbage", "时间格式不正确，请按“2026-12-10 18:00”的格式填写"), ("", "请填写申请的办结时间")):
        r = client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "等待配件", "requested_due": typed})
        assert r.status_code == 400 and message in r.content.decode(), typed
    # Full-width digits, as a Chinese input method types them, are read.
    r = client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "等待配件", "requested_due": "２０２６-１２-２０ １８:００"})
    assert r.status_code == 302


def test_bulk_assign_to_each_suggestion(client, world, file_issue, frozen):
    RoutingRule.objects.create(utility="heat", district=world.ganzhou, unit=world.heat_gz)
    a, b = file_issue(), file_issue(phone="+8613900000002")
    water = file_issue(category=world.water_pressure, phone="+8613900000003")  # no rule for water
    client.force_login(world.dispatcher)
    response = client.post("/work/dispatch/assign/", {"ids": [a.pk, b.pk, water.pk], "lead_unit": "suggested"},
                           follow=True)
    html = response.content.decode()
    assert "已交办 2 件" in html and f"{water.tracking_code}：没有分派建议" in html
    assert set(Issue.objects.filter(status=Status.ASSIGNED).values_list("pk", flat=True)) == {a.pk, b.pk}


def test_a_message_about_one_issue_reads_as_english_on_english_pages(client, world, file_issue, frozen, settings):
    # "ZY…：no routing suggestion" kept the Chinese full-width colon in English.
    water = file_issue(category=world.water_pressure)
    client.force_login(world.dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post("/work/dispatch/assign/", {"ids": [water.pk], "lead_unit": "suggested"},
                       follow=True).content.decode()
    assert f"{water.tracking_code}: no routing suggestion" in html and "：" not in html.split("<main", 1)[1]


def test_reject_needs_a_reason_and_keeps_the_page(client, world, file_issue, frozen):
    issue = file_issue()
    client.force_login(world.dispatcher)
    response = client.post(f"/work/issues/{issue.pk}/reject/", {"reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写不予受理理由" in html and 'id="reject" open' in html
    response = client.post(f"/work/issues/{issue.pk}/reject/", {"reason": "属于物业管理范围"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Status.REJECTED and issue.public_reason == "属于物业管理范围"


def test_merge_offers_the_same_compound_however_it_was_typed(client, world, file_issue, frozen):
    # Exact 小区 text only offered nothing for "南关" against "南关小区" (left alone last round).
    original = file_issue(community="滨河新区锦绣花园小区")
    same = file_issue(phone="+8613900000003", community="锦绣花园")
    other = file_issue(phone="+8613900000004", community="花园小区")  # "花园" names no one compound
    dup = file_issue(phone="+8613900000002", community="锦绣花园（小区）")
    client.force_login(world.dispatcher)
    html = client.get(f"/work/issues/{dup.pk}/", {"fragment": "merge"}, **HX).content.decode()
    assert original.tracking_code in html and same.tracking_code in html and other.tracking_code not in html
    assert html.index(same.tracking_code) < html.index(original.tracking_code)  # the same name first


def test_merge_searches_by_code_and_needs_an_original(client, world, file_issue, frozen):
    original = file_issue()
    dup = file_issue(phone="+8613900000002", community="别的小区")
    client.force_login(world.dispatcher)
    # Search (htmx fragment) by part of the tracking code.
    response = client.get(f"/work/issues/{dup.pk}/?merge_q={original.tracking_code[-6:]}&fragment=merge", **HX)
    assert original.tracking_code in response.content.decode() and "<html" not in response.content.decode()
    # Without JavaScript the same search renders the whole page.
    assert original.tracking_code in client.get(f"/work/issues/{dup.pk}/?merge_q={original.tracking_code}").content.decode()
    # Typed with a Chinese input method's full-width letters and digits, and an ideographic space.
    wide = "".join(chr(ord(c) + 0xFEE0) for c in original.tracking_code.lower())
    response = client.get(f"/work/issues/{dup.pk}/", {"merge_q": wide[:6] + "\u3000" + wide[6:], "fragment": "merge"}, **HX)
    assert original.tracking_code in response.content.decode()
    response = client.post(f"/work/issues/{dup.pk}/merge/", {"note": "同一问题"})
    assert response.status_code == 400 and "请选择要合并到的原诉求" in response.content.decode()
    response = client.post(f"/work/issues/{dup.pk}/merge/", {"original": original.pk})
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.duplicate_of == original


# --------------------------------------------------------------------------
# Unit queue
# --------------------------------------------------------------------------


def test_queue_shows_the_units_issues_nearest_deadline_first_and_how_late(client, world, file_issue, frozen):
    normal = Category.objects.create(service_code="water-bill", utility="heat", name="收费", priority=Priority.NORMAL)
    slow = file_issue(category=normal)
    assigned(world, slow)
    fast = file_issue(phone="+8613900000002")  # urgent in the heating season: 2 h response
    assigned(world, fast)
    other = file_issue(category=world.power_out, phone="+8613900000003")
    User.objects.create_user(username="power_staff", role=Role.UNIT_STAFF, unit=world.power_gz)  # one who may claim
    issue_assign(issue=other, actor=Actor.of(world.dispatcher), lead_unit=world.power_gz)
    frozen.shift(timedelta(hours=3))
    client.force_login(world.heat_staff)
    html = client.get("/work/queue/").content.decode()
    assert codes_in(html) == [fast.tracking_code, slow.tracking_code]
    assert other.tracking_code not in html
    assert "已超时 1小时0分钟" in html  # fast's 2 h response window, 3 h later
    # slow's: one working day to respond, from Monday 09:00 to Tuesday 09:00; at Monday 12:00, 21 h left, in
    # the same words as the time past one (Django's timeuntil wrote "21 小时").
    assert "剩余 21小时0分钟" in html
    assert "牵头" in html


def test_co_handler_sees_the_issue_and_may_only_add_notes(client, world, file_issue, frozen, media):
    issue = file_issue()
    assigned(world, issue, co=[world.water_gz])
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    client.force_login(world.water_staff)
    assert issue.tracking_code in client.get("/work/queue/").content.decode()
    page = client.get(f"/work/issues/{issue.pk}/").content.decode()
    assert 'id="note"' in page and 'id="resolve"' not in page and 'id="claim-button"' not in page
    photo = jpeg_with_exif(40, 20)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(f"/work/issues/{issue.pk}/note/",
                           {"note": "已关闭上游阀门配合抢修", "photos": SimpleUploadedFile("a.jpg", photo, "image/jpeg")})
    assert response.status_code == 302
    event = issue.events.get(kind=EventKind.NOTE)
    assert event.actor == world.water_staff and event.data["co_handler"] is True
    assert Attachment.objects.filter(event=event).count() == 1
    assert client.post(f"/work/issues/{issue.pk}/resolve/", {"result": "修好了"}).status_code == 403


def test_a_bad_photo_undoes_the_note_and_keeps_the_text(client, world, file_issue, frozen, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    client.force_login(world.heat_staff)
    response = client.post(f"/work/issues/{issue.pk}/note/",
                           {"note": "更换了阀门", "photos": SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "更换了阀门" in html and "不是 JPG" in html
    assert not issue.events.filter(kind=EventKind.NOTE).exists()


def test_claim_race_answers_409_with_the_message_in_place(client, world, file_issue, frozen):
    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff2))  # a colleague was faster
    client.force_login(world.heat_staff)
    response = client.post(f"/work/issues/{issue.pk}/claim/", {"panel": "queue"}, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert f'id="row-{issue.pk}"' in html and "不能执行此操作" in html and 'data-status="409"' in html
    # Without htmx: the whole issue page with the message.
    response = client.post(f"/work/issues/{issue.pk}/claim/", {})
    assert response.status_code == 409 and 'id="action-error"' in response.content.decode()


def test_an_extension_date_alone_is_that_days_office_close_and_a_week_date_is_refused(client, world, file_issue,
                                                                                      frozen):
    # A browser without a date-time picker sends a date alone: it was read as midnight, the day's start,
    # though the page's code said 18:00; "2026-W52-1" was a Monday's midnight (breaker).
    from issues.models import ExtensionRequest

    issue = file_issue()
    assigned(world, issue)
    client.force_login(world.heat_staff)
    client.post(f"/work/issues/{issue.pk}/claim/", {})
    r = client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "等待配件", "requested_due": "2026-W52-1"})
    assert r.status_code == 400 and not ExtensionRequest.objects.exists()
    assert client.post(f"/work/issues/{issue.pk}/extension/",
                       {"reason": "等待配件", "requested_due": "2026-12-20"}).status_code == 302
    assert ExtensionRequest.objects.get().requested_due == datetime(2026, 12, 20, 10, 0, tzinfo=timezone.utc)


def test_lead_claims_adds_progress_extension_and_resolves_with_photos(client, world, file_issue, frozen, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    issue = file_issue()
    assigned(world, issue)
    client.force_login(world.heat_staff)
    assert client.post(f"/work/issues/{issue.pk}/claim/", {}).status_code == 302
    assert client.post(f"/work/issues/{issue.pk}/note/", {"note": "已到现场"}).status_code == 302
    # An extension date before the deadline: 400, the reason typed is kept.
    response = client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "等待配件", "requested_due": "2026-11-30T10:00"})
    assert response.status_code == 400
    assert "等待配件" in response.content.decode() and "申请时间必须晚于当前办结时限" in response.content.decode()
    response = client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "等待配件", "requested_due": "2026-12-20T18:00"})
    assert response.status_code == 302
    response = client.post(f"/work/issues/{issue.pk}/resolve/",
                           {"result": "已更换阀门，室温22度", "photos": SimpleUploadedFile("b.jpg", jpeg_with_exif(30, 30))})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Status.AWAITING_RATING
    resolved = issue.events.get(kind=EventKind.RESOLVED)
    assert resolved.attachments.count() == 1


def test_return_sends_the_unit_back_to_its_queue(client, world, file_issue, frozen):
    issue = file_issue()
    assigned(world, issue)
    client.force_login(world.heat_staff)
    response = client.post(f"/work/issues/{issue.pk}/return/", {"reason": "属于临泽县"})
    assert response.status_code == 302 and response["Location"] == "/work/queue/"
    response = client.post(f"/work/issues/{issue.pk}/return/", {"reason": "x"})
    assert response.status_code == 404  # no longer the unit's


# --------------------------------------------------------------------------
# Issue page: timeline and phone
# --------------------------------------------------------------------------


def test_issue_page_masks_the_phone_and_shows_internal_events(client, world, file_issue, frozen):
    issue = file_issue()
    assigned(world, issue)
    issue_return(issue=issue, actor=Actor.of(world.heat_staff), reason="内部说明：不是我们的片区")
    client.force_login(world.dispatcher)
    html = client.get(f"/work/issues/{issue.pk}/").content.decode()
    assert "138****0000" in html and "13800000000" not in html and "+8613800000000" not in html
    assert "内部说明：不是我们的片区" in html and "内部" in html
    assert 'id="reveal"' not in html  # dispatchers cannot unmask


def test_extra_answers_read_as_their_questions_and_words(client, world, file_issue, frozen):
    # Not "indoor_temp：14.0；evacuated：True" (README trial).
    world.gas_leak.extra_questions = [
        {"code": "evacuated", "label": "是否已撤离", "type": "boolean", "required": True},
        {"code": "indoor_temp", "label": "室内温度（℃）", "type": "number"},
        {"code": "scope", "label": "影响范围", "type": "choice", "choices": ["仅我家", "整栋楼"],
         "label_en": "How far it reaches", "choice_labels_en": ["Only my home", "The whole building"]},
    ]
    world.gas_leak.save()
    issue = file_issue(category=world.gas_leak,
                       extra_answers={"scope": "整栋楼", "indoor_temp": "14", "evacuated": "false"})
    Issue.objects.filter(pk=issue.pk).update(extra_answers={**Issue.objects.get(pk=issue.pk).extra_answers,
                                                            "retired": "旧问题的回答"})
    client.force_login(world.dispatcher)
    html = client.get(f"/work/issues/{issue.pk}/").content.decode()
    assert '<dd id="answers">是否已撤离：否；室内温度（℃）：14；影响范围：整栋楼；retired：旧问题的回答</dd>' in html
    client.cookies["django_language"] = "en"
    html = client.get(f"/work/issues/{issue.pk}/").content.decode()
    # Joined as English joins them, whatever language a label is in (breaker).
    assert "是否已撤离: No; 室内温度（℃）: 14; How far it reaches: The whole building; " in html


def test_show_number_needs_a_reason_and_is_audited(client, world, file_issue, frozen):
    issue = file_issue()
    assigned(world, issue)
    client.force_login(world.heat_staff)
    page = client.get(f"/work/issues/{issue.pk}/").content.decode()
    assert 'id="reveal"' in page
    response = client.post(f"/work/issues/{issue.pk}/reveal-phone/", {"reason": ""}, **HX)
    assert response.status_code == 400 and "请填写查看理由" in response.content.decode()
    response = client.post(f"/work/issues/{issue.pk}/reveal-phone/", {"reason": "上门前联系住户"}, **HX)
    assert response.status_code == 200 and "+8613800000000" in response.content.decode()
    event = issue.events.get(kind=EventKind.PHONE_REVEALED)
    assert event.note == "上门前联系住户" and event.actor == world.heat_staff and not event.public
    # The full number is shown once, never remembered.
    assert "+8613800000000" not in client.get(f"/work/issues/{issue.pk}/").content.decode()


# --------------------------------------------------------------------------
# Supervision and revisit
# --------------------------------------------------------------------------


def test_supervisor_sees_only_their_utilities_and_the_mayor_all(client, world, file_issue, frozen):
    heat = file_issue()
    power = file_issue(category=world.power_out, phone="+8613900000002")
    frozen.shift(timedelta(hours=30))
    client.force_login(world.supervisor)
    html = client.get("/work/supervise/?tab=due").content.decode()
    assert heat.tracking_code in html and power.tracking_code not in html
    client.force_login(world.mayor)
    frozen.shift(timedelta(seconds=1))
    html = client.get("/work/supervise/?tab=due").content.decode()
    assert heat.tracking_code in html and power.tracking_code in html
    assert client.get("/work/supervise/?tab=nonsense").status_code == 404


def test_supervisor_verifies_orders_red_and_approves_an_extension(client, world, file_issue, frozen):
    issue = file_issue(category=world.gas_leak)
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.gas_gz)
    issue_claim(issue=issue, actor=Actor.of(world.gas_staff))
    client.force_login(world.gas_staff)
    client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "管网改造", "requested_due": "2026-12-20T18:00"})
    client.force_login(world.supervisor)
    assert issue.tracking_code in client.get("/work/supervise/?tab=extensions").content.decode()
    req = issue.extension_requests.get()
    assert client.post(f"/work/issues/{issue.pk}/decide-extension/", {"request": req.pk, "approve": "yes"}).status_code == 302
    assert client.post(f"/work/issues/{issue.pk}/decide-extension/", {"request": req.pk, "approve": "yes"}).status_code == 409
    response = client.post(f"/work/issues/{issue.pk}/supervise/", {"level": "red", "instruction": "立即处置",
                                                                     "due_at": "2026-11-30T18:00"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.supervision_level == "red" and issue.resolution_extended
    issue_resolve(issue=issue, actor=Actor.of(world.gas_staff), result="已修复")
    assert issue.tracking_code in client.get("/work/supervise/?tab=verify").content.decode()
    response = client.post(f"/work/issues/{issue.pk}/verify/", {"approve": "yes", "panel": "supervise"}, **HX)
    assert response.status_code == 200 and "核查通过" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.AWAITING_RATING


def test_supervision_order_with_a_past_due_time_keeps_the_text(client, world, file_issue, frozen):
    issue = file_issue()
    client.force_login(world.mayor)
    response = client.post(f"/work/issues/{issue.pk}/supervise/", {"level": "yellow", "instruction": "请加快",
                                                                     "due_at": "2026-11-29T18:00"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "要求完成时间必须晚于现在" in html and "请加快" in html


def test_revisit_lists_unrated_and_records_the_answers(client, world, file_issue, frozen):
    a, b = file_issue(), file_issue(phone="+8613900000002")
    for issue in (a, b):
        assigned(world, issue)
        issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
        issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="已修复")
    client.force_login(world.revisit)
    html = client.get("/work/revisit/").content.decode()
    assert codes_in(html) == [a.tracking_code, b.tracking_code] and "138****0000" in html
    response = client.post(f"/work/issues/{a.pk}/rate/", {"resolved": "yes", "satisfaction": "satisfied",
                                                           "panel": "revisit"}, **HX)
    assert response.status_code == 200 and "回访结果已记录" in response.content.decode()
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.ratings.get().recorded_by == world.revisit
    assert codes_in(client.get("/work/revisit/").content.decode()) == [b.tracking_code]
    # Missing answers: 400, the row keeps what was chosen.
    response = client.post(f"/work/issues/{b.pk}/rate/", {"resolved": "no", "panel": "revisit"}, **HX)
    assert response.status_code == 400 and 'value="no" checked' in response.content.decode()


# --------------------------------------------------------------------------
# Filters and keyset pagination
# --------------------------------------------------------------------------


def test_filters_narrow_the_list(client, world, file_issue, frozen):
    heat = file_issue()
    water = file_issue(category=world.water_pressure, phone="+8613900000002")
    linze = file_issue(district=world.linze, phone="+8613900000003")
    client.force_login(world.dispatcher)
    assert codes_in(client.get("/work/dispatch/?utility=water").content.decode()) == [water.tracking_code]
    assert codes_in(client.get(f"/work/dispatch/?district={world.linze.pk}").content.decode()) == [linze.tracking_code]
    assert heat.tracking_code in client.get("/work/dispatch/?priority=urgent").content.decode()
    assert codes_in(client.get("/work/dispatch/?filed_from=2026-12-01").content.decode()) == []
    assert len(codes_in(client.get("/work/dispatch/?filed_to=2026-11-30&overdue=no").content.decode())) == 3
    # A bad value is ignored, not an error.
    assert client.get("/work/dispatch/?district=abc&filed_from=yesterday").status_code == 200


def test_keyset_pages_without_overlap(client, world, file_issue, frozen):
    from issues.views.staff import PAGE_SIZE

    for k in range(PAGE_SIZE + 3):
        file_issue(phone=f"+86139{k:08d}")
    client.force_login(world.dispatcher)
    first = client.get("/work/dispatch/").content.decode()
    page1 = codes_in(first)
    assert len(page1) == PAGE_SIZE
    nxt = re.search(r'id="next-page" href="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    page2 = codes_in(client.get(f"/work/dispatch/?{nxt}").content.decode())
    assert len(page2) == 3 and not set(page1) & set(page2)
    assert sorted(page1 + page2) == page1 + page2  # oldest first across pages
    assert client.get("/work/dispatch/?cursor=garbage").status_code == 200


def test_pages_are_chinese_with_english_available(client, world, file_issue, frozen):
    file_issue()
    client.force_login(world.dispatcher)
    assert "分派队列" in client.get("/work/dispatch/").content.decode()
    client.cookies["django_language"] = "en"
    html = client.get("/work/dispatch/").content.decode()
    assert "Dispatch queue" in html and "Bulk assign" in html
    client.logout()
    client.cookies["django_language"] = "en"
    assert "Staff login" in client.get("/accounts/login/").content.decode()


class TestFind:
    """/work/find/: a caller who lost the code (a landline gets no SMS) is found by phone or code."""

    def test_an_older_issue_filed_with_a_company_hotline_is_still_found(self, client, world, file_issue):
        # Such numbers are refused for filing now, but older issues hold them: they must stay reachable (breaker).
        issue = file_issue()
        Issue.objects.filter(pk=issue.pk).update(reporter_phone="+864008208820")
        client.force_login(world.dispatcher)
        r = client.post("/work/find/", {"q": "400-820-8820"})
        assert r.status_code == 200 and codes_in(r.content.decode()) == [issue.tracking_code]

    def test_a_dispatcher_finds_a_callers_filed_and_followed_issues_by_phone(self, client, world, file_issue,
                                                                             frozen):
        from issues.workflow import issue_follow, issue_reject

        older = file_issue(phone="09368211234", description="暖气不热")  # a landline
        frozen.shift(timedelta(hours=1))
        rejected = file_issue(phone="09368211234", description="水压低")
        issue_reject(issue=rejected, actor=Actor.of(world.dispatcher), reason="不属于受理范围")
        neighbours = file_issue(phone="13800000000")
        issue_follow(issue=neighbours, phone="0936-8211234")
        file_issue(phone="13900000000")  # someone else's
        client.force_login(world.dispatcher)
        r = client.post("/work/find/", {"q": "０９３６ ８２１ １２３４"})  # full-width, spaced, as typed
        assert r.status_code == 200
        html = r.content.decode()
        # Newest first, any status, the followed one too; never the whole number.
        assert codes_in(html) == [neighbours.tracking_code, rejected.tracking_code, older.tracking_code]
        assert '<h2 id="found" tabindex="-1" data-focus-on-load>找到 3 件</h2>' in html  # focused, so it is read
        # Each row says how the caller is tied to it: the followed one is someone else's report.
        assert re.findall(r'class="badge caller">([^<]+)<', html) == ["来电人是关注人", "来电人是报告人", "来电人是报告人"]
        assert '<span class="badge status">不予受理</span>' in html  # rejected: still listed
        assert "09368211234" not in html and "936***1234" in html

    def test_a_code_in_any_case_finds_its_issue_and_nonsense_is_told(self, client, world, file_issue):
        issue = file_issue()
        client.force_login(world.revisit)
        assert codes_in(client.post("/work/find/", {"q": issue.tracking_code.lower()}).content.decode()) == [
            issue.tracking_code]
        r = client.post("/work/find/", {"q": "12345"})
        assert r.status_code == 400 and "请输入受理编号（ZY 开头）或完整的电话号码" in r.content.decode()
        # A phone written with +86 is still a phone, and a code read out without "ZY" still a code.
        for q in ("+86 138 0000 0000", "+86-138-0000-0000", "0086 138 0000 0000", "0086-13800000000",
                  issue.tracking_code[2:]):
            assert codes_in(client.post("/work/find/", {"q": q}).content.decode()) == [issue.tracking_code], q
        r = client.post("/work/find/", {"q": "ZY20991231000001"})
        assert codes_in(r.content.decode()) == [] and "没有找到相关诉求。" in r.content.decode()

    def test_the_newest_by_filing_time_are_listed_whatever_their_ids(self, client, world, file_issue, frozen,
                                                                     monkeypatch):
        # The limit was taken by id, so back-filled or imported issues (ids out of time order) were lost (breaker).
        from issues.views import staff

        monkeypatch.setattr(staff, "FIND_MAX", 2)
        newest = file_issue(phone="09368211234")
        frozen.shift(timedelta(hours=-2))
        oldest = file_issue(phone="09368211234")  # a higher id, filed earlier
        frozen.shift(timedelta(hours=1))
        middle = file_issue(phone="09368211234")
        assert oldest.filed_at < middle.filed_at < newest.filed_at and oldest.pk > newest.pk
        client.force_login(world.dispatcher)
        html = client.post("/work/find/", {"q": "09368211234"}).content.decode()
        assert codes_in(html) == [newest.tracking_code, middle.tracking_code]

    def test_a_phone_is_posted_never_put_in_the_address(self, client, world, file_issue):
        # A GET form wrote whole numbers into the access log and the browser's history (breaker).
        issue = file_issue()
        client.force_login(world.dispatcher)
        html = client.get("/work/find/", {"q": "13800000000"}).content.decode()
        assert '<form method="post" id="find-form">' in html
        assert codes_in(html) == []  # a number in the address is not searched
        assert codes_in(client.post("/work/find/", {"q": "13800000000"}).content.decode()) == [issue.tracking_code]

    def test_every_search_by_number_is_recorded_for_audit_and_a_code_search_is_not(self, client, world, file_issue,
                                                                                    frozen):
        # Staff could look up anyone's complaints by number without a trace (PIPL audit trail).
        from issues.models import PhoneLookup

        issue = file_issue(phone="13800000000")
        client.force_login(world.dispatcher)
        client.post("/work/find/", {"q": "138 0000 0000"})
        frozen.shift(timedelta(minutes=5))
        client.force_login(world.revisit)
        client.post("/work/find/", {"q": "13900000009"})  # found nothing: recorded all the same
        client.post("/work/find/", {"q": issue.tracking_code})  # a code reveals no number: not recorded
        client.post("/work/find/", {"q": "12345"})  # neither: refused, nothing searched
        rows = list(PhoneLookup.objects.order_by("at").values_list("user__username", "phone_masked", "found", "at"))
        assert rows == [
            ("dispatcher", "138****0000", 1, datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)),
            ("revisit", "139****0009", 0, datetime(2026, 11, 30, 1, 5, tzinfo=timezone.utc)),
        ]
        assert not PhoneLookup.objects.filter(phone_hash__contains="1380000").exists()  # no number kept
        assert "查询人、时间和号码" in client.get("/work/find/").content.decode()  # staff are told

    def test_admin_finds_who_searched_a_number_by_typing_it(self, client, world, file_issue):
        from issues.models import PhoneLookup

        client.force_login(world.dispatcher)
        client.post("/work/find/", {"q": "13800000000"})
        client.force_login(world.revisit)
        client.post("/work/find/", {"q": "13900000009"})
        world.admin.is_staff = world.admin.is_superuser = True
        world.admin.save()
        client.force_login(world.admin)
        html = client.get("/admin/issues/phonelookup/", {"q": "+86 138-0000-0000"}).content.decode()
        assert "dispatcher" in html and "138****0000" in html and "139****0009" not in html
        html = client.get("/admin/issues/phonelookup/", {"q": "revisit"}).content.decode()
        assert "139****0009" in html and "138****0000" not in html
        assert "13800000000" not in client.get("/admin/issues/phonelookup/").content.decode()
        assert client.get(f"/admin/issues/phonelookup/{PhoneLookup.objects.first().pk}/delete/").status_code == 403

    def test_only_the_roles_that_take_calls_have_it(self, client, world):
        client.force_login(world.heat_staff)
        assert client.post("/work/find/", {"q": "13800000000"}).status_code == 403
        assert "/work/find/" not in client.get("/work/queue/").content.decode()
        client.force_login(world.dispatcher)
        assert 'href="/work/find/"' in client.get("/work/dispatch/").content.decode()


@pytest.mark.parametrize("sent", [{}, {"approve": ""}, {"approve": "maybe"}])
def test_a_decision_without_its_button_changes_nothing(client, world, file_issue, sent):
    # Any value but "no" (none at all: Enter in the note) approved the fix (breaker).
    issue = file_issue(category=world.gas_leak)
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.gas_gz)
    issue_claim(issue=issue, actor=Actor.of(world.gas_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.gas_staff), result="已关阀检修")
    client.force_login(world.supervisor)
    r = client.post(f"/work/issues/{issue.pk}/verify/", {"note": "没修好，请退回", **sent})
    assert r.status_code == 400 and "请点击其中一个按钮作出决定" in r.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.RESOLVED and not issue.events.filter(kind=EventKind.VERIFIED).exists()
    assert 'value="没修好，请退回"' in r.content.decode()  # what was typed stays


def test_claiming_an_issue_a_colleague_just_returned_says_so_in_the_row(client, world, file_issue):
    # The row was replaced by the residents' whole "page not found" page (breaker).
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_return(issue=issue, actor=Actor.of(world.heat_staff2), reason="不属于本单位")  # meanwhile, a colleague
    client.force_login(world.heat_staff)
    r = client.post(f"/work/issues/{issue.pk}/claim/", {"panel": "queue"}, **HX)
    html = r.content.decode()
    assert r.status_code == 404 and "<html" not in html
    assert f'id="row-{issue.pk}"' in html and "这件诉求已不在您的办理范围内（可能刚被退单、改派或合并），请刷新工作台。" in html
    issue.refresh_from_db()
    assert issue.status == Status.NEW


def test_a_decision_without_its_button_still_meets_role_and_state_first(client, world, file_issue):
    # Scope 404, role 403, state 409, then input 400 (DESIGN.md): the missing yes/no is judged last.
    issue = file_issue(category=world.gas_leak)
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.gas_gz)
    issue_claim(issue=issue, actor=Actor.of(world.gas_staff))
    client.force_login(world.supervisor)
    assert client.post(f"/work/issues/{issue.pk}/verify/", {"note": "x"}).status_code == 409  # not resolved yet
    issue_resolve(issue=issue, actor=Actor.of(world.gas_staff), result="已关阀检修")
    client.force_login(world.gas_staff)
    assert client.post(f"/work/issues/{issue.pk}/verify/", {"note": "x"}).status_code == 403  # not a supervisor
    issue.refresh_from_db()
    assert issue.status == Status.RESOLVED and not issue.events.filter(kind=EventKind.SENT_BACK).exists()


def test_english_staff_pages_name_categories_and_districts_in_english(client, world, file_issue):
    # Only resident pages used name_en: the workbenches, filters and ledger said 供暖不热 · 甘州区 (breaker round 3).
    world.heat_cold.name_en = "Heating not warm enough"
    world.heat_cold.save()
    world.ganzhou.name_en = "Ganzhou District"
    world.ganzhou.save()
    issue = file_issue()
    client.force_login(world.dispatcher)
    client.cookies["django_language"] = "en"
    html = client.get("/work/dispatch/").content.decode()
    assert "Heating not warm enough · Ganzhou District" in html and "供暖不热" not in html
    html = client.get(f"/work/issues/{issue.pk}/").content.decode()
    assert "Heating · Heating not warm enough" in html
    client.cookies["django_language"] = "zh-hans"
    assert "供暖不热 · 甘州区" in client.get("/work/dispatch/").content.decode()


def test_the_staff_timeline_names_who_did_it_in_the_pages_language(client, world, file_issue):
    # On English pages the timeline said "居民" for the resident and put the unit in full-width brackets.
    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    client.force_login(world.dispatcher)
    client.cookies["django_language"] = "en"
    whos = re.findall(r'<span class="who">(.*?)</span>', client.get(f"/work/issues/{issue.pk}/").content.decode())
    assert whos == ["Resident", "dispatcher", "heat_staff (甘州区供热公司)"]
    client.cookies["django_language"] = "zh-hans"
    whos = re.findall(r'<span class="who">(.*?)</span>', client.get(f"/work/issues/{issue.pk}/").content.decode())
    assert whos == ["居民", "dispatcher", "heat_staff（甘州区供热公司）"]


# --------------------------------------------------------------------------
# A colleague acted first: what was typed is given back
# --------------------------------------------------------------------------


def _unsaved(html: str) -> list[str]:
    block = re.search(r'<div class="unsaved" id="unsaved">(.*?)</div>', html, re.S)
    return re.findall(r"<textarea readonly[^>]*>(.*?)</textarea>", block.group(1), re.S) if block else []


@pytest.mark.parametrize("htmx", [True, False])
def test_a_resolve_that_lost_the_race_gives_its_text_back(client, world, file_issue, htmx):
    # The colleague resolved first: the resolve form is gone, and the result typed with it was lost.
    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff2), result="已更换阀门")
    client.force_login(world.heat_staff)
    r = client.post(f"/work/issues/{issue.pk}/resolve/", {"result": "更换了暖气片 <b>阀门</b>\n已试水"},
                    **(HX if htmx else {}))
    html = r.content.decode()
    assert r.status_code == 409 and 'id="action-error"' in html
    assert "您填写的内容没有保存" in html
    assert _unsaved(html) == ["更换了暖气片 &lt;b&gt;阀门&lt;/b&gt;\n已试水"]


def test_a_failed_form_still_offered_keeps_its_text_in_place_without_a_copy(client, world, file_issue):
    # A refusal whose form is still there (a note without text) keeps what was typed in the form itself.
    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    client.force_login(world.heat_staff)
    r = client.post(f"/work/issues/{issue.pk}/extension/", {"reason": "需要采购配件", "requested_due": "2020-01-01T08:00"})
    html = r.content.decode()
    assert r.status_code == 400 and "需要采购配件" in html and 'id="unsaved"' not in html


@pytest.mark.parametrize("htmx", [True, False])
def test_a_note_on_an_issue_a_colleague_returned_gives_its_text_back(client, world, file_issue, htmx):
    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_return(issue=issue, actor=Actor.of(world.heat_staff2), reason="不属于本单位")
    client.force_login(world.heat_staff)
    r = client.post(f"/work/issues/{issue.pk}/note/", {"note": "已联系住户，明早上门"}, **(HX if htmx else {}))
    html = r.content.decode()
    assert r.status_code == 404
    assert "这件诉求已不在您的办理范围内（可能刚被退单、改派或合并），请刷新工作台。" in html
    assert _unsaved(html) == ["已联系住户，明早上门"]
    assert ("<html" in html) is not htmx  # without htmx: a staff page with its menu, not the residents' 404
    if not htmx:
        assert 'href="/work/queue/"' in html


def test_a_revisit_row_whose_resident_rated_first_gives_the_comment_back(client, world, file_issue):
    # The resident rated by SMS while the agent typed: the row said "已销号，不能执行此操作" and the comment was gone.
    from issues.workflow import issue_rate

    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="已修复")
    issue_rate(issue=issue, actor=Actor.resident(issue.reporter_phone), resolved=True, satisfaction="satisfied")
    client.force_login(world.revisit)
    r = client.post(f"/work/issues/{issue.pk}/rate/", {"resolved": "no", "satisfaction": "dissatisfied",
                                                        "comment": "住户说晚上还是冷", "panel": "revisit"}, **HX)
    html = r.content.decode()
    assert r.status_code == 409 and f'id="row-{issue.pk}"' in html
    assert _unsaved(html) == ["住户说晚上还是冷"]
    # A refusal for what was typed (400) keeps it in the row's own form, without a copy.
    other = file_issue(phone="13800000003")
    assigned(world, other)
    issue_claim(issue=other, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=other, actor=Actor.of(world.heat_staff), result="已修复")
    r = client.post(f"/work/issues/{other.pk}/rate/", {"resolved": "no", "comment": "住户不在家", "panel": "revisit"},
                    **HX)
    assert r.status_code == 400 and 'id="unsaved"' not in r.content.decode()


@pytest.mark.parametrize("query", ["filed_to=9999-12-31", "filed_from=0001-01-01", "filed_from=0001-01-02&filed_to=9999-12-30"])
@pytest.mark.parametrize("who,page", [("dispatcher", "/work/dispatch/"), ("heat_staff", "/work/queue/"),
                                      ("supervisor", "/work/supervise/"), ("revisit", "/work/revisit/")])
def test_the_first_and_last_dates_there_are_filter_without_a_500(client, world, file_issue, query, who, page):
    # /work/dispatch/?filed_to=9999-12-31 was an OverflowError, 500 (breaker).
    issue = file_issue()
    if who != "dispatcher":
        assigned(world, issue)
    client.force_login(getattr(world, who))
    r = client.get(f"{page}?{query}")
    assert r.status_code == 200
    if who in ("dispatcher", "heat_staff"):
        assert codes_in(r.content.decode()) == [issue.tracking_code]


@pytest.mark.parametrize("nxt", ["queue", "３", "//evil.example/x", "https://evil.example/", ""])
def test_a_next_that_is_not_a_path_here_is_ignored_after_the_action(client, world, file_issue, nxt):
    # next=queue: the note was saved, then redirect("queue") raised NoReverseMatch, a 500 (breaker).
    issue = file_issue()
    assigned(world, issue)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    client.force_login(world.heat_staff)
    r = client.post(f"/work/issues/{issue.pk}/note/", {"note": "已联系住户", "next": nxt})
    assert r.status_code == 302 and r["Location"] == f"/work/issues/{issue.pk}/"
    assert issue.events.filter(kind=EventKind.NOTE).count() == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_merge_keeps_the_note_the_choice_and_the_search(client, world, file_issue, htmx):
    # An over-long note: the note, the chosen original and the searched list were gone, the message too (breaker).
    original = file_issue()
    dup = file_issue(phone="+8613900000002", community="别的小区")
    client.force_login(world.dispatcher)
    note = "同一问题" * 126  # 504 characters: the limit is 500
    r = client.post(f"/work/issues/{dup.pk}/merge/", {"original": original.pk, "note": note,
                                                       "merge_q": original.tracking_code}, **(HX if htmx else {}))
    html = r.content.decode()
    assert r.status_code == 400
    assert f'value="{note}"' in html
    assert re.search(rf'value="{original.pk}" checked', html)
    assert '<small id="merge-note-error" class="field-error" role="alert">' in html and "500" in html
    dup.refresh_from_db()
    assert dup.status == Status.NEW


@pytest.mark.parametrize("who,page,packed", [
    ("dispatcher", "/work/dispatch/", [["i", 1], ["i", 5], ["i", 1]]),  # an id where the filing time goes
    ("dispatcher", "/work/dispatch/", [["i", 1], ["d", "2026-11-30T09:00:00+08:00"], ["d", "2026-11-30T09:00:00+08:00"]]),
    ("heat_staff", "/work/queue/", [["i", 5], ["i", 1]]),
])
def test_a_forged_cursor_gives_the_first_page_not_a_500(client, world, file_issue, who, page, packed):
    # The cursor was checked for its shape only: a value of the wrong kind for its column was a 500 (breaker).
    import base64
    import json

    issue = file_issue()
    if who != "dispatcher":
        assigned(world, issue)
    client.force_login(getattr(world, who))
    cursor = base64.urlsafe_b64encode(json.dumps(packed).encode()).decode().rstrip("=")
    r = client.get(page, {"cursor": cursor})
    assert r.status_code == 200 and codes_in(r.content.decode()) == [issue.tracking_code]
