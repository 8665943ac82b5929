"""Logging filters."""

import logging


class NoTracebackFor4xx(logging.Filter):
    """Drop the traceback Django attaches to a 4xx it logs (a refused 403 is routine, not a crash).

    Keeps the one-line "Forbidden (Permission denied): /dashboard/" warning;
    5xx records keep their traceback. Always returns True (nothing is dropped).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == "django.request" and status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
