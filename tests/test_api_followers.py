"""GET /api/v1/issues/{id}/followers/ (staff in scope and the filing client; phones masked),
and the OpenAPI examples of the main operations."""

from __future__ import annotations

import pytest

from issues.models import Issue
from issues.workflow import issue_follow
from tests.conftest import local

from .api_support import *  # noqa: F401,F403 - fixtures

pytestmark = pytest.mark.django_db


def url(issue_id) -> str:
    return f"/api/v1/issues/{issue_id}/followers/"


@pytest.fixture
def followed(assigned):
    """The assigned heating issue (lead 甘州区供热公司), followed by two residents."""
    issue_follow(issue=assigned, phone="13900000001", name="李先生", now=local(2026, 11, 30, 10, 2))
    issue_follow(issue=assigned, phone="+86 137 1234 5678", now=local(2026, 11, 30, 11, 45))
    return assigned


@pytest.mark.parametrize("who", ["dispatcher", "heat_staff", "water_staff", "supervisor", "mayor", "revisit"])
def test_staff_in_scope_see_masked_followers(as_user, followed, who):
    response = as_user(who).get(url(followed.pk))
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [(r["name"], r["phone"], r["created_at"]) for r in rows] == [
        ("李先生", "139****0001", "2026-11-30T10:02:00+08:00"),
        ("", "137****5678", "2026-11-30T11:45:00+08:00"),
    ]
    assert set(rows[0]) == {"id", "name", "phone", "created_at"}
    assert "13900000001" not in response.content.decode()


def test_no_followers_is_an_empty_list(as_user, assigned):
    response = as_user("dispatcher").get(url(assigned.pk))
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("who", ["linze_staff", "power_supervisor", "norole"])
def test_staff_outside_scope_get_404(as_user, followed, who):
    assert err(as_user(who).get(url(followed.pk)))[:2] == (404, "not_found")


def test_unknown_or_bad_ids_are_404(as_user, followed):
    for bad in (10**9, "abc", 0, "9" * 30):
        assert err(as_user("dispatcher").get(url(bad)))[:2] == (404, "not_found"), bad


def test_anonymous_is_401(api, followed):
    assert err(api.get(url(followed.pk)))[:2] == (401, "unauthenticated")


def test_a_client_that_did_not_file_it(as_client, followed):
    # Bound to the lead unit: sees the issue, but its followers are not its business.
    assert err(as_client("heat_system").get(url(followed.pk)))[:2] == (403, "forbidden")
    # Not bound to the unit: the issue is outside its scope.
    assert err(as_client("hotline").get(url(followed.pk)))[:2] == (404, "not_found")


def test_the_filing_client_sees_them_masked(as_client, world, frozen):
    filed = as_client("hotline").post("/api/v1/issues/", {
        "category": world.heat_cold.pk, "district": world.ganzhou.pk, "community": "南关小区",
        "description": "暖气片冰凉，室内只有12度", "reporter_phone": "13800000000"}, format="json")
    assert filed.status_code == 201, filed.content
    issue = Issue.objects.get(pk=filed.json()["id"])
    issue_follow(issue=issue, phone="13900000001", name="李先生")
    response = as_client("hotline").get(url(issue.pk))
    assert response.status_code == 200
    assert [(r["name"], r["phone"]) for r in response.json()] == [("李先生", "139****0001")]
    assert err(as_client("other").get(url(issue.pk)))[:2] == (404, "not_found")


# --------------------------------------------------------------------------
# OpenAPI examples
# --------------------------------------------------------------------------


@pytest.fixture
def schema(api, db):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _examples(content: dict) -> dict:
    return (content.get("application/json") or {}).get("examples") or {}


def test_post_issues_has_request_and_response_examples(schema):
    op = schema["paths"]["/api/v1/issues/"]["post"]
    request = _examples(op["requestBody"]["content"])
    assert request, "no request example for POST /api/v1/issues/"
    body = next(iter(request.values()))["value"]
    assert {"category", "district", "community", "description", "reporter_phone"} <= set(body)
    assert _examples(op["responses"]["201"]["content"])
    error = next(iter(_examples(op["responses"]["400"]["content"]).values()))["value"]
    assert error["error"]["code"] == "invalid" and error["error"]["fields"]


@pytest.mark.parametrize("path, method, codes", [
    ("/api/v1/issues/", "get", ["200", "400"]),
    ("/api/v1/issues/{id}/", "get", ["200", "404"]),
    ("/api/v1/issues/{id}/assign/", "post", ["200", "400", "403", "404", "409"]),
    ("/api/v1/issues/{id}/claim/", "post", ["200", "404", "409"]),
    ("/api/v1/issues/{id}/followers/", "get", ["200", "403", "404"]),
    ("/api/v1/measures/", "get", ["200", "400", "403"]),
])
def test_main_operations_have_examples(schema, path, method, codes):
    op = schema["paths"][path][method]
    for code in codes:
        assert _examples(op["responses"][code]["content"]), (path, method, code)


def test_list_example_is_a_page(schema):
    op = schema["paths"]["/api/v1/issues/"]["get"]
    page = next(iter(_examples(op["responses"]["200"]["content"]).values()))["value"]
    assert set(page) == {"next", "previous", "results"} and page["results"][0]["view"] == "staff"


def test_filing_and_following_document_the_401_a_bad_token_gets(schema, api):
    # The schema listed no 401 for them, which a bad token answers (breaker).
    for path in ("/api/v1/issues/", "/api/v1/issues/{id}/follow/"):
        assert "401" in schema["paths"][path]["post"]["responses"]
    api.credentials(HTTP_AUTHORIZATION="Token nope")
    assert api.post("/api/v1/issues/", {}, format="json").status_code == 401


def test_the_documented_phone_pattern_takes_every_mobile_prefix_the_server_takes(schema):
    import re

    pattern = re.compile(schema["components"]["schemas"]["IssueCreateInRequest"]["properties"]["reporter_phone"]["pattern"])
    for number in ("13800000000", "14512345678", "16612345678", "17012345678", "19912345678"):
        assert pattern.match(number), number
    for number in ("12012345678", "14012345678", "19412345678", "1381234567"):
        assert not pattern.match(number), number
