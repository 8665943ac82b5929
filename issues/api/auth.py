"""Who calls the API: registered systems by ApiClient token, staff by token or session.

- ``ApiClientTokenAuthentication``: ``Authorization: Token <an ApiClient's token>``;
  ``request.user`` becomes the ApiClient itself (the principal that
  ``accounts.scope.visible_issues`` and ``workflow.Actor.of`` accept).
- ``StaffTokenAuthentication``: the same header with a staff user's
  ``accounts.StaffToken``; and SessionAuthentication (CSRF enforced) for the
  browser; both set ``request.user`` to an ``accounts.User``.

Both kinds of token are stored as their SHA-256 only (accounts.tokens).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.models import StaffToken
from issues.models import ApiClient

KEYWORD = "Token"


def token_from_header(request) -> str | None:
    """The token of an ``Authorization: Token <token>`` header (str), or None when there is no such header.

    Raises AuthenticationFailed (401) for a header of that scheme that is
    malformed: no token or more than one word, non-ASCII, NUL, or over 64
    characters.
    """
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != KEYWORD.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed("Authorization 头格式应为：Token <令牌>")
    try:
        key = parts[1].decode("ascii")
    except UnicodeError:
        raise exceptions.AuthenticationFailed("令牌含有无效字符") from None
    if not key or len(key) > 64 or "\x00" in key:
        raise exceptions.AuthenticationFailed("令牌无效")
    return key


class ApiClientTokenAuthentication(BaseAuthentication):
    """Authenticate a registered system by its token (found by its hash, ``ApiClient.by_token``).

    Returns ``(client, client)`` for an active client's token; None when the
    header is absent or the token is not a client's (the staff token class
    tries next); AuthenticationFailed (401) for a malformed header or an
    inactive client.
    """

    keyword = KEYWORD

    def authenticate(self, request):
        key = token_from_header(request)
        if key is None:
            return None
        client = ApiClient.by_token(key)
        if client is None:
            return None
        if not client.active:
            raise exceptions.AuthenticationFailed("该接口客户端已停用")
        # DRF and Django middleware read ``user.is_authenticated``.
        client.is_authenticated = True
        client.is_active = True
        return client, client

    def authenticate_header(self, request):
        return self.keyword


class StaffTokenAuthentication(BaseAuthentication):
    """Authenticate a staff user by their token (found by its hash, ``StaffToken.by_token``).

    Runs after ApiClientTokenAuthentication. Returns ``(user, token row)``;
    None when there is no ``Token`` header; AuthenticationFailed (401) for a
    token that is neither a client's nor a staff member's, or a deactivated
    user's, and for a malformed header.
    """

    keyword = KEYWORD

    def authenticate(self, request):
        key = token_from_header(request)
        if key is None:
            return None
        found = StaffToken.by_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed("令牌无效")
        if not found.user.is_active:
            raise exceptions.AuthenticationFailed("该用户已停用")
        return found.user, found

    def authenticate_header(self, request):
        return self.keyword


def is_client(principal) -> bool:
    """True when the caller is a registered system (an ApiClient)."""
    return isinstance(principal, ApiClient)


class IsPrincipal(permissions.BasePermission):
    """Allows an authenticated staff user or an active API client; otherwise 401."""

    def has_permission(self, request, view):
        user = request.user
        if is_client(user):
            return user.active
        return bool(user and user.is_authenticated and user.is_active)


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    """Documents ApiClientTokenAuthentication in the OpenAPI schema."""

    target_class = "issues.api.auth.ApiClientTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A registered system's token (also its Open311 api_key): `Token <token>`",
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):
    """Documents StaffTokenAuthentication in the OpenAPI schema (as ``tokenAuth``, the name DRF's token had)."""

    target_class = "issues.api.auth.StaffTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A staff member's token, made in admin (员工接口令牌): `Token <token>`",
        }
