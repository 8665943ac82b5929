"""OpenAPI request/response examples shown at /api/schema/ and /api/docs/.

Examples only: the values are illustrative (ids, codes, dates) and follow the
serializers of ``issues.api.serializers`` and the one error shape of
``issues.api.errors``. Request examples are also sent as explicit cases by
the schemathesis test, so they must be valid input.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

# --------------------------------------------------------------------------
# Issues
# --------------------------------------------------------------------------

ISSUE_CREATE_BODY = {
    "category": 1,
    "district": 1,
    "community": "南关小区",
    "building": "3",
    "unit_no": "2",
    "room": "501",
    "description": "暖气片冰凉，室内只有12度",
    "reporter_name": "王女士",
    "reporter_phone": "13800000000",
    "latitude": 38.9326,
    "longitude": 100.4498,
    # 供暖不热 asks its required question (see /api/v1/categories/): the indoor temperature in ℃.
    "extra_answers": {"indoor_temp": 12},
}

_PUBLIC = {
    "id": 42,
    "view": "public",
    "tracking_code": "ZY20261130000001",
    "status": "new",
    "status_label": "待分派",
    "utility": "heat",
    "category": 1,
    "category_code": "heat-not-warm",
    "category_name": "供暖不热",
    "district": "ganzhou",
    "district_name": "甘州区",
    "community": "南关小区",
    "filed_at": "2026-11-30T09:00:00+08:00",
    "resolved_at": None,
    "closed_at": None,
}

_STAFF = {
    **_PUBLIC,
    "view": "staff",
    "priority": "urgent",
    "channel": "api",
    "building": "3",
    "unit_no": "2",
    "room": "501",
    "latitude": 38.9326,
    "longitude": 100.4498,
    "description": "暖气片冰凉，室内只有12度",
    "extra_answers": {"indoor_temp": 12},
    "reporter_name": "王女士",
    "reporter_phone": "138****0000",
    "lead_unit": None,
    "lead_unit_name": None,
    "co_units": [],
    "first_assigned_at": None,
    "first_claimed_at": None,
    "awaiting_rating_since": None,
    "dispatch_due": "2026-11-30T09:30:00+08:00",
    "response_due": None,
    "resolution_due": None,
    "resolution_extended": False,
    "deadlines_provisional": False,
    "supervision_level": "",
    "escalation_level": 0,
    "resolution_round": 1,
    "rework_count": 0,
    "needs_decision": False,
    "duplicate_of": None,
    "public_reason": "",
}

_FULL = {**_STAFF, "view": "full", "reporter_phone": "+8613800000000"}

_ASSIGNED = {
    **_STAFF,
    "status": "assigned",
    "status_label": "已交办",
    "lead_unit": 1,
    "lead_unit_name": "甘州区供热公司",
    "co_units": [2],
    "first_assigned_at": "2026-11-30T09:10:00+08:00",
    "response_due": "2026-11-30T10:10:00+08:00",
}

_CLAIMED = {
    **_ASSIGNED,
    "status": "in_progress",
    "status_label": "办理中",
    "first_claimed_at": "2026-11-30T09:20:00+08:00",
    "resolution_due": "2026-12-01T09:20:00+08:00",
}

ISSUE_CREATE = [
    OpenApiExample(
        "A resident's heating complaint",
        summary="File an issue",
        description="category and district are ids from /api/v1/categories/ and /api/v1/districts/.",
        value=ISSUE_CREATE_BODY,
        request_only=True,
    ),
    OpenApiExample(
        "Filed by a registered system (its own filing, in full)",
        value=_FULL,
        response_only=True,
        status_codes=["201"],
    ),
    OpenApiExample(
        "Filed by an anonymous resident (public fields and the tracking code)",
        value=_PUBLIC,
        response_only=True,
        status_codes=["201"],
    ),
]

ISSUE_LIST = [
    OpenApiExample(
        "A page of issues (staff view)",
        description="One issue of the page's results; the page is {next, previous, results}.",
        value=_STAFF,
        response_only=True,
        status_codes=["200"],
    ),
]

ISSUE_RETRIEVE = [
    OpenApiExample("Staff in scope (phone masked)", value=_STAFF, response_only=True, status_codes=["200"]),
    OpenApiExample("Another system's filing (public fields)", value=_PUBLIC, response_only=True,
                   status_codes=["200"]),
]

ASSIGN = [
    OpenApiExample(
        "Assign to the district's heating company, with the water company co-handling",
        value={"lead_unit": 1, "co_units": [2], "note": "请尽快上门排查"},
        request_only=True,
    ),
    OpenApiExample("Assigned", value=_ASSIGNED, response_only=True, status_codes=["200"]),
]

CLAIM = [
    OpenApiExample("Claimed (no body)", value=_CLAIMED, response_only=True, status_codes=["200"]),
]

FOLLOWERS = [
    OpenApiExample(
        "A resident following (one item of the list)",
        value={"id": 7, "name": "李先生", "phone": "139****0001", "created_at": "2026-11-30T10:02:00+08:00"},
        response_only=True,
        status_codes=["200"],
    ),
]

MEASURES = [
    OpenApiExample(
        "Today, the mayor's office (every utility)",
        value={
            "period": {"kind": "today", "start": "2026-11-30", "end": "2026-11-30"},
            "utilities": None,
            "cards": [
                {"key": "received", "label": "受理量", "definition": "本期提交的诉求（不含合并件）", "kind": "count",
                 "now": False, "value": 3, "count": 3, "numerator": None, "denominator": None,
                 "measure": "received", "basis_measure": None,
                 "ledger_url": "/ledger/?measure=received&start=2026-11-30&end=2026-11-30",
                 "basis_ledger_url": None},
                {"key": "satisfaction_rate", "label": "满意率",
                 "definition": "本期评价的诉求中，满意或基本满意的比例（以报告人最近一次评价为准，申诉成立的评价不计）",
                 "kind": "rate", "now": False, "value": 0.875, "count": None, "numerator": 7, "denominator": 8,
                 "measure": "rated_satisfied", "basis_measure": "rated",
                 "ledger_url": "/ledger/?measure=rated_satisfied&start=2026-11-30&end=2026-11-30",
                 "basis_ledger_url": "/ledger/?measure=rated&start=2026-11-30&end=2026-11-30"},
            ],
        },
        response_only=True,
        status_codes=["200"],
    ),
]

# --------------------------------------------------------------------------
# Errors: the one shape of issues.api.errors
# --------------------------------------------------------------------------


def _error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


ERROR_EXAMPLES = {
    400: OpenApiExample(
        "Invalid input (per field)",
        value=_error("invalid", "输入有误，请按提示修改",
                     {"reporter_phone": ["电话号码格式不正确"], "description": ["请填写问题描述"]}),
        response_only=True, status_codes=["400"],
    ),
    401: OpenApiExample(
        "No credentials",
        value=_error("unauthenticated", "身份认证信息未提供。"),
        response_only=True, status_codes=["401"],
    ),
    403: OpenApiExample(
        "Role may not",
        value=_error("forbidden", "您的角色不能执行此操作"),
        response_only=True, status_codes=["403"],
    ),
    404: OpenApiExample(
        "Unknown or outside scope",
        value=_error("not_found", "诉求不存在"),
        response_only=True, status_codes=["404"],
    ),
    409: OpenApiExample(
        "State does not allow it",
        value=_error("conflict", "诉求当前状态为“办理中”，不能执行此操作"),
        response_only=True, status_codes=["409"],
    ),
    422: OpenApiExample(
        "Idempotency-Key used for a different filing",
        value=_error("idempotency_key_reused", "这个幂等键已用于另一份内容不同的诉求（ZY20261206000123），本次没有登记",
                     {"Idempotency-Key": ["这个幂等键已用于另一份内容不同的诉求（ZY20261206000123），本次没有登记"]}),
        response_only=True, status_codes=["422"],
    ),
    429: OpenApiExample(
        "Too many filings",
        value=_error("rate_limited", "操作过于频繁，请 60 秒后再试"),
        response_only=True, status_codes=["429"],
    ),
}
