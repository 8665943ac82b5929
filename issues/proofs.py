"""What a resident's browser has proved, kept in a signed cookie (no server-side session).

A resident proves who they are for an issue by filing it, by its tracking
code with the whole phone number, or by a signed SMS link. This browser is
then the issue's ``"reporter"`` or ``"follower"`` until it has been idle
for ``settings.SESSION_COOKIE_AGE`` seconds (30 minutes by default, as for
staff sessions: every request that reads the proofs renews them). The
tracking page, the photo view and the success page read that here.

Kept in the cookie ``COOKIE`` as signed JSON (HMAC with SECRET_KEY, salt
``SALT``, timestamped): ``{"t": {"<issue id>": "reporter"|"follower"},
"f": [[<id of an issue this browser filed>, <the staff user who filed it,
or null>], …]}`` (newest last, at most ``MAX_FILED``: a second filing keeps
the first one's success page; a dispatcher's end at logout), at most
``MAX_ISSUES`` issues (the oldest proofs are dropped first). Signed,
not encrypted: it holds only ids and roles, never a phone number. Anonymous residents thus leave no
session row in the database, and filing costs no session write.

``ProofsMiddleware`` puts a ``Proofs`` at ``request.resident_proofs`` and
writes the cookie back when a view changed or read it.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

COOKIE = "zy_proofs"
SALT = "zy.resident-proofs"
MAX_ISSUES = 20
MAX_FILED = 10


class Proofs:
    """The issues this browser proved a role for, read lazily from the request's cookie."""

    def __init__(self, request):
        self._request = request
        self._data: dict | None = None
        self.changed = False

    @property
    def data(self) -> dict:
        """``{"t": {str id: role}, "f": [[int id, int | None user id], …]}``; empty when the cookie is absent,
        forged, older than SESSION_COOKIE_AGE or of the wrong shape (never raises). A cookie of the
        earlier shape (``"f": id, "u": user id``) reads as that one filing."""
        if self._data is None:
            raw = self._request.COOKIES.get(COOKIE)
            data = {}
            if raw:
                try:
                    data = signing.loads(raw, salt=SALT, max_age=settings.SESSION_COOKIE_AGE)
                except (signing.BadSignature, ValueError, TypeError):
                    data = {}
            if not isinstance(data, dict):
                data = {}
            tracked = data.get("t")
            filed = data.get("f")
            if type(filed) is int:  # the earlier shape: one filing and its user
                filed = [[filed, data.get("u")]]
            self._data = {
                "t": {str(k): v for k, v in tracked.items() if v in ("reporter", "follower")}
                if isinstance(tracked, dict) else {},
                "f": [[pair[0], pair[1] if type(pair[1]) is int else None] for pair in filed
                      if isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int][-MAX_FILED:]
                if isinstance(filed, list) else [],
            }
        return self._data

    @property
    def present(self) -> bool:
        """True when the request carried valid proofs (the middleware then renews them: an idle timeout)."""
        return bool(self.data["t"] or self.data["f"])

    def role(self, issue_id) -> str | None:
        """``"reporter"``, ``"follower"`` or None for the issue with id ``issue_id`` (int or str)."""
        return self.data["t"].get(str(issue_id))

    def remember(self, issue_id: int, role: str) -> None:
        """Record that this browser proved ``role`` for the issue; a reporter is never demoted to follower."""
        tracked = self.data["t"]
        key = str(issue_id)
        if tracked.get(key) != "reporter":
            tracked.pop(key, None)
            tracked[key] = role
        while len(tracked) > MAX_ISSUES:
            tracked.pop(next(iter(tracked)))
        self.changed = True

    def filed(self, issue_id: int) -> None:
        """Record that this browser (and the staff user logged in, if any) just filed the issue (an int id)."""
        pair = [issue_id, self._user_id()]
        filed = [p for p in self.data["f"] if p != pair] + [pair]
        self.data["f"] = filed[-MAX_FILED:]
        self.changed = True

    def filed_here(self, issue_id: int) -> bool:
        """True when this browser filed the issue with id ``issue_id`` (an int) among its last ``MAX_FILED``
        filings, as the user logged in now (none for a resident): a dispatcher's end at logout."""
        return [issue_id, self._user_id()] in self.data["f"]

    def filed_ids(self) -> list[int]:
        """The ids (ints) of the issues this browser filed among its last ``MAX_FILED``, as the user logged in now."""
        me = self._user_id()
        return [issue_id for issue_id, user_id in self.data["f"] if user_id == me]

    def _user_id(self) -> int | None:
        user = getattr(self._request, "user", None)
        return user.pk if user is not None and user.is_authenticated else None

    def cookie_value(self) -> str:
        """The signed, compressed, timestamped cookie text for ``data``."""
        return signing.dumps(self.data, salt=SALT, compress=True)


class ProofsMiddleware:
    """Attach ``request.resident_proofs``; set the signed cookie when a view changed or read it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proofs = request.resident_proofs = Proofs(request)
        response = self.get_response(request)
        # Renewed whenever it was read and holds something: the limit is idle time, as for sessions.
        if proofs.changed or (proofs._data is not None and proofs.present):
            response.set_cookie(
                COOKIE,
                proofs.cookie_value(),
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
