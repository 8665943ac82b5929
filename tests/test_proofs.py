"""issues.proofs: what a resident's browser proved lives in a signed cookie, not a session row."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client

from issues.models import Issue
from issues.proofs import COOKIE, MAX_ISSUES, SALT

from .test_resident_report import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache", "frozen")]


def test_filing_leaves_no_session_row_and_a_signed_cookie_without_the_phone(client, world):
    r = client.post("/report/", form_data(world))
    assert r.status_code == 302
    issue = Issue.objects.get()
    assert Session.objects.count() == 0
    raw = r.cookies[COOKIE]
    assert raw["httponly"] and raw["samesite"] == "Lax" and raw["max-age"] == 1800
    data = signing.loads(raw.value, salt=SALT)
    assert data == {"t": {str(issue.pk): "reporter"}, "f": [[issue.pk, None]]}
    assert "13800000000" not in raw.value and "8613800000000" not in raw.value
    assert client.get(r["Location"]).status_code == 200  # the success page, for this browser


def test_a_tampered_or_foreign_cookie_proves_nothing(world, file_issue):
    issue = file_issue()
    page = f"/track/{issue.tracking_code}/"
    forged = signing.dumps({"t": {str(issue.pk): "reporter"}, "f": issue.pk}, salt="another-salt")
    for value in (forged, forged[:-2] + "xx", "garbage", ""):
        client = Client()
        client.cookies[COOKIE] = value
        assert client.get(page).status_code == 404
    client = Client()
    client.cookies[COOKIE] = signing.dumps({"t": {str(issue.pk): "reporter"}, "f": issue.pk}, salt=SALT)
    assert client.get(page).status_code == 200


def test_proofs_expire_after_thirty_idle_minutes_and_each_visit_renews_them(world, file_issue):
    issue = file_issue()
    page = f"/track/{issue.tracking_code}/"
    idle, active = Client(), Client()
    for client in (idle, active):
        assert client.post("/track/", {"code": issue.tracking_code, "phone": "13800000000"}).status_code == 302
    for minute in (20, 40, 59):  # frozen at 09:00; a visit every 20 minutes or less keeps access
        with time_machine.travel(f"2026-11-30 09:{minute:02d}:00+08:00", tick=False):
            assert active.get(page).status_code == 200
    with time_machine.travel("2026-11-30 09:29:00+08:00", tick=False):
        assert idle.get(page).status_code == 200
    with time_machine.travel("2026-11-30 10:00:00+08:00", tick=False):  # 31 idle minutes since 09:29
        assert idle.get(page).status_code == 404


def test_a_dispatchers_success_page_ends_at_logout(client, world):
    client.force_login(world.dispatcher)
    r = client.post("/report/", form_data(world))
    assert r.status_code == 302
    assert client.get(r["Location"]).status_code == 200
    client.post("/accounts/logout/")
    assert client.get(r["Location"]).status_code == 404


def test_a_signed_cookie_with_wrong_types_proves_nothing(world, file_issue):
    issue = file_issue()
    for data in ({"f": True, "t": {str(issue.pk): "admin"}}, {"t": [issue.pk]}, [1, 2], None, {"f": str(issue.pk)},
                 {"f": [str(issue.pk)]}, {"f": [[str(issue.pk), None]]}, {"f": [[issue.pk]]}, {"f": [[True, None]]}):
        client = Client()
        client.cookies[COOKIE] = signing.dumps(data, salt=SALT)
        assert client.get(f"/track/{issue.tracking_code}/").status_code == 404
        assert client.get(f"/report/done/{issue.tracking_code}/").status_code == 404


def test_a_reporter_stays_reporter_and_only_the_latest_twenty_are_kept(world, file_issue, settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "track_ip": [(1000, 60)]}
    client = Client()
    issues = [file_issue(phone="13800000000") for _ in range(MAX_ISSUES + 1)]
    for issue in issues:
        assert client.post("/track/", {"code": issue.tracking_code, "phone": "13800000000"}).status_code == 302
    data = signing.loads(client.cookies[COOKIE].value, salt=SALT)
    assert len(data["t"]) == 20
    assert str(issues[0].pk) not in data["t"]  # the oldest proof went first
    assert set(data["t"].values()) == {"reporter"}


def test_a_reporter_is_never_demoted_to_follower():
    from types import SimpleNamespace

    from issues.proofs import Proofs

    proofs = Proofs(SimpleNamespace(COOKIES={}))
    proofs.remember(7, "reporter")
    proofs.remember(7, "follower")
    proofs.remember(8, "follower")
    assert proofs.role(7) == "reporter" and proofs.role("8") == "follower" and proofs.role(9) is None


def test_a_second_filing_keeps_the_first_ones_success_page(client, world):
    # Reloading the first success page (or switching its language) after a second filing gave 404 (breaker).
    first = client.post("/report/", form_data(world))
    second = client.post("/report/", form_data(world, description="另一处问题：小区东门水管漏水", idempotency_key="k-2"))
    assert first.status_code == second.status_code == 302 and first["Location"] != second["Location"]
    assert client.get(first["Location"]).status_code == 200
    assert client.get(second["Location"]).status_code == 200
    assert Client().get(first["Location"]).status_code == 404  # another browser still sees nothing


def test_only_the_last_ten_filings_keep_their_success_page(world, file_issue):
    from issues.proofs import MAX_FILED

    issues = [file_issue() for _ in range(MAX_FILED + 1)]
    client = Client()
    client.cookies[COOKIE] = signing.dumps({"t": {}, "f": [[i.pk, None] for i in issues]}, salt=SALT)
    assert MAX_FILED == 10
    assert client.get(f"/report/done/{issues[0].tracking_code}/").status_code == 404
    assert client.get(f"/report/done/{issues[1].tracking_code}/").status_code == 200
    assert client.get(f"/report/done/{issues[-1].tracking_code}/").status_code == 200


def test_a_cookie_of_the_earlier_shape_still_shows_its_filing(world, file_issue):
    # Cookies set before a deploy held one filing as "f": id, "u": user id.
    issue = file_issue()
    client = Client()
    client.cookies[COOKIE] = signing.dumps({"t": {}, "f": issue.pk, "u": None}, salt=SALT)
    assert client.get(f"/report/done/{issue.tracking_code}/").status_code == 200
    client.cookies[COOKIE] = signing.dumps({"t": {}, "f": issue.pk, "u": world.dispatcher.pk}, salt=SALT)
    assert client.get(f"/report/done/{issue.tracking_code}/").status_code == 404  # a dispatcher's, logged out
