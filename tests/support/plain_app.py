"""A WSGI application that answers 200 "ok" to everything: gunicorn's own parts tested without Django."""


def app(environ, start_response):
    """Any request → 200, text/plain "ok"."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
