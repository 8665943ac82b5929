"""Swagger UI at /api/docs/ in a real browser (Debian's Chromium via Playwright), assets served locally.

Marked ``browser`` like the resident browser tests: skipped with a reason
when Chromium is missing, a failure then under ``ZY_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM
from tests.support.browser import ARGS

pytestmark = [pytest.mark.browser]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")



def test_swagger_ui_lists_the_issue_operations_without_internet(live_server, settings):
    from playwright.sync_api import sync_playwright

    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    outside = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector("text=/api/v1/issues/{id}/claim/", timeout=20000)
        text = page.inner_text("body")
        browser.close()
    for path in ("/api/v1/issues/", "/api/v1/issues/{id}/assign/", "/api/v1/issues/{id}/resolve/",
                 "/api/v1/issues/{id}/events/"):
        assert path in text
    assert outside == []  # no CDN: the intranet may have no internet
