"""/track/, the SMS link, "lost your code?", the duplicate suggestion and "me too"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from issues.choices import Status
from issues.links import tracking_url
from issues.models import Follower, Issue, Notification
from issues.workflow import Actor, issue_add_note, issue_assign, issue_claim, issue_follow, issue_merge, issue_reject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache", "frozen")]

NOT_FOUND = "未找到相关诉求。请核对受理编号和完整的联系电话后再试。"


def track(client, code, phone):
    return client.post("/track/", {"code": code, "phone": phone})


@pytest.fixture
def handled(world, file_issue):
    """An issue assigned to 甘州区供热公司 and claimed by heat_staff, with a public and an internal note."""
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz, note="请尽快上门")
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_add_note(issue=issue, actor=Actor.of(world.heat_staff), note="已联系住户，明早上门", public=True)
    issue_add_note(issue=issue, actor=Actor.of(world.heat_staff), note="内部：该户欠费两年", public=False)
    issue.refresh_from_db()
    return issue


@pytest.mark.parametrize("phone", ["13800000000", "+86 138 0000 0000", "１３８００００００００"])
def test_code_and_whole_phone_show_the_issue(client, handled, phone):
    r = track(client, handled.tracking_code.lower(), phone)
    assert r.status_code == 302 and r["Location"] == f"/track/{handled.tracking_code}/"
    html = client.get(r["Location"]).content.decode()
    assert '<strong id="status">办理中</strong>' in html
    assert "责任单位正在处理。" in html
    assert '<dd id="unit"><span lang="zh-Hans">甘州区供热公司</span></dd>' in html
    # Each phase says its state in words too, not by its colour only.
    assert '>问题汇集<span class="visually-hidden">（已完成）</span>' in html
    assert 'class=" current" aria-current="step">分流交办<span class="visually-hidden">（进行中）</span>' in html
    assert '>督查研判<span class="visually-hidden">（未开始）</span>' in html
    assert "已联系住户，明早上门" in html  # the note staff marked 群众可见
    assert "该户欠费两年" not in html  # internal notes stay internal
    assert "请尽快上门" not in html and "交办" in html  # the 交办意见 is for the unit; the step shows
    assert "heat_staff" not in html and "dispatcher" not in html  # never staff names
    assert "市热线分派中心" in html
    assert "南关小区 3栋 2单元 501" in html and "暖气片冰凉" in html  # the reporter sees their own details
    assert "交给负责单位：已于 2026年11月30日 09:00 完成" in html
    assert "处理完毕：最迟 2026年12月2日 09:00" in html


@pytest.mark.parametrize("code", ["ＺＹ２０２６１１３００００００１", "ｚｙ２０２６１１３０　０００００１",
                                  # pasted with a zero-width space, a BOM or bidi marks (breaker)
                                  "ZY20261130000001\u200b", "\ufeffZY20261130000001", "\u202aZY20261130000001\u202c\u200e",
                                  "ZY2026\u200d1130\u200c000001\u180e",
                                  # copied from the SMS with its full stop or quotes, dashed, or without "ZY" (audit)
                                  "ZY20261130000001。", "“ZY20261130000001”", "ZY-2026-1130-000001",
                                  "20261130000001", "２０２６１１３０００００01"])
def test_a_full_width_code_and_phone_find_the_issue(client, handled, code):
    # A Chinese input method in full-width mode types letters, digits and the space full-width.
    r = track(client, code, "１３８００００００００")
    assert r.status_code == 302 and r["Location"] == "/track/ZY20261130000001/"
    assert "责任单位正在处理。" in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(
    "code, phone",
    [
        ("ZY20261130000001", "138****0000"),  # the masked form is never enough
        ("ZY20261130000001", "13900000000"),  # someone else's number
        ("ZY20261130000099", "13800000000"),  # no such code
        ("ZY20261130000001", "12345"),  # not a phone number
        ("garbage", "13800000000"),
    ],
)
def test_anything_wrong_gets_the_same_neutral_not_found(client, handled, code, phone):
    r = track(client, code, phone)
    assert r.status_code == 404
    assert NOT_FOUND in r.content.decode()
    assert client.get(f"/track/{handled.tracking_code}/").status_code == 404


def test_the_detail_page_needs_the_session(handled):
    # A bookmarked or shared address said "not found, check what you typed" to someone who typed nothing
    # (accessibility review): it asks for the phone with the code filled in, the same for any code.
    ask = "请输入提交时留的完整电话号码，查看这件诉求的办理进度。"
    for code in (handled.tracking_code, "ZY20261130000099", "garbage"):
        r = Client().get(f"/track/{code}/")
        html = r.content.decode()
        assert r.status_code == 404 and ask in html and NOT_FOUND not in html and "暖气片冰凉" not in html
        assert f'<input id="id_code" name="code" value="{code}"' in html
    r = Client().get(f"/report/done/{handled.tracking_code}/")
    assert r.status_code == 404 and ask in r.content.decode()
    assert '<small class="hint" id="code-hint">以 ZY 开头，例如：<span class="code-parts">' in html
    assert 'aria-describedby="code-hint code-error"' in html


def test_an_expired_tracking_link_says_so(handled):
    # A link older than 180 days said "not found, check the code" and counted against the lookup limit (breaker).
    url = tracking_url(handled, handled.reporter_phone)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    with time_machine.travel("2027-05-30 09:00:01+08:00", tick=False):  # 180 days and a second after 11-30 09:00
        r = Client().get(path)
    html = r.content.decode()
    assert r.status_code == 410 and "这个查询链接已过期（超过180天）。" in html and NOT_FOUND not in html
    assert Client().get(path[:-5] + "abcd/").status_code == 404  # a forged one is still not found


def test_the_signed_sms_link_opens_the_issue(handled):
    url = tracking_url(handled, handled.reporter_phone)
    path = url.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    r = client.get("/" + path)
    assert r.status_code == 200 and "暖气片冰凉" in r.content.decode()
    # remembered: the code's own page opens in this browser afterwards
    assert client.get(f"/track/{handled.tracking_code}/").status_code == 200


def test_the_sms_link_shows_the_issue_to_a_browser_that_keeps_no_cookies(handled):
    """A privacy mode or an app's viewer drops the cookie: the link itself still shows the issue (README trial)."""
    url = tracking_url(handled, handled.reporter_phone)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    for _ in range(2):  # and again on reload, each time with no cookie
        r = Client().get(path)
        html = r.content.decode()
        assert r.status_code == 200 and handled.tracking_code in html and "暖气片冰凉" in html
        assert NOT_FOUND not in html


def test_an_altered_link_is_not_found(handled):
    url = tracking_url(handled, handled.reporter_phone)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    r = Client().get(path.replace("/track/t/", "/track/t/x"))
    # The words speak of the link the resident opened, not of a code and phone they never typed (breaker).
    assert r.status_code == 404 and NOT_FOUND not in r.content.decode()
    assert ("这个链接打不开，可能复制时不完整。请从短信里直接点开链接，或在下面输入受理编号和提交时留的电话号码查询。"
            in r.content.decode())


def test_a_follower_sees_only_public_fields(handled):
    issue_follow(issue=handled, phone="13900000000", name="李先生")
    client = Client()
    r = track(client, handled.tracking_code, "13900000000")
    html = client.get(r["Location"]).content.decode()
    assert "办理中" in html and "南关小区" in html
    # The house number stands alone, not inside the page's random tokens.
    assert not re.search(r"(?<![0-9A-Za-z])501(?![0-9A-Za-z])", html)
    assert "暖气片冰凉" not in html and "王女士" not in html


def test_staff_notes_are_not_shown_to_residents(world, file_issue):
    """A 交办意见 naming a person and a phone (breaker): the reporter and a follower see the step, not the note."""
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz,
                 note="请联系报告人李建国 13912345678，家中有卧床老人")
    issue_follow(issue=issue, phone="13900000000", name="")
    for phone in ("13800000000", "13900000000"):
        client = Client()
        html = client.get(track(client, issue.tracking_code, phone)["Location"]).content.decode()
        assert "交办" in html and "已交办" in html
        assert "李建国" not in html and "13912345678" not in html and "卧床老人" not in html


def test_open311_status_notes_leave_out_staff_notes(world, file_issue):
    from issues.api.open311 import request_object

    issue = file_issue()
    issue = issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz, note="请联系李建国")
    assert request_object(issue, full=True)["status_notes"] == "已交办"  # the status, not the note
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_add_note(issue=issue, actor=Actor.of(world.heat_staff), note="明早上门", public=True)
    assert request_object(issue, full=True)["status_notes"] == "明早上门"


def test_a_rejected_issue_shows_the_reason(client, world, file_issue):
    issue = file_issue()
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="属于物业管理范围，请联系物业")
    r = track(client, issue.tracking_code, "13800000000")
    html = client.get(r["Location"]).content.decode()
    assert "您的诉求未予受理。" in html and "属于物业管理范围，请联系物业" in html
    assert 'class="phases"' not in html


def test_tracking_is_rate_limited_per_ip(client, handled, settings, locmem_cache, frozen):
    # (Fresh counters and time standing still: lookups straddling a minute's boundary fall in two windows.)
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "track_ip": [(3, 60)]}
    for _ in range(3):
        track(client, "ZY20261130000099", "13800000000")
    r = track(client, handled.tracking_code, "13800000000")
    assert r.status_code == 429 and "操作太频繁，请稍后再试" in r.content.decode()
    # A way back to the tracking form, not only to the home page (breaker); nothing said of a filing.
    html = r.content.decode()
    assert '<a role="button" class="big" href="/track/" id="back-to-track">返回查询页</a>' in html
    assert "还没有登记" not in html
    resent = client.post("/track/resend/", {"phone": "13800000000"})  # the resend counts per IP as a look-up
    assert resent.status_code == 429 and 'id="back-to-track"' in resent.content.decode()


def test_lost_code_sends_the_open_codes_by_sms(client, handled):
    r = client.post("/track/resend/", {"phone": "138 0000 0000"})
    assert r.status_code == 200
    neutral = "如果该号码反映或关注的诉求还在办理中或待评价，受理编号已通过短信发送到该号码"
    assert neutral in r.content.decode()
    assert "<title>已处理您的请求 · 张掖城市生命线</title>" in r.content.decode()
    sms = Notification.objects.get(kind="resident.codes")
    assert sms.recipient == "+8613800000000" and handled.tracking_code in sms.body
    # A number with nothing open gets the same page and no message.
    r = client.post("/track/resend/", {"phone": "13900000000"})
    assert neutral in r.content.decode()
    assert Notification.objects.filter(kind="resident.codes").count() == 1


def test_lost_code_is_limited_per_phone(client, handled):
    for _ in range(3):
        assert client.post("/track/resend/", {"phone": "13800000000"}).status_code == 200
    r = client.post("/track/resend/", {"phone": "13800000000"})
    assert r.status_code == 429
    assert Notification.objects.filter(kind="resident.codes").count() == 3


def test_lost_code_for_a_landline_says_no_sms_can_reach_it(client, handled, settings):
    # It said the codes "had been sent to that number" and counted a try (breaker); a landline gets no SMS.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "resend_phone": [(1, 3600)], "track_ip": [(2, 60)]}
    for typed in ("0936-8212345", "8212345", "(0936) 821 2345"):
        r = client.post("/track/resend/", {"phone": typed})
        assert r.status_code == 400
        html = r.content.decode()
        assert re.search(r'id="resend_phone-error"[^>]*>\s*(?:<[^>]+>\s*)*固定电话收不到短信，编号无法发送。'
                         r'请拨打12345热线，凭电话号码查询受理编号。', html)
        assert f'value="{typed}"' in html  # kept as typed
        # The hint under the form said the same again (breaker): only its call link stays.
        assert "短信只能发到手机" not in html
        assert '<p class="hint" id="landline-hint"><a href="tel:12345" class="tel">拨打 12345</a></p>' in html
    assert "短信只能发到手机。留的是固定电话的，请拨打 12345 政务服务便民热线，由话务员帮您查询。" in client.get("/track/").content.decode()
    assert Notification.objects.filter(kind="resident.codes").count() == 0
    assert client.post("/track/resend/", {"phone": "13800000000"}).status_code == 200  # nothing was counted


def test_an_older_issue_filed_with_a_company_hotline_is_still_tracked(client, world, file_issue):
    # A 400 number is refused for filing now; an older issue holding one is still found with it (breaker).
    issue = file_issue()
    Issue.objects.filter(pk=issue.pk).update(reporter_phone="+864008208820")
    r = track(client, issue.tracking_code, "400 820 8820")
    assert r.status_code == 302 and r["Location"] == f"/track/{issue.tracking_code}/"
    assert NOT_FOUND not in client.get(r["Location"]).content.decode()


def test_lost_code_with_a_bad_phone_says_so(client, db):
    r = client.post("/track/resend/", {"phone": "12345"})
    assert r.status_code == 400
    assert "请填写有效的中国大陆手机或固定电话号码" in r.content.decode()


# --- duplicate suggestion and "me too" ------------------------------------------


def similar(client, world, community="南关小区", category=None):
    return client.get("/report/similar/", {"category": (category or world.heat_cold).pk,
                                           "district": world.ganzhou.pk, "community": community})


def test_similar_lists_open_issues_of_that_category_in_that_compound(client, world, file_issue):
    issue = file_issue()
    file_issue(community="北街小区")
    file_issue(category=world.water_pressure)
    html = similar(client, world).content.decode()
    assert html.count('class="similar-item"') == 1
    assert f'href="/report/follow/{issue.pk}/"' in html
    assert "供暖不热 · <span>南关小区</span> · 待分派 · 11月30日 09:00" in html
    for private in ("暖气片冰凉", "王女士", "501", "138", issue.tracking_code):
        assert private not in html


def test_a_refused_filing_shows_the_suggestions_without_a_script(client, world, file_issue):
    """Without JavaScript "this is my problem too" never appeared (audit): the refused form draws them itself."""
    issue = file_issue()
    html = client.post("/report/", {"utility": "heat", "category": world.heat_cold.pk, "district": world.ganzhou.pk,
                                    "community": "南关小区", "reporter_phone": "12345"}).content.decode()
    similar_box = html.split('id="similar"', 1)[1].split("</div>", 1)[0]
    assert f'href="/report/follow/{issue.pk}/"' in similar_box and "这也是我的问题" in similar_box
    # An empty form draws none (htmx asks as the resident types).
    assert 'class="similar-item"' not in client.get("/report/").content.decode()


@pytest.mark.parametrize("typed", ["阳光　花园", "阳光  花园", " 阳光\t花园 ", "阳光 花园", "\ufeff阳光 花园"])
def test_similar_finds_a_compound_however_its_spaces_were_typed(client, world, file_issue, typed):
    # A Chinese input method types U+3000 (breaker): stored single-spaced, searched the same way.
    issue = file_issue(community="阳光　花园")
    assert Issue.objects.get(pk=issue.pk).community == "阳光 花园"
    html = similar(client, world, community=typed).content.decode()
    assert html.count('class="similar-item"') == 1 and f'href="/report/follow/{issue.pk}/"' in html


@pytest.mark.parametrize("stored,typed", [("Cafe\u0301小区", "Cafe\u0301小区"), ("\uf900园小区", "\uf900园小区"),
                                          ("南\ufeff湖\ufeff", "南\ufeff湖\ufeff")])
def test_similar_finds_what_was_filed_with_the_same_text(client, world, file_issue, stored, typed):
    # The search applies the rules the filing applied (NFC, trimming), not only the spaces (breaker round 2).
    issue = file_issue(community=stored)
    html = similar(client, world, community=typed).content.decode()
    assert html.count('class="similar-item"') == 1 and f'href="/report/follow/{issue.pk}/"' in html


@pytest.mark.parametrize("stored,typed", [
    ("南关小区", "南关"), ("南关小区", "南关 小区"), ("南关小区", "南关（小区）"), ("南关小区", "南关家属院"),
    ("锦绣花园小区", "滨河新区锦绣花园"), ("滨河新区锦绣花园", "锦绣花园"), ("城关镇南关小区", "南关"),
    ("甘州区康乐小区", "康乐小区"), ("南关街道锦绣花园", "锦绣花园"),  # a place in front
    ("锦绣花园13号楼", "锦绣花园"), ("锦绣花园", "锦绣花园3号楼2单元"), ("南关小区", "南关小区十二栋"),  # a building behind
    ("阳光花园小区二期", "阳光花园二期"), ("阳光花园2期", "阳光花园第二期"), ("锦绣花园12栋", "锦绣花园十二栋"),
    # Two buildings of one 小区, and a phase in Roman numerals (the last session's note left both missed).
    ("锦绣花园3号楼", "锦绣花园13号楼"), ("滨河新区锦绣花园5栋", "锦绣花园3号楼2单元"), ("阳光花园2期3号楼", "阳光花园第二期5号楼"),
    ("阳光花园二期", "阳光花园Ⅱ期"), ("阳光花园2期", "阳光花园ⅱ期"), ("阳光花园4区", "阳光花园IV区"), ("阳光花园12期", "阳光花园Ⅻ期"),
    ("Nanguan小区", "ＮＡＮＧＵＡＮ"), ("Nanguan小区", "nanguan"),
    # Names ending like places, with 小区 or a building; Roman numeral characters before 区 (breaker round 4).
    ("幸福新村", "幸福新村小区"), ("江南小镇3号楼", "江南小镇"), ("锦绣花园东区", "锦绣花园东区小区"), ("锦绣花园东区3号楼", "锦绣花园东区"),
    ("南街家属院", "南街家属院小区"), ("新区", "新区小区"), ("康乐路小区3号楼", "康乐路小区"), ("阳光花园一区", "阳光花园Ⅰ区"),
    ("阳光花园十区", "阳光花园Ⅹ区"),
    ("16号院", "16号院小区"),  # (a 小区 of punctuation alone is refused at filing: test_validation)
])
def test_similar_finds_a_compound_typed_with_or_without_its_generic_word(client, world, file_issue, stored, typed):
    # Exact text only missed "南关" for "南关小区" and "锦绣花园" behind a district's name.
    issue = file_issue(community=stored)
    html = similar(client, world, community=typed).content.decode()
    assert html.count('class="similar-item"') == 1 and f'href="/report/follow/{issue.pk}/"' in html


@pytest.mark.parametrize("stored,typed", [
    ("南关小区", "北关小区"), ("南关小区", "南"), ("南关小区", "小区"), ("南关小区", "关小"), ("南关小区", "南门"),
    # Names that hold others but are other compounds, a place or a part of one, and numbers (breakers).
    ("锦绣花园小区", "花园小区"), ("湖人关景花园", "花园"), ("锦绣花园南区", "南区"), ("锦绣花园南区", "锦绣花园"),
    ("新世纪花园", "世纪花园"), ("阳光城市花园", "阳光城"), ("阳光城市花园", "城市花园"), ("阳光花园二期", "阳光花园"),
    ("16号院", "6号院"), ("11号楼", "1号楼"), ("十三号院", "三号院"), ("十二号楼", "二号楼"),
    ("甘州区康乐小区", "甘州区"), ("南关街道锦绣花园", "南关街道"), ("南关小区", "/"),
    # Buildings of other compounds or phases, of a place rather than a compound, and a word that ends like a numeral.
    ("新世纪花园3号楼", "世纪花园5号楼"), ("阳光花园1期3号楼", "阳光花园2期3号楼"), ("锦13号楼", "锦3号楼"),
    ("康乐路3号楼", "康乐路5号楼"), ("甘州区3号楼", "甘州区5号楼"), ("阳光花园Ⅰ期", "阳光花园2期"), ("taxi区", "ta11区"),
    # A road's numbers, numbered compounds, and buildings behind a generic word or a short vague name (breaker).
    ("滨河大道12号", "滨河大道88号"), ("滨河大道12号", "滨河大道"), ("电力局1号院", "电力局2号院"),
    ("家属院3号楼", "家属院12号楼"), ("城南3号楼", "城南5号楼"),
    # A bare building or street number, a road with a generic word or a building, generic housing, letter areas
    # (breaker round 3).
    ("康乐路3号楼", "3号楼"), ("3号楼", "3号楼"), ("南关街道5栋", "5栋"), ("南环路88号", "88号"),
    ("南环路88号5号楼", "88号3号楼"), ("康乐路小区", "康乐路家属院"), ("南环路生活区", "南环路住宅区"), ("北街", "北街家属院"),
    ("康乐路3号楼", "康乐路"), ("滨河大道3号楼", "滨河大道"), ("职工宿舍5号楼", "职工宿舍3号楼"), ("教师公寓2栋", "教师公寓1栋"),
    ("锦绣花园10区", "锦绣花园X区"), ("锦绣花园5区", "锦绣花园V区"),
])
def test_similar_does_not_match_another_compound(client, world, file_issue, stored, typed):
    file_issue(community=stored)
    assert 'class="similar-item"' not in similar(client, world, community=typed).content.decode()


def test_public_pages_show_a_compound_without_the_house_number_typed_into_it(client, world, file_issue):
    # Anyone who typed "锦绣花园" read another resident's "锦绣花园5号楼2单元501室" in the suggestion, on the
    # "me too" page and, once following, on the tracking and rating pages (breaker).
    issue = file_issue(community="锦绣花园5号楼2单元501室", building="", unit_no="", room="")
    numbered = file_issue(community="16号院", building="", unit_no="", room="")
    html = similar(client, world, community="锦绣花园").content.decode()
    assert "供暖不热 · <span>锦绣花园</span> · 待分派" in html and "501" not in html
    html = Client().get(f"/report/follow/{issue.pk}/").content.decode()
    assert "<span>锦绣花园</span>" in html and "5号楼" not in html
    html = Client().get(f"/report/follow/{numbered.pk}/").content.decode()
    assert "<span>（门牌号不公开）</span>" in html and "16号" not in html
    issue_follow(issue=issue, phone="13900000000")
    follower = Client()
    html = follower.get(track(follower, issue.tracking_code, "13900000000")["Location"]).content.decode()
    assert "<span>锦绣花园</span>" in html and "5号楼" not in html
    reporter = Client()  # the reporter's own page keeps the whole address
    html = reporter.get(track(reporter, issue.tracking_code, world.phone)["Location"]).content.decode()
    assert "锦绣花园5号楼2单元501室" in html
    english = Client()
    english.cookies["django_language"] = "en"
    assert "(house number not shown)" in english.get(f"/report/follow/{numbered.pk}/").content.decode()


def test_similar_lists_the_same_compound_before_a_name_that_only_holds_it(client, world, file_issue):
    same = file_issue(community="锦绣花园")
    with time_machine.travel(timezone_now_minus(days=0) + timedelta(minutes=5), tick=False):
        holds = file_issue(community="滨河新区锦绣花园小区")  # newer, but a different text
    html = similar(client, world, community="锦绣花园小区").content.decode()
    assert html.count('class="similar-item"') == 2
    assert html.index(f"/report/follow/{same.pk}/") < html.index(f"/report/follow/{holds.pk}/")


@pytest.mark.parametrize("odd", ["²", "①", "١", "-1", "9" * 30])
def test_similar_answers_an_odd_id_with_an_empty_list(client, world, file_issue, odd):
    file_issue()
    for params in ({"category": odd, "district": world.ganzhou.pk}, {"category": world.heat_cold.pk, "district": odd}):
        r = client.get("/report/similar/", {**params, "community": "南关小区"})
        assert r.status_code == 200
        assert 'class="similar-item"' not in r.content.decode()


def test_similar_leaves_out_old_and_closed_issues(client, world, file_issue):
    with time_machine.travel(timezone_now_minus(days=8), tick=False):
        file_issue()
    closed = file_issue()
    issue_reject(issue=closed, actor=Actor.of(world.dispatcher), reason="重复")
    assert 'class="similar-item"' not in similar(client, world).content.decode()


def timezone_now_minus(days: int):
    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


def test_similar_needs_all_three_parameters(client, world, file_issue):
    file_issue()
    assert client.get("/report/similar/", {"category": world.heat_cold.pk}).content.decode().strip() == ""


def test_me_too_makes_a_follower(client, world, file_issue):
    issue = file_issue()
    page = client.get(f"/report/follow/{issue.pk}/")
    assert page.status_code == 200 and "暖气片冰凉" not in page.content.decode()
    r = client.post(f"/report/follow/{issue.pk}/", {"phone": "139 0000 0000", "name": "李先生", "privacy": "on"})
    assert r.status_code == 200
    assert issue.tracking_code in r.content.decode()
    assert "<title>已关注 · 张掖城市生命线</title>" in r.content.decode()  # was the bare site name
    # The language switch on this answer to a POST opens the tracking form with the code, not an empty form.
    assert f'<input name="next" type="hidden" value="/track/?code={issue.tracking_code}">' in r.content.decode()
    follower = Follower.objects.get()
    assert (follower.issue, follower.phone, follower.name) == (issue, "+8613900000000", "李先生")
    # The follower tracks it with the code and their own phone.
    assert track(Client(), issue.tracking_code, "13900000000").status_code == 302


def test_following_again_does_not_use_up_the_phones_quota(client, world, file_issue, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(2, 3600)]}
    issue = file_issue()
    for _ in range(4):  # a follower pressing "me too" again and again counts once
        r = client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"})
        assert r.status_code == 200
    assert Follower.objects.count() == 1
    from tests.test_resident_report import form_data

    r = client.post("/report/", form_data(world, reporter_phone="13900000000"))
    assert r.status_code == 302  # the phone's 2nd of 2 this hour
    r = client.post("/report/", form_data(world, reporter_phone="13900000000", room="502",
                                          idempotency_key="0e0e0e0e-0000-4000-8000-000000000301"))
    assert r.status_code == 429


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"phone": "12345", "privacy": "on"}, "phone", "请填写有效的中国大陆手机或固定电话号码"),
        ({"phone": "", "privacy": "on"}, "phone", "请填写联系电话"),
        ({"phone": "13900000000", "name": "名" * 51, "privacy": "on"}, "name", "称呼最多 50 个字（现在 51 个）"),
        ({"phone": "13900000000"}, "privacy", "请勾选同意提供电话号码"),
    ],
)
def test_me_too_bad_input(client, file_issue, data, field, message):
    issue = file_issue()
    r = client.post(f"/report/follow/{issue.pk}/", data)
    assert r.status_code == 400
    assert r.context["errors"][field] == [message]
    assert Follower.objects.count() == 0


def test_me_too_shows_every_mistake_at_once(client, file_issue):
    # The phone's message came only after the consent was ticked, a second round (accessibility audit).
    issue = file_issue()
    r = client.post(f"/report/follow/{issue.pk}/", {"phone": "12345", "name": "名" * 51})
    assert r.status_code == 400
    assert {k: list(v) for k, v in r.context["errors"].items()} == {
        "phone": ["请填写有效的中国大陆手机或固定电话号码"], "name": ["称呼最多 50 个字（现在 51 个）"],
        "privacy": ["请勾选同意提供电话号码"]}
    assert 'id="form-error" data-error-summary' in r.content.decode()
    assert Follower.objects.count() == 0


def test_me_too_does_not_tell_whether_a_phone_is_the_reporters(client, file_issue):
    # Whoever tries phone numbers on "me too" gets the same page for the reporter's phone as for any
    # other (tracking code included), and the reporter's phone becomes no follower and gets no message.
    issue = file_issue()
    sent = Notification.objects.count()
    stranger = client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"})
    reporter = client.post(f"/report/follow/{issue.pk}/", {"phone": "138 0000 0000", "privacy": "on"})
    assert stranger.status_code == reporter.status_code == 200
    assert [t.name for t in reporter.templates][0] == [t.name for t in stranger.templates][0] == "resident/follow_done.html"
    assert issue.tracking_code in reporter.content.decode()
    assert "报告人" not in reporter.content.decode()
    assert list(Follower.objects.values_list("phone", flat=True)) == ["+8613900000000"]
    assert Notification.objects.count() == sent + 1  # the stranger's "you follow it" message only
    assert [e.kind for e in issue.events.all()] == ["submitted", "followed"]  # the stranger's alone


def test_me_too_answers_alike_while_the_cache_is_unreachable(client, file_issue, settings):
    # Nothing listens on port 9 (discard): every cache call fails to connect, as while Redis restarts.
    issue = file_issue()
    working = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}
    try:
        stranger = client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"})
        reporter = client.post(f"/report/follow/{issue.pk}/", {"phone": "13800000000", "privacy": "on"})
    finally:
        settings.CACHES = working  # the fixture empties the cache afterwards
    assert stranger.status_code == reporter.status_code == 200
    assert [t.name for t in reporter.templates][0] == "resident/follow_done.html"
    assert list(Follower.objects.values_list("phone", flat=True)) == ["+8613900000000"]


def test_me_too_checks_the_reporters_phone_as_any_other(client, file_issue, settings):
    # A bad name is refused for the reporter's phone as for a stranger's, and the reporter's phone uses
    # up its filings as a new follower's does: the same answers in the same order.
    issue = file_issue()  # by 13800000000, through the workflow (no limit counted)
    other = file_issue(reporter_phone="13700000000")
    for phone in ("13900000000", "13800000000"):
        r = client.post(f"/report/follow/{issue.pk}/", {"phone": phone, "name": "名" * 51, "privacy": "on"})
        assert r.status_code == 400 and r.context["errors"]["name"] == ["称呼最多 50 个字（现在 51 个）"], phone
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
    answers = {phone: [client.post(f"/report/follow/{i.pk}/", {"phone": phone, "privacy": "on"}).status_code
                       for i in (issue, other)]
               for phone in ("13900000000", "13800000000")}
    assert answers == {"13900000000": [200, 429], "13800000000": [200, 429]}
    assert list(Follower.objects.values_list("phone", flat=True)) == ["+8613900000000"]


def test_pressing_me_too_again_answers_alike_for_the_reporter_and_a_stranger(client, world, file_issue, settings):
    # A follower's repeat gives its count back; so does the reporter's second press (it used to use up the
    # phone's filings one by one, which told the phones apart).
    issue = file_issue()  # by 13800000000
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(2, 3600)]}
    answers = {phone: [client.post(f"/report/follow/{issue.pk}/", {"phone": phone, "privacy": "on"}).status_code
                       for _ in range(6)]
               for phone in ("13900000000", "13800000000")}
    assert answers == {"13900000000": [200] * 6, "13800000000": [200] * 6}
    from tests.test_resident_report import form_data

    for phone in ("13900000000", "13800000000"):  # one press counted, one filing left this hour
        codes = [client.post("/report/", form_data(world, reporter_phone=phone, room=room,
                                                   idempotency_key=k + phone[2])).status_code
                 for k, room in (("0e0e0e0e-0000-4000-8000-0000000005a", "501"),
                                 ("0e0e0e0e-0000-4000-8000-0000000005b", "502"))]
        assert codes == [302, 429], phone


def test_the_follow_page_and_the_timeline_speak_english_under_the_switch(client, world, file_issue):
    # District, date and the system's step were Chinese on English pages (breaker round 3).
    world.ganzhou.name_en = "Ganzhou District"
    world.ganzhou.save()
    issue = file_issue()
    client.cookies["django_language"] = "en"
    html = client.get(f"/report/follow/{issue.pk}/").content.decode()
    assert "Ganzhou District" in html and "甘州区" not in html and "30 Nov 09:00" in html
    html = client.get("/report/similar/", {"category": world.heat_cold.pk, "district": world.ganzhou.pk,
                                           "community": "南关小区"}).content.decode()
    assert "30 Nov 09:00" in html and "11月30日" not in html
    r = track(client, issue.tracking_code, "13800000000")
    html = client.get(r["Location"]).content.decode()
    assert "Resident" in html and "居民" not in html
    # The address's parts too (小区 stays as typed); the SMS keeps its Chinese address.
    assert "南关小区 Building 3 Unit 2 Room 501" in html and "3栋" not in html


def test_what_the_system_wrote_reads_english_under_the_switch(client, world, file_issue, handled, settings):
    # A merge's default reason, the close-out's note and actor, and the filing step ("Submit", the button's
    # word) stayed Chinese or wrong on the English tracking page (breaker).
    from issues.workflow import issue_close_out, issue_resolve

    dup = file_issue(phone="+8613700000000")
    issue_merge(issue=dup, actor=Actor.of(world.dispatcher), original=handled)
    issue_resolve(issue=handled, actor=Actor.of(world.heat_staff), result="更换了阀门。")
    issue_close_out(issue=handled, now=timezone_now_minus(-settings.ZY_REVISIT_WINDOW_DAYS - 1))
    client.cookies["django_language"] = "en"
    html = client.get(track(client, dup.tracking_code, "13700000000")["Location"]).content.decode()
    assert html.count(f"The same problem as {handled.tracking_code}; handled together with it") == 2  # card, timeline
    assert "为同一问题" not in html and "<strong>Submitted</strong>" in html
    html = client.get(track(client, handled.tracking_code, "13800000000")["Location"]).content.decode()
    assert "Not rated within the revisit period; closed out automatically" in html and "Revisit period over" in html
    assert "回访期" not in html
    client.cookies["django_language"] = "zh-hans"  # the record itself stays Chinese
    html = client.get(f"/track/{dup.tracking_code}/").content.decode()
    assert f"与 {handled.tracking_code} 为同一问题，已合并办理" in html and "<strong>提交</strong>" in html


def test_typed_chinese_text_is_marked_chinese_on_english_pages_only(client, world, file_issue):
    # A screen reader spelled a resident's 小区 and description out with an English voice (WCAG 3.1.2).
    issue = file_issue()
    other = file_issue(phone="+8613900000002", community="Riverside Garden", description="No hot water since Monday")
    client.cookies["django_language"] = "en"
    html = client.get(track(client, issue.tracking_code, "13800000000")["Location"]).content.decode()
    assert '<span lang="zh-Hans">南关小区 Building 3 Unit 2 Room 501</span>' in html
    assert '<dd class="prewrap" lang="zh-Hans">暖气片冰凉' in html
    assert '<span lang="zh-Hans">南关小区</span> · ' in client.get(f"/report/follow/{issue.pk}/").content.decode()
    html = client.get(track(client, other.tracking_code, "13900000002")["Location"]).content.decode()
    assert '<dd class="prewrap">No hot water since Monday</dd>' in html  # English typed text: no mark
    assert "<span>Riverside Garden Building 3 Unit 2 Room 501</span>" in html
    client.cookies["django_language"] = "zh-hans"  # a Chinese page is Chinese already
    html = client.get(track(client, issue.tracking_code, "13800000000")["Location"]).content.decode()
    assert '<dd class="prewrap">暖气片冰凉' in html and "<span>南关小区 3栋 2单元 501</span>" in html


def test_the_reporter_sees_the_whole_address_in_chinese(client, world, file_issue):
    issue = file_issue()
    r = track(client, issue.tracking_code, "13800000000")
    html = client.get(r["Location"]).content.decode()
    assert "南关小区 3栋 2单元 501" in html and "Building" not in html


def test_a_closed_issue_cannot_be_followed_and_the_page_says_so(client, world, file_issue):
    # It answered the tracking page's "not found, check your code and phone": the resident typed no code (breaker).
    issue = file_issue()
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="重复")
    page = client.get(f"/report/follow/{issue.pk}/")
    assert page.status_code == 200
    r = client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"})
    assert r.status_code == 409 and Follower.objects.count() == 0
    for answer in (page, r):
        html = answer.content.decode()
        assert "这件诉求已经结束办理，不能再关注。如果您的问题仍然存在，请返回表单提交新的诉求。" in html
        assert 'href="/report/">返回填写诉求</a>' in html and "未找到" not in html
    assert client.get("/report/follow/999999/").status_code == 404  # no such issue: the neutral answer


def test_me_too_on_a_merged_issue_offers_its_original_with_what_was_typed(client, world, file_issue):
    original = file_issue()
    dup = file_issue(phone="+8613700000000")
    issue_merge(issue=dup, actor=Actor.of(world.dispatcher), original=original)
    r = client.post(f"/report/follow/{dup.pk}/", {"phone": "139 0000 0000", "name": "李先生", "privacy": "on"})
    assert r.status_code == 409 and Follower.objects.filter(phone="+8613900000000").count() == 0
    html = r.content.decode()
    assert "您选的诉求已和下面这件合并办理（同一个问题）。请确认关注这一件。" in html
    assert f'action="/report/follow/{original.pk}/"' in html
    assert 'value="139 0000 0000"' in html and 'value="李先生"' in html
    assert client.get(f"/report/follow/{dup.pk}/").status_code == 200
    # Merged again, into a third: the offer follows the chain to the issue still open.
    third = file_issue(phone="+8613600000000")
    issue_merge(issue=original, actor=Actor.of(world.dispatcher), original=third)
    html = client.get(f"/report/follow/{dup.pk}/").content.decode()
    assert f'action="/report/follow/{third.pk}/"' in html and "合并办理" in html
    original = third
    r = client.post(f"/report/follow/{original.pk}/", {"phone": "139 0000 0000", "name": "李先生", "privacy": "on"})
    assert r.status_code == 200 and original.tracking_code in r.content.decode()
    assert Follower.objects.filter(issue=original, phone="+8613900000000").exists()


def test_pressing_me_too_again_over_the_phones_limit_gets_the_same_page(client, world, file_issue, settings):
    # Once the phone's filings of the hour were used up, pressing "me too" again on an issue it follows
    # said "not recorded" (429) although it was (breaker).
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
    issue, other = file_issue(), file_issue(reporter_phone="13700000000")
    assert client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"}).status_code == 200
    assert client.post(f"/report/follow/{other.pk}/", {"phone": "13900000000", "privacy": "on"}).status_code == 429
    again = client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"})
    assert again.status_code == 200 and issue.tracking_code in again.content.decode()
    assert [t.name for t in again.templates][0] == "resident/follow_done.html"
    assert Follower.objects.filter(phone="+8613900000000").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_on_me_too_gets_the_followed_page_twice(world, file_issue, settings):
    """Both copies at once, the phone's last filing of the hour: one follower, two "followed" pages."""
    import threading

    from django.db import connection

    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
    issue = file_issue()
    for n in range(3):  # three residents, each double-tapping
        barrier, answers = threading.Barrier(2), []

        def tap():
            try:
                barrier.wait()
                r = Client().post(f"/report/follow/{issue.pk}/", {"phone": f"1390000000{n}", "privacy": "on"})
                answers.append((r.status_code, [t.name for t in r.templates][:1]))
            finally:
                connection.close()

        threads = [threading.Thread(target=tap) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert answers == [(200, ["resident/follow_done.html"])] * 2, answers
    assert Follower.objects.count() == 3


def test_status_words_follow_the_status(client, world, file_issue):
    issue = file_issue()
    r = track(client, issue.tracking_code, "13800000000")
    html = client.get(r["Location"]).content.decode()
    assert issue.status == Status.NEW and "您的诉求已受理，正在等待分派给责任单位。" in html
    assert "交给负责单位：最迟 2026年11月30日 10:00" in html


def test_absurd_ids_and_parameters_are_answered_not_crashed(client, world, file_issue):
    file_issue()
    huge = "9" * 30
    assert client.get("/report/similar/", {"category": huge, "district": huge, "community": "南关小区"}).status_code == 200
    assert client.get(f"/report/follow/{huge}/").status_code == 404
    assert client.get(f"/attachments/{huge}/").status_code == 404
    r = client.post("/report/", {"category": huge, "district": huge, "community": "x", "description": "x",
                                 "reporter_phone": "13800000000", "privacy": "on"})
    assert r.status_code == 400 and r.context["errors"]["category"] == ["请选择问题类别"]


def test_a_good_sms_link_does_not_use_up_the_addresss_lookups(handled, settings, locmem_cache, frozen):
    # Residents behind one carrier address shared their 10 lookups a minute with every SMS link opened
    # (accessibility audit): a link cannot be guessed, so only a bad one counts.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "track_ip": [(2, 60)]}
    path = "/" + tracking_url(handled, handled.reporter_phone).split("://", 1)[1].split("/", 1)[1]
    for _ in range(5):
        assert Client().get(path).status_code == 200
    bad = path.replace("/track/t/", "/track/t/x")
    assert [Client().get(bad).status_code for _ in range(3)] == [404, 404, 429]
    assert Client().get(path).status_code == 200


def test_the_units_24_hour_line_is_shown_with_a_link_to_call(client, world, handled):
    world.heat_gz.hotline = "0936-8211234"
    world.heat_gz.save()
    html = client.get(track(client, handled.tracking_code, "13800000000")["Location"]).content.decode()
    assert ('<span lang="zh-Hans">甘州区供热公司</span> · 24小时热线 '
            '<a href="tel:0936-8211234" class="tel nowrap">0936-8211234</a>') in html


def test_a_landline_reporter_can_rate_from_the_tracking_page(world, file_issue):
    # A landline gets no SMS, so the tracking page was the reporter's only way in, and it had no link.
    from issues.workflow import issue_resolve

    issue = file_issue(phone="0936-8211234")
    issue_follow(issue=issue, phone="13900000000", name="")
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    reporter, follower = Client(), Client()
    page = track(reporter, issue.tracking_code, "09368211234")["Location"]
    follower_page = track(follower, issue.tracking_code, "13900000000")["Location"]
    assert 'id="rate-link"' not in reporter.get(page).content.decode()  # nothing to rate yet
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了阀门")
    html = reporter.get(page).content.decode()
    assert "已处理完毕，请您评价办理结果。" in html and "评价链接已通过短信发送" not in html
    link = re.search(r'id="rate-link" href="(/rate/[^"]+/)"', html).group(1)
    assert 'id="rate-link"' not in follower.get(follower_page).content.decode()  # a follower has their SMS
    r = reporter.post(link, {"resolved": "no", "satisfaction": "dissatisfied", "comment": "还是不热"})
    assert r.status_code == 200 and "新的办结时限为" in r.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS and issue.rework_count == 1  # the reporter's rating: rework


def test_once_rated_the_landline_reporter_is_thanked_not_asked_again(world, file_issue, settings):
    # At the rework limit a dissatisfied rating leaves the issue awaiting a decision: the page kept
    # asking for a rating that the link then refused (breaker).
    from issues.workflow import issue_resolve

    issue = file_issue(phone="0936-8211234")
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了阀门")
    Issue.objects.filter(pk=issue.pk).update(rework_count=settings.ZY_REWORK_LIMIT)
    client = Client()
    page = track(client, issue.tracking_code, "09368211234")["Location"]
    link = re.search(r'id="rate-link" href="(/rate/[^"]+/)"', client.get(page).content.decode()).group(1)
    client.post(link, {"resolved": "no", "satisfaction": "dissatisfied"})
    issue.refresh_from_db()
    assert (issue.status, issue.needs_decision) == (Status.AWAITING_RATING, True)
    html = client.get(page).content.decode()
    # Not asked again; told the supervisor decides, and where to look (no SMS reaches a landline).
    assert 'id="rate-link"' not in html
    assert "您对办理结果不满意，督查部门正在研判后续处理，请过几天再凭受理编号和电话号码查询结果。" in html


def test_a_follower_is_not_told_a_text_went_to_their_phone(world, handled):
    # A follower may have given a landline: the words no longer say the link was sent to them (breaker).
    from issues.workflow import issue_resolve

    issue_follow(issue=handled, phone="0936-8200002", name="")
    client = Client()
    page = track(client, handled.tracking_code, "09368200002")["Location"]
    issue_resolve(issue=handled, actor=Actor.of(world.heat_staff), result="更换了阀门")
    html = client.get(page).content.decode()
    # Spoken to the follower reading it, who may have rated already ("关注人…" in the third person: breaker).
    assert ("已处理完毕，正在请群众评价。您留的是手机号码的，会收到评价短信，请用短信里的链接评价；"
            "留的是固定电话的，收不到短信，对办理结果有意见可以拨打12345热线反映；已经评价过的，无需再评价，谢谢。") in html
    assert 'id="rate-link"' not in html and "评价链接已通过短信发送" not in html and "关注人" not in html


def test_a_mobile_reporter_rates_from_the_sms_not_the_tracking_page(world, handled):
    # The code and the whole number are less of a proof than the SMS link (breaker): no link for a mobile.
    from issues.workflow import issue_resolve

    client = Client()
    page = track(client, handled.tracking_code, "13800000000")["Location"]
    issue_resolve(issue=handled, actor=Actor.of(world.heat_staff), result="更换了阀门")
    html = client.get(page).content.decode()
    assert 'id="rate-link"' not in html and "评价链接已通过短信发送" in html
    assert "找不到短信，可在查询页点“忘记受理编号？”重新发送" in html


def test_lost_code_sends_the_rating_links_not_yet_used_again(client, world, handled, settings):
    """A mobile reporter who deleted the fix's SMS had no way to rate (audit): "lost your code?" sends it again."""
    from issues.links import RATE_MAX_AGE, RATE_SALT, read_token
    from issues.workflow import issue_follow, issue_rate, issue_resolve

    issue_follow(issue=handled, phone="13900000000", name="")
    issue_resolve(issue=handled, actor=Actor.of(world.heat_staff), result="更换了阀门。")
    r = client.post("/track/resend/", {"phone": "13800000000"})
    assert "；待评价的，评价链接也一并重新发送" in r.content.decode()
    again = Notification.objects.get(kind="resident.rate_again", recipient="+8613800000000")
    assert again.body.startswith(f"【张掖城市生命线】您反映的问题（编号{handled.tracking_code}）已办结：更换了阀门。请您评价：")
    token = again.body.rsplit("/rate/", 1)[1].rstrip("/")
    assert read_token(token, RATE_SALT, RATE_MAX_AGE)[0] == handled.pk
    assert "问题解决了吗？" in Client().get(f"/rate/{token}/").content.decode()
    # A follower who has rated this round is not sent it again; the reporter who has not, is.
    issue_rate(issue=handled, actor=Actor.resident("+8613900000000"), resolved=True, satisfaction="satisfied")
    for phone in ("13800000000", "13900000000"):
        client.post("/track/resend/", {"phone": phone})
    assert list(Notification.objects.filter(kind="resident.rate_again").values_list("recipient", flat=True)
                .order_by("id")) == ["+8613800000000", "+8613800000000"]


def test_lost_code_sends_the_rating_link_of_a_fixed_issue_older_than_the_ten_listed(client, world, handled,
                                                                                   file_issue, settings):
    # The SMS lists the newest 10 open issues; an older one awaiting a rating lost its link (breaker).
    from issues.workflow import issue_resolve

    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "resend_phone": [(10, 3600)]}
    issue_resolve(issue=handled, actor=Actor.of(world.heat_staff), result="更换了阀门。")
    newer = [file_issue() for _ in range(10)]
    client.post("/track/resend/", {"phone": "13800000000"})
    codes = Notification.objects.get(kind="resident.codes").body
    assert handled.tracking_code not in codes and newer[0].tracking_code in codes and "（共11件，这里是最近的10件）" in codes
    again = Notification.objects.get(kind="resident.rate_again")
    assert again.recipient == "+8613800000000" and f"（编号{handled.tracking_code}）已办结：更换了阀门。请您评价：" in again.body


def test_the_timeline_does_not_repeat_a_step_as_its_status(client, world, file_issue):
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    client.cookies["django_language"] = "en"
    html = client.get(track(client, issue.tracking_code, "13800000000")["Location"]).content.decode()
    assert "<strong>Assigned</strong> <span" in html and "Assigned → Assigned" not in html
    client.cookies["django_language"] = "zh-hans"
    html = client.get(f"/track/{issue.tracking_code}/").content.decode()
    assert "<strong>交办</strong> <span" in html and "交办 → 已交办" not in html  # "已交办" is "交办" again
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    html = client.get(f"/track/{issue.tracking_code}/").content.decode()
    assert "<strong>认领</strong> → 办理中" in html  # here the status says more than the step


def test_an_empty_lookup_gets_a_summary_that_takes_the_focus(client, db):
    # The messages were by the fields only, with nothing announced (accessibility re-audit).
    r = client.post("/track/", {"code": "", "phone": ""})
    html = r.content.decode()
    assert r.status_code == 400
    assert '<div class="form-error" role="alert" id="form-error" data-error-summary>输入有误，请按红色提示修改。</div>' in html
    # Read once, by the summary: the field's own message is not a second alert (left alone before).
    assert '<small id="code-error" class="field-error">请填写受理编号</small>' in html


def test_a_too_long_code_or_phone_is_told_in_plain_words(client, world):
    # Django's own "确保该变量包含不超过 40 字符" reached residents (breaker).
    r = client.post("/track/", {"code": "ZY" + "1" * 48, "phone": "1" * 50})
    html = r.content.decode()
    assert r.status_code == 400 and "受理编号太长了，请核对后再试" in html and "电话号码太长了，请核对后再试" in html
    assert "确保该变量" not in html
    r = client.post("/track/resend/", {"phone": "1" * 50})
    assert "电话号码太长了，请核对后再试" in r.content.decode() and "确保该变量" not in r.content.decode()


def test_an_empty_me_too_post_is_told_what_to_fill_in(client, world, file_issue):
    # An empty body made an unbound form, and reading its cleaned data was a 500 (breaker).
    issue = file_issue()
    r = client.post(f"/report/follow/{issue.pk}/", "", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "请勾选同意提供电话号码" in r.content.decode()
    assert not Follower.objects.exists()


def test_following_a_fixed_issue_says_the_rating_invitation_was_sent(client, world, file_issue):
    from issues.workflow import issue_resolve

    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="已修复")
    r = client.post(f"/report/follow/{issue.pk}/", {"phone": "13900000000", "privacy": "on"})
    html = r.content.decode()
    assert r.status_code == 200 and "这件诉求已经办结，评价邀请已短信发送到您的手机。" in html
    assert "办理进展和评价邀请会短信发送到您的手机。" not in html


@pytest.mark.django_db
def test_a_building_or_entrance_typed_with_its_word_is_not_named_twice(client, world, file_issue):
    # "3号楼" in 楼栋 and "2单元" in 单元 read "3号楼栋 2单元单元" on the tracking page, the staff pages and the
    # gas-leak on-call SMS (breaker, accessibility review); a bare number still gets its word.
    from django.utils import translation

    issue = file_issue(building="3号楼", unit_no="2单元", room="501")
    assert issue.address == "南关小区 3号楼 2单元 501"
    for building, unit, expected in [("A座", "东门", "南关小区 A座 东门 501"), ("十二", "二", "南关小区 十二栋 二单元 501"),
                                     ("综合楼", "", "南关小区 综合楼 501"), ("5幢", "1号", "南关小区 5幢 1号 501"),
                                     # breaker round 2: a building with its entrance, traditional forms, "3#"
                                     ("3号楼2单元", "", "南关小区 3号楼2单元 501"), ("3棟", "2單元", "南关小区 3棟 2單元 501"),
                                     ("3#", "", "南关小区 3# 501"),
                                     # named in English: not "Building 3栋", "Unit 2单元"; a bare "3A" or "B" gets its word
                                     ("Building 3", "Unit 2", "南关小区 Building 3 Unit 2 501"),
                                     ("Bldg. 3", "Entrance 2", "南关小区 Bldg. 3 Entrance 2 501"),
                                     ("block b", "No. 2", "南关小区 block b No. 2 501"),
                                     # with the number right behind, or typed full-width (breaker round 2)
                                     ("Building3", "Unit2", "南关小区 Building3 Unit2 501"),
                                     ("Ｂｕｉｌｄｉｎｇ ３", "Entrance2", "南关小区 Ｂｕｉｌｄｉｎｇ ３ Entrance2 501"),
                                     ("Bldg3", "Stairway 2", "南关小区 Bldg3 Stairway 2 501"),
                                     # a word that only holds one is no name: "Nonghe" is not "No"
                                     ("Nonghe", "Bunit", "南关小区 Nonghe栋 Bunit单元 501"),
                                     ("3A", "B", "南关小区 3A栋 B单元 501")]:
        issue.building, issue.unit_no = building, unit
        assert issue.address == expected
    issue.building, issue.unit_no = "3号楼", "2"
    with translation.override("en"):
        assert issue.shown_address == "南关小区 3号楼 Unit 2 Room 501"
        issue.building, issue.unit_no = "Building 3", "Unit 2"
        assert issue.shown_address == "南关小区 Building 3 Unit 2 Room 501"  # not "Building Building 3"
        issue.room = "Room 501"
        assert issue.shown_address == "南关小区 Building 3 Unit 2 Room 501"  # not "Room Room 501"
        issue.room = "501室"
        assert issue.shown_address == "南关小区 Building 3 Unit 2 501室"
    issue.room = "501"
    issue.building, issue.unit_no = "3号楼", "2单元"
    issue.save()
    r = track(client, issue.tracking_code, "13800000000")
    html = client.get(r["Location"]).content.decode()
    assert "南关小区 3号楼 2单元 501" in html and "栋" not in html


def _resolve(world, issue):
    # The heat company fixes ``issue`` (assigned and claimed first when still new): → awaiting_rating.
    from issues.workflow import issue_resolve

    issue.refresh_from_db()
    if issue.status == Status.NEW:
        issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
        issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="更换了阀门。")


def test_a_fixed_issue_says_when_it_was_fixed_not_the_latest_time_to_fix_it(world, file_issue):
    # Awaiting its rating, the page still read "处理完毕：最迟 …" as if the fix were to come (breaker).
    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    client = Client()
    r = track(client, issue.tracking_code, "13800000000")
    assert "处理完毕：最迟 2026年12月2日 09:00" in client.get(r["Location"]).content.decode()
    with time_machine.travel("2026-11-30 15:30:00+08:00", tick=False):
        _resolve(world, issue)
    html = client.get(r["Location"]).content.decode()
    assert "处理完毕：已于 2026年11月30日 15:30 办结" in html and "处理完毕：最迟" not in html
    # Reported fixed but still to be checked by the supervisor: not yet "办结" (breaker round 2).
    issue.refresh_from_db()
    issue.status = Status.RESOLVED
    issue.save()
    html = client.get(r["Location"]).content.decode()
    assert "处理完毕：单位已于 2026年11月30日 15:30 报告办结，正在核查" in html and "已于 2026年11月30日 15:30 办结" not in html


def test_a_closed_issue_shows_every_phase_done_and_none_under_way(world, file_issue):
    # The last phase was both "done" and "current": marked ● on blue while read as done (breaker round 2).
    from issues.workflow import issue_rate

    issue = file_issue()
    _resolve(world, issue)
    issue_rate(issue=issue, actor=Actor.resident(issue.reporter_phone), resolved=True, satisfaction="satisfied")
    client = Client()
    html = client.get(track(client, issue.tracking_code, "13800000000")["Location"]).content.decode()
    assert html.count('<li class="done"') == 4 and "current" not in html.split('class="phases"')[1].split("</ol>")[0]


def _page(phone, issue):
    # The tracking page of ``issue`` as the browser that proved ``phone`` sees it.
    browser = Client()
    r = track(browser, issue.tracking_code, phone)
    return browser.get(r["Location"]).content.decode()


def test_an_issue_returned_by_its_unit_is_not_shown_as_handed_over_and_taken_on(world, file_issue):
    # After 退单 the page said "交给负责单位：已于 … 完成" and "单位接单处理：已于 … 接单" beside "尚未交办" (breaker).
    from issues.workflow import issue_return

    issue = file_issue()
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
    issue_return(issue=issue, actor=Actor.of(world.heat_staff), reason="不归我们管")
    html = _page("13800000000", issue)
    assert "原承办单位认为不属于其职责范围，已退回分派中心，正在重新分派给责任单位。" in html
    assert "交给负责单位：原单位已退回，正在重新分派" in html and "单位接单处理：等待单位接单" in html
    assert "已于" not in html and "不归我们管" not in html  # the return's note stays internal
    # Returned before anyone claimed it: no claim deadline of the unit that sent it back (breaker round 2).
    unclaimed = file_issue(phone="13800000001")
    issue_assign(issue=unclaimed, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_return(issue=unclaimed, actor=Actor.of(world.heat_staff), reason="不归我们管")
    html = _page("13800000001", unclaimed)
    assert "交给负责单位：原单位已退回，正在重新分派" in html and "单位接单处理：等待单位接单" in html
    assert "单位接单处理：最迟" not in html
    # Assigned again: handed over, its claim to come.
    issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    html = _page("13800000000", issue)
    assert "交给负责单位：已于 2026年11月30日 09:00 完成" in html and "单位接单处理：等待单位接单" in html


def test_a_follower_reads_this_issue_not_your_issue(world, file_issue):
    # "您的诉求已受理" / "您的诉求未予受理" on the page of someone who only follows it (breaker).
    issue = file_issue()
    issue_follow(issue=issue, phone="13900000000")
    html = _page("13900000000", issue)
    assert "这件诉求已受理，正在等待分派给责任单位。" in html and "您的诉求" not in html
    assert "您的诉求已受理，正在等待分派给责任单位。" in _page("13800000000", issue)
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="属于物业管理范围")
    html = _page("13900000000", issue)
    assert "这件诉求未予受理。" in html and "您的诉求" not in html
    # Named as the words say it ("已退回" read as a unit's return, 退单: breaker); the event says so alone.
    assert '当前状态：<strong id="status">不予受理</strong>' in html and "已退回" not in html
    assert "<strong>不予受理</strong> <span" in html


def test_an_issue_awaiting_the_supervisors_decision_says_so(world, file_issue):
    # At the rework limit a dissatisfied rating waits for the supervisor: the page showed "督查研判（已完成）",
    # "回访评价（进行中）" and asked the follower's phone to rate (breaker).
    from issues.workflow import issue_rate

    issue = file_issue()
    issue_follow(issue=issue, phone="13900000000")
    _resolve(world, issue)
    issue.refresh_from_db()
    issue.rework_count = 2
    issue.save()
    issue_rate(issue=issue, actor=Actor.resident("13800000000"), resolved=False, satisfaction="dissatisfied")
    reporter, follower = _page("13800000000", issue), _page("13900000000", issue)
    # The suggestion and the "me too" page name the status alike (breaker round 3).
    similar = Client().get("/report/similar/", {"category": world.heat_cold.pk, "district": world.ganzhou.pk,
                                                "community": "南关小区"}).content.decode()
    assert "供暖不热 · <span>南关小区</span> · 待督查裁定 ·" in similar
    assert " · 待督查裁定 · " in Client().get(f"/report/follow/{issue.pk}/").content.decode()
    assert "您对办理结果不满意，督查部门正在研判后续处理，结果会短信告知您。" in reporter
    assert "报告人对办理结果不满意，督查部门正在研判后续处理。" in follower
    for html in (reporter, follower):
        assert '当前状态：<strong id="status">待督查裁定</strong>' in html  # not 待回访 (breaker round 2)
        assert '<li class=" current" aria-current="step">督查研判<span class="visually-hidden">（进行中）' in html
        assert '<li class="done" >回访评价<span class="visually-hidden">（已完成）' in html  # rated already
        assert "已收到您对本轮办理结果的评价" not in html and "会收到评价短信" not in html
        # The rating's timeline entry too: "评价 → 待回访" said a rating was still awaited (breaker).
        assert "<strong>评价</strong> → 待督查裁定" in html and "<strong>评价</strong> → 待回访" not in html


def test_an_issue_worked_on_again_says_why_the_progress_went_back(world, file_issue):
    # After a dissatisfied rating the bar is back at 分流交办 (DESIGN.md's phase of in_progress), and the
    # words said only "责任单位正在处理。", as if nothing had been fixed before (breaker).
    from issues.workflow import issue_rate

    issue = file_issue()
    issue_follow(issue=issue, phone="13900000000")
    first = _page("13800000000", issue)
    _resolve(world, issue)
    assert "责任单位正在处理。" not in _page("13800000000", issue)
    issue_rate(issue=issue, actor=Actor.resident("13800000000"), resolved=False, satisfaction="dissatisfied")
    reporter, follower = _page("13800000000", issue), _page("13900000000", issue)
    assert "您对上一轮办理结果不满意，责任单位正在重新办理。" in reporter
    assert "报告人对上一轮办理结果不满意，责任单位正在重新办理。" in follower
    assert "责任单位正在处理。" not in reporter + follower
    # The first round's handling kept its plain words.
    issue2 = file_issue(phone="13700000000")
    issue_assign(issue=issue2, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz)
    issue_claim(issue=issue2, actor=Actor.of(world.heat_staff))
    assert "责任单位正在处理。" in _page("13700000000", issue2) and "重新办理" not in first
