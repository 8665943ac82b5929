"""Signed links sent by SMS: tracking (/track/t/<token>/) and rating (/rate/<token>/).

A token carries the issue id and a short hash of the phone number it was
sent to (never the number itself, since URLs end up in logs), signed with
SECRET_KEY. Tracking links stay valid 180 days, rating links 30 days.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing

TRACK_SALT = "zy.track"
RATE_SALT = "zy.rate"
TRACK_MAX_AGE = 180 * 24 * 3600
RATE_MAX_AGE = 30 * 24 * 3600


def phone_hash(phone: str) -> str:
    """16 hex characters identifying an E.164 number inside a token."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}".encode()).hexdigest()[:16]


def make_token(issue_id: int, phone: str, salt: str) -> str:
    """A URL-safe signed token for (issue, phone)."""
    return signing.TimestampSigner(salt=salt).sign_object({"i": issue_id, "p": phone_hash(phone)})


def read_token(token: str, salt: str, max_age: int) -> tuple[int, str] | None:
    """``(issue_id, phone_hash)`` from a valid token, or None when forged, altered or expired."""
    try:
        data = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
        return int(data["i"]), str(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def tracking_url(issue, phone: str) -> str:
    """Absolute tracking link for the SMS."""
    return f"{settings.ZY_PUBLIC_BASE_URL}/track/t/{make_token(issue.pk, phone, TRACK_SALT)}/"


def rating_url(issue, phone: str) -> str:
    """Absolute rating link for the SMS."""
    return f"{settings.ZY_PUBLIC_BASE_URL}/rate/{make_token(issue.pk, phone, RATE_SALT)}/"
