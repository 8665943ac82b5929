"""/ledger/: scope, filters, keyset pages without repeats, masked phones, deadline marks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from issues.models import Issue
from tests import measures_data
from tests.export_support import bulk_issues

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:ledger")


def codes(response) -> list[str]:
    return [i.tracking_code for i in response.context["issues"]]


def test_anonymous_goes_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_user_without_a_role_is_refused(client, world):
    client.force_login(world.norole)
    assert client.get(URL).status_code == 403


def test_keyset_pages_cover_everything_once(client, world, frozen):
    bulk_issues(world, 120)
    client.force_login(world.mayor)
    seen, url, pages = [], URL, 0
    while url:
        response = client.get(url if url.startswith("/") else URL + url)
        seen += codes(response)
        url = response.context["next_url"]
        pages += 1
    assert pages == 3 and len(seen) == 120 == len(set(seen))
    assert seen == list(Issue.objects.order_by("-filed_at", "-id").values_list("tracking_code", flat=True))


def test_unit_staff_see_their_units_issues_only(client, world, frozen):
    bulk_issues(world, 5)
    bulk_issues(world, 3, unit=world.heat_lz)
    client.force_login(world.linze_staff)
    assert len(codes(client.get(URL))) == 3


def test_phones_are_masked(client, world, frozen):
    bulk_issues(world, 3)
    client.force_login(world.mayor)
    html = client.get(URL).content.decode()
    assert "138****0001" in html and "+8613800000001" not in html and "13800000001" not in html


def test_filters_and_marks(client, world, frozen):
    data = measures_data.build(world)
    client.force_login(world.mayor)
    response = client.get(URL, {"status": "planned"})
    assert codes(response) == [data.E.tracking_code]
    html = response.content.decode()
    assert "延期" in html and "2026-12-31" in html  # the plan's date replaces the deadline
    response = client.get(URL, {"measure": "overdue"})
    assert set(codes(response)) == {data.B.tracking_code, data.C.tracking_code, data.P.tracking_code}
    assert client.get(URL, {"district": world.linze.pk}).context["issues"] == []
    # A period measure without a period selects nothing rather than everything.
    assert codes(client.get(URL, {"measure": "received"})) == []
    assert client.get(URL, {"unit": "none", "measure": "open"}).context["issues"][0].lead_unit_id is None


@pytest.mark.parametrize("query, problem", [
    ({"measure": "received", "start": "2026-12-31", "end": "2026-12-01"}, "开始日期晚于结束日期，请改正后再筛选。"),
    ({"measure": "received", "start": "2026-12-01"}, "这个指标需要开始和结束日期，请填写后再筛选。"),
    # Both dates given, outside 2000–2100: it said they were missing (breaker).
    ({"measure": "received", "start": "1970-01-01", "end": "1970-01-01"}, "日期须在 2000 年至 2100 年之间，请改正后再筛选。"),
    ({"start": "2026-12-31", "end": "2026-12-01"}, "开始日期晚于结束日期，请改正后再筛选。"),
    ({"start": "2026-12-01"}, "按提交日期筛选需要同时填写开始和结束日期；现在列出的是全部诉求。"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "日期无效，请按“年-月-日”填写真实存在的日期，如 2026-02-28。"),
])
def test_a_measure_without_a_usable_period_says_why_the_list_is_empty(client, world, frozen, query, problem):
    # The ledger showed 没有符合条件的诉求 as if nothing had been filed (breaker).
    client.force_login(world.mayor)
    html = client.get(URL, query).content.decode()
    assert f'<p class="flash-error" role="alert" id="period-problem">{problem}</p>' in html
    ok = client.get(URL, {"measure": "received", "start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    assert "period-problem" not in ok
    assert "period-problem" not in client.get(URL, {"measure": "open"}).content.decode()  # needs no period


def test_dates_without_a_measure_list_the_issues_filed_in_them(client, world, frozen):
    # They did nothing, and said nothing: this week's issues were listed for a day in 2025 (breaker).
    data = measures_data.build(world)
    client.force_login(world.mayor)
    day_17 = set(codes(client.get(URL, {"start": "2026-11-17", "end": "2026-11-17"})))
    # Filed 11-17 (Asia/Shanghai): A 00:30, B 23:30, E 09:00, G 10:00 (merged, still an issue), H 05:00, P 12:00.
    assert day_17 == {data.A.tracking_code, data.B.tracking_code, data.E.tracking_code, data.G.tracking_code,
                      data.H.tracking_code, data.P.tracking_code}
    assert codes(client.get(URL, {"start": "2025-01-01", "end": "2025-01-01"})) == []


@pytest.mark.parametrize("typed", ["zy2026", "ＺＹ２０２６", "2026", " ZY2026 "])
def test_the_code_search_reads_a_code_as_tracking_does(client, world, frozen, file_issue, typed):
    issue = file_issue()
    client.force_login(world.mayor)
    assert codes(client.get(URL, {"code": typed})) == [issue.tracking_code]
    assert codes(client.get(URL, {"code": "ZY2025"})) == []


def test_a_forged_cursor_without_an_offset_starts_from_the_top_quietly(client, world, frozen, file_issue, recwarn):
    issue = file_issue()
    client.force_login(world.mayor)
    assert codes(client.get(URL, {"after": "2026-12-07_1"})) == [issue.tracking_code]
    assert codes(client.get(URL, {"after": "2026-12-07T00:00:00_1"})) == [issue.tracking_code]
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
