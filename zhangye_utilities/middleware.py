"""Project-wide request guards."""

MESSAGE = "请求含有不允许的字符 (NUL)"


def _bad_request(request):
    # The REST API answers in its one error shape, Open311 in its error list; pages get a page in plain
    # words in the request's language (it was bare text, in Chinese under English too: breaker).
    from issues.views.errors import machine_answer, nul_page

    machine = machine_answer(request, 400, MESSAGE, "parameters must not contain NUL characters", code="invalid")
    return machine or nul_page(request)


class HeadWithoutBodyMiddleware:
    """Answer HEAD with the headers a GET gets and no body (RFC 9110, 9.3.2).

    Django's views answer HEAD as they answer GET, body included, and leave
    dropping it to the server; gunicorn drops it but logs a warning for each
    such request (a monitor polling /healthz with HEAD would fill the log).
    First in MIDDLEWARE, so the others' headers (Content-Length among them:
    the length of the GET's body) are already set when the body goes. A
    streamed file is not read, and is closed with the response as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []
            else:
                response.content = b""
        return response


class KeptForHistoryMiddleware:
    """Let the browser keep a page marked ``kept_for_history`` (a refused form: ``issues.views.resident``) for Back.

    Such a page answers a POST. Sent with no-store, or varying on the
    Cookie header that the filing after it changed, it was not in the
    browser's cache when Back reached it, and Chrome asked to "Confirm Form
    Resubmission" (ERR_CACHE_MISS; breaker, twice). Its answer becomes
    ``Cache-Control: private, no-cache, max-age=0`` without ``Cookie`` in
    ``Vary``: no shared cache stores it, and a browser uses a POST's cached
    answer only for history, never for a new request. Only a resident's
    (no login): it holds only what that browser typed, and no-store kept it
    from no one, for confirming sent the form, and got the page, again (a
    logged-in dispatcher's, once logged out, got a login page instead, so
    theirs stay no-store). Placed outside the session and CSRF
    middleware, which add ``Vary: Cookie`` on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "kept_for_history", False):
            response["Cache-Control"] = "private, no-cache, max-age=0"
            response.headers.pop("Expires", None)
            vary = [v.strip() for v in response.get("Vary", "").split(",")]
            vary = [v for v in vary if v and v.lower() != "cookie"]
            if vary:
                response["Vary"] = ", ".join(vary)
            else:
                response.headers.pop("Vary", None)
        return response


class RejectNulBytesMiddleware:
    """Answer 400 to a request whose path, query string or form fields contain a NUL byte.

    PostgreSQL text cannot hold NUL (0x00): refusing it before any view
    runs means no view can turn it into a 500, whatever it filters on. JSON
    bodies are checked by the fields' own validation (clean_text refuses
    NUL). Placed after the session, language, CSRF and authentication
    middleware (whose checks run later, with the view), so its page
    (issues.views.errors.nul_page) is in the request's language with their
    headers; the API and Open311 get their own error shapes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or self._nul_in(request.GET):
            return _bad_request(request)
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            if self._nul_in(request.POST):
                return _bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _nul_in(querydict) -> bool:
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in querydict.lists())


class MethodNotAllowedPageMiddleware:
    """Give a page's empty 405 a page in plain words (issues.views.errors.method_not_allowed).

    Django's ``require_http_methods`` answers 405 with no body; a resident
    who opens a POST-only address (a bookmark, the language switch after a
    POST) would see a blank page. Placed inside the other middleware (only
    django-axes after it), so the page is in the request's language and gets
    their headers and the CSRF cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405:
            return response
        from issues.views.errors import method_not_allowed

        return method_not_allowed(request, response)
