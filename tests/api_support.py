"""Shared helpers of the API tests: authenticated clients per persona, states built through the workflow.

Import the fixtures into a test module with ``from .api_support import *``.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from issues.models import ApiClient
from issues.workflow import (
    Actor,
    issue_assign,
    issue_claim,
    issue_resolve,
)

__all__ = ["api", "as_user", "as_client", "systems", "clean_cache", "assigned", "in_progress", "awaiting", "err",
           "admin_client"]


@pytest.fixture(autouse=True)
def clean_cache(settings):
    """A private in-memory cache per test, so rate-limit counters start at zero."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "zy-api-test-cache"}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous APIClient."""
    return APIClient()


@pytest.fixture
def as_user(world):
    """``as_user("dispatcher")``: an APIClient with that persona's staff token (accounts.StaffToken)."""
    from accounts.models import StaffToken

    tokens = {}

    def _client(name):
        if name not in tokens:
            tokens[name] = StaffToken.objects.create(user=getattr(world, name)).token
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[name]}")
        return client

    return _client


@pytest.fixture
def admin_client(client, world):
    """Django's test client logged in as the persona ``admin``, made superuser (admin pages)."""
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client.force_login(world.admin)
    return client


@pytest.fixture
def systems(world):
    """Two registered systems: ``hotline`` (no unit) and ``heat_system`` (bound to 甘州区供热公司)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        hotline=ApiClient.objects.create(name="12345热线系统"),
        other=ApiClient.objects.create(name="微信小程序"),
        heat_system=ApiClient.objects.create(name="供热公司系统", unit=world.heat_gz),
    )


@pytest.fixture
def as_client(systems):
    """``as_client("hotline")``: an APIClient sending that system's ApiClient token."""

    def _client(name):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {getattr(systems, name).token}")
        return client

    return _client


@pytest.fixture
def assigned(world, file_issue):
    """A heating issue assigned to 甘州区供热公司 with 甘州区供水公司 co-handling."""
    return issue_assign(issue=file_issue(), actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz,
                        co_units=[world.water_gz])


@pytest.fixture
def in_progress(world, assigned):
    return issue_claim(issue=assigned, actor=Actor.of(world.heat_staff))


@pytest.fixture
def awaiting(world, in_progress):
    return issue_resolve(issue=in_progress, actor=Actor.of(world.heat_staff), result="已更换阀门，室温恢复20度")


def err(response) -> tuple[int, str, dict]:
    """(status, error code, fields) of an error answer; asserts the one error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    return response.status_code, body["error"]["code"], body["error"]["fields"]
