"""Staff API tokens (accounts.StaffToken): stored as their SHA-256 only, shown once in admin; DRF's authtoken,
which stored keys as they are, is gone and its keys were moved over."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from accounts.models import StaffToken

from .api_support import admin_client  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

# The SHA-256 of "old-plain-token-0123456789", as computed for test_api_client_tokens (sha256sum).
OLD_KEY = "old-plain-token-0123456789"
OLD_HASH = "92a41a33f6f3e8056cb337b3eec623ac3497eb32ec0c1eb7c198e4a3270a5635"


def with_token(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_a_staff_token_works_and_the_database_does_not_hold_it(world):
    made = StaffToken.objects.create(user=world.dispatcher)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", made.token)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM accounts_stafftoken WHERE id = %s", [made.pk])
        row = [str(v) for v in cur.fetchone()]
    assert not any(made.token in value for value in row) and made.token[:6] in row
    assert StaffToken.objects.get(pk=made.pk).token == ""
    r = with_token(made.token).get("/api/v1/issues/")
    assert r.status_code == 200


def test_a_wrong_token_or_a_deactivated_users_is_refused(world):
    made = StaffToken.objects.create(user=world.heat_staff)
    r = with_token("x" * 43).get("/api/v1/issues/")
    assert r.status_code == 401 and "令牌无效" in r.content.decode()
    world.heat_staff.is_active = False
    world.heat_staff.save()
    r = with_token(made.token).get("/api/v1/issues/")
    assert r.status_code == 401 and "该用户已停用" in r.content.decode()


def test_admin_shows_a_new_token_once_and_then_only_its_start(admin_client, world):
    r = admin_client.post("/admin/accounts/stafftoken/add/", {"user": world.supervisor.pk})
    html = r.content.decode()
    [token] = re.findall(r"<code>([A-Za-z0-9_-]{43})</code>", html)
    assert with_token(token).get("/api/v1/issues/").status_code == 200
    listing = admin_client.get("/admin/accounts/stafftoken/").content.decode()
    assert f"{token[:6]}…" in listing and token not in listing
    # Regenerated: a new token, shown once; the old one stops at once.
    row = StaffToken.objects.get(user=world.supervisor)
    r = admin_client.post("/admin/accounts/stafftoken/", {"action": "regenerate_token", "_selected_action": [row.pk]})
    [new] = re.findall(r"<code>([A-Za-z0-9_-]{43})</code>", r.content.decode())
    assert new != token
    assert with_token(token).get("/api/v1/issues/").status_code == 401
    assert with_token(new).get("/api/v1/issues/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_plain_keys_over_as_hashes_and_drops_their_table(world):
    before, after = [("accounts", "0002_initial")], [("accounts", "0003_staff_token")]
    MigrationExecutor(connection).migrate(before)
    try:
        with connection.cursor() as cur:  # DRF authtoken's table, as its migrations left it
            cur.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone "
                        "NOT NULL, user_id bigint NOT NULL UNIQUE)" if connection.vendor == "postgresql" else
                        "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created datetime NOT NULL, "
                        "user_id bigint NOT NULL UNIQUE)")
            cur.execute("INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                        [OLD_KEY, "2026-11-30 01:00:00+00:00" if connection.vendor == "postgresql"
                         else "2026-11-30 01:00:00", world.dispatcher.pk])
        MigrationExecutor(connection).migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert "authtoken_token" not in connection.introspection.table_names()
    row = StaffToken.objects.get(user=world.dispatcher)
    assert (row.token_hash, row.token_hint) == (OLD_HASH, "old-pl")
    assert row.created_at.isoformat() == "2026-11-30T01:00:00+00:00"
    assert with_token(OLD_KEY).get("/api/v1/issues/").status_code == 200


@pytest.mark.parametrize("user", ["abc", "0x1", "99999999"])
def test_the_admin_add_form_refuses_a_user_that_is_not_one(admin_client, world, user):
    # user=abc was a 500 while the form was drawn again (breaker round 3).
    r = admin_client.post("/admin/accounts/stafftoken/add/", {"user": user})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not StaffToken.objects.exists()
