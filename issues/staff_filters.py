"""Filters and keyset pagination of the staff workbench lists.

``StaffIssueFilter`` (django-filter): utility, district, category, priority,
status, overdue, supervision, filing date range — all optional, a bad value
is ignored and named in the form's errors. ``keyset_page`` pages by a tuple
of sort keys (e.g. ``("deadline", "id")``) with an opaque cursor: no OFFSET
and no COUNT, so a page costs the same on page 1 and page 1,000.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta

import django_filters as df
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Priority, Status, SupervisionLevel, Utility
from .models import Category, District, Issue


class StaffIssueFilter(df.FilterSet):
    """The filter bar of /work/ lists (GET parameters of the same names)."""

    utility = df.ChoiceFilter(choices=Utility.choices, label=_("行业"), empty_label=_("全部行业"))
    district = df.ModelChoiceFilter(queryset=District.objects.all(), label=_("县区"), empty_label=_("全部县区"))
    category = df.ModelChoiceFilter(queryset=Category.objects.all(), label=_("类别"), empty_label=_("全部类别"))
    priority = df.ChoiceFilter(choices=Priority.choices, label=_("优先级"), empty_label=_("全部优先级"))
    status = df.ChoiceFilter(choices=Status.choices, label=_("状态"), empty_label=_("全部状态"))
    overdue = df.ChoiceFilter(choices=[("yes", _("已超时")), ("no", _("未超时"))], method="filter_overdue",
                              label=_("超时"), empty_label=_("是否超时"))
    supervision = df.ChoiceFilter(
        choices=[("any", _("督办中")), (SupervisionLevel.YELLOW, _("黄牌")), (SupervisionLevel.RED, _("红牌")),
                 ("none", _("未督办"))],
        method="filter_supervision", label=_("督办"), empty_label=_("督办情况"))
    filed_from = df.DateFilter(method="filter_filed_from", label=_("提交日期从"))
    filed_to = df.DateFilter(method="filter_filed_to", label=_("提交日期至"))

    class Meta:
        model = Issue
        fields: list[str] = []

    def filter_overdue(self, qs, name, value):
        """yes: open issues past a deadline in force now; no: the others."""
        overdue = Issue.objects.overdue(timezone.now()).values("pk")
        if value == "yes":
            return qs.filter(pk__in=overdue)
        if value == "no":
            return qs.exclude(pk__in=overdue)
        return qs

    def filter_supervision(self, qs, name, value):
        """any / yellow / red / none (no order)."""
        if value == "any":
            return qs.exclude(supervision_level="")
        if value == "none":
            return qs.filter(supervision_level="")
        return qs.filter(supervision_level=value)

    @staticmethod
    def _local_midnight(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    def filter_filed_from(self, qs, name, value):
        """Filed on or after this local date; the first days there are (0001-01-01, …02) leave all."""
        if value <= date.min + timedelta(days=1):  # its midnight in Asia/Shanghai is before year 1 in UTC
            return qs
        return qs.filter(filed_at__gte=self._local_midnight(value))

    def filter_filed_to(self, qs, name, value):
        """Filed on or before this local date (inclusive); the last date there is (9999-12-31) leaves all."""
        if value >= date.max:
            return qs
        return qs.filter(filed_at__lt=self._local_midnight(value + timedelta(days=1)))


def _encode(values) -> str:
    packed = [["d", v.isoformat()] if isinstance(v, datetime) else ["i", int(v)] for v in values]
    return base64.urlsafe_b64encode(json.dumps(packed).encode()).decode().rstrip("=")


def _decode(raw: str, n: int):
    try:
        packed = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==").decode())
        if not isinstance(packed, list) or len(packed) != n:
            return None
        values = []
        for kind, v in packed:
            if kind == "d":
                d = datetime.fromisoformat(v)
                if d.tzinfo is None:
                    return None
                values.append(d)
            elif kind == "i" and isinstance(v, int) and abs(v) < 2**63:
                values.append(v)
            else:
                return None
        return values
    except Exception:  # an opaque token: any garbage means "first page"
        return None


def keyset_page(qs, keys: tuple[str, ...], cursor: str | None, size: int):
    """One page of ``qs`` ordered ascending by ``keys``; returns (rows, next_cursor or None).

    ``keys`` end with a unique field ("id"). The cursor holds the last row's
    key values; the next page is the rows whose key tuple is greater. A bad
    cursor restarts at the first page.
    """
    qs = qs.order_by(*keys)
    after = _decode(cursor, len(keys)) if cursor else None
    if after is not None:
        q = Q()
        for i, key in enumerate(keys):
            step = Q(**{f"{key}__gt": after[i]})
            for j in range(i):
                step &= Q(**{keys[j]: after[j]})
            q |= step
        try:  # the fields check their values here: a date where an id goes (a forged cursor) is refused
            qs = qs.filter(q)
        except (TypeError, ValueError, ValidationError):
            pass  # the first page
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    nxt = _encode([getattr(rows[-1], k) for k in keys]) if more and rows else None
    return rows, nxt
