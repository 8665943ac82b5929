"""Error pages (issues/views/errors.py): 400, 403, the CSRF failure, 404 and 500.

Residents get a page in plain Chinese (English under the switch) saying what
happened and what to do; the API and Open311 keep their own error shapes.
The 500 cases break the home page's ``render`` to get a view with a bug.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The response's body as text."""
    return response.content.decode()


@pytest.fixture
def english(client, settings):
    """The test client with the language switch set to English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --------------------------------------------------------------------------
# 404
# --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/rate/", "/attachments/abc/", "/attachments/999999/", "/no-such-page/"])
def test_not_found_is_a_chinese_page_that_says_what_to_do(client, url):
    r = client.get(url)
    assert r.status_code == 404
    html = text(r)
    assert "<title>找不到这个页面 · 张掖城市生命线</title>" in html
    assert '<h1 id="error-title">找不到这个页面</h1>' in html
    assert "您要打开的页面不存在。可能是网址输错了、少了几个字，或者链接已经失效。" in html
    assert 'href="/track/">查询办理进度</a>' in html and 'href="/">返回首页</a>' in html
    assert 'value="en"' in html  # base.html's language switch
    assert "Not Found" not in html


def test_not_found_in_english(english):
    r = english.get("/rate/")
    assert r.status_code == 404
    assert '<h1 id="error-title">Page not found</h1>' in text(r)
    assert "The page you tried to open does not exist." in text(r)


# --------------------------------------------------------------------------
# 405
# --------------------------------------------------------------------------


def test_opening_a_post_only_address_is_a_chinese_page(client):
    # Logout takes a POST only (Django); a bookmark of it used to open a blank page.
    r = client.get("/accounts/logout/")
    assert (r.status_code, r["Allow"]) == (405, "POST, OPTIONS")
    html = text(r)
    assert "<title>这个页面不能这样打开 · 张掖城市生命线</title>" in html
    assert "这个网址不能用这种方式打开。例如提交表单后的页面，不能从收藏夹、浏览记录或刷新直接打开。" in html
    assert 'href="/">返回首页</a>' in html
    # The headers every page has, and the CSRF cookie its language switch posts with (breaker round 2).
    assert r["X-Frame-Options"] == "DENY" and "no-store" in r["Cache-Control"]
    assert "csrftoken" in r.cookies


def test_the_405_pages_language_switch_works_for_a_new_visitor(db):
    client = Client(enforce_csrf_checks=True)
    r = client.get("/accounts/logout/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(r)).group(1)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_opening_a_post_only_address_in_english(english):
    r = english.get("/accounts/logout/")
    assert r.status_code == 405
    assert '<h1 id="error-title">This page cannot be opened this way</h1>' in text(r)


def test_a_wrong_method_on_the_api_keeps_the_api_error_shape(client):
    r = client.delete("/api/v1/categories/")
    assert r.status_code == 405 and r["Content-Type"] == "application/json"
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_lost_code_opened_directly_goes_to_the_tracking_page(client):
    # The language switch after "lost your code?" reloads /track/resend/ with GET (breaker).
    r = client.get("/track/resend/")
    assert (r.status_code, r["Location"]) == (302, "/track/")


def test_an_unknown_api_address_answers_the_api_error_shape(client):
    r = client.get("/api/v1/no-such-thing/")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"
    assert r.json() == {"error": {"code": "not_found", "message": "不存在", "fields": {}}}


@pytest.mark.parametrize("url, content_type, body", [
    ("/open311/v2/nothing.json", "application/json; charset=utf-8", '[{"code": 404, "description": "not found"}]'),
    ("/open311/v2/nothing.xml", "text/xml; charset=utf-8",
     '<?xml version="1.0" encoding="utf-8"?><errors><error><code>404</code>'
     "<description>not found</description></error></errors>"),
])
def test_an_unknown_open311_address_answers_open311_errors(client, url, content_type, body):
    r = client.get(url)
    assert (r.status_code, r["Content-Type"], text(r)) == (404, content_type, body)


# --------------------------------------------------------------------------
# 400: more than Django accepts
# --------------------------------------------------------------------------


def _too_many_files(client):
    photos = [SimpleUploadedFile(f"p{i}.jpg", b"x", content_type="image/jpeg") for i in range(21)]
    return client.post("/report/", {"description": "x", "photos": photos})


def _field_too_big(client):
    return client.post("/report/", {"description": "水" * 900_000})  # 2.7 MB, over DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_many_fields(client):
    body = urlencode([("f", "x")] * 1001)
    return client.post("/report/", body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("send", [_too_many_files, _field_too_big, _too_many_fields])
def test_too_much_sent_is_a_chinese_page_that_says_what_to_do(client, send):
    r = send(client)
    assert r.status_code == 400
    html = text(r)
    assert '<h1 id="error-title">提交的内容太多，系统没能收下</h1>' in html
    assert "常见的原因是一次选的照片太多，或者照片太大。" in html
    assert "少选几张照片或换小一些的照片，再提交一次。" in html
    assert "Bad Request" not in html


@pytest.mark.parametrize("send", [_too_many_files, _too_many_fields])
def test_too_much_sent_in_english(english, send):
    # Too many urlencoded fields fail in the first middleware, before LocaleMiddleware.
    r = send(english)
    assert r.status_code == 400
    assert '<h1 id="error-title">Too much was sent at once</h1>' in text(r)


def test_too_much_sent_to_the_api_answers_the_api_error_shape(client):
    body = urlencode([("f", "x")] * 1001)
    r = client.post("/api/v1/issues/", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert r.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("url", ["/report/", "/track/", "/track/resend/", "/i18n/setlang/"])
@pytest.mark.parametrize("charset", ["gbk", "latin-1"])
def test_a_form_in_another_charset_is_a_400_page_not_the_servers_bare_500(db, url, charset):
    # With the CSRF cookie every visitor holds, the error page's own CSRF step read the unreadable
    # body again and the server answered its bare 500 (breaker).
    c = Client()
    c.cookies["csrftoken"] = "x" * 32
    r = c.post(url, "code=ZY1&phone=1", content_type=f"application/x-www-form-urlencoded; charset={charset}",
               HTTP_REFERER=f"http://testserver{url}")
    assert r.status_code == 400
    html = text(r)
    assert '<h1 id="error-title">提交的内容无法读取，系统没能收下</h1>' in html
    assert "刷新一下页面，再提交一次。" in html and "照片太多" not in html


def test_a_multipart_body_without_its_boundary_is_not_blamed_on_photos(db):
    r = Client().post("/report/", b"description=x", content_type="multipart/form-data")
    assert r.status_code == 400
    assert '<h1 id="error-title">提交的内容无法读取，系统没能收下</h1>' in text(r)


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_open311_in_another_charset_answers_open311_errors(db, suffix):
    c = Client()
    c.cookies["csrftoken"] = "x" * 32
    r = c.post(f"/open311/v2/requests.{suffix}", "service_code=x", content_type="application/x-www-form-urlencoded; charset=gbk")
    assert r.status_code == 400
    assert "<code>400</code>" in text(r) if suffix == "xml" else r.json() == [{"code": 400, "description": "bad request"}]


# --------------------------------------------------------------------------
# 403: a failed CSRF check, and PermissionDenied
# --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/report/", "/track/"])
def test_a_failed_csrf_check_says_go_back_refresh_and_submit_again(db, url):
    r = Client(enforce_csrf_checks=True).post(url, {"code": "ZY1", "phone": "13800000000"},
                                              HTTP_REFERER=f"http://testserver{url}")
    assert r.status_code == 403
    html = text(r)
    assert "<title>页面已过期，请重新提交 · 张掖城市生命线</title>" in html
    assert "原因通常是页面打开太久已经过期，或者浏览器关闭了 Cookie。" in html
    assert "点浏览器的“返回”按钮，回到刚才的页面。返回后，您填写的内容一般还在。" in html
    assert "刷新一下页面" in html and "再点一次提交按钮。" in html
    assert "DEBUG" not in html and "403 Forbidden" not in html and "CSRF verification failed" not in html
    assert r.cookies["csrftoken"].value  # a fresh cookie, so the next try can pass


def test_a_failed_csrf_check_in_english(db, settings):
    c = Client(enforce_csrf_checks=True)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = c.post("/track/", {"code": "ZY1", "phone": "13800000000"})
    assert r.status_code == 403
    assert '<h1 id="error-title">This page has expired: please submit again</h1>' in text(r)
    assert "Press the browser's Back button to return to the page. What you typed is usually still there." in text(r)


def test_permission_denied_is_a_chinese_page_with_the_reason(client, world):
    client.force_login(world.heat_staff)
    r = client.get("/dashboard/")
    assert r.status_code == 403
    html = text(r)
    assert '<h1 id="error-title">没有权限打开这个页面</h1>' in html
    assert '<p id="error-reason">仪表盘仅供市长办公室和督查人员使用</p>' in html
    assert "如果您是工作人员，请用有权限的账号登录后再试。" in html
    assert 'id="nav-work"' in html  # the staff member keeps the site's menu


def test_permission_denied_in_english(english, world):
    english.force_login(world.heat_staff)
    r = english.get("/dashboard/")
    assert r.status_code == 403
    assert '<h1 id="error-title">You may not open this page</h1>' in text(r)


# --------------------------------------------------------------------------
# 500
# --------------------------------------------------------------------------


def _bug(*args, **kwargs):
    raise RuntimeError("a bug")


@pytest.fixture
def buggy(monkeypatch):
    """A client whose GET / meets a bug (and gets the answer, not the exception)."""
    monkeypatch.setattr("issues.views.resident.render", _bug)
    return Client(raise_request_exception=False)


def test_a_server_error_is_a_chinese_page_that_says_what_to_do(buggy):
    r = buggy.get("/")
    assert r.status_code == 500
    html = text(r)
    assert '<html lang="zh-Hans">' in html
    assert "<title>系统暂时出错 · 张掖城市生命线</title>" in html
    assert "很抱歉，系统出了点问题，您刚才的操作可能没有完成。这不是您的错。" in html
    assert "如果您刚才在提交诉求，请先查询办理进度，确认是否已经提交成功，不要重复提交。" in html
    assert '<a class="big" href="/">返回首页</a>' in html
    assert "Server Error" not in html


def test_a_server_error_in_english(buggy, settings):
    buggy.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = buggy.get("/")
    assert r.status_code == 500
    assert '<html lang="en">' in text(r) and '<h1 id="error-title">Something went wrong</h1>' in text(r)


def test_the_server_error_page_needs_nothing_that_can_fail(buggy, settings):
    # Static files without their manifest make every page that extends base.html fail.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    r = buggy.get("/")
    assert r.status_code == 500 and '<h1 id="error-title">系统暂时出错</h1>' in text(r)


def test_a_server_error_in_the_api_answers_the_api_error_shape(buggy, monkeypatch):
    monkeypatch.setattr("issues.api.views.CategoryViewSet.list", _bug)
    r = buggy.get("/api/v1/categories/")
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
    assert r.json() == {"error": {"code": "server_error", "message": "服务器内部错误，请稍后再试", "fields": {}}}


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_open311_with_a_multipart_body_without_its_boundary_says_so(db, suffix):
    # Answered 403 "api_key missing or invalid" though the body carried a good key (breaker round 2).
    r = Client().post(f"/open311/v2/requests.{suffix}", b"api_key=x&service_code=y", content_type="multipart/form-data")
    assert r.status_code == 400
    assert "the body must be application/x-www-form-urlencoded" in text(r)


@pytest.mark.parametrize("body, content_type, description", [
    (b'{"api_key": "x"}', "application/json", "the body must be application/x-www-form-urlencoded"),
    (b"api_key=x", "application/x-www-form-urlencoded; charset=bogus", "unknown charset bogus"),
])
def test_open311_says_what_is_wrong_with_a_body_it_cannot_read(db, body, content_type, description):
    # Read as no parameters at all, these were told 403 "api_key missing or invalid" (breaker round 3).
    r = Client().generic("POST", "/open311/v2/requests.json", body, content_type=content_type)
    assert (r.status_code, r.json()) == (400, [{"code": 400, "description": description}])
