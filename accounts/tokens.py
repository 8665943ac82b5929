"""API tokens kept only as their SHA-256: the base of ApiClient's and StaffToken's.

A token is 32 random bytes (43 URL-safe characters), made by ``new_token``
and shown once (on the instance that made it, as ``token``); the database
keeps its SHA-256 (``token_hash``, 64 hex characters) and its first 6
characters (``token_hint``, to recognise it). Nothing to guess, so a plain
hash suffices (no salt, no slow hash). A stolen copy of the database holds
no usable token.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(token: str) -> str:
    """SHA-256 of ``token`` (str) as 64 lowercase hex characters: what ``token_hash`` holds."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class HashedToken(models.Model):
    """Abstract: a holder of one API token, stored as ``token_hash`` and ``token_hint`` only."""

    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("令牌开头"), max_length=8, editable=False, default="")

    # The plain token, on the instance that made it only (never read from the database).
    token: str = ""

    class Meta:
        abstract = True

    hash_token = staticmethod(hash_token)

    def new_token(self) -> str:
        """Give the holder a fresh random token (not saved: the caller saves); returns it, the only copy."""
        self.token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(self.token)
        self.token_hint = self.token[:6]
        return self.token

    def save(self, *args, **kwargs):
        """Save; a new holder without a token gets one (readable once, as ``token``)."""
        if not self.token_hash:
            self.new_token()
        super().save(*args, **kwargs)
