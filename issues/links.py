"""Signed links sent by SMS: tracking (/track/t/<token>/) and rating (/rate/<token>/).

A token carries the issue id and a short hash of the phone number it was
sent to (never the number itself, since URLs end up in logs), signed with
SECRET_KEY. Tracking links stay valid 180 days, rating links 30 days. A
rating link also carries the resolution round it asks about, so an old
round's link cannot rate a later round.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing

TRACK_SALT = "zy.track"
RATE_SALT = "zy.rate"
TRACK_MAX_AGE = 180 * 24 * 3600
RATE_MAX_AGE = 30 * 24 * 3600
PHOTO_SALT = "zy.photo"
PHOTO_MAX_AGE = 24 * 3600  # a photo's address on a tracking page opens it for a day


def phone_hash(phone: str) -> str:
    """16 hex characters identifying an E.164 number inside a token."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}".encode()).hexdigest()[:16]


def make_token(issue_id: int, phone: str, salt: str, round: int | None = None) -> str:
    """A URL-safe signed token for (issue, phone), and for ``round`` (a resolution round, int) when given."""
    data = {"i": issue_id, "p": phone_hash(phone)}
    if round is not None:
        data["r"] = round
    return signing.TimestampSigner(salt=salt).sign_object(data)


def read_token(token: str, salt: str, max_age: int) -> tuple[int, str] | None:
    """``(issue_id, phone_hash)`` from a valid token, or None when forged, altered or expired."""
    found = read_token_round(token, salt, max_age)
    return found[:2] if found else None


def read_token_round(token: str, salt: str, max_age: int) -> tuple[int, str, int | None] | None:
    """``(issue_id, phone_hash, round)`` from a valid token (round None in a token made without one), or None."""
    try:
        data = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
        issue_id, digest, round = int(data["i"]), str(data["p"]), data.get("r")
        return issue_id, digest, None if round is None else int(round)
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None


def expired(token: str, salt: str, max_age: int) -> bool:
    """True when ``token`` is one this server signed with ``salt`` that is older than ``max_age`` seconds.

    False for a good token and for a forged, altered or garbled one (those
    are answered as "not found", not as "expired").
    """
    try:
        signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        return True
    except (signing.BadSignature, TypeError, ValueError):
        return False
    return False


def tracking_url(issue, phone: str) -> str:
    """Absolute tracking link for the SMS."""
    return f"{settings.ZY_PUBLIC_BASE_URL}/track/t/{make_token(issue.pk, phone, TRACK_SALT)}/"


def rating_url(issue, phone: str) -> str:
    """Absolute rating link for the SMS: for ``issue``'s current resolution round only."""
    return f"{settings.ZY_PUBLIC_BASE_URL}/rate/{rating_token(issue, phone)}/"


def rating_token(issue, phone: str) -> str:
    """The token of ``issue``'s rating link for ``phone``, naming its current resolution round."""
    return make_token(issue.pk, phone, RATE_SALT, round=issue.resolution_round)


def photo_token(attachment_id: int) -> str:
    """A signed token opening photo ``attachment_id`` (int) for PHOTO_MAX_AGE seconds.

    Put in a photo's address on a tracking page (``?t=``), so the page shown
    at an SMS link in a browser that keeps no cookies shows its photos too.
    """
    return signing.TimestampSigner(salt=PHOTO_SALT).sign(str(attachment_id))


def photo_token_ok(token: str, attachment_id: int) -> bool:
    """True when ``token`` (str) is ``photo_token(attachment_id)`` made in the last PHOTO_MAX_AGE seconds."""
    try:
        return signing.TimestampSigner(salt=PHOTO_SALT).unsign(token, max_age=PHOTO_MAX_AGE) == str(attachment_id)
    except (signing.BadSignature, TypeError, ValueError):
        return False
