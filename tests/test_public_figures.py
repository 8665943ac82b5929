"""/stats/: the month's public figures, city-wide, counts and rates only.

The expected numbers are worked out by hand from the week in
tests/measures_data.py (November 2026, "now" Monday 11-30 09:00):
filed in November and not merged: A B C D E F H R P = 9 (8 heat, 1 power,
all in 甘州区); closed A, F = 2; latest resolutions A D F H = 4, on time
A D H = 3 (75.0%); rated by the reporter A, F = 2 (H's excluded on appeal),
solved A = 1 (50.0%), satisfied or basically satisfied A, F = 2 (100.0%).
Every heat issue went to 甘州区供热公司.
"""

from __future__ import annotations

import re

import pytest

from issues import measures
from tests import measures_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world, frozen, locmem_cache):
    return measures_data.build(world)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _headline(html: str) -> list[tuple[str, str, str]]:
    section = re.search(r'id="headline">(.*?)</section>', html, re.S).group(1)
    return [(_text(h).strip(), _text(v).strip(), _text(b).strip()) for h, v, b in re.findall(
        r'<header>(.*?)</header>\s*<p class="value">(.*?)</p>\s*<p class="basis">(.*?)</p>', section, re.S)]


def test_the_month_city_wide(client, data):
    response = client.get("/stats/")
    html = response.content.decode()
    assert response.status_code == 200 and "2026年11月" in html
    assert _headline(html) == [("受理量", "9", "件"), ("销号量", "2", "件"), ("按时办结率", "75.0%", "3 / 4 件"),
                               ("解决率", "50.0%", "1 / 2 件"), ("满意率", "100.0%", "2 / 2 件")]
    assert _table(html, "by-utility") == [["供水", "0", "0", "—", "—"], ["供电", "1", "0", "—", "—"],
                                          ["供气", "0", "0", "—", "—"], ["供暖", "8", "2", "75.0%", "100.0%"]]
    assert _table(html, "by-district") == [["甘州区", "9", "2", "75.0%", "100.0%"], ["临泽县", "0", "0", "—", "—"]]
    # Two rated issues are below the ranking's 10.
    assert 'id="ranking"' not in html and 'id="no-ranking"' in html


def test_units_with_enough_ratings_are_ranked(client, data, monkeypatch):
    monkeypatch.setattr(measures, "RANKING_MIN_RATED", 2)
    html = client.get("/stats/").content.decode()
    assert _table(html, "ranking") == [["1", "甘州区供热公司", "100.0%", "50.0%", "75.0%", "2"]]
    assert "当月评价满 2 件的单位参与排名" in html


def test_an_earlier_month_and_the_months_offered(client, data):
    html = client.get("/stats/", {"month": "2026-10"}).content.decode()
    assert _headline(html)[0] == ("受理量", "0", "件") and _headline(html)[2] == ("按时办结率", "—", "0 / 0 件")
    months = re.findall(r'<option value="(\d{4}-\d{2})"', html)
    assert months[0] == "2026-11" and months[-1] == "2025-11" and len(months) == 13
    assert '<option value="2026-10" selected>' in html


@pytest.mark.parametrize("month", ["2025-10", "2026-12", "abc", "2026-11 ", "9" * 200])
def test_a_month_not_offered_shows_this_month_and_says_so(client, data, month):
    response = client.get("/stats/", {"month": month})
    html = response.content.decode()
    assert response.status_code == 400
    assert "只能查看最近 13 个月的数据，请从列表中选择月份。以下是本月的数据。" in html
    assert _headline(html)[0] == ("受理量", "9", "件")


def test_nothing_personal_is_shown(client, data, world):
    html = client.get("/stats/").content.decode()
    for secret in ("南关小区", "暖气不热", "138", "13900000001", data.A.tracking_code):
        assert secret not in _text(html), secret


def test_the_counts_are_cached_for_five_minutes(client, data, world, frozen, file_issue):
    client.get("/stats/")
    file_issue()
    assert _headline(client.get("/stats/").content.decode())[0] == ("受理量", "9", "件")
    frozen.shift(301)
    assert _headline(client.get("/stats/").content.decode())[0] == ("受理量", "10", "件")


def test_in_english(client, data, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/stats/").content.decode()
    assert "Public figures" in html and "November 2026" in html
    assert [h[0] for h in _headline(html)] == ["Received", "Closed", "On-time resolution", "Solved rate",
                                               "Satisfaction rate"]
    assert _table(html, "by-utility")[3] == ["Heating", "8", "2", "75.0%", "100.0%"]


def test_the_home_page_and_every_footer_link_it(client, db):
    assert 'href="/stats/"' in client.get("/").content.decode()
    assert 'href="/stats/" id="footer-stats"' in client.get("/track/").content.decode()


def test_with_the_cache_down_the_figures_are_computed(client, world, frozen, settings):
    # /stats/ (and the dashboard's measures) answered 500 when Redis was unreachable (breaker).
    measures_data.build(world)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/stats/")
    assert response.status_code == 200 and _headline(response.content.decode())[0] == ("受理量", "9", "件")
    client.force_login(world.mayor)
    assert client.get("/dashboard/").status_code == 200
