"""One error shape for the whole REST API, from one exception handler.

Every error answer is ``{"error": {"code": str, "message": str, "fields":
{field: [message, ...]}}}`` with the HTTP status below (DESIGN.md, "Access
and answers"):

====  ======================  ==========================================
HTTP  code                    raised by
====  ======================  ==========================================
400   invalid                 workflow.Invalid, DRF ValidationError/ParseError
401   unauthenticated         no or bad credentials where they are needed
403   forbidden               workflow.Forbidden, DRF PermissionDenied
404   not_found               workflow.NotFound, Http404, unknown ids
405   method_not_allowed      a method the endpoint does not offer
406   not_acceptable          an Accept header we cannot satisfy
409   conflict                workflow.Conflict (state, lost race)
415   unsupported_media_type  a body type we cannot parse
422   idempotency_key_reused  workflow.KeyReused (a key reused for a
                              different filing)
429   rate_limited            issues.limits.RateLimited (Retry-After set)
====  ======================  ==========================================
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions as drf, serializers, status
from rest_framework.response import Response

from issues.limits import RateLimited
from issues.workflow import WorkflowError

_CODE_BY_STATUS = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_body(status_code: int, message: str, fields: dict | None = None, code: str | None = None) -> dict:
    """The error document: ``{"error": {"code", "message", "fields"}}``."""
    return {
        "error": {
            "code": code or _CODE_BY_STATUS.get(status_code, "error"),
            "message": str(message),
            "fields": fields or {},
        }
    }


def flatten_detail(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.b": ["message", ...]}`` (lists of strings only).

    A top-level list (errors not tied to a field) lands under ``non_field_errors``.
    """
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, msgs in flatten_detail(value, name).items():
                out.setdefault(k, []).extend(msgs)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for i, item in enumerate(detail):
                name = f"{prefix}.{i}" if prefix else str(i)
                for k, msgs in flatten_detail(item, name).items():
                    out.setdefault(k, []).extend(msgs)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: map domain and framework errors to the one shape.

    Input: the exception and DRF's context. Output: a Response, or None for an
    unexpected exception (DRF then re-raises it: a real bug, logged as 500).
    """
    headers = {}
    if isinstance(exc, WorkflowError):
        code = exc.status_code
        body = error_body(code, exc.message, exc.fields, exc.code)
    elif isinstance(exc, RateLimited):
        code = status.HTTP_429_TOO_MANY_REQUESTS
        headers["Retry-After"] = str(exc.retry_after)
        body = error_body(code, f"操作过于频繁，请 {exc.retry_after} 秒后再试")
    elif isinstance(exc, Http404):
        code = 404
        body = error_body(code, gettext("不存在"))
    elif isinstance(exc, DjangoPermissionDenied):
        code = 403
        body = error_body(code, gettext("没有权限"))
    elif isinstance(exc, drf.ValidationError):
        code = 400
        body = error_body(code, gettext("输入有误，请按提示修改"), flatten_detail(exc.detail))
    elif isinstance(exc, RecursionError):  # JSON nested thousands deep: Python's parser gives up
        code = 400
        body = error_body(code, gettext("请求体嵌套过深，无法解析"), code="parse_error")
    elif isinstance(exc, drf.APIException):
        code = exc.status_code
        if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
            auth_header = getattr(exc, "auth_header", None)
            if auth_header:
                headers["WWW-Authenticate"] = auth_header
        if isinstance(exc, drf.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail
        message = detail if isinstance(detail, str) else "; ".join(
            m for msgs in flatten_detail(detail).values() for m in msgs
        )
        body = error_body(code, message)
    else:
        return None
    return Response(body, status=code, headers=headers)


class ErrorDetailSerializer(serializers.Serializer):
    """Schema of the inner error object."""

    code = serializers.CharField(help_text="invalid | unauthenticated | forbidden | not_found | conflict | "
                                           "idempotency_key_reused | rate_limited | …")
    message = serializers.CharField(help_text="A sentence for people (Simplified Chinese)")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For 400 and 422: the messages per input field, e.g. {\"reporter_phone\": [\"电话号码格式不正确\"]}",
    )


class ErrorSerializer(serializers.Serializer):
    """Schema of every error answer: ``{"error": {...}}``."""

    error = ErrorDetailSerializer()
