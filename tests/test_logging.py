"""A refused request logs one line, not a traceback; a server error keeps its traceback."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied

from zhangye_utilities.log import NoTracebackFor4xx


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionDenied("仪表盘仅供市长办公室和督查人员使用")
    except PermissionDenied:
        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden (Permission denied): %s",
                               ("/dashboard/",), info)
    record.status_code = status
    return record


@pytest.mark.parametrize("status, traceback_kept", [(403, False), (404, False), (500, True)])
def test_the_console_handler_prints_tracebacks_only_for_server_errors(status, traceback_kept):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(NoTracebackFor4xx())
    handler.handle(_record(status))
    text = out.getvalue()
    assert "Forbidden (Permission denied): /dashboard/" in text
    assert ("Traceback (most recent call last)" in text) is traceback_kept


def test_the_settings_put_the_filter_on_the_console(settings):
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["no_4xx_traceback", "redact_secrets"]
    assert settings.LOGGING["filters"]["no_4xx_traceback"]["()"] == "zhangye_utilities.log.NoTracebackFor4xx"
    assert settings.LOGGING["filters"]["redact_secrets"]["()"] == "zhangye_utilities.log.RedactSecrets"


@pytest.mark.django_db
def test_a_foreign_host_header_logs_one_line(client):
    # Scanners send any Host header: Django's 400 was logged with a whole traceback (left alone before).
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoTracebackFor4xx())
    logger = logging.getLogger("django.security.DisallowedHost")
    logger.addHandler(handler)
    try:
        assert client.get("/report/", HTTP_HOST="scanner.example").status_code == 400
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert text.startswith("WARNING django.security.DisallowedHost: Invalid HTTP_HOST header: 'scanner.example'")
    assert "Traceback" not in text and "ERROR" not in text  # Django says ERROR: no alert for a scanner
