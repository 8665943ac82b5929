"""gunicorn's access log without the secrets a URL can carry.

An Open311 client sends its ``api_key`` in the query string (GET requests,
as GeoReport v2 has it), and the SMS links carry signed tokens in their
path (``/track/t/<token>/`` lets its holder follow the issue as its
reporter, ``/rate/<token>/`` rate it). gunicorn logs the request line whole;
``Logger`` writes ``[redacted]`` in their place in the request line, the
path, the query string and the Referer, and in its error log's messages
(zhangye_utilities.log.redact), so a log can be shared without handing out
credentials; Django's own request log gets the same filter (settings.LOGGING).
Used through ``--logger-class zhangye_utilities.gunicorn_log.Logger``
(scripts/run.sh, Dockerfile, docker-compose.yml).
"""

from __future__ import annotations

from gunicorn.glogging import Logger as GunicornLogger

from zhangye_utilities.log import RedactSecrets, redact

_FIELDS = ("r", "U", "q", "f", "{referer}i", "{raw_uri}e", "{path_info}e", "{query_string}e", "{http_referer}e")


class Logger(GunicornLogger):
    """gunicorn's logger, with ``redact`` applied to the URL parts of each access log line and to the
    error log's messages (an invalid request line is logged whole)."""

    def setup(self, cfg):
        """gunicorn's setup, then the error log's filter (``RedactSecrets``)."""
        super().setup(cfg)
        if not any(isinstance(f, RedactSecrets) for f in self.error_log.filters):
            self.error_log.addFilter(RedactSecrets())

    def atoms(self, resp, req, environ, request_time):
        """gunicorn's format atoms (``{"r": request line, "U": path, "q": query, …}``), URL parts redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _FIELDS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
