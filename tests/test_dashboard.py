"""/dashboard/: who may see it, and that every number links to exactly as many ledger rows.

Built on the hand-counted week of tests/measures_data.py; the numbers are
read right after the data is written, without running any job.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from issues.models import Category, MonthlyTopic
from tests import measures_data
from tests.test_measures import EXPECTED

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:dashboard")
P = {"period": "custom", "start": "2026-11-17", "end": "2026-11-18"}


@pytest.fixture
def data(world, frozen):
    return measures_data.build(world)


def rows(client, href) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    return response.content.decode().count('class="ledger-row"')


def test_anonymous_goes_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["heat_staff", "dispatcher", "revisit", "norole"])
def test_other_roles_are_refused(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == 403


def test_the_mayor_sees_the_hand_counted_cards(client, world, data):
    client.force_login(world.mayor)
    response = client.get(URL, P)
    assert response.status_code == 200
    cards = {c["m"].key: c["m"] for c in response.context["cards"]}
    assert cards["received"].value == EXPECTED["received"]
    assert cards["overdue"].value == EXPECTED["overdue"]
    assert cards["dispatch_on_time"].numerator == 5 and cards["dispatch_on_time"].basis == 7
    html = response.content.decode()
    assert "按时办结率" in html and "满意率" in html and "红黑榜" in html and "每月一题" in html


def test_every_card_links_to_exactly_its_issues(client, world, data):
    client.force_login(world.mayor)
    response = client.get(URL, P)
    for c in response.context["cards"]:
        measure = c["m"]
        if measure.is_rate:
            assert rows(client, c["href"]) == measure.numerator, measure.key
            assert rows(client, c["basis_href"]) == measure.basis, measure.basis_key
        else:
            assert rows(client, c["href"]) == measure.value, measure.key


def test_every_breakdown_number_links_to_exactly_its_issues(client, world, data):
    client.force_login(world.mayor)
    response = client.get(URL, P)
    checked = 0
    for _title, table in response.context["breakdowns"]:
        for r in table:
            for cell in r["cells"]:
                expected = int(cell["title"].split("/")[0]) if cell["title"] else int(cell["text"])
                assert rows(client, cell["href"]) == expected, (r["name"], cell)
                checked += 1
    assert checked > 40


def test_a_supervisor_sees_their_utilities_only(client, world, data):
    client.force_login(world.supervisor)
    response = client.get(URL, P)
    cards = {c["m"].key: c["m"] for c in response.context["cards"]}
    assert cards["received"].value == 5  # P (power) is not theirs
    assert rows(client, response.context["cards"][0]["href"]) == 5


def test_the_map_and_trend_data(client, world, data):
    client.force_login(world.mayor)
    response = client.get(URL, {**P, "map": "overdue"})
    by_name = {d["name"]: d["value"] for d in response.context["map_data"]}
    assert by_name == {"甘州区": 3, "临泽县": 0}
    assert sum(response.context["trend"]["received"]) == 6


def test_the_mayor_sets_the_monthly_topic(client, world, data):
    client.force_login(world.mayor)
    response = client.post(reverse("dashboard:topic_set"),
                           {"month": "2026-11", "utility": "heat", "category": world.heat_cold.pk, "title": "供暖不热集中整治"})
    assert response.status_code == 302
    topic = MonthlyTopic.objects.get()
    assert topic.category == world.heat_cold
    html = client.get(URL).content.decode()
    assert "供暖不热集中整治" in html
    panel = client.get(URL).context["topic"]
    received = dict(panel["cells"])
    cell = [c for label, c in panel["cells"]][0]
    assert rows(client, cell["href"]) == int(cell["text"]) == 8  # heat issues filed in November, G merged left out
    assert received


def test_a_supervisor_cannot_set_the_topic(client, world, db):
    client.force_login(world.supervisor)
    response = client.post(reverse("dashboard:topic_set"), {"month": "2026-11", "utility": "heat", "title": "x"})
    assert response.status_code == 403


def test_queries_do_not_grow_with_the_data(client, world, data, django_assert_max_num_queries):
    client.force_login(world.mayor)
    client.get(URL, P)
    with django_assert_max_num_queries(40):
        client.get(URL, P)


def test_ledger_links_carry_the_period(client, world, data):
    client.force_login(world.mayor)
    html = client.get(URL, P).content.decode()
    assert re.search(r'href="/ledger/\?measure=received&amp;start=2026-11-17&amp;end=2026-11-18"', html)


def test_english_is_available(client, world, data, settings):
    client.force_login(world.mayor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL, P).content.decode()
    assert "City lifelines supervision dashboard" in html and "Satisfaction rate" in html
    # The map's measures and the breakdowns' columns were translated once, at import, into Chinese (breaker).
    options = re.findall(r'<option value="(received|overdue|open|resolution_rate|satisfaction_rate)"[^>]*>([^<]+)<', html)
    assert options == [("received", "Received"), ("overdue", "Overdue"), ("open", "Open"),
                       ("resolution_rate", "On-time resolution"), ("satisfaction_rate", "Satisfaction rate")]
    assert client.get(URL, P).context["columns"] == ["Received", "Closed out", "Open", "Overdue",
                                                     "On-time resolution", "Satisfaction rate", "Solved rate"]


def test_the_english_dashboard_names_districts_and_categories_in_english_but_the_map_keeps_chinese(
        client, world, data, settings):
    # The breakdowns showed 甘州区 and 供暖不热 on the English page (breaker).
    world.ganzhou.name_en = "Ganzhou District"
    world.ganzhou.save()
    world.heat_cold.name_en = "Heating not warm"
    world.heat_cold.save()
    client.force_login(world.mayor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    context = client.get(URL, P).context
    breakdowns = dict(context["breakdowns"])
    assert "Ganzhou District" in [r["name"] for r in breakdowns["By district"]]
    assert "Heating not warm" in [r["name"] for r in breakdowns["By category"]]
    assert "甘州区" in [d["name"] for d in context["map_data"]]  # the map's shapes are named in Chinese


def _topic_errors(html: str) -> dict[str, str]:
    """The messages the dashboard's 每月一题 form shows, by field."""
    return {m[0]: m[1] for m in re.findall(r'id="topic-(\w+)-error">([^<]*)<', html) if m[1]}


@pytest.mark.parametrize("category", ["abc", "1.5", "9" * 30])
def test_a_topic_with_a_category_that_is_not_an_id_is_a_400(client, world, db, category):
    # int("abc") was a 500 (breaker).
    client.force_login(world.mayor)
    response = client.post(reverse("dashboard:topic_set"),
                           {"month": "2026-11", "utility": "heat", "category": category, "title": "x"})
    assert response.status_code == 400
    assert _topic_errors(response.content.decode()) == {"category": "问题类别无效，请重新选择"}
    assert not MonthlyTopic.objects.exists()


@pytest.mark.parametrize("data, errors", [
    ({"month": "2026-13", "utility": "heat", "title": "供暖不热"}, {"month": "月份格式应为 YYYY-MM，如 2026-12"}),
    # "$" matched before a final newline, and the date then failed: a 500 (breaker)
    ({"month": "2026-12\n", "utility": "heat", "title": "供暖不热"}, {"month": "月份格式应为 YYYY-MM，如 2026-12"}),
    ({"month": "", "utility": "heat", "title": "供暖不热"}, {"month": "请选择月份"}),
    ({"month": "2026-11", "utility": "oil", "title": "供暖不热"}, {"utility": "请选择行业"}),
    ({"month": "2026-11", "utility": "heat", "title": "\u3000\u200b "}, {"title": "请填写题目"}),
    ({"month": "2026-11", "utility": "heat", "title": "供" * 101}, {"title": "题目最多 100 个字（现在 101 个）"}),
    ({"month": "2026-11", "utility": "heat", "title": "a\x00b"}, {"title": "题目含有不允许的字符"}),
    ({"month": "x", "utility": "", "title": ""}, {"month": "月份格式应为 YYYY-MM，如 2026-12",
                                                  "utility": "请选择行业", "title": "请填写题目"}),
])
def test_a_refused_topic_shows_the_dashboard_with_each_fields_message(client, world, db, data, errors):
    """A bare-text 400 lost what the mayor's office typed (breaker): the form comes back open, filled in."""
    client.force_login(world.mayor)
    response = client.post(reverse("dashboard:topic_set"), data)
    html = response.content.decode()
    assert response.status_code == 400 and _topic_errors(html) == errors
    assert '<details id="topic-form" open>' in html and "每月一题未保存，请按提示修改：" in html
    if data["month"].strip():
        assert f'name="month" value="{data["month"].strip()}' in html
    assert not MonthlyTopic.objects.exists()


def test_a_topic_category_of_another_utility_is_refused_not_dropped(client, world, db):
    """A water category under 供热 was silently saved as 'all categories' (breaker)."""
    client.force_login(world.mayor)
    water = Category.objects.filter(utility="water").first()
    response = client.post(reverse("dashboard:topic_set"),
                           {"month": "2026-11", "utility": "heat", "category": water.pk, "title": "供暖不热集中整治"})
    html = response.content.decode()
    assert response.status_code == 400
    assert _topic_errors(html) == {"category": "所选类别不属于所选行业，请重新选择或选“全部类别”"}
    assert f'<option value="{water.pk}" selected>' in html and 'value="供暖不热集中整治"' in html
    assert not MonthlyTopic.objects.exists()


def test_a_topic_title_is_kept_as_typed_with_emoji_up_to_100_characters(client, world, db):
    client.force_login(world.mayor)
    title = "🔥👍🏽" * 50  # 100 characters as seen, 150 code points
    response = client.post(reverse("dashboard:topic_set"), {"month": "2026-12", "utility": "heat", "title": f"  {title} "})
    assert response.status_code == 302
    topic = MonthlyTopic.objects.get()
    assert (topic.title, topic.month, topic.category) == (title, date(2026, 12, 1), None)


def test_ledger_link_is_the_urlencoded_query(db):
    from datetime import date

    from issues.measures import Period
    from issues.views.dashboard import ledger_link

    period = Period(date(2026, 11, 17), date(2026, 11, 18))
    assert ledger_link("received", period, unit=None) == \
        "/ledger/?measure=received&start=2026-11-17&end=2026-11-18&unit=none"
    assert ledger_link("open", period, utility="heat") == "/ledger/?measure=open&utility=heat"
    assert ledger_link("rated", period, district=3) == "/ledger/?measure=rated&start=2026-11-17&end=2026-11-18&district=3"


@pytest.mark.parametrize("query, problem", [
    ({"period": "custom", "start": "2026-11-30", "end": "2026-11-01"}, "开始日期晚于结束日期，已改为显示本月。"),
    ({"period": "custom", "start": "2010-01-01", "end": "2026-11-01"},
     "自定义时段须填写开始和结束日期，且不超过十年，已改为显示本月。"),
    ({"period": "custom", "start": "", "end": "2026-11-01"},
     "自定义时段须填写开始和结束日期，且不超过十年，已改为显示本月。"),
])
def test_a_custom_period_that_cannot_be_used_is_said_not_silently_replaced(client, world, db, query, problem):
    # The dashboard fell back to this month without a word (breaker).
    client.force_login(world.mayor)
    r = client.get(URL, query)
    assert r.context["period"].kind == "month"
    assert f'<p class="flash-error" role="alert" id="period-problem">{problem}</p>' in r.content.decode()
    assert "period-problem" not in client.get(URL, {"period": "custom", "start": "2026-11-01",
                                                    "end": "2026-11-30"}).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_month_at_once_leave_one_topic_and_later_saves_work(world):
    """Two rows for one month made every later save of it a 500 (breaker: 9 months of 12 raced that way)."""
    import threading

    from django.db import connection
    from django.test import Client

    barrier, statuses = threading.Barrier(2), []

    def save(user, title):
        c = Client()
        c.force_login(user)
        try:
            barrier.wait(timeout=30)
            statuses.append(c.post(reverse("dashboard:topic_set"),
                                   {"month": "2031-01", "utility": "heat", "title": title}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(world.mayor, "甲")),
               threading.Thread(target=save, args=(world.admin, "乙"))]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert statuses == [302, 302]
    assert MonthlyTopic.objects.filter(month=date(2031, 1, 1)).count() == 1
    client = Client()
    client.force_login(world.mayor)
    assert client.post(reverse("dashboard:topic_set"), {"month": "2031-01", "utility": "water",
                                                        "title": "丙"}).status_code == 302
    assert list(MonthlyTopic.objects.values_list("title", "utility")) == [("丙", "water")]
