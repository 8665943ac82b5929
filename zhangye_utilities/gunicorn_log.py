"""gunicorn's access log without the secrets a URL can carry.

An Open311 client sends its ``api_key`` in the query string (GET requests,
as GeoReport v2 has it), and the SMS links carry signed tokens in their
path (``/track/t/<token>/`` lets its holder follow the issue as its
reporter, ``/rate/<token>/`` rate it). gunicorn logs the request line whole;
``Logger`` writes ``[redacted]`` in their place in the request line, the
path, the query string and the Referer, so an access log can be shared
without handing out credentials. Used through ``--logger-class
zhangye_utilities.gunicorn_log.Logger`` (scripts/run.sh, Dockerfile,
docker-compose.yml).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger as GunicornLogger

_SECRET_PARAMETER = re.compile(r"(?i)((?:^|[?&;])api_key=)[^&;#\s]*")
_SECRET_PATH = re.compile(r"(/(?:track/t|rate)/)[^/?#\s]+")
_FIELDS = ("r", "U", "q", "f", "{referer}i", "{raw_uri}e", "{path_info}e", "{query_string}e", "{http_referer}e")
REDACTED = "[redacted]"


def redact(text: str | None) -> str | None:
    """``text`` (a request line, path, query string or URL) with each ``api_key`` value and SMS link token
    replaced by ``[redacted]``; anything else, None included, unchanged."""
    if not text:
        return text
    text = _SECRET_PATH.sub(r"\1" + REDACTED, text)
    return _SECRET_PARAMETER.sub(r"\1" + REDACTED, text)


class Logger(GunicornLogger):
    """gunicorn's logger, with ``redact`` applied to the URL parts of each access log line."""

    def atoms(self, resp, req, environ, request_time):
        """gunicorn's format atoms (``{"r": request line, "U": path, "q": query, …}``), URL parts redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _FIELDS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
