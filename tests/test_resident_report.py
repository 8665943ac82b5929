"""/report/: the filing form, its answers to bad input, idempotency, limits, dispatchers."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client

from issues.choices import Channel, Status
from issues.models import Attachment, Issue, Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache", "frozen")]

KEY = "4b1e0c1e-8d0c-4a47-9d0c-1e2f3a4b5c6d"

PHONE_IN_COMMUNITY = "小区一栏请不要填电话号码或姓名，联系电话请填在“联系电话”一栏"


def form_data(world, **overrides) -> dict:
    """A complete, valid filing as the browser posts it."""
    data = {
        "utility": "heat",
        "category": str(world.heat_cold.pk),
        "district": str(world.ganzhou.pk),
        "community": "南关小区",
        "building": "3",
        "unit_no": "2",
        "room": "501",
        "description": "暖气片冰凉，室内只有12度",
        "reporter_name": "王女士",
        "reporter_phone": "13800000000",
        "privacy": "on",
        "idempotency_key": KEY,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> dict:
    return response.context["errors"]


def assert_nothing_stored():
    assert Issue.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert Notification.objects.count() == 0


def test_the_form_page_lists_categories_emergencies_and_a_fresh_key(client, world):
    r = client.get("/report/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "供暖不热" in html and "燃气泄漏（紧急）" in html
    assert 'id="emergency-list"' in html
    key = r.context["value"]["idempotency_key"]
    assert len(key) == 36 and client.get("/report/").context["value"]["idempotency_key"] != key


def test_gas_safety_instructions_are_on_the_page_before_the_address(client, world):
    world.gas_leak.safety_instructions = "请立即离开现场，不要开关电器"
    world.gas_leak.save()
    html = client.get("/report/").content.decode()
    assert html.index("请立即离开现场，不要开关电器") < html.index('id="id_district"')


def test_a_good_filing_redirects_to_the_success_page_with_code_and_deadlines(client, world):
    r = client.post("/report/", form_data(world))
    assert r.status_code == 302 and r["Location"] == "/report/done/ZY20261130000001/"
    issue = Issue.objects.get()
    assert issue.channel == Channel.WEB and issue.reporter_phone == "+8613800000000"
    assert (issue.community, issue.building, issue.unit_no, issue.room) == ("南关小区", "3", "2", "501")
    html = client.get(r["Location"]).content.decode()
    assert "ZY20261130000001" in html
    # Heating season, 供暖不热 is urgent: 1 h / 2 h / 48 h of calendar time from Mon 09:00.
    assert "最迟 <strong>2026年11月30日 10:00</strong> 前交给负责的单位" in html
    assert "最迟 <strong>2026年11月30日 11:00</strong> 前该单位接单处理" in html
    assert "最迟 <strong>2026年12月2日 09:00</strong> 前处理完毕" in html
    assert "编号已通过短信发送到您的手机" in html


def test_the_success_page_of_an_auto_routed_filing_names_its_unit(client, world):
    # A gas leak a routing rule assigns at once still read "handed to a unit by 13:41" and "the dispatch
    # centre hands it on" (breaker).
    from issues.models import RoutingRule

    RoutingRule.objects.create(category=world.gas_leak, utility="gas", district=world.ganzhou,
                               unit=world.gas_gz, auto_assign=True)
    r = client.post("/report/", form_data(world, utility="gas", category=str(world.gas_leak.pk)))
    html = client.get(r["Location"]).content.decode()
    assert '已交给负责的单位：<span lang="zh-Hans">甘州区燃气公司</span>；' in html
    assert "问题已直接交给负责的单位，不必等分派中心。" in html
    assert "前交给负责的单位" not in html and "分派中心把问题交给负责的单位" not in html
    # A filing the dispatcher assigns later keeps the page of its filing: a dispatch to come (breaker).
    from issues.workflow import Actor, issue_assign

    r = client.post("/report/", form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000d2"))
    later = Issue.objects.get(tracking_code=r["Location"].rstrip("/").rsplit("/", 1)[1])
    issue_assign(issue=later, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz,
                 now=later.filed_at + datetime.timedelta(minutes=5))
    html = client.get(r["Location"]).content.decode()
    assert "前交给负责的单位" in html and "分派中心把问题交给负责的单位" in html and 'id="assigned-to"' not in html
    # The routed one, returned by its unit since, waits for the dispatcher again (breaker: "handed to: ;").
    from issues.workflow import issue_return

    routed = Issue.objects.get(category=world.gas_leak)
    issue_return(issue=routed, actor=Actor.of(world.gas_staff), reason="不属于本单位辖区")
    html = client.get(f"/report/done/{routed.tracking_code}/").content.decode()
    assert 'id="assigned-to"' not in html and "分派中心把问题交给负责的单位" in html


def test_the_success_page_is_only_for_the_browser_that_filed(client, world):
    r = client.post("/report/", form_data(world))
    from django.test import Client

    other = Client().get(r["Location"])
    assert other.status_code == 404


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("１３８ ０００００ ０００", "+8613800000000"),  # full-width digits and spaces
        ("+86 138-0000-0000", "+8613800000000"),
        ("0086 13800000000", "+8613800000000"),
        ("0936-8212345", "+869368212345"),  # a Zhangye landline
    ],
)
def test_phone_numbers_are_parsed_and_stored_in_e164(client, world, raw, stored):
    r = client.post("/report/", form_data(world, reporter_phone=raw))
    assert r.status_code == 302
    assert Issue.objects.get().reporter_phone == stored


def test_a_landline_is_told_it_gets_no_sms(client, world):
    r = client.post("/report/", form_data(world, reporter_phone="0936-8212345"))
    html = client.get(r["Location"]).content.decode()
    assert "您留的是固定电话，收不到短信" in html
    # "What happens next" promised an SMS asking for the rating, too (breaker, accessibility review).
    assert "处理完毕后，请凭编号和电话号码在“查询办理进度”页面评价办理结果；不满意的将重新办理。" in html
    assert "通过短信请您评价" not in html


def test_a_dispatchers_success_page_speaks_to_the_operator_and_leads_to_the_staff_page(client, world):
    # It said "sent to your phone", and "查看办理进度" led to the resident's tracking page, where a dispatcher
    # is no reporter: "not found" (breaker).
    client.force_login(world.dispatcher)
    r = client.post("/report/", form_data(world))
    html = client.get(r["Location"]).content.decode()
    issue = Issue.objects.get()
    assert "编号已通过短信发送到来电人的手机。" in html and "发送到您的手机" not in html
    assert "<p>受理编号</p>" in html and "您的受理编号" not in html
    assert "处理完毕后，系统会通过短信请来电人评价；不满意的将重新办理。" in html
    assert f'href="/work/issues/{issue.pk}/" class="big">查看诉求详情</a>' in html and "/track/" not in html
    r = client.post("/report/", form_data(world, reporter_phone="0936-8212345",
                                          idempotency_key="0e0e0e0e-0000-4000-8000-000000000077"))
    html = client.get(r["Location"]).content.decode()
    assert "来电人留的是固定电话，收不到短信。请把这个编号告诉来电人" in html
    assert "处理完毕后，由回访员电话回访来电人；不满意的将重新办理。" in html


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"community": ""}, "community", "请填写小区"),
        ({"community": "\u3000\u3000"}, "community", "请填写小区"),
        ({"description": "\u200b\u200b\u3000 "}, "description", "请填写问题描述"),
        ({"description": "漏水\x00了"}, "description", "问题描述含有不允许的字符"),
        ({"description": "水" * 2001}, "description", "问题描述最多 2000 个字（现在 2001 个）"),
        ({"reporter_name": "名" * 51}, "reporter_name", "称呼最多 50 个字（现在 51 个）"),
        ({"room": "1" * 21}, "room", "户最多 20 个字（现在 21 个）"),
        # Unassigned code points that render as nothing (default-ignorable, or merely unassigned).
        ({"community": "\u2065\ufff0"}, "community", "请填写小区"),
        ({"description": "\U000e0080" * 3}, "description", "请填写问题描述"),
        ({"description": "\u0378\u3000\u2065"}, "description", "请填写问题描述"),
        # C1 controls, NEL included, like the other control characters.
        ({"description": "漏水\x80了"}, "description", "问题描述含有不允许的字符"),
        ({"community": "南关小区\x85"}, "community", "小区含有不允许的字符"),
        # A phone number, and so often a name beside it, in the public 小区 (breaker): mobile, spaced,
        # full-width, +86, a landline.
        ({"community": "南关小区 王建国 13912345678"}, "community", PHONE_IN_COMMUNITY),
        ({"community": "南关小区139 1234 5678"}, "community", PHONE_IN_COMMUNITY),
        ({"community": "南关小区１３９１２３４５６７８"}, "community", PHONE_IN_COMMUNITY),
        ({"community": "南关小区 +86-139-1234-5678"}, "community", PHONE_IN_COMMUNITY),
        ({"community": "南关小区 李 0936-8200002"}, "community", PHONE_IN_COMMUNITY),
        ({"community": "南关小区 王建国 138.1234.5678"}, "community", PHONE_IN_COMMUNITY),
        ({"community": "南关小区 (0936)8212345"}, "community", PHONE_IN_COMMUNITY),
        ({"reporter_name": "\x9f王女士"}, "reporter_name", "称呼含有不允许的字符"),
        ({"reporter_phone": ""}, "reporter_phone", "请填写联系电话"),
        ({"reporter_phone": "12345"}, "reporter_phone", "请填写有效的中国大陆手机或固定电话号码"),
        ({"reporter_phone": "138****0000"}, "reporter_phone", "请填写有效的中国大陆手机或固定电话号码"),
        # Letters were read as a keypad's digits (the SMS went to +8613922200001); an extension was dropped.
        ({"reporter_phone": "139abc00001"}, "reporter_phone", "请填写有效的中国大陆手机或固定电话号码"),
        ({"reporter_phone": "0936-8212345 转 8"}, "reporter_phone", "分机号不用填写，请只填电话号码（例如 0936-8212345）"),
        ({"reporter_phone": "13800000000/13900000000"}, "reporter_phone", "请只填一个电话号码"),
        ({"category": ""}, "category", "请选择问题类别"),
        ({"category": "99999"}, "category", "请选择问题类别"),
        ({"district": ""}, "district", "请选择县区"),
        # Digits that are not ASCII: int() refuses some ("²") and reads others ("٣"); ids are ASCII digits.
        ({"category": "²"}, "category", "请选择问题类别"),
        ({"category": "①"}, "category", "请选择问题类别"),
        ({"district": "²"}, "district", "请选择县区"),
        ({"district": "١"}, "district", "请选择县区"),
        ({"latitude": "abc", "longitude": "100"}, "latitude", "位置坐标无效"),
        ({"latitude": "91", "longitude": "100"}, "latitude", "位置坐标超出范围"),
        # "Use my location" pressed away from the city (breaker): (0, 0), Beijing, just past Zhangye's box.
        ({"latitude": "0", "longitude": "0"}, "latitude", "这个位置不在张掖市范围内"),
        ({"latitude": "39.904200", "longitude": "116.407400"}, "latitude", "这个位置不在张掖市范围内"),
        ({"latitude": "36.999999", "longitude": "100.455600"}, "latitude", "这个位置不在张掖市范围内"),
        ({"privacy": None}, "privacy", "请阅读并同意个人信息收集和使用说明"),
        # A number in the name went round the phone's mask on staff pages (breaker); punctuation alone was stored.
        ({"reporter_name": "13812345678"}, "reporter_name", "称呼一栏请不要填电话号码，联系电话请填在“联系电话”一栏"),
        ({"reporter_name": "王女士 0936-8212345"}, "reporter_name", "称呼一栏请不要填电话号码，联系电话请填在“联系电话”一栏"),
        ({"community": "。。。"}, "community", "小区不能只有标点符号，请用文字填写"),
        ({"reporter_phone": "400-800-1234"}, "reporter_phone", "这是单位的客服热线号码（400、800、96 开头等），请填写您本人的手机或固定电话"),
        ({"community": "-"}, "community", "小区不能只有标点符号，请用文字填写"),
        ({"description": "..."}, "description", "问题描述不能只有标点符号，请用文字填写"),
        ({"description": "。"}, "description", "问题描述不能只有标点符号，请用文字填写"),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_is_stored(client, world, overrides, field, message):
    r = client.post("/report/", form_data(world, **overrides))
    assert r.status_code == 400
    # Coordinates are hidden fields: the page drops them and says so, so the next Submit goes through.
    assert errors_of(r)[field] == [message] + ([LOCATION_DROPPED] if field == "latitude" else [])
    assert message in r.content.decode()
    assert_nothing_stored()


LOCATION_DROPPED = "已去掉这个位置：写清地址就够了，可以直接再次提交。"


@pytest.mark.parametrize("community", ["南关小区3号楼2单元1502室", "南关小区 3-2-1502", "南关小区12号楼 3单元 1502室",
                                       "康乐路188-12-13-1502",
                                       "南关小区 0502室", "南关小区 2020年新建", "南关小区 1391234567"])
def test_house_numbers_in_the_community_are_not_taken_for_a_phone(client, world, community):
    r = client.post("/report/", form_data(world, community=community))
    assert r.status_code == 302


def test_a_location_outside_the_city_is_dropped_so_the_next_submit_files(client, world, settings):
    r = client.post("/report/", form_data(world, latitude="39.904200", longitude="116.407400"))
    html = r.content.decode()
    assert r.status_code == 400 and errors_of(r) == {"latitude": ["这个位置不在张掖市范围内", LOCATION_DROPPED]}
    assert '<input type="hidden" id="id_latitude" name="latitude" value="">' in html
    assert '<input type="hidden" id="id_longitude" name="longitude" value="">' in html
    assert 'data-area="37.0,96.5,40.5,103.0"' in html  # the page's own check, before anything is sent
    r = client.post("/report/", form_data(world, latitude="", longitude=""))
    assert r.status_code == 302 and Issue.objects.get().latitude is None
    # Inside the box, at its edges too; the box is a setting (another city's deployment).
    r = client.post("/report/", form_data(world, latitude="40.500000", longitude="96.500000",
                                          idempotency_key="5b1e0c1e-8d0c-4a47-9d0c-1e2f3a4b5c6d"))
    assert r.status_code == 302 and Issue.objects.count() == 2
    settings.ZY_SERVICE_AREA = (39.4, 115.4, 41.1, 117.5)
    r = client.post("/report/", form_data(world, latitude="39.904200", longitude="116.407400",
                                          idempotency_key="6b1e0c1e-8d0c-4a47-9d0c-1e2f3a4b5c6d"))
    assert r.status_code == 302 and Issue.objects.count() == 3


def test_a_blank_form_gets_every_message_at_once(client, world):
    # Not the privacy notice first and the rest on the second try (README trial).
    r = client.post("/report/", {"idempotency_key": KEY})
    assert r.status_code == 400
    assert errors_of(r) == {
        "privacy": ["请阅读并同意个人信息收集和使用说明"],
        "category": ["请选择问题类别"],
        "district": ["请选择县区"],
        "community": ["请填写小区"],
        "description": ["请填写问题描述"],
        "reporter_phone": ["请填写联系电话"],
    }
    html = r.content.decode()
    for message in ("请阅读并同意个人信息收集和使用说明", "请选择问题类别", "请填写小区", "请填写联系电话"):
        assert message in html
    assert_nothing_stored()


def test_the_messages_follow_the_language_switch(client, world):
    # Under English every message was Chinese (README trial, breakers): they go through the catalogue now.
    client.cookies["django_language"] = "en"
    r = client.post("/report/", form_data(world, community="", description="漏" * 2001, reporter_phone="12345",
                                          room="\x01"))
    assert r.status_code == 400
    assert errors_of(r) == {
        "community": ["Residential compound: please fill this in"],
        "description": ["Description: at most 2000 characters (now 2001)"],
        "room": ["Flat: contains characters that are not allowed"],
        "reporter_phone": ["Please enter a valid mainland China mobile or landline number"],
    }
    client.cookies["django_language"] = "zh-hans"
    r = client.post("/report/", form_data(world, reporter_phone="12345"))  # the phone's message was cached in English
    assert errors_of(r) == {"reporter_phone": ["请填写有效的中国大陆手机或固定电话号码"]}


def test_with_the_notice_unticked_the_other_mistakes_show_too(client, world):
    r = client.post("/report/", form_data(world, privacy=None, reporter_phone="12345", extra_16_x="1"))
    assert r.status_code == 400
    assert errors_of(r) == {"privacy": ["请阅读并同意个人信息收集和使用说明"],
                            "reporter_phone": ["请填写有效的中国大陆手机或固定电话号码"]}
    assert_nothing_stored()


def test_an_error_keeps_everything_typed(client, world):
    r = client.post("/report/", form_data(world, reporter_phone="12345", description="楼道里 <b>暖气</b> 漏水"))
    html = r.content.decode()
    assert 'value="南关小区"' in html and 'value="王女士"' in html and 'value="12345"' in html
    assert "楼道里 &lt;b&gt;暖气&lt;/b&gt; 漏水</textarea>" in html
    assert f'value="{world.heat_cold.pk}" data-utility="heat" selected' in html
    assert f'value="{KEY}"' in html  # the same key: fixing and resending still files once


@pytest.mark.parametrize("mangled", ["x", "4b1e0c1e-8d0c-4a47-9d0c", "<script>", " "])
def test_a_mangled_hidden_key_does_not_block_the_form(client, world, mangled):
    # The key is hidden: a resident cannot mend it. With another error the page carries a fresh key, and
    # without one the filing goes through.
    r = client.post("/report/", form_data(world, idempotency_key=mangled, reporter_phone="12345"))
    assert r.status_code == 400 and list(errors_of(r)) == ["reporter_phone"]
    fresh = r.context["value"]["idempotency_key"]
    assert len(fresh) == 36 and fresh.count("-") == 4 and f'value="{mangled}"' not in r.content.decode()
    assert client.post("/report/", form_data(world, idempotency_key=fresh)).status_code == 302
    assert client.post("/report/", form_data(world, idempotency_key=fresh)).status_code == 302  # its repeat
    assert Issue.objects.count() == 1


@pytest.mark.parametrize("lost", [None, "", "x"])
def test_a_form_that_lost_its_key_still_files_a_double_click_once(client, world, lost):
    for _ in range(2):
        assert client.post("/report/", form_data(world, idempotency_key=lost)).status_code == 302
    assert Issue.objects.count() == 1
    # Another problem typed the same day is another filing.
    assert client.post("/report/", form_data(world, idempotency_key=lost, description="楼道灯坏了")).status_code == 302
    assert Issue.objects.count() == 2


def test_a_dispatcher_form_without_a_key_keeps_two_callers_apart(client, world):
    # Same problem, same address, two callers: the made key includes who called.
    client.force_login(world.dispatcher)
    for phone, name in (("13800000001", "张先生"), ("13800000002", "李女士")):
        r = client.post("/report/", form_data(world, idempotency_key=None, reporter_phone=phone, reporter_name=name))
        assert r.status_code == 302
    assert sorted(Issue.objects.values_list("reporter_name", "reporter_phone")) == [
        ("张先生", "+8613800000001"), ("李女士", "+8613800000002")]


def test_a_dispatchers_repeat_uses_up_no_tracking_number(client, world):
    # Three sends of one form took three of the day's numbers for one issue (breaker round 2).
    client.force_login(world.dispatcher)
    answers = [client.post("/report/", form_data(world))["Location"] for _ in range(3)]
    assert answers == ["/report/done/ZY20261130000001/"] * 3
    other = client.post("/report/", form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000b2"))
    assert other["Location"] == "/report/done/ZY20261130000002/"
    assert Issue.objects.count() == 2


def test_a_key_without_dashes_is_the_same_key(client, world):
    client.post("/report/", form_data(world, idempotency_key=KEY))
    client.post("/report/", form_data(world, idempotency_key=KEY.replace("-", "").upper()))
    assert Issue.objects.count() == 1


def test_an_unknown_utility_is_not_an_error_the_category_decides(client, world):
    r = client.post("/report/", form_data(world, utility="nonsense"))
    assert r.status_code == 302 and Issue.objects.get().utility == "heat"


def test_length_is_counted_in_characters_as_seen_emoji_included(client, world):
    r = client.post("/report/", form_data(world, description="😀" * 2000))
    assert r.status_code == 302
    assert len(Issue.objects.get().description) == 2000


def test_the_server_counts_what_the_pages_counter_shows(client, world):
    # The counter trims like JavaScript's trim(): a trailing BOM goes; a trailing NEL is trimmed by
    # neither and refused by both, like the other control characters.
    r = client.post("/report/", form_data(world, description="x" * 2000 + "\ufeff"))
    assert r.status_code == 302
    assert Issue.objects.get().description == "x" * 2000
    r = client.post("/report/", form_data(world, description="水" * 2000 + "\x85", idempotency_key=None))
    assert r.status_code == 400
    assert errors_of(r)["description"] == ["问题描述含有不允许的字符"]


STACKED = "x" + "\u0316" * 18  # one character of 19 code points (no NFC composition)


def test_textarea_line_breaks_sent_as_crlf_count_as_the_page_counts_them(client, world):
    # The page counts the textarea's value: 1999 characters, 19999 code points with LF. The browser
    # sends CRLF (20998 code points), which once went over the column's 20000.
    r = client.post("/report/", form_data(world, description="\r\n".join([STACKED] * 1000)))
    assert r.status_code == 302
    assert Issue.objects.get().description == "\n".join([STACKED] * 1000)


def test_crlf_and_lone_cr_are_stored_as_lf(client, world):
    r = client.post("/report/", form_data(world, description="暖气不热\r\n已经三天\r楼道也冷\r\n"))
    assert r.status_code == 302
    assert Issue.objects.get().description == "暖气不热\n已经三天\n楼道也冷"


def test_an_optional_extra_question_answered_with_a_space_is_not_answered(client, world):
    world.power_out.extra_questions = [{"code": "account_no", "label": "用电户号", "type": "text"}]
    world.power_out.save()
    r = client.post("/report/", form_data(world, utility="power", category=str(world.power_out.pk),
                                          **{f"extra_{world.power_out.pk}_account_no": " "}))
    assert r.status_code == 302
    assert Issue.objects.get().extra_answers == {}


def test_extra_questions_are_asked_and_checked(client, world):
    world.heat_cold.extra_questions = [
        {"code": "indoor_temp", "label": "室内温度（℃）", "type": "number", "required": True},
        {"code": "scope", "label": "影响范围", "type": "choice", "choices": ["仅我家", "整栋楼"]},
    ]
    world.heat_cold.save()
    html = client.get("/report/").content.decode()
    assert f'name="extra_{world.heat_cold.pk}_indoor_temp"' in html
    r = client.post("/report/", form_data(world))
    assert r.status_code == 400
    assert "请回答：室内温度（℃）" in r.content.decode()
    r = client.post("/report/", form_data(world, **{f"extra_{world.heat_cold.pk}_indoor_temp": "很冷"}))
    assert "室内温度（℃）应为数字" in r.content.decode()
    assert_nothing_stored()
    r = client.post("/report/", form_data(world, **{f"extra_{world.heat_cold.pk}_indoor_temp": "12.5",
                                                    f"extra_{world.heat_cold.pk}_scope": "整栋楼"}))
    assert r.status_code == 302
    assert Issue.objects.get().extra_answers == {"indoor_temp": 12.5, "scope": "整栋楼"}


@pytest.mark.parametrize("typed, message", [
    ("-300", "室内温度（℃）应在 -30 到 40 之间"),  # an indoor −300 ℃ was stored (breaker)
    ("1e308", "室内温度（℃）应在 -30 到 40 之间"),
    ("40.5", "室内温度（℃）应在 -30 到 40 之间"),
])
def test_a_number_answer_outside_its_questions_bounds_is_refused(client, world, typed, message):
    world.heat_cold.extra_questions = [
        {"code": "indoor_temp", "label": "室内温度（℃）", "type": "number", "required": True, "min": -30, "max": 40}]
    world.heat_cold.save()
    field = f"extra_{world.heat_cold.pk}_indoor_temp"
    r = client.post("/report/", form_data(world, **{field: typed}))
    assert r.status_code == 400 and message in r.content.decode()
    assert f'value="{typed}"' in r.content.decode()  # what was typed stays
    assert_nothing_stored()
    for edge in ("-30", "40"):  # the bounds themselves are answers
        assert client.post("/report/", form_data(world, **{field: edge}, idempotency_key=None)).status_code == 302


def test_the_shipped_heating_question_has_bounds():
    from issues.reference_data import CATEGORIES

    [heat] = [c for c in CATEGORIES if c["service_code"] == "heat-not-warm"]
    [temp] = [q for q in heat["extra_questions"] if q["code"] == "indoor_temp"]
    assert (temp["min"], temp["max"]) == (-30, 40)


@pytest.mark.parametrize("code, question, bounds", [
    ("water-low-pressure", "floor", (-5, 100)),  # 99999999999999999999999 was stored as a floor (breaker)
    ("heat-billing", "area", (1, 100000)),
])
def test_the_shipped_number_questions_have_bounds(code, question, bounds):
    from issues.reference_data import CATEGORIES

    [cat] = [c for c in CATEGORIES if c["service_code"] == code]
    [q] = [q for q in cat["extra_questions"] if q["code"] == question]
    assert (q["min"], q["max"]) == bounds


def test_a_double_submit_files_one_issue(client, world):
    first = client.post("/report/", form_data(world))
    second = client.post("/report/", form_data(world))
    assert first["Location"] == second["Location"] == "/report/done/ZY20261130000001/"
    assert Issue.objects.count() == 1
    assert Notification.objects.filter(kind="resident.filed").count() == 1


def test_a_new_key_files_a_new_issue(client, world):
    client.post("/report/", form_data(world))
    client.post("/report/", form_data(world, room="502", idempotency_key="0e0e0e0e-0000-4000-8000-000000000001"))
    assert Issue.objects.count() == 2
    # The very same filing again from this browser and phone, under a third key, is the first one's repeat.
    r = client.post("/report/", form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-000000000002"))
    assert r["Location"] == "/report/done/ZY20261130000001/" and Issue.objects.count() == 2


REUSED = "这张表单已经提交过，登记编号 ZY20261130000001。这次的内容和那次不同，所以没有登记。"


def test_the_same_form_sent_again_with_the_phone_corrected_files_nothing_and_says_so(client, world):
    # Back after filing, the phone corrected, Submit: its key is bound to the phone, so it filed a second
    # issue without a word (breaker). Now it is told as any change is, and Submit then files it.
    client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, reporter_phone="139 0000 0000"))
    assert r.status_code == 409 and REUSED in r.content.decode()
    assert r.context["value"]["reporter_phone"] == "139 0000 0000" and Issue.objects.count() == 1
    new_key = r.context["value"]["idempotency_key"]
    assert new_key != KEY
    # Refused for another reason too: both are said, the notice and the field's message.
    r = client.post("/report/", form_data(world, reporter_phone="139 0000 0000", description=""))
    assert r.status_code == 400 and REUSED in r.content.decode() and "请填写问题描述" in r.content.decode()
    again = client.post("/report/", form_data(world, reporter_phone="139 0000 0000", idempotency_key=new_key))
    assert again.status_code == 302 and again["Location"] == "/report/done/ZY20261130000002/"
    # A blank or mistyped phone is a field error only; its fix, the first phone again, gets the first filing
    # (the notice had come with a new key, and the fix filed a second issue: breaker).
    for typo in ("", "1380000000", "+86 138 0000 000"):  # "+…" one digit short is no phone either
        r = client.post("/report/", form_data(world, reporter_phone=typo, idempotency_key=KEY))
        assert r.status_code == 400 and REUSED not in r.content.decode() and r.context["value"]["idempotency_key"] == KEY
    fixed = client.post("/report/", form_data(world, idempotency_key=KEY))
    assert fixed.status_code == 302 and fixed["Location"] == "/report/done/ZY20261130000001/"
    # Another browser sending that key with another phone files anew, as before: it filed nothing here.
    from django.test import Client

    other = Client().post("/report/", form_data(world, reporter_phone="13700000000"))
    assert other.status_code == 302 and Issue.objects.count() == 3


def test_changed_told_so_and_changed_back_gets_the_first_filing(client, world):
    # Back, the phone changed (told: not filed, a new key), changed back, Submit: a second identical issue
    # was filed (breaker). An identical filing from this browser and phone is the first one's repeat.
    first = client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, reporter_phone="13900000000"))
    assert r.status_code == 409 and REUSED in r.content.decode()
    new_key = r.context["value"]["idempotency_key"]
    back = client.post("/report/", form_data(world, idempotency_key=new_key))
    assert back.status_code == 302 and back["Location"] == first["Location"] and Issue.objects.count() == 1
    # Another problem under that key files anew; so does the same text from another browser.
    other = client.post("/report/", form_data(world, idempotency_key=new_key, room="502"))
    assert other.status_code == 302 and other["Location"] == "/report/done/ZY20261130000002/"
    from django.test import Client

    elsewhere = Client().post("/report/", form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000e1"))
    assert elsewhere.status_code == 302 and Issue.objects.count() == 3


def test_the_same_form_sent_again_with_changes_files_nothing_and_says_so(client, world):
    # Back after filing, another problem typed over the first, Submit: answering with the first
    # filing's page would hide that the second was never filed.
    client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, description="楼道水管漏水", room="502"))
    assert r.status_code == 409
    assert REUSED in r.content.decode()
    assert (r.context["value"]["description"], r.context["value"]["room"]) == ("楼道水管漏水", "502")
    new_key = r.context["value"]["idempotency_key"]
    assert new_key != KEY and len(new_key) == 36
    assert Issue.objects.count() == 1
    again = client.post("/report/", form_data(world, description="楼道水管漏水", room="502", idempotency_key=new_key))
    assert again["Location"] == "/report/done/ZY20261130000002/"
    assert list(Issue.objects.order_by("pk").values_list("description", "room")) == [
        ("暖气片冰凉，室内只有12度", "501"), ("楼道水管漏水", "502")]


def test_the_same_form_sent_again_with_changes_and_a_mistake_shows_both(client, world):
    client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, description="", room="502"))
    assert r.status_code == 400
    assert REUSED in r.content.decode()
    assert errors_of(r) == {"description": ["请填写问题描述"]}
    assert r.context["value"]["idempotency_key"] != KEY
    assert Issue.objects.count() == 1


def test_the_same_form_sent_again_with_changes_and_the_consent_unticked_says_so_at_once(client, world):
    # Only a form-level mistake (the consent): the notice came one Submit late, with the old key (breaker).
    client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, description="楼道水管漏水", privacy=None))
    assert r.status_code == 400
    assert REUSED in r.content.decode()
    assert errors_of(r) == {"privacy": ["请阅读并同意个人信息收集和使用说明"]}
    assert r.context["value"]["idempotency_key"] != KEY
    assert Issue.objects.count() == 1


def test_the_same_form_sent_again_unchanged_over_the_limit_gets_its_page_and_changed_is_told(client, world, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
    first = client.post("/report/", form_data(world))
    assert client.post("/report/", form_data(world))["Location"] == first["Location"]
    r = client.post("/report/", form_data(world, description="楼道水管漏水"))
    assert r.status_code == 409 and REUSED in r.content.decode()
    assert Issue.objects.count() == 1


def test_the_changed_form_notice_follows_the_language_switch(client, world):
    client.post("/report/", form_data(world))
    client.cookies["django_language"] = "en"
    r = client.post("/report/", form_data(world, description="楼道水管漏水"))
    assert r.status_code == 409
    assert ("This form was already sent and filed as ZY20261130000001. What you sent this time is different, "
            "so nothing was filed.") in r.content.decode()


def test_a_dispatchers_form_sent_again_for_another_caller_files_nothing_and_says_so(client, world):
    client.force_login(world.dispatcher)
    client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, reporter_phone="13900000000", reporter_name="李先生"))
    assert r.status_code == 409
    assert REUSED in r.content.decode()
    assert r.context["value"]["reporter_phone"] == "13900000000"
    assert Issue.objects.count() == 1


def test_a_signed_in_users_form_keeps_no_draft(client, world):
    # A resident's draft came back after a staff sign-in in the same tab (breaker): signed in, none is kept.
    assert "data-restore-draft" in client.get("/report/").content.decode()
    client.force_login(world.revisit)
    html = client.get("/report/").content.decode()
    assert "data-no-draft" in html and "data-restore-draft" not in html


def test_a_dispatcher_files_for_a_caller_on_the_hotline_channel(client, world, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    client.force_login(world.dispatcher)
    assert "您正在以分派员身份为来电群众登记诉求" in client.get("/report/").content.decode()
    for i in range(3):  # a call centre behind one IP is not limited
        r = client.post("/report/", form_data(world, idempotency_key=f"0e0e0e0e-0000-4000-8000-00000000000{i}"))
        assert r.status_code == 302
    issue = Issue.objects.first()
    assert issue.channel == Channel.HOTLINE and issue.filed_by_user == world.dispatcher
    assert issue.status == Status.NEW


def test_a_dispatcher_adding_callers_as_followers_is_not_limited(client, world, settings, file_issue):
    # "Me too" for callers behind the hotline centre's one address was refused with the residents' 429 (breaker).
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)], "file_phone": [(1, 3600)]}
    issue = file_issue()
    client.force_login(world.dispatcher)
    for phone in ("13900000001", "13900000002", "13900000003"):
        r = client.post(f"/report/follow/{issue.pk}/", {"phone": phone, "privacy": "on"})
        assert r.status_code == 200, r.content.decode()
    assert sorted(issue.followers.values_list("phone", flat=True)) == [
        "+8613900000001", "+8613900000002", "+8613900000003"]
    html = r.content.decode()  # worded for the operator (breaker round 2)
    assert "来电人已关注这件诉求，受理编号：" in html and "办理进展和评价邀请会短信发送到来电人的手机。" in html
    assert f'href="/work/issues/{issue.pk}/">查看诉求详情</a>' in html and "您已关注" not in html
    # A resident's browser is still limited.
    resident = Client()
    assert resident.post(f"/report/follow/{issue.pk}/", {"phone": "13900000004", "privacy": "on"}).status_code == 200
    r = resident.post(f"/report/follow/{issue.pk}/", {"phone": "13900000005", "privacy": "on"})
    assert r.status_code == 429
    # Worded for a follow, leading back to its form (it said the problem was not filed and led to /report/: breaker).
    html = r.content.decode()
    assert '<p class="warn" id="not-filed">这次关注没有成功，您还不是这件诉求的关注人。</p>' in html
    assert f'href="/report/follow/{issue.pk}/" data-back>返回刚才填写的内容</a>' in html
    assert "还没有登记" not in html and 'href="/report/" data-back' not in html


def test_the_me_too_pages_speak_to_a_dispatcher_about_the_caller(client, world, file_issue):
    # The suggestion and the follow form asked the operator for "您的联系电话" and their own consent (left
    # alone before); a resident's pages keep their wording.
    issue = file_issue()
    query = {"category": world.heat_cold.pk, "district": world.ganzhou.pk, "community": "南关小区"}
    for who, words, not_words in [
        (None, ["这也是我的问题", "您的联系电话", "我同意提供电话号码", 'autocomplete="tel"'],
         ["来电群众", "加为关注人"]),
        (world.dispatcher, ["添加来电群众为关注人", "您正在以分派员身份为来电群众登记关注（渠道：热线）。",
                            "来电群众的联系电话", "来电群众同意提供电话号码，仅用于告知办理进展和邀请评价",
                            "不是同一个问题？返回登记新诉求", "data-no-draft"],
         ["这也是我的问题", "您的联系电话", "我同意提供电话号码", 'autocomplete="tel"']),
    ]:
        browser = Client()
        if who:
            browser.force_login(who)
        similar = browser.get("/report/similar/", query).content.decode()
        assert f'href="/report/follow/{issue.pk}/">{"加为关注人" if who else "这也是我的问题"}</a>' in similar
        html = browser.get(f"/report/follow/{issue.pk}/").content.decode()
        for text in words:
            assert text in html, (who, text)
        for text in not_words:
            assert text not in html, (who, text)
        # A refused POST (no consent) keeps the wording.
        refused = browser.post(f"/report/follow/{issue.pk}/", {"phone": "13900000001"})
        assert refused.status_code == 400 and words[0] in refused.content.decode()
    # Closed since the page was opened: the operator is told about the caller (breaker round 2).
    from issues.workflow import Actor, issue_reject

    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="属于物业管理范围")
    staff = Client()
    staff.force_login(world.dispatcher)
    r = staff.post(f"/report/follow/{issue.pk}/", {"phone": "13900000001", "privacy": "on"})
    assert r.status_code == 409
    assert "这件诉求已经结束办理，不能再添加关注人。如果来电群众的问题仍然存在，请返回表单为其登记新的诉求。" in r.content.decode()
    r = Client().post(f"/report/follow/{issue.pk}/", {"phone": "13900000001", "privacy": "on"})
    assert "这件诉求已经结束办理，不能再关注。如果您的问题仍然存在，请返回表单提交新的诉求。" in r.content.decode()


def test_over_the_phone_limit_answers_a_friendly_429(client, world, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(2, 3600)]}
    for i in range(2):
        assert client.post("/report/", form_data(world, room=f"50{i}",
                                                 idempotency_key=f"0e0e0e0e-0000-4000-8000-00000000000{i}")).status_code == 302
    r = client.post("/report/", form_data(world, room="509", idempotency_key="0e0e0e0e-0000-4000-8000-000000000009"))
    assert r.status_code == 429
    assert "操作太频繁，请稍后再试" in r.content.decode()
    # The page says nothing was filed and leads back to what was typed (accessibility audit).
    assert '<p class="warn" id="not-filed">这次提交没有成功，您的问题还没有登记。</p>' in r.content.decode()
    assert '<a role="button" class="big" href="/report/" data-back>返回刚才填写的内容</a>' in r.content.decode()
    assert int(r["Retry-After"]) > 0
    assert Issue.objects.count() == 2
    # Another phone from the same browser is not affected.
    r = client.post("/report/", form_data(world, reporter_phone="13900000000",
                                          idempotency_key="0e0e0e0e-0000-4000-8000-000000000010"))
    assert r.status_code == 302


def test_repeats_and_refused_filings_do_not_use_up_the_phones_quota(client, world, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(2, 3600)]}
    key = "0e0e0e0e-0000-4000-8000-0000000000{:02d}".format
    # A filing the workflow refuses (a retired category) is not counted.
    world.gas_leak.active = False
    world.gas_leak.save()
    r = client.post("/report/", form_data(world, utility="gas", category=str(world.gas_leak.pk), idempotency_key=key(1)))
    assert r.status_code == 400
    first = client.post("/report/", form_data(world, idempotency_key=key(2)))
    again = client.post("/report/", form_data(world, idempotency_key=key(2)))  # a double click: counted once
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    second = client.post("/report/", form_data(world, room="502", idempotency_key=key(3)))
    assert second.status_code == 302  # the phone's 2nd filing of the hour
    assert client.post("/report/", form_data(world, room="503", idempotency_key=key(4))).status_code == 429
    # A double click on the last allowed filing, even now over the limit, gets that filing's page.
    r = client.post("/report/", form_data(world, room="502", idempotency_key=key(3)))
    assert r.status_code == 302 and r["Location"] == second["Location"]
    assert Issue.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_from_one_phone_never_exceed_its_limit(world, settings):
    """Six browsers of one phone file at once against a limit of 2 an hour: exactly 2 go through."""
    import threading

    from django.db import connection
    from django.test import Client

    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(2, 3600)]}
    barrier, codes = threading.Barrier(6), []

    def file(n):
        try:
            barrier.wait()
            r = Client().post("/report/", form_data(world, idempotency_key=f"0e0e0e0e-0000-4000-8000-0000000001{n:02d}"))
            codes.append(r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(n,)) for n in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(codes) == [302, 302, 429, 429, 429, 429]
    assert Issue.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_the_last_allowed_filing_gets_its_page_twice(world, settings, redis_cache):
    """Both copies of a form sent at once, the phone's last filing of the hour: one issue, two 302s to it.

    On Redis under a private prefix (``redis_cache``): on the suite's shared cache, the per-IP count of every
    filing the suite made from 127.0.0.1 that hour was under it, and one copy got 429 (CI, once)."""
    import threading

    from django.db import connection
    from django.test import Client

    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_phone": [(1, 3600)]}
    for n in range(3):  # three residents, each double-clicking their only filing of the hour
        barrier, answers = threading.Barrier(2), []
        data = form_data(world, reporter_phone=f"1390000000{n}", idempotency_key=f"0e0e0e0e-0000-4000-8000-00000000020{n}")

        def click():
            try:
                barrier.wait()
                r = Client().post("/report/", data)
                answers.append((r.status_code, r.get("Location")))
            finally:
                connection.close()

        threads = [threading.Thread(target=click) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert answers[0] == answers[1] and answers[0][0] == 302, answers
    assert Issue.objects.count() == 3


def test_over_the_ip_limit_answers_429(client, world, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    client.post("/report/", form_data(world))
    r = client.post("/report/", form_data(world, reporter_phone="13900000000",
                                          idempotency_key="0e0e0e0e-0000-4000-8000-000000000002"))
    assert r.status_code == 429
    assert Issue.objects.count() == 1


def test_a_repeat_over_the_ip_limit_gets_its_filing_not_the_limit(client, world, settings):
    # The resident's double click on the address's last allowed filing (breaker): the success page, twice.
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    first = client.post("/report/", form_data(world))
    again = client.post("/report/", form_data(world))
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Issue.objects.count() == 1
    r = client.post("/report/", form_data(world, room="502", idempotency_key="0e0e0e0e-0000-4000-8000-000000000002"))
    assert r.status_code == 429  # a new filing is still over the limit


def test_the_home_page_links_to_report_and_track(client, db):
    html = client.get("/").content.decode()
    assert 'href="/report/"' in html and 'href="/track/"' in html


def test_english_is_available_through_the_language_switch(client, world):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/report/"})
    assert r.status_code == 302
    html = client.get("/report/").content.decode()
    assert '<html lang="en">' in html
    assert "Report a utility problem" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "反映水电气暖问题" in client.get("/report/").content.decode()


@pytest.fixture
def gas_in_two_languages(world):
    world.gas_leak.safety_instructions = "请立即离开现场"
    world.gas_leak.safety_instructions_en = "Leave at once"
    world.gas_leak.extra_questions = [
        {"code": "evacuated", "label": "是否已撤离", "label_en": "Has everyone left", "type": "boolean"},
        {"code": "scope", "label": "影响范围", "label_en": "How far it reaches", "type": "choice",
         "choices": ["仅我家", "整栋楼"], "choice_labels_en": ["Only my home", "The whole building"]},
        {"code": "note", "label": "其他", "type": "text"},  # no English given: the Chinese label
    ]
    world.gas_leak.save()
    return world.gas_leak


def test_safety_instructions_and_extra_questions_follow_the_language(client, world, gas_in_two_languages):
    # Under the English switch they were Chinese only (README trial, breaker); the stored answer stays Chinese.
    html = client.get("/report/").content.decode()
    assert "<p>请立即离开现场</p>" in html and ">影响范围" in html and '<option value="整栋楼" >整栋楼</option>' in html
    client.cookies["django_language"] = "en"
    html = client.get("/report/").content.decode()
    assert "<p>Leave at once</p>" in html and "请立即离开现场" not in html
    assert ">Has everyone left" in html and ">How far it reaches" in html and ">其他" in html
    assert '<option value="整栋楼" >The whole building</option>' in html
    r = client.post("/report/", form_data(world, utility="gas", category=str(world.gas_leak.pk),
                                          **{f"extra_{world.gas_leak.pk}_scope": "整栋楼"}))
    assert r.status_code == 302
    assert Issue.objects.get().extra_answers == {"scope": "整栋楼"}
    assert '<p role="status">Leave at once</p>' in client.get(r["Location"]).content.decode()  # the success page too


def test_without_an_english_text_the_chinese_one_is_shown(client, world, gas_in_two_languages):
    gas_in_two_languages.safety_instructions_en = ""
    gas_in_two_languages.save()
    client.cookies["django_language"] = "en"
    assert "<p>请立即离开现场</p>" in client.get("/report/").content.decode()


def test_the_success_page_address_follows_the_script_prefix_and_quotes_odd_codes():
    from django.urls import set_script_prefix

    from issues.views.resident import _done_url

    try:
        set_script_prefix("/city/")
        assert _done_url("ZY20261130000001") == "/city/report/done/ZY20261130000001/"
        set_script_prefix("/")
        assert _done_url("ZY20261130000001") == "/report/done/ZY20261130000001/"
        assert _done_url("ZY 1?") == "/report/done/ZY%201%3F/"  # not a code the workflow makes: reverse() quotes it
    finally:
        set_script_prefix("/")


def test_a_copy_whose_first_died_in_flight_keeps_the_form(client, world, monkeypatch):
    # A restart killed the first copy before it filed: its key stays taken for half a minute. A resend
    # in that time gets the form back with everything typed and the same key, not a page without it.
    from issues import limits
    from issues.workflow import Actor, scoped_idempotency_key

    monkeypatch.setattr(limits, "ONCE_WAIT", 0.2)
    limits.admit(reserve=[("file_phone", "+8613800000000")],  # what the dead copy took
                 once=f"file:{scoped_idempotency_key(Actor.resident('13800000000'), KEY)}")
    r = client.post("/report/", form_data(world, description="楼道暖气管漏水"))
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    html = r.content.decode()
    assert "您刚才提交的同一份诉求还在处理中。请半分钟后再点“提交”，不会重复登记。" in html
    assert "楼道暖气管漏水</textarea>" in html and 'value="南关小区"' in html and f'value="{KEY}"' in html
    assert Issue.objects.count() == 0


def test_the_same_form_sent_again_after_its_issue_was_rejected_shows_where_it_is(client, world):
    # Sent again (Back, a resend from the history) after a rejection, the answer was the filing's
    # "提交成功，已受理" with its deadlines (breaker): now the tracking page, with the reason.
    from issues.workflow import Actor, issue_reject

    data = form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000a1")
    done = client.post("/report/", data)["Location"]
    issue = Issue.objects.get()
    assert "提交成功，已受理" in client.get(done).content.decode()
    issue_reject(issue=issue, actor=Actor.of(world.dispatcher), reason="非本市供热范围")
    again = client.post("/report/", data)
    assert again.status_code == 302 and again["Location"] == done and Issue.objects.count() == 1
    page = client.get(done)
    assert page.status_code == 302 and page["Location"] == f"/track/{issue.tracking_code}/"
    html = client.get(page["Location"]).content.decode()
    assert "您的诉求未予受理。" in html and "非本市供热范围" in html
    # A dispatcher's filing goes to the staff page.
    staff = Client()
    staff.force_login(world.dispatcher)
    filed = staff.post("/report/", form_data(world, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000a2"))
    dispatched = Issue.objects.get(channel="hotline")
    issue_reject(issue=dispatched, actor=Actor.of(world.dispatcher), reason="重复来电")
    r = staff.get(filed["Location"])
    assert r.status_code == 302 and r["Location"] == f"/work/issues/{dispatched.pk}/"


def test_two_messages_on_one_field_are_joined_as_the_language_joins_them(client, world):
    # An English page joined them with the Chinese "；" (breaker).
    r = client.post("/report/", form_data(world, latitude="abc", longitude="100"))
    assert f'<small id="latitude-error" class="field-error">位置坐标无效；{LOCATION_DROPPED}</small>' in r.content.decode()
    client.cookies["django_language"] = "en"
    html = client.post("/report/", form_data(world, latitude="abc", longitude="100")).content.decode()
    assert re.search(r'<small id="latitude-error" class="field-error">[^<；]+; [^<；]+</small>', html)


def test_every_required_field_of_the_form_is_marked(client, world):
    html = client.get("/report/").content.decode()
    for field in ("category", "district", "community", "description", "reporter_phone"):
        assert re.search(rf'<label for="id_{field}">[^<]+ <span class="req" aria-hidden="true">\*</span></label>', html), field


def test_a_refused_form_is_kept_for_back_and_every_other_answer_is_not(client, world):
    # Kept by no cache and varying on the cookie the next filing changed, the refused page could not be shown
    # again by Back: Chrome asked to "Confirm Form Resubmission" (breaker, twice; the browser test goes Back).
    r = client.post("/report/", form_data(world, privacy=None))
    assert r.status_code == 400
    assert r["Cache-Control"] == "private, no-cache, max-age=0"
    assert "cookie" not in r.get("Vary", "").lower() and "Expires" not in r
    for answer in (client.get("/report/"), client.post("/report/", form_data(world))):
        assert answer.status_code in (200, 302)
        assert "no-store" in answer["Cache-Control"]
    # A dispatcher's refused form holds a caller's details: after logout, Back must not show them.
    client.force_login(world.dispatcher)
    r = client.post("/report/", form_data(world, privacy=None, idempotency_key="0e0e0e0e-0000-4000-8000-0000000000d1"))
    assert r.status_code == 400 and "no-store" in r["Cache-Control"]
