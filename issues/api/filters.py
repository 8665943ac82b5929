"""Filters of the issue list (django-filter), all optional and combinable.

``status`` (repeatable or comma list), ``utility``, ``district`` (code),
``category`` (service_code), ``priority``, ``overdue`` (true/false, at the time
of the request), ``supervision_level`` (yellow, red or none),
``filed_after`` / ``filed_before`` (ISO 8601; after is inclusive, before
exclusive). A bad value answers 400 naming the parameter.

An API client reads every issue's public fields, which leave out the
priority, the deadlines and the supervision level: when it filters on one
of those (``priority``, ``overdue``, ``supervision_level``), only the issues
it sees in full (its own filings, its unit's) are filtered, so a filter
cannot tell it what the answer hides.
"""

from __future__ import annotations

import django_filters as df
from django import forms
from django_filters.fields import IsoDateTimeField
from datetime import timezone as dt_timezone

from django.utils import timezone

from issues.choices import Priority, Status, SupervisionLevel, Utility
from issues.models import Issue


class SaneIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 datetime between 1900 and 2200 (others cannot be converted to UTC safely)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not 1900 <= value.year <= 2200:
            raise forms.ValidationError("日期超出范围（1900–2200）", code="invalid")
        # PostgreSQL refuses offsets beyond ±15:59 ("+23:59" is valid ISO 8601):
        # compare in UTC.
        return value.astimezone(dt_timezone.utc) if value is not None and value.tzinfo else value


class SaneIsoDateTimeFilter(df.IsoDateTimeFilter):
    field_class = SaneIsoDateTimeField


class IssueFilter(df.FilterSet):
    """Filters of GET /api/v1/issues/."""

    tracking_code = df.CharFilter(field_name="tracking_code", max_length=24,
                                  help_text="the exact tracking code, e.g. ZY20261130000033")
    status = df.MultipleChoiceFilter(choices=Status.choices, help_text="one or more statuses (repeat the parameter)")
    utility = df.ChoiceFilter(choices=Utility.choices)
    district = df.CharFilter(field_name="district__code", max_length=50, help_text="district code, e.g. ganzhou")
    category = df.CharFilter(field_name="category__service_code", max_length=64, help_text="service_code")
    priority = df.ChoiceFilter(choices=Priority.choices)
    overdue = df.ChoiceFilter(choices=[("true", "true"), ("false", "false")], method="filter_overdue",
                              help_text="past a deadline in force now")
    supervision_level = df.ChoiceFilter(
        choices=[(SupervisionLevel.YELLOW, "yellow"), (SupervisionLevel.RED, "red"), ("none", "none")],
        method="filter_supervision",
    )
    filed_after = SaneIsoDateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_before = SaneIsoDateTimeFilter(field_name="filed_at", lookup_expr="lt")

    class Meta:
        model = Issue
        fields = []

    HIDDEN_FROM_PUBLIC = ("priority", "overdue", "supervision_level")

    def filter_queryset(self, queryset):
        """The filters applied; for an API client filtering on a field its public view hides, within its full view."""
        from accounts.scope import visible_issues
        from issues.api.auth import is_client

        principal = getattr(self.request, "user", None)
        if is_client(principal) and any(self.form.cleaned_data.get(n) for n in self.HIDDEN_FROM_PUBLIC):
            queryset = visible_issues(principal, queryset)
        return super().filter_queryset(queryset)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        overdue_ids = Issue.objects.overdue(timezone.now()).values("pk")
        return queryset.filter(pk__in=overdue_ids) if value == "true" else queryset.exclude(pk__in=overdue_ids)

    def filter_supervision(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(supervision_level="" if value == "none" else value)
