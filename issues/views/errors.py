"""Answers when a request goes wrong: 400, 403, 404, 405, 500 and a failed CSRF check.

A page gets a short page in plain words (Chinese, English under the switch)
saying what happened and what to do next. The REST API (/api/) answers its
one error shape and Open311 (/open311/) its own error list, so a program
never gets HTML. Installed as ``handler400``…``handler500`` in
zhangye_utilities/urls.py and as ``CSRF_FAILURE_VIEW``.

The language is taken from the request here, not only from LocaleMiddleware:
a 400 raised by an early middleware (too many fields, read by
RejectNulBytesMiddleware) comes before LocaleMiddleware has run.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, HttpResponseServerError, JsonResponse, QueryDict
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import requires_csrf_token

from issues.api.errors import error_body
from issues.api.open311 import Open311Error, render_error

logger = logging.getLogger(__name__)

# A last resort when even the 500 template cannot be rendered.
PLAIN_500 = "系统暂时出错，请稍后再试。Something went wrong on our side. Please try again later."


def _language(request) -> str:
    """The language this request asked for (the switch's cookie, then the browser); the default on any trouble."""
    try:
        return translation.get_language_from_request(request)
    except Exception:  # noqa: BLE001 - an error page must not fail on a strange header
        return settings.LANGUAGE_CODE


def machine_answer(request, status: int, message: str, open311_message: str,
                    code: str | None = None) -> HttpResponse | None:
    """The API's or Open311's own error answer for a request to them; None for a page.

    In: the request, the status, the REST API's message, Open311's
    description and optionally the API's error code. Out: a JsonResponse
    (/api/), Open311's error list (/open311/), or None (any other path).

    /api/… gets ``{"error": {"code", "message", "fields"}}`` (issues.api.errors),
    /open311/… the specification's error list, as XML when the path asks for .xml.
    """
    path = request.path_info
    if path.startswith("/api/"):
        return JsonResponse(error_body(status, message, code=code), status=status,
                            json_dumps_params={"ensure_ascii": False})
    if path.startswith("/open311/"):
        return render_error("xml" if path.endswith(".xml") else "json", Open311Error(status, open311_message))
    return None


def _body_read_once(view):
    # An error view whose request body could not be read (a charset other than UTF-8, a broken multipart
    # body, too much sent) reads it as empty: requires_csrf_token reads request.POST again, and raising
    # there left the error to the server's bare 500 (breaker).
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            request.POST
        except Exception:  # noqa: BLE001 - whatever made the body unreadable made this answer already
            request._post, request._files = QueryDict(), MultiValueDict()
        return view(request, *args, **kwargs)

    return wrapper


_TOO_MUCH = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    """``template`` rendered with the request (base.html's menu and language switch) in its language."""
    with translation.override(_language(request)):
        return render(request, template, context or {}, status=status)


def nul_page(request) -> HttpResponse:
    """The page (400) for a request whose address or form holds a NUL character (RejectNulBytesMiddleware).

    In: the request. Out: templates/400.html saying a character that cannot
    be kept was sent and to go back, remove what was pasted and send again.
    """
    return _page(request, "400.html", 400, {"nul": True})


@_body_read_once
@requires_csrf_token
def bad_request(request, exception=None) -> HttpResponse:
    """handler400: in ``request`` and the SuspiciousOperation or BadRequest; out a 400 answer.

    Residents meet it when a form sends more than Django accepts: more than
    DATA_UPLOAD_MAX_NUMBER_FILES files, a field over DATA_UPLOAD_MAX_MEMORY_SIZE,
    more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields. The page (templates/400.html)
    says so and suggests fewer or smaller photos. A body Django cannot read
    at all (a charset other than UTF-8, a multipart body without its
    boundary) gets the same page saying the form could not be read and to
    send it again from a refreshed page, not a hint about photos.
    """
    machine = machine_answer(request, 400, "请求无法处理：内容过多、过大或格式有误", "bad request")
    return machine or _page(request, "400.html", 400, {"too_much": exception is None or isinstance(exception, _TOO_MUCH)})


@_body_read_once
@requires_csrf_token
def permission_denied(request, exception=None) -> HttpResponse:
    """handler403: in ``request`` and the PermissionDenied; out a 403 answer.

    The page (templates/403.html) shows the exception's message when it has
    one (e.g. the dashboard's "仪表盘仅供市长办公室和督查人员使用"), and
    what a resident or a staff member can do instead.
    """
    reason = str(exception) if exception is not None else ""
    machine = machine_answer(request, 403, reason or "没有权限", "forbidden")
    return machine or _page(request, "403.html", 403, {"reason": reason})


@_body_read_once
@requires_csrf_token
def page_not_found(request, exception=None) -> HttpResponse:
    """handler404: in ``request`` and the Http404/Resolver404; out a 404 answer.

    The page (templates/404.html) never repeats the exception's text: it could
    name a model or a URL pattern.
    """
    machine = machine_answer(request, 404, "不存在", "not found")
    return machine or _page(request, "404.html", 404)


def method_not_allowed(request, response: HttpResponse) -> HttpResponse:
    """A page's empty 405 (Django's ``require_http_methods``) as a page in plain words; ``response`` otherwise.

    In: the request and the 405 response a view gave. Out: templates/405.html
    with the same status and Allow header, for a page whose 405 has no body;
    the API's and Open311's answers, and any 405 with a body, unchanged.
    Residents meet it by opening an address that only takes a form's POST
    (a bookmark, the history, the language switch after a POST).
    """
    if response.content or request.path_info.startswith(("/api/", "/open311/")):
        return response
    page = _page(request, "405.html", 405)
    add_never_cache_headers(page)
    if response.has_header("Allow"):
        page["Allow"] = response["Allow"]
    return page


@_body_read_once
@requires_csrf_token
def server_error(request) -> HttpResponse:
    """handler500: in ``request``; out a 500 answer that cannot itself fail.

    The page (templates/500.html) is self-contained: rendered without the
    request, so no context processor, database query, URL lookup or static
    manifest is involved. If even that fails, a one-line text answer.
    """
    try:
        machine = machine_answer(request, 500, "服务器内部错误，请稍后再试", "server error", code="server_error")
        if machine is not None:
            return machine
        with translation.override(_language(request)):
            body = loader.get_template("500.html").render()
        return HttpResponseServerError(body)
    except Exception:  # noqa: BLE001 - the last answer there is
        logger.exception("the 500 page itself failed")
        return HttpResponseServerError(PLAIN_500, content_type="text/plain; charset=utf-8")


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: in ``request`` and Django's reason; out a 403 page (templates/403_csrf.html).

    The form's security check failed: the page was open too long (the token
    no longer matches, e.g. after a login in another tab) or cookies are off.
    The page asks the resident to go back, refresh and submit again. The
    reason is logged by CsrfViewMiddleware, never shown. Rendering the page
    sets a fresh CSRF cookie, so the next try can pass.
    """
    machine = machine_answer(request, 403, "安全校验未通过，请刷新后重试", "CSRF check failed")
    return machine or _page(request, "403_csrf.html", 403)
