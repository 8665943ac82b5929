"""GET /api/v1/measures/: the dashboard's cards over the API, counted by hand on a tiny data set.

Time is frozen at Monday 2026-11-30 09:00 Asia/Shanghai. Heating complaints
are urgent in the heating season: dispatch within 1 h, response within 2 h
of assignment, resolution within 48 h. Written through the workflow with
explicit times:

    Y   filed Sun 11-29 10:00 (dispatch due 11:00), assigned 10:20 (on time),
        claimed 10:40 (response due 12:20: on time); in progress.
    T1  filed today 07:00 (dispatch due 08:00), assigned 07:30 (on time);
        response due 09:30 — not yet due.
    T2  filed today 07:10 (dispatch due 08:10), assigned 08:30 (late).
    T3  filed today 08:30 (dispatch due 09:30 — not yet due); new.

Today, for the mayor: received 3, closed 0, open 4, overdue 0; dispatch
on time 1 of 2 (T3's deadline is still ahead); nothing whose response is
due yet (rate null). 11-29…11-30: received 4, dispatch 2 of 3, response
1 of 1. The power supervisor regulates none of it: every count 0.
"""

from __future__ import annotations

import pytest

from issues.workflow import Actor, issue_assign, issue_claim
from tests.conftest import local

from .api_support import *  # noqa: F401,F403 - fixtures

pytestmark = pytest.mark.django_db
URL = "/api/v1/measures/"


@pytest.fixture
def data(world, frozen, file_issue):
    disp, staff = Actor.of(world.dispatcher), Actor.of(world.heat_staff)
    y = file_issue(now=local(2026, 11, 29, 10, 0))
    issue_assign(issue=y, actor=disp, lead_unit=world.heat_gz, now=local(2026, 11, 29, 10, 20))
    issue_claim(issue=y, actor=staff, now=local(2026, 11, 29, 10, 40))
    t1 = file_issue(now=local(2026, 11, 30, 7, 0))
    issue_assign(issue=t1, actor=disp, lead_unit=world.heat_gz, now=local(2026, 11, 30, 7, 30))
    t2 = file_issue(now=local(2026, 11, 30, 7, 10))
    issue_assign(issue=t2, actor=disp, lead_unit=world.heat_gz, now=local(2026, 11, 30, 8, 30))
    t3 = file_issue(now=local(2026, 11, 30, 8, 30))
    return y, t1, t2, t3


def cards(response) -> dict:
    assert response.status_code == 200, response.content
    return {c["key"]: c for c in response.json()["cards"]}


def test_the_mayor_sees_today_counted_by_hand(as_user, data):
    body = as_user("mayor").get(URL, {"period": "today"}).json()
    assert body["period"] == {"kind": "today", "start": "2026-11-30", "end": "2026-11-30"}
    assert body["utilities"] is None
    c = {card["key"]: card for card in body["cards"]}
    assert [card["key"] for card in body["cards"]] == [
        "received", "closed", "open", "overdue", "supervised", "escalated", "dispatch_rate", "response_rate",
        "resolution_rate", "solved_rate", "satisfaction_rate", "rework_rate"]
    assert c["received"] == {
        "key": "received", "label": "受理量", "definition": c["received"]["definition"], "kind": "count",
        "now": False, "value": 3, "count": 3, "numerator": None, "denominator": None, "measure": "received",
        "basis_measure": None, "ledger_url": "/ledger/?measure=received&start=2026-11-30&end=2026-11-30",
        "basis_ledger_url": None}
    assert (c["closed"]["value"], c["open"]["value"], c["overdue"]["value"]) == (0, 4, 0)
    assert c["open"]["now"] is True and c["open"]["ledger_url"] == "/ledger/?measure=open"
    d = c["dispatch_rate"]
    assert (d["kind"], d["value"], d["numerator"], d["denominator"], d["count"]) == ("rate", 0.5, 1, 2, None)
    assert d["measure"] == "dispatch_on_time" and d["basis_measure"] == "dispatch_due"
    assert d["basis_ledger_url"] == "/ledger/?measure=dispatch_due&start=2026-11-30&end=2026-11-30"
    r = c["response_rate"]
    assert (r["value"], r["numerator"], r["denominator"]) == (None, 0, 0)


def test_a_custom_range_reads_yesterday_from_the_rollups(as_user, data):
    c = cards(as_user("mayor").get(URL, {"period": "custom", "start": "2026-11-29", "end": "2026-11-30"}))
    assert c["received"]["value"] == 4
    assert (c["dispatch_rate"]["numerator"], c["dispatch_rate"]["denominator"]) == (2, 3)
    assert (c["response_rate"]["value"], c["response_rate"]["numerator"], c["response_rate"]["denominator"]) == (
        1.0, 1, 1)


@pytest.mark.parametrize("period, start, end, received", [
    ("week", "2026-11-30", "2026-12-06", 3),
    ("month", "2026-11-01", "2026-11-30", 4),
])
def test_week_and_month(as_user, data, period, start, end, received):
    body = as_user("admin").get(URL, {"period": period}).json()
    assert body["period"] == {"kind": period, "start": start, "end": end}
    assert {c["key"]: c for c in body["cards"]}["received"]["value"] == received


def test_month_by_default(as_user, data):
    body = as_user("mayor").get(URL).json()
    assert body["period"]["kind"] == "month"


def test_supervisors_see_their_utilities_only(as_user, data):
    mine = as_user("supervisor").get(URL, {"period": "today"})
    assert mine.json()["utilities"] == ["heat", "gas", "water"]
    assert cards(mine)["received"]["value"] == 3
    other = as_user("power_supervisor").get(URL, {"period": "today"})
    assert other.json()["utilities"] == ["power"]
    c = cards(other)
    assert (c["received"]["value"], c["open"]["value"], c["dispatch_rate"]["denominator"]) == (0, 0, 0)
    assert c["dispatch_rate"]["value"] is None


def test_the_cards_are_the_dashboards(client, as_user, world, data):
    """Same numbers as /dashboard/ for the same period, and each link lists exactly that many issues."""
    params = {"period": "custom", "start": "2026-11-29", "end": "2026-11-30"}
    api_cards = as_user("mayor").get(URL, params).json()["cards"]
    client.force_login(world.mayor)
    page = client.get("/dashboard/", params)
    assert [(c["m"].key, c["m"].value, c["m"].numerator, c["m"].basis) for c in page.context["cards"]] == [
        (c["measure"], c["value"], c["numerator"], c["denominator"] if c["kind"] == "rate" else c["count"])
        for c in api_cards]
    for c in api_cards:
        html = client.get(c["ledger_url"]).content.decode()
        expected = c["numerator"] if c["kind"] == "rate" else c["count"]
        assert html.count('class="ledger-row"') == expected, c["key"]


@pytest.mark.parametrize("who", ["dispatcher", "heat_staff", "revisit", "norole"])
def test_other_staff_are_refused(as_user, data, who):
    assert err(as_user(who).get(URL, {"period": "today"}))[:2] == (403, "forbidden")


def test_api_clients_are_refused(as_client, data):
    assert err(as_client("hotline").get(URL))[:2] == (403, "forbidden")
    assert err(as_client("heat_system").get(URL, {"period": "today"}))[:2] == (403, "forbidden")


def test_anonymous_is_401(api, db):
    assert err(api.get(URL))[:2] == (401, "unauthenticated")


def test_role_is_checked_before_input(as_user, db):
    assert err(as_user("dispatcher").get(URL, {"period": "year"}))[0] == 403


@pytest.mark.parametrize("params, fields", [
    ({"period": "year"}, {"period"}),
    ({"period": "custom"}, {"start", "end"}),
    ({"period": "custom", "start": "2026-11-29"}, {"end"}),
    ({"period": "custom", "start": "2026-11-30", "end": "2026-11-29"}, {"end"}),
    ({"period": "custom", "start": "2026-13-01", "end": "2026-11-29"}, {"start"}),
    ({"period": "custom", "start": "1999-12-31", "end": "2026-11-29"}, {"start"}),
    ({"period": "custom", "start": "2026-01-01", "end": "9999-12-31"}, {"end"}),
    ({"period": "custom", "start": "2000-01-01", "end": "2100-12-31"}, {"end"}),
])
def test_a_bad_period_is_400_per_field(as_user, world, params, fields):
    status, code, errors = err(as_user("mayor").get(URL, params))
    assert (status, code) == (400, "invalid")
    assert set(errors) == fields, errors
