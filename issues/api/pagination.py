"""Keyset ("cursor") pagination for large lists, exact with equal sort keys.

Rows are ordered by one timestamp and then by id, both descending by default
(``-filed_at, -id``). The opaque ``cursor`` holds the last row's (timestamp,
id), so the next page is ``(t, id) < (t0, id0)`` — no OFFSET, no repeat and no
skip even when thousands of rows share one ``filed_at``, and rows inserted
meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from datetime import datetime, timezone as dt_timezone

from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetPagination(BasePagination):
    """``?cursor=<opaque>&page_size=<1..100>`` (default 20); answers ``{next, previous, results}``.

    A malformed cursor or page size answers 400 (code invalid) naming it.
    """

    field = "filed_at"
    default_page_size = 20
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.default_page_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"应为 1–{self.max_page_size} 的整数"]})
        return size

    def _decode(self, raw: str):
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==").decode("utf-8"))
            value = datetime.fromisoformat(data["v"])
            pk = int(data["id"])
            reverse = bool(data.get("r", False))
            if value.tzinfo is None or not 0 < pk < 2**63:
                raise ValueError
            # UTC: OverflowError for year 1 / 9999 at the edges, and PostgreSQL
            # refuses offsets beyond ±15:59.
            value = value.astimezone(dt_timezone.utc)
            return value, pk, reverse
        except Exception:  # any garbage in an opaque token is the same mistake
            raise ValidationError({self.cursor_query_param: ["分页游标无效"]}) from None

    def _encode(self, obj, reverse: bool) -> str:
        data = {"v": getattr(obj, self.field).isoformat(), "id": obj.pk, "r": reverse}
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        f = self.field
        if raw:
            value, pk, reverse = self._decode(raw)
        else:
            value, pk, reverse = None, None, False
        if not reverse:
            qs = queryset.order_by(f"-{f}", "-id")
            if value is not None:
                qs = qs.filter(Q(**{f"{f}__lt": value}) | Q(**{f: value, "id__lt": pk}))
            rows = list(qs[: size + 1])
            has_more = len(rows) > size
            rows = rows[:size]
            self.next_cursor = self._encode(rows[-1], False) if has_more and rows else None
            self.prev_cursor = self._encode(rows[0], True) if value is not None and rows else None
        else:
            qs = queryset.order_by(f, "id").filter(Q(**{f"{f}__gt": value}) | Q(**{f: value, "id__gt": pk}))
            rows = list(qs[: size + 1])
            has_more = len(rows) > size
            rows = list(reversed(rows[:size]))
            self.prev_cursor = self._encode(rows[0], True) if has_more and rows else None
            self.next_cursor = self._encode(rows[-1], False) if rows else None
        return rows

    def _link(self, cursor):
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response(OrderedDict([
            ("next", self._link(self.next_cursor)),
            ("previous", self._link(self.prev_cursor)),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "example": "https://example.org/api/v1/issues/?cursor=cD0yMDI2LTExLTMw"},
                "previous": {"type": "string", "nullable": True, "format": "uri", "example": None},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "opaque cursor from a previous page's next/previous link", "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"rows per page, 1–{self.max_page_size} (default {self.default_page_size})",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]


