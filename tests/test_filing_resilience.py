"""Filing stays correct around its fast path: idempotent retries, idle proofs, a cache outage."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError

from issues.models import Issue

from .api_support import *  # noqa: F403 - fixtures
from .conftest import local
from .test_api_issues import body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_an_idempotent_retry_returns_the_first_issue_even_after_its_category_was_deactivated(world, as_client):
    """A system times out, an admin retires the category, the system retries with the same key.

    README/API docs: "a repeat with the same key returns the first issue
    (200)" — not 400 "请选择问题类别", which would tell the caller it failed.
    """
    client = as_client("hotline")
    first = client.post("/api/v1/issues/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="call-9")
    assert first.status_code == 201
    world.heat_cold.active = False
    world.heat_cold.save()
    again = client.post("/api/v1/issues/", body(world), format="json", HTTP_IDEMPOTENCY_KEY="call-9")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Issue.objects.count() == 1


def test_proofs_are_an_idle_timeout_not_an_absolute_one(world, file_issue, locmem_cache):
    """ZY_SESSION_IDLE_SECONDS (SESSION_COOKIE_AGE, 30 min) is an idle limit:
    a resident reading the tracking page every 20 minutes keeps access."""
    issue = file_issue()
    c = Client()
    assert c.post("/track/", {"code": issue.tracking_code, "phone": "13800000000"}).status_code == 302
    page = f"/track/{issue.tracking_code}/"
    with time_machine.travel(local(2026, 11, 30, 9, 20), tick=False):
        assert c.get(page).status_code == 200
    with time_machine.travel(local(2026, 11, 30, 9, 40), tick=False):  # 20 idle minutes after the last request
        assert c.get(page).status_code == 200


def test_everyone_can_still_file_while_redis_is_down(world, as_client, as_user, monkeypatch, caplog):
    """The cache holds the reference version and the rate-limit counters; while it is
    unreachable, systems and dispatchers file as usual and residents' filings are let
    through unlimited (logged as an error), never a 500."""
    def down(*a, **kw):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    from django.core.cache.backends.locmem import LocMemCache

    from issues import reference

    from .test_resident_report import form_data

    assert isinstance(cache._connections[cache._alias], LocMemCache)  # api_support.clean_cache
    for name in ("get", "add", "set", "get_many", "incr"):
        monkeypatch.setattr(LocMemCache, name, down)
    reference.forget()
    assert as_client("hotline").post("/api/v1/issues/", body(world), format="json").status_code == 201
    assert as_user("dispatcher").post("/api/v1/issues/", body(world), format="json").status_code == 201
    resident = Client()
    assert resident.get("/report/").status_code == 200
    assert resident.post("/report/", form_data(world)).status_code == 302
    assert Issue.objects.count() == 3
    assert "rate-limit counters unreachable" in caplog.text
