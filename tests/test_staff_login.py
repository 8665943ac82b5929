"""Staff login policy: lockout by username (django-axes), idle timeout, logout, deactivation, passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError

from tests.conftest import local

pytestmark = pytest.mark.django_db

PASSWORD = "x-test-password-123"
IP = "10.20.30.40"  # one NAT address for the whole office


def login(client, username, password, ip=IP, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return client.get("/work/").status_code == 302 and not client.get("/work/")["Location"].startswith("/accounts/")


def test_login_page_is_chinese_and_logs_in(client, world):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "工作人员登录" in page.content.decode()
    response = login(client, "dispatcher", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/work/"
    assert client.get("/work/")["Location"] == "/work/dispatch/"


def test_wrong_password_says_so_without_saying_which_part(client, world):
    response = login(client, "dispatcher", "wrong-password-000")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_username_for_30_minutes_but_not_colleagues_on_the_same_ip(world):
    from django.test import Client

    attacker, colleague = Client(), Client()
    with time_machine.travel(local(2026, 11, 30, 9, 0), tick=False) as clock:
        for _ in range(4):
            assert login(attacker, "heat_staff", "wrong-password-000").status_code == 200
        assert login(attacker, "heat_staff", "wrong-password-000").status_code == 429  # the 5th locks
        # The right password is now refused: locked.
        locked = login(attacker, "heat_staff", PASSWORD)
        assert locked.status_code == 429 and "锁定" in locked.content.decode()
        assert "_auth_user_id" not in attacker.session
        # A colleague behind the same NAT address logs in normally.
        assert login(colleague, "heat_staff2", PASSWORD).status_code == 302
        assert logged_in(colleague)

        clock.move_to(local(2026, 11, 30, 9, 29))
        assert login(Client(), "heat_staff", PASSWORD, ip="10.99.0.1").status_code == 429  # any IP: by username

        clock.move_to(local(2026, 11, 30, 9, 31))
        fresh = Client()
        assert login(fresh, "heat_staff", PASSWORD).status_code == 302
        assert logged_in(fresh)


def test_four_failures_then_success_resets_the_count(world):
    from django.test import Client

    with time_machine.travel(local(2026, 11, 30, 9, 0), tick=False):
        c = Client()
        for _ in range(4):
            login(c, "heat_staff", "wrong-password-000")
        assert login(c, "heat_staff", PASSWORD).status_code == 302
        c2 = Client()
        for _ in range(4):
            login(c2, "heat_staff", "wrong-password-000")
        assert login(c2, "heat_staff", PASSWORD).status_code == 302


def test_attempts_record_the_client_ip_behind_our_proxy(client, world, settings):
    settings.ZY_TRUSTED_PROXY_COUNT = 1
    login(client, "heat_staff", "wrong-password-000", ip="172.16.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert AccessAttempt.objects.get(username="heat_staff").ip_address == "203.0.113.9"


@pytest.mark.parametrize("hop, recorded", [
    ("2409:8a00:1c20:5a1::1", "2409:8a00:1c20:5a1::1"),  # one address, not the /64 the limits count
    ("[2409:8a00:1c20:5a1::1]:51234", "2409:8a00:1c20:5a1::1"),
    ("203.0.113.9:51234", "203.0.113.9"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("not-an-address", "172.16.0.2"),  # the proxy's own address, rather than a 500
])
def test_a_login_from_any_address_the_proxy_writes_is_recorded(client, world, settings, hop, recorded):
    settings.ZY_TRUSTED_PROXY_COUNT = 1
    r = login(client, "heat_staff", "wrong-password-000", ip="172.16.0.2", HTTP_X_FORWARDED_FOR=hop)
    assert r.status_code == 200
    assert AccessAttempt.objects.get(username="heat_staff").ip_address == recorded
    r = login(client, "heat_staff", PASSWORD, ip="172.16.0.2", HTTP_X_FORWARDED_FOR=hop)
    assert r.status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_is_a_failed_login_not_a_500(client, world, path):
    r = client.post(path, {"username": "x" * 1000, "password": "wrong-password-000"})
    assert r.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150


def test_idle_session_expires_after_30_minutes(world):
    from django.test import Client

    c = Client()
    with time_machine.travel(local(2026, 11, 30, 9, 0), tick=False) as clock:
        login(c, "dispatcher", PASSWORD)
        assert c.get("/work/dispatch/").status_code == 200
        clock.move_to(local(2026, 11, 30, 9, 29))
        assert c.get("/work/dispatch/").status_code == 200  # activity extends the session
        clock.move_to(local(2026, 11, 30, 9, 58))
        assert c.get("/work/dispatch/").status_code == 200
        clock.move_to(local(2026, 11, 30, 10, 29))  # 31 idle minutes
        response = c.get("/work/dispatch/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_logout_is_post_only_and_ends_the_server_session(world):
    from django.test import Client

    c = Client()
    login(c, "dispatcher", PASSWORD)
    key = c.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert c.get("/accounts/logout/").status_code == 405
    response = c.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie does not bring the session back.
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/work/dispatch/")["Location"].startswith("/accounts/login/")


def test_a_deactivated_account_loses_its_sessions_at_once(world):
    from django.test import Client

    c = Client()
    login(c, "heat_staff", PASSWORD)
    assert c.get("/work/queue/").status_code == 200
    world.heat_staff.is_active = False
    world.heat_staff.save(update_fields=["is_active"])
    response = c.get("/work/queue/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert login(Client(), "heat_staff", PASSWORD).status_code == 200  # and cannot log in again


def test_staff_password_policy_needs_12_characters(world):
    with pytest.raises(ValidationError):
        validate_password("Short-pw-1", user=world.dispatcher)
    with pytest.raises(ValidationError):
        validate_password("123456789012", user=world.dispatcher)  # entirely numeric
    validate_password("Heat-Station-2026-Gz", user=world.dispatcher)


def test_logged_in_staff_see_the_workbench_link_and_logout_button(client, world):
    client.force_login(world.supervisor)
    html = client.get("/work/supervise/").content.decode()
    assert 'id="nav-work"' in html and 'id="logout-button"' in html
    # A resident (no account) sees neither.
    client.logout()
    html = client.get("/").content.decode()
    assert 'id="logout-button"' not in html


def test_an_already_logged_in_user_skips_the_login_form(client, world):
    client.force_login(world.mayor)
    assert client.get("/accounts/login/")["Location"] == "/work/"


def test_next_after_login_must_be_our_own_site(client, world):
    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "mayor", "password": PASSWORD,
                                                                            "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/work/"
    assert timedelta(minutes=30).total_seconds() == 1800
