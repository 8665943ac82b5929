"""Logs leave out the secrets a URL can carry (zhangye_utilities.log.redact, gunicorn_log.Logger)."""

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zhangye_utilities.log import redact

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, expected", [
    ("GET /open311/v2/requests.json?api_key=lm5EtnO-abc_123&status=open HTTP/1.1",
     "GET /open311/v2/requests.json?api_key=[redacted]&status=open HTTP/1.1"),
    ("api_key=lm5EtnO-abc_123", "api_key=[redacted]"),
    ("status=open&API_KEY=x;y=1", "status=open&API_KEY=[redacted];y=1"),
    ("GET /track/t/eyJpIjo2NDM0NSwicCI6Ijk0ZTM1NDUxY2Q5NDk4MTcifQ:1xaFdK:QXmm/ HTTP/1.1",
     "GET /track/t/[redacted]/ HTTP/1.1"),
    ("https://zhangye.example/rate/eyJpIjoxfQ:1xaF:abc/?x=1", "https://zhangye.example/rate/[redacted]/?x=1"),
    ("GET /track/ZY20261207000001/ HTTP/1.1", "GET /track/ZY20261207000001/ HTTP/1.1"),  # a code is no secret
    # A photo's token on a tracking page opened the reporter's photo to whoever read the log (breaker).
    ("GET /attachments/36/?t=36:1xaWOg:WUkRddXyz HTTP/1.1", "GET /attachments/36/?t=[redacted] HTTP/1.1"),
    ("/attachments/36/?x=1&T=36:1xaWOg:WUk", "/attachments/36/?x=1&T=[redacted]"),
    ("GET /report/?st=1&tt=2 HTTP/1.1", "GET /report/?st=1&tt=2 HTTP/1.1"),
    ("GET /report/?monkey_key=1 HTTP/1.1", "GET /report/?monkey_key=1 HTTP/1.1"),
    # Percent-escapes the application decodes (breaker round 2): found, and the line given decoded.
    ("POST /open311/v2/requests.json?%61pi_key=SeCrEt HTTP/1.1", "POST /open311/v2/requests.json?api_key=[redacted] HTTP/1.1"),
    ("?api%5Fkey=SeCrEt&a=%E7%94%98", "?api_key=[redacted]&a=甘"),
    ("GET /track/t%2FSeCrEt/ HTTP/1.1", "GET /track/t/[redacted]/ HTTP/1.1"),
    ("GET /r%61te/SeCrEt/?x=%0A HTTP/1.1", "GET /rate/[redacted]/?x=\\x0a HTTP/1.1"),  # no forged line break
    ("/rate/x/?a=%C2%9B31m%C2%85x%E2%80%A8y", "/rate/[redacted]/?a=\\x9b31m\\x85x\\u2028y"),  # nor C1 or U+2028
    ("GET /report/?q=%E7%94%98 HTTP/1.1", "GET /report/?q=%E7%94%98 HTTP/1.1"),  # nothing hidden: left as sent
    ("Invalid HTTP request line: 'GET /x?api_key=SeCrEt&a=甘 HTTP/1.1'",
     "Invalid HTTP request line: 'GET /x?api_key=[redacted]&a=甘 HTTP/1.1'"),
    # Admin searches by phone number are GETs: the number is masked, in any spelling (breaker).
    ("GET /admin/issues/smsmessage/?q=%2B8613900002222 HTTP/1.1", "GET /admin/issues/smsmessage/?q=+86139****2222 HTTP/1.1"),  # given decoded, as for the secrets
    ("q=13900002222&p=2", "q=139****2222&p=2"),
    ("GET /admin/issues/smsmessage/?q=139+5555+0001 HTTP/1.1", "GET /admin/issues/smsmessage/?q=139****0001 HTTP/1.1"),
    ("?q=139-5555-0001", "?q=139****0001"),
    ("?q=%2B86+139+5555+0001", "?q=+86+139****0001"),
    ("GET /track/ZY20261130000001/?n=913900002222 HTTP/1.1", "GET /track/ZY20261130000001/?n=913900002222 HTTP/1.1"),
    ("", ""),
    (None, None),
])
def test_redact(text, expected):
    assert redact(text) == expected


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_gunicorn_writes_no_api_key_or_link_token_to_its_access_log(tmp_path):
    port, log, errors = _free_port(), tmp_path / "access.log", tmp_path / "error.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.support.plain_app:app", "--bind", f"127.0.0.1:{port}",
         "--logger-class", "zhangye_utilities.gunicorn_log.Logger", "--access-logfile", str(log),
         "--error-logfile", str(errors),
         "--no-control-socket"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/open311/v2/requests.json?api_key=SeCrEt-Key_1&status=open",
                             headers={"Referer": "http://x/rate/SeCrEt-Token:1/"})
                assert conn.getresponse().read() == b"ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        conn.request("GET", "/track/t/SeCrEt-Token:2/")
        conn.getresponse().read()
        deadline = time.monotonic() + 10
        while log.read_text().count("\n") < 2:
            assert time.monotonic() < deadline, "no access log lines"
            time.sleep(0.1)
        # gunicorn refuses a request line with raw UTF-8 and logs it whole in its error log.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall("GET /open311/v2/requests.json?api_key=SeCrEt-3&address_string=甘州区 HTTP/1.1\r\n"
                        "Host: x\r\n\r\n".encode())
            assert raw.recv(100).startswith(b"HTTP/1.1 400")
        deadline = time.monotonic() + 10
        while "Invalid" not in errors.read_text():
            assert time.monotonic() < deadline, "no error log line"
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "SeCrEt" not in text and "SeCrEt" not in errors.read_text()
    assert "api_key=[redacted]&address_string=" in errors.read_text()
    assert "GET /open311/v2/requests.json?api_key=[redacted]&status=open HTTP/1.1" in text
    assert '"http://x/rate/[redacted]/"' in text and "GET /track/t/[redacted]/ HTTP/1.1" in text


@pytest.mark.django_db
def test_djangos_request_log_writes_no_link_token(world, file_issue, caplog):
    # "Conflict: /rate/<token>/" gave a valid token to whoever reads the log (breaker round 2).
    from django.test import Client

    from issues.links import rating_url

    issue = file_issue()  # new: no rating is due, so a rating is a conflict
    path = "/" + rating_url(issue, issue.reporter_phone).split("/", 3)[3]
    token = path.split("/")[2]
    r = Client().post(path, {"resolved": "yes", "satisfaction": "satisfied"})
    assert r.status_code == 409
    assert "Conflict: /rate/[redacted]/" in caplog.text and token not in caplog.text


@pytest.mark.django_db
def test_a_failed_csrf_check_logs_no_link_token(world, file_issue):
    # "Forbidden (CSRF cookie not set.): /rate/<token>/" went to the console whole (breaker round 3):
    # django.security.csrf is another logger than django.request. The console handler redacts all.
    import io
    import logging

    from django.test import Client

    from issues.links import rating_url
    from zhangye_utilities.log import RedactSecrets

    console = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecrets) for f in h.filters)]
    assert len(console) == 1
    issue = file_issue()
    path = "/" + rating_url(issue, issue.reporter_phone).split("/", 3)[3]
    token = path.split("/")[2]
    stream = io.StringIO()
    old = console[0].setStream(stream)
    try:
        r = Client(enforce_csrf_checks=True).post(path, {"resolved": "yes", "satisfaction": "satisfied"})
    finally:
        console[0].setStream(old)
    assert r.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /rate/[redacted]/" in stream.getvalue()
    assert token not in stream.getvalue()


def test_a_badly_formatted_log_call_is_left_to_logging():
    import logging

    from zhangye_utilities.log import RedactSecrets

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s %s", ("one",), None)
    assert RedactSecrets().filter(record) is True and record.args == ("one",)
