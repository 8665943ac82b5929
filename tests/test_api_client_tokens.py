"""API client tokens: only their SHA-256 is stored; each token is shown once, when it is made."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rest_framework.test import APIClient

from issues.models import ApiClient

from .api_support import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db

# SHA-256 test vectors (FIPS 180-2, appendix B.1; and of the empty string).
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def stored_row(client: ApiClient) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM issues_apiclient WHERE id = %s", [client.pk])
        return [str(v) for v in cur.fetchone()]


def test_the_hash_is_sha256_in_hex():
    assert (ApiClient.hash_token("abc"), ApiClient.hash_token("")) == (ABC, EMPTY)


def test_a_new_client_has_a_token_that_the_database_does_not_hold(world, api):
    client = ApiClient.objects.create(name="12345热线系统")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", client.token)
    row = stored_row(client)
    assert not any(client.token in value for value in row)
    assert client.token[:6] in row and ApiClient.hash_token(client.token) in row
    assert ApiClient.objects.get(pk=client.pk).token == ""  # not readable back
    api.credentials(HTTP_AUTHORIZATION=f"Token {client.token}")
    assert api.get("/api/v1/issues/").status_code == 200
    assert api.get("/open311/v2/requests.json", {"api_key": client.token}).status_code == 200


def test_a_wrong_token_or_its_hash_is_refused(world, api, systems):
    for key in (systems.hotline.token[:-1] + "x", ApiClient.hash_token(systems.hotline.token)[:64]):
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/issues/").status_code == 401
    api.credentials()
    r = api.post("/open311/v2/requests.json", {"api_key": ApiClient.hash_token(systems.hotline.token)[:64],
                                                "service_code": "heat-not-warm", "address_string": "南关小区"})
    assert (r.status_code, r.json()) == (403, [{"code": 403, "description": "api_key missing or invalid"}])


def test_an_inactive_clients_token_is_refused(world, api, systems):
    ApiClient.objects.filter(pk=systems.hotline.pk).update(active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {systems.hotline.token}")
    r = api.get("/api/v1/issues/")
    assert r.status_code == 401 and "该接口客户端已停用" in r.content.decode()


def test_the_admin_shows_a_new_token_once_then_only_its_start(admin_client, world):
    r = admin_client.post("/admin/issues/apiclient/add/", {"name": "微信小程序", "active": "on"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    [(name, shown)] = re.findall(r"<tr><td>(.+?)</td><td><code>([A-Za-z0-9_-]{43})</code></td></tr>", r.content.decode())
    assert name == "微信小程序"
    assert "令牌只显示这一次" in r.content.decode()
    assert "messages" not in r.cookies  # never in a cookie or the session
    client = ApiClient.objects.get(name="微信小程序")
    assert client.token_hash == ApiClient.hash_token(shown)
    for page in ("/admin/issues/apiclient/", f"/admin/issues/apiclient/{client.pk}/change/"):
        html = admin_client.get(page).content.decode()
        assert f"{shown[:6]}…" in html and shown not in html and client.token_hash not in html


def test_regenerating_shows_each_new_token_once_and_the_old_one_stops_working(admin_client, api, world, systems):
    old = systems.hotline.token
    r = admin_client.post("/admin/issues/apiclient/", {
        "action": "regenerate_token", "_selected_action": [systems.hotline.pk, systems.other.pk]})
    assert r.status_code == 200 and "messages" not in r.cookies
    tokens = dict(re.findall(r"<tr><td>(.+?)</td><td><code>([A-Za-z0-9_-]{43})</code></td></tr>", r.content.decode()))
    assert sorted(tokens) == ["12345热线系统", "微信小程序"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/issues/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {tokens['12345热线系统']}")
    assert api.get("/api/v1/issues/").status_code == 200
    # The client not selected keeps its token.
    api.credentials(HTTP_AUTHORIZATION=f"Token {systems.heat_system.token}")
    assert api.get("/api/v1/issues/").status_code == 200


def test_regenerating_needs_the_change_permission(client, world, systems, api):
    # A view-only admin user could replace a live system's token (breaker round 2).
    from django.contrib.auth.models import Permission

    world.dispatcher.is_staff = True
    world.dispatcher.save()
    world.dispatcher.user_permissions.add(Permission.objects.get(codename="view_apiclient"))
    client.force_login(world.dispatcher)
    r = client.post("/admin/issues/apiclient/", {"action": "regenerate_token",
                                                 "_selected_action": [systems.hotline.pk]})
    assert "<code>" not in r.content.decode()
    api.credentials(HTTP_AUTHORIZATION=f"Token {systems.hotline.token}")
    assert api.get("/api/v1/issues/").status_code == 200  # still the same token


def test_of_two_regenerations_at_once_each_shown_token_works(admin_client, api, world, systems):
    """The second admin's action read the old token before the first one's replaced it: skipped, and told."""
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    class Read(list):  # the rows as the second admin's action read them, before the first one's update
        def order_by(self, *fields):
            return self

    stale = Read(ApiClient.objects.filter(pk=systems.hotline.pk))
    r = admin_client.post("/admin/issues/apiclient/", {"action": "regenerate_token",
                                                       "_selected_action": [systems.hotline.pk]})
    [(_, winner)] = re.findall(r"<tr><td>(.+?)</td><td><code>([A-Za-z0-9_-]{43})</code></td></tr>", r.content.decode())
    request = RequestFactory().post("/admin/issues/apiclient/")
    request.user = world.admin
    late = site._registry[ApiClient].regenerate_token(request, stale)
    late.render()
    assert "<code>" not in late.content.decode()
    assert "12345热线系统" in late.content.decode() and "本次未更改" in late.content.decode()
    api.credentials(HTTP_AUTHORIZATION=f"Token {winner}")
    assert api.get("/api/v1/issues/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_tokens_working_and_going_back_gives_new_ones():
    """A token stored in plain text before 0010 authenticates afterwards, and is no longer stored.

    Unapplying 0010 with clients present (they cannot be deleted once they filed) gives each a new random
    token, since a hash cannot be read back (breaker round 2: it used to refuse).
    """
    before, after = [("issues", "0009_user_text_code_point_capacity")], [("issues", "0010_api_client_token_hash")]
    MigrationExecutor(connection).migrate(before)
    try:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO issues_apiclient (name, token, active, created_at, unit_id) "
                        "VALUES (%s, %s, %s, %s, NULL)", ["旧系统", "old-plain-token-0123456789", True,
                                                          "2026-11-30T01:00:00+00:00"])
        MigrationExecutor(connection).migrate(after)
        with connection.cursor() as cur:
            cur.execute("SELECT token_hint, token_hash FROM issues_apiclient WHERE name = %s", ["旧系统"])
            assert cur.fetchone() == ("old-pl", "92a41a33f6f3e8056cb337b3eec623ac3497eb32ec0c1eb7c198e4a3270a5635")
            cur.execute("SELECT * FROM issues_apiclient")
            assert not any("old-plain-token" in str(v) for row in cur.fetchall() for v in row)
        MigrationExecutor(connection).migrate(before)
        with connection.cursor() as cur:
            cur.execute("SELECT token FROM issues_apiclient WHERE name = %s", ["旧系统"])
            [token] = cur.fetchone()
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    client = ApiClient.objects.get(name="旧系统")
    assert client.token_hash == ApiClient.hash_token(token)  # the token made going back, hashed going forward
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/issues/").status_code == 200


@pytest.mark.parametrize("unit", ["abc", "0x1"])
def test_the_add_form_refuses_a_unit_that_is_not_one(admin_client, world, unit):
    # unit=abc was a 500 while the form was drawn again (breaker round 3).
    r = admin_client.post("/admin/issues/apiclient/add/", {"name": "新系统", "unit": unit, "active": "on"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not ApiClient.objects.filter(name="新系统").exists()
