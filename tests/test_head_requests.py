"""HEAD on read-only pages: 200 and no body, like GET without the body (monitors and link checkers use it).

Read-only views use ``require_safe``; the pages that also take a POST
(/report/, /track/, "me too", the rating page) answer HEAD like GET.
POST-only views still refuse it.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from issues.models import Heartbeat, Issue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache", "frozen")]


@pytest.mark.parametrize("url", [
    "/",
    "/report/",
    "/report/similar/?category=1&district=1&community=南关小区",
    "/track/",
    "/open311/v2/discovery.json",
    "/open311/v2/services.xml",
    "/open311/v2/requests.json",
])
def test_resident_and_open311_pages_answer_head(client, world, url):
    r = client.head(url)
    assert (r.status_code, r.content) == (200, b"")


def test_healthz_answers_head(client):
    Heartbeat.objects.create(name="sweep", last_run_at=timezone.now())
    r = client.head("/healthz")
    assert (r.status_code, r.content) == (200, b"")


def test_head_on_the_filing_form_files_nothing_and_post_only_views_still_refuse_it(client, world):
    assert client.head("/report/").status_code == 200
    assert not Issue.objects.exists()
    assert client.head("/track/resend/").status_code == 302  # to /track/, sending nothing
    assert client.head("/accounts/logout/").status_code == 405


def test_the_tracked_issue_and_its_follow_page_answer_head(client, file_issue):
    issue = file_issue()
    assert client.post("/track/", {"code": issue.tracking_code, "phone": "13800000000"}).status_code == 302
    for url in [f"/track/{issue.tracking_code}/", f"/report/follow/{issue.pk}/"]:
        r = client.head(url)
        assert (r.status_code, r.content) == (200, b""), url


@pytest.mark.parametrize("who, url", [
    ("dispatcher", "/work/dispatch/"),
    ("heat_staff", "/work/queue/"),
    ("supervisor", "/work/supervise/"),
    ("revisit", "/work/revisit/"),
    ("mayor", "/dashboard/"),
    ("mayor", "/ledger/"),
])
def test_staff_pages_answer_head(client, world, who, url):
    client.force_login(getattr(world, who))
    r = client.head(url)
    assert (r.status_code, r.content) == (200, b"")


def test_the_staff_issue_page_answers_head(client, world, file_issue):
    client.force_login(world.dispatcher)
    r = client.head(f"/work/issues/{file_issue().pk}/")
    assert (r.status_code, r.content) == (200, b"")



def _wsgi(method: str, path: str) -> tuple[str, dict, bytes]:
    # Through the WSGI application as gunicorn calls it (the test client drops HEAD bodies itself).
    import io

    from django.core.wsgi import get_wsgi_application

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "REMOTE_ADDR": "127.0.0.1"}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As Django's test client does: the test's transaction keeps its connection across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = get_wsgi_application()(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


@pytest.mark.parametrize("path", ["/", "/track/", "/open311/v2/services.json"])
def test_the_wsgi_application_sends_no_body_for_head_but_the_gets_length(world, path):
    # gunicorn logged "WSGI app sent body bytes on a no-body response" for every HEAD (README trial).
    status, headers, body = _wsgi("GET", path)
    assert status == "200 OK" and len(body) > 500
    head_status, head_headers, head_body = _wsgi("HEAD", path)
    assert (head_status, head_body) == ("200 OK", b"")
    assert head_headers["Content-Length"] == str(len(body))
    assert head_headers["Content-Type"] == headers["Content-Type"]


def test_a_streamed_file_is_not_sent_for_head(world, tmp_path):
    from django.http import FileResponse
    from django.test import RequestFactory

    from zhangye_utilities.middleware import HeadWithoutBodyMiddleware

    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8" + b"x" * 5000)
    handle = open(path, "rb")
    response = HeadWithoutBodyMiddleware(lambda request: FileResponse(handle))(RequestFactory().head("/attachments/1/"))
    assert b"".join(response.streaming_content) == b"" and response["Content-Length"] == "5002"
    response.close()
    assert handle.closed
