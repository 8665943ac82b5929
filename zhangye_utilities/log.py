"""Logging filters: no tracebacks for routine 4xx, and no credentials in log lines."""

import logging
import re
from urllib.parse import unquote

# Open311's api_key, and t, a photo's token on a tracking page (issues.links.photo_token).
_SECRET_PARAMETER = re.compile(r"(?i)((?:^|[?&;])(?:api_key|t)=)[^&;#\s'\"]*")
_SECRET_PATH = re.compile(r"(/(?:track/t|rate)/)[^/?#\s'\"]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1 and Unicode line breaks
# A Chinese mobile number standing alone (an admin search ?q=+8613900002222): its middle four digits go.
# Not a run of digits inside a longer one (a tracking code's ZY20261130000001).
# Spaces, "+" (a URL's space) and dashes between its groups are read too: 139 5555 0001, +86-139-5555-0001.
_MOBILE = re.compile(r"(?<!\d)((?:0{0,2}86[\s+-]*)?1[3-9]\d)[\s+-]?\d{4}[\s+-]?(\d{4})(?!\d)")
REDACTED = "[redacted]"


def _redact_plain(text: str) -> str:
    text = _SECRET_PATH.sub(r"\1" + REDACTED, text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _SECRET_PARAMETER.sub(r"\1" + REDACTED, text)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def redact(text: str | None) -> str | None:
    """``text`` (a log message, request line, path, query string or URL) with each Open311 ``api_key``
    value, each photo token (``?t=``) and each SMS link token (``/track/t/<token>/``, ``/rate/<token>/``)
    replaced by ``[redacted]``, and each mobile number masked as it is on staff pages (``139****2222``;
    PIPL: admin searches by number are GETs).

    A secret written with percent-escapes (``%61pi_key=…``, ``/r%61te/…``: the
    application decodes them) is found too; the line is then given decoded,
    with control characters (C0, DEL, C1, U+2028/9) written as ``\\xNN`` or
    ``\\uNNNN`` (no line breaks or terminal codes forged into a log).
    Anything else, None included, comes back unchanged.
    """
    if not text:
        return text
    plain = _redact_plain(text)
    if "%" in text:
        decoded = unquote(text)
        hidden = _redact_plain(decoded)
        if hidden != decoded:
            return _CONTROL.sub(_escaped, hidden)
    return plain


class RedactSecrets(logging.Filter):
    """Apply ``redact`` to a record's message (Django's "Conflict: /rate/<token>/" and "Forbidden (CSRF
    …): /rate/<token>/" warnings, gunicorn's "Invalid request line" ones). Set on the console handler
    (every record written) and on django.request (for other handlers, tests' included). Always
    returns True (nothing is dropped)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted call: left for the handler to report, as logging does
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class NoTracebackFor4xx(logging.Filter):
    """Drop the traceback Django attaches to a 4xx it logs (a refused 403 is routine, not a crash).

    Keeps the one-line "Forbidden (Permission denied): /dashboard/" warning,
    and "Invalid HTTP_HOST header: …" of django.security's 400s (a scanner's
    Host header is routine too), which Django logs as ERROR: shown as a
    WARNING, so it raises no error alert. 5xx records keep their traceback
    and level. Always returns True (nothing is dropped).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        logged_by_django = record.name == "django.request" or record.name.startswith("django.security.")
        if logged_by_django and status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True
