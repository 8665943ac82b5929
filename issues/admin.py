"""Django admin for the issues app: the system operator's screens (DESIGN.md, Users: admin).

- Reference data is editable, with django-simple-history's change log where
  the model keeps history: District, Category, Unit, RoutingRule,
  DeadlineRule, WorkdayOverride, CalendarYear; ApiClient (token read-only).
- Issues are read-only: status, units and deadlines change only through
  ``issues.workflow``; no add, change or delete here. The reporter's phone is
  shown masked (``issues.validation.mask_phone``) and the timeline
  (IssueEvent) is a read-only inline.
- IssueEvent (append-only) and every other domain table are read-only.
  Any model of the app not registered explicitly gets the read-only admin
  too, so a new table is never editable by accident.
- Lists over big tables (issues, events, ratings, notifications) use
  ``list_select_related``, skip the unfiltered full count
  (``show_full_result_count = False``), offer no facet counts and, on
  PostgreSQL, estimate the count of an unfiltered list from the planner's
  statistics.
"""

from __future__ import annotations

import math
import re

from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from .choices import ClockUnit, Utility
from .models import (
    ApiClient,
    Appeal,
    Attachment,
    CalendarYear,
    Category,
    DailySequence,
    DeadlineRule,
    District,
    ExtensionRequest,
    Follower,
    Issue,
    IssueEvent,
    PlanProgress,
    Rating,
    RectificationPlan,
    RoutingRule,
    SupervisionOrder,
    Unit,
    WorkdayOverride,
)
from .links import phone_hash
from .reference_data import library_has_official_year
from .validation import FieldError, lookup_phone, mask_phone, normalize_phone
from .workflow import can_take_on

QUESTION_TYPES = {"text", "number", "choice", "boolean"}


# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------


class EstimatedCountPaginator(Paginator):
    """A paginator that does not COUNT(*) a huge unfiltered table on PostgreSQL.

    Input: the changelist queryset. ``count`` is the planner's estimate
    (``pg_class.reltuples``) when the queryset has no WHERE clause and the
    estimate is above 100,000 rows; otherwise the exact count.
    """

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self) -> int:
        """Rows in the list: the planner's estimate for a huge unfiltered table on PostgreSQL, else COUNT(*)."""
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and not query.where:
            conn = connections[qs.db]
            if conn.vendor == "postgresql":
                with conn.cursor() as cursor:
                    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                                   [qs.model._meta.db_table])
                    row = cursor.fetchone()
                if row and row[0] and row[0] > self.ESTIMATE_ABOVE:
                    return int(row[0])
        return super().count


def mask_recipient(value: str) -> str:
    """A recipient for display: phones masked 138****0000, e-mail addresses as a***@host."""
    if not value:
        return ""
    if "@" in value:
        name, _, host = value.partition("@")
        return f"{name[:1]}***@{host}"
    return mask_phone(value)


def utility_labels(values) -> str:
    """Utility codes as their labels, e.g. ["heat", "gas"] → "供暖、供气"."""
    labels = dict(Utility.choices)
    return "、".join(str(labels.get(v, v)) for v in (values or []))


class UtilitiesField(forms.TypedMultipleChoiceField):
    """The Utility values of a JSON list field as checkboxes (Unit.utilities, User.regulated_utilities)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Utility.choices)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model shown, never added, changed or deleted from admin.

    ``hidden_fields`` are model fields never displayed (personal data);
    ``extra_readonly`` are display methods shown after the model's fields.
    Every other concrete and many-to-many field is shown read-only.
    """

    hidden_fields: tuple[str, ...] = ()
    extra_readonly: tuple[str, ...] = ()
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a facet is a COUNT per filter choice: too dear on big tables
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_fields(self, request, obj=None):
        """All concrete and many-to-many fields except the hidden ones, plus ``extra_readonly``."""
        if self.fields:
            return self.fields
        opts = self.model._meta
        names = [f.name for f in opts.fields if not f.auto_created and f.name not in self.hidden_fields]
        names += [f.name for f in opts.many_to_many if f.name not in self.hidden_fields]
        return names + [n for n in self.extra_readonly if n not in names]

    def get_readonly_fields(self, request, obj=None):
        """Everything displayed is read-only."""
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        """Always False: nothing is added here."""
        return False

    def has_change_permission(self, request, obj=None):
        """Always False: shown read-only."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Always False: nothing is deleted here."""
        return False


class ReadOnlyInline(admin.TabularInline):
    """A read-only tabular inline (no add, change or delete)."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        """Always False: nothing is added here."""
        return False

    def has_change_permission(self, request, obj=None):
        """Always False: shown read-only."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Always False: nothing is deleted here."""
        return False


# --------------------------------------------------------------------------
# Reference data (editable, with history)
# --------------------------------------------------------------------------


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    """县区: code (slug used in URLs and routing), Chinese and English names."""

    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
    ordering = ("id",)


def _plain_number(value) -> bool:
    # A bound a question may have: an int or float, finite and within ±10^9 (JSON's NaN and 1e400 read as
    # NaN and infinity, which jsonb refuses; a 400-digit integer has no float) — never a bool.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value)) and abs(value) <= 1e9
    except OverflowError:
        return False


class CategoryForm(forms.ModelForm):
    """Category edit form; checks the shape of ``extra_questions`` that the filing form relies on."""

    class Meta:
        model = Category
        fields = "__all__"

    def clean_extra_questions(self):
        """A list of {"code", "label", "type", "required", "choices"} dicts with unique slug codes.

        Optional "label_en" (text), "choice_labels_en" (texts, one per choice), a number's
        "min" / "max" (numbers, min ≤ max) and its "whole" (true or false) are checked too.
        """
        questions = self.cleaned_data.get("extra_questions") or []
        if not isinstance(questions, list):
            raise forms.ValidationError(_("附加问题必须是列表"))
        seen = set()
        for i, q in enumerate(questions, start=1):
            if not isinstance(q, dict):
                raise forms.ValidationError(_("第 %(i)s 个问题必须是对象") % {"i": i})
            code = q.get("code")
            if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code) or code in seen:
                raise forms.ValidationError(_("第 %(i)s 个问题的 code 须为唯一的小写英文标识") % {"i": i})
            seen.add(code)
            if not isinstance(q.get("label"), str) or not q["label"].strip():
                raise forms.ValidationError(_("第 %(i)s 个问题缺少 label") % {"i": i})
            if q.get("type", "text") not in QUESTION_TYPES:
                raise forms.ValidationError(_("第 %(i)s 个问题的 type 须为 text/number/choice/boolean") % {"i": i})
            if not isinstance(q.get("required", False), bool):
                raise forms.ValidationError(_("第 %(i)s 个问题的 required 须为 true 或 false") % {"i": i})
            if q.get("type") == "choice":
                choices = q.get("choices")
                if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
                    raise forms.ValidationError(_("第 %(i)s 个问题是选择题，须提供 choices 列表") % {"i": i})
            bounds = [q.get(k) for k in ("min", "max") if k in q]
            if any(not _plain_number(b) for b in bounds) or (len(bounds) == 2 and bounds[0] > bounds[1]):
                raise forms.ValidationError(
                    _("第 %(i)s 个问题的 min / max 须为 ±10 亿以内的数字，且 min 不大于 max") % {"i": i})
            if "whole" in q and (q.get("type") != "number" or not isinstance(q["whole"], bool)):
                raise forms.ValidationError(_("第 %(i)s 个问题的 whole 只用于数字题，须为 true 或 false") % {"i": i})
            if "label_en" in q and not isinstance(q["label_en"], str):
                raise forms.ValidationError(_("第 %(i)s 个问题的 label_en 须为文字") % {"i": i})
            if "choice_labels_en" in q:
                shown = q["choice_labels_en"]
                if not isinstance(shown, list) or not all(isinstance(c, str) for c in shown) \
                        or len(shown) != len(q.get("choices") or []):
                    raise forms.ValidationError(
                        _("第 %(i)s 个问题的 choice_labels_en 须为文字列表，与 choices 一一对应") % {"i": i})
        return questions

    def clean(self):
        """A heating-season priority equal to the priority changes nothing: it is cleared."""
        data = super().clean()
        if data.get("heating_season_priority") and data.get("heating_season_priority") == data.get("priority"):
            data["heating_season_priority"] = ""
        return data


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    """问题类别 (Open311 services): priority, heating-season priority, verification, form questions."""

    form = CategoryForm
    list_display = ("service_code", "name", "name_en", "utility", "priority", "heating_season_priority",
                    "needs_verification", "active")
    list_filter = ("utility", "priority", "needs_verification", "active")
    search_fields = ("service_code", "name", "name_en")
    ordering = ("utility", "id")
    fieldsets = (
        (None, {"fields": ("service_code", "utility", "name", "name_en", "description", "active")}),
        (_("时限与核查"), {"fields": ("priority", "heating_season_priority", "needs_verification")}),
        (_("表单"), {"fields": ("extra_questions", "safety_instructions", "safety_instructions_en")}),
    )


class UnitForm(forms.ModelForm):
    """Unit edit form: utilities as checkboxes; on-call contacts checked and phones normalised."""

    utilities = UtilitiesField(label=_("服务行业"))

    class Meta:
        model = Unit
        fields = "__all__"

    def clean_oncall_contacts(self):
        """A list of {"name": str, "phone": "+86..."}; phones normalised to E.164."""
        contacts = self.cleaned_data.get("oncall_contacts") or []
        if not isinstance(contacts, list):
            raise forms.ValidationError(_("值班联系人必须是列表"))
        out = []
        for i, c in enumerate(contacts, start=1):
            if not isinstance(c, dict) or not isinstance(c.get("phone"), str):
                raise forms.ValidationError(_('第 %(i)s 个联系人须为 {"name": ..., "phone": ...}') % {"i": i})
            try:
                phone = normalize_phone(c["phone"])
            except FieldError as exc:
                raise forms.ValidationError(f"{i}: {exc}") from None
            out.append({**c, "name": str(c.get("name", "")).strip(), "phone": phone})
        return out


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    """责任单位: companies and departments, the districts they serve, on-call contacts."""

    form = UnitForm
    list_display = ("name", "kind", "utilities_display", "parent", "hotline", "active")
    list_filter = ("kind", "active", "districts")
    list_select_related = ("parent",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("districts",)

    @admin.display(description=_("服务行业"))
    def utilities_display(self, obj):
        """The unit's utilities as labels (供暖、供水 …)."""
        return utility_labels(obj.utilities)


class RoutingRuleForm(forms.ModelForm):
    """Routing rule form: a rule's category must belong to the rule's utility."""

    class Meta:
        model = RoutingRule
        fields = "__all__"

    def clean(self):
        """The category must be of the rule's utility, and the unit must serve that utility; a rule that
        assigns at once needs a unit someone can claim for (workflow.can_take_on)."""
        data = super().clean()
        category, utility = data.get("category"), data.get("utility")
        if category is not None and utility and category.utility != utility:
            self.add_error("category", _("类别“%(c)s”不属于所选行业") % {"c": category})
        unit = data.get("unit")
        if unit is not None and utility and unit.utilities and utility not in unit.utilities:
            self.add_error("unit", _("该单位的服务行业不含所选行业"))
        elif unit is not None and data.get("auto_assign") and not can_take_on(unit):
            self.add_error("auto_assign", _("该单位没有可以认领诉求的工作人员或接口，不能自动交办：先为它添加工作人员或接口，"
                                            "或不勾选自动交办，由分派员交办"))
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    """分派规则: category / district → lead unit; auto-assign or only suggest to the dispatcher."""

    form = RoutingRuleForm
    list_display = ("id", "utility", "category", "district", "unit", "auto_assign", "active")
    list_display_links = ("id", "utility")
    list_filter = ("utility", "district", "auto_assign", "active")
    list_select_related = ("category", "district", "unit")
    search_fields = ("unit__name", "category__name", "category__service_code", "district__name")
    autocomplete_fields = ("category", "unit")


class DeadlineRuleForm(forms.ModelForm):
    """Deadline rule form: every window at least 1."""

    class Meta:
        model = DeadlineRule
        fields = "__all__"

    def clean(self):
        """Every window value at least 1."""
        data = super().clean()
        for name in ("dispatch_value", "response_value", "resolution_value"):
            if data.get(name) is not None and data[name] < 1:
                self.add_error(name, _("时限至少为 1"))
        return data


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(SimpleHistoryAdmin):
    """时限规则: the three windows per priority (DESIGN.md, Deadlines); deleting one restores the default."""

    form = DeadlineRuleForm
    list_display = ("priority", "dispatch", "response", "resolution")
    fieldsets = (
        (None, {"fields": ("priority",)}),
        (_("分派"), {"fields": (("dispatch_value", "dispatch_unit"),)}),
        (_("响应"), {"fields": (("response_value", "response_unit"),)}),
        (_("办结"), {"fields": (("resolution_value", "resolution_unit"),)}),
    )

    @staticmethod
    def _window(value, unit) -> str:
        return f"{value} {ClockUnit(unit).label}" if unit in ClockUnit.values else f"{value} {unit}"

    @admin.display(description=_("分派时限"))
    def dispatch(self, obj):
        """Dispatch window, e.g. "15 自然分钟"."""
        return self._window(obj.dispatch_value, obj.dispatch_unit)

    @admin.display(description=_("响应时限"))
    def response(self, obj):
        """Response window, e.g. "1 工作日"."""
        return self._window(obj.response_value, obj.response_unit)

    @admin.display(description=_("办结时限"))
    def resolution(self, obj):
        """Resolution window, e.g. "5 工作日"."""
        return self._window(obj.resolution_value, obj.resolution_unit)


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(SimpleHistoryAdmin):
    """工作日调整: an admin's correction of the working-day calendar."""

    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    search_fields = ("note",)
    date_hierarchy = "date"


class CalendarYearForm(forms.ModelForm):
    """Calendar year form: refuses a year whose official schedule is not loaded anywhere.

    A year may be recorded when the ``holidays`` library carries its official
    schedule, or when WorkdayOverride rows for that year have been entered
    (the schedule typed in by hand); otherwise deadlines would silently use
    the library's estimate as if it were official.
    """

    class Meta:
        model = CalendarYear
        fields = "__all__"

    def clean_year(self):
        """The year, if its official schedule is in the library or entered as WorkdayOverride rows."""
        year = self.cleaned_data["year"]
        if not library_has_official_year(year) and not WorkdayOverride.objects.filter(date__year=year).exists():
            raise forms.ValidationError(_(
                "holidays 库中没有 %(y)s 年的官方放假安排。请先在“工作日调整”中录入该年的放假和调休日期，"
                "或升级 holidays 库后再登记。"
            ) % {"y": year})
        return year


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """官方日历年份: the years whose official holiday schedule is loaded (the largest is the horizon)."""

    form = CalendarYearForm
    list_display = ("year", "source", "in_library")

    @admin.display(description=_("holidays 库已收录"), boolean=True)
    def in_library(self, obj):
        """Whether the holidays library carries the year's official schedule."""
        return library_has_official_year(obj.year)


class OneTimeTokenAdmin(admin.ModelAdmin):
    """Admin for a holder of a hashed token (accounts.tokens.HashedToken): the token is shown once, when
    made (on creation, or by the regenerate action), on a page of its own; afterwards only its first 6
    characters."""

    actions = ["regenerate_token"]
    regenerate_order = ("pk",)  # the order the new tokens' page lists the holders in

    @admin.display(description=_("令牌"))
    def token_start(self, obj):
        """The token's first 6 characters, for recognising it (the token itself is not stored)."""
        return f"{obj.token_hint}…" if obj.token_hint else ""

    def response_add(self, request, obj, post_url_continue=None):
        """After creating a holder: a page showing its token, the only time it is shown (not a message).

        Messages travel in a cookie or the session table; a token must not.
        """
        return self._tokens_page(request, [(str(obj), obj.token)], [])

    @admin.action(description=_("重新生成所选项的令牌（旧令牌立即失效）"), permissions=["change"])
    def regenerate_token(self, request, queryset):
        """Give each selected holder a new random token, shown once on a page; the old one stops working at once.

        Needs the change permission. Each token is replaced only if it is
        still the one read (compare and swap): of two admins regenerating at
        once, one wins per holder and the other is told it was skipped, so
        every token shown works.
        """
        made, skipped = [], []
        for holder in queryset.order_by(*self.regenerate_order):
            read = holder.token_hash
            token = holder.new_token()
            if self.model.objects.filter(pk=holder.pk, token_hash=read).update(
                    token_hash=holder.token_hash, token_hint=holder.token_hint):
                made.append((str(holder), token))
            else:
                skipped.append(str(holder))
        return self._tokens_page(request, made, skipped)

    def _tokens_page(self, request, made: list[tuple[str, str]], skipped: list[str]):
        response = TemplateResponse(request, "admin/new_tokens.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "made": made, "skipped": skipped})
        add_never_cache_headers(response)
        return response


@admin.register(ApiClient)
class ApiClientAdmin(OneTimeTokenAdmin):
    """接口客户端: registered systems. A token (also the Open311 api_key) is shown once, when made
    (on creation, or by the regenerate action); afterwards only its first 6 characters."""

    list_display = ("name", "unit", "active", "token_start", "created_at")
    list_filter = ("active",)
    list_select_related = ("unit",)
    search_fields = ("name",)
    raw_id_fields = ("unit",)  # an id typed wrong is "not a valid choice" (the autocomplete widget made it a 500)
    fields = ("name", "unit", "active", "token_start", "created_at")
    readonly_fields = ("token_start", "created_at")
    regenerate_order = ("name",)


# --------------------------------------------------------------------------
# Issues and their timeline (read-only)
# --------------------------------------------------------------------------


class IssueEventInline(ReadOnlyInline):
    """The issue's timeline, oldest first."""

    model = IssueEvent
    fields = ("at", "kind", "actor_label", "from_status", "to_status", "note", "public")
    readonly_fields = fields
    ordering = ("at", "id")


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    """诉求: read-only (changes go through the workflow); phone masked; timeline inline.

    Search: an exact tracking code, a phone number in any usual spelling
    (exact match on the normalised number), or the start of a 小区 name.
    """

    hidden_fields = ("reporter_phone",)
    extra_readonly = ("reporter_phone_masked",)
    list_display = ("tracking_code", "status", "utility", "category", "district", "community", "priority",
                    "lead_unit", "filed_at", "resolution_due", "reporter_phone_masked", "supervision_level",
                    "escalation_level")
    list_filter = ("status", "utility", "priority", "channel", "district", "supervision_level", "escalation_level",
                   "needs_decision", "resolution_extended", "deadlines_provisional")
    list_select_related = ("category", "district", "lead_unit")
    search_fields = ("=tracking_code", "^community")
    search_help_text = _("受理编号、完整电话号码或小区名称开头")
    raw_id_fields = ("category", "district", "lead_unit", "claimed_by", "filed_by_user", "filed_by_client",
                     "duplicate_of")
    inlines = [IssueEventInline]

    def get_fields(self, request, obj=None):
        """The model's fields with the masked phone in place of the real one."""
        names = [n for n in super().get_fields(request, obj) if n != "reporter_phone_masked"]
        at = names.index("reporter_name") + 1 if "reporter_name" in names else len(names)
        return names[:at] + ["reporter_phone_masked"] + names[at:]

    @admin.display(description=_("联系电话"))
    def reporter_phone_masked(self, obj):
        """The reporter's phone masked to 138****0000."""
        return mask_phone(obj.reporter_phone)

    def get_search_results(self, request, queryset, search_term):
        """A term that is a phone number matches the normalised number exactly (indexed)."""
        term = search_term.strip()
        if re.fullmatch(r"[+\d\s\-（）()]{7,}", term or "") and sum(ch.isdigit() for ch in term) >= 7:
            try:
                return queryset.filter(reporter_phone=lookup_phone(term)), False
            except FieldError:
                pass
        return super().get_search_results(request, queryset, search_term)


@admin.register(IssueEvent)
class IssueEventAdmin(ReadOnlyAdmin):
    """办理记录: the append-only timeline and audit trail; never changed or deleted."""

    list_display = ("at", "issue", "kind", "actor_label", "from_status", "to_status", "public")
    list_filter = ("kind", "public")
    list_select_related = ("issue",)
    search_fields = ("=issue__tracking_code",)
    search_help_text = _("受理编号")
    raw_id_fields = ("issue", "actor", "actor_client")
    ordering = ("-at", "-id")


# --------------------------------------------------------------------------
# Other domain tables (read-only)
# --------------------------------------------------------------------------


@admin.register(Follower)
class FollowerAdmin(ReadOnlyAdmin):
    """关注人 of an issue; the phone is masked."""

    hidden_fields = ("phone",)
    extra_readonly = ("phone_masked",)
    list_display = ("issue", "phone_masked", "name", "created_at")
    list_select_related = ("issue",)
    search_fields = ("=issue__tracking_code",)

    @admin.display(description=_("电话"))
    def phone_masked(self, obj):
        """The phone masked to 138****0000."""
        return mask_phone(obj.phone)


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    """督办单."""

    list_display = ("issue", "level", "issued_by", "issued_at", "due_at")
    list_filter = ("level",)
    list_select_related = ("issue", "issued_by")
    search_fields = ("=issue__tracking_code",)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    """延期申请."""

    list_display = ("issue", "requested_due", "decision", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("issue", "requested_by", "decided_by")
    search_fields = ("=issue__tracking_code",)


@admin.register(RectificationPlan)
class RectificationPlanAdmin(ReadOnlyAdmin):
    """整改计划."""

    list_display = ("issue", "target_due", "decision", "filed_by", "filed_at", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("issue", "filed_by", "decided_by")
    search_fields = ("=issue__tracking_code",)


@admin.register(PlanProgress)
class PlanProgressAdmin(ReadOnlyAdmin):
    """整改进展."""

    list_display = ("plan", "issue", "percent", "reported_by", "reported_at")
    list_select_related = ("plan__issue", "reported_by")
    search_fields = ("=plan__issue__tracking_code",)

    @admin.display(description=_("诉求"))
    def issue(self, obj):
        """The issue the plan belongs to."""
        return obj.plan.issue


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """评价 (per resolution round); followers' ratings are recorded only."""

    list_display = ("issue", "round", "rater_kind", "satisfaction", "resolved", "excluded", "created_at")
    list_filter = ("rater_kind", "satisfaction", "resolved", "excluded")
    list_select_related = ("issue",)
    search_fields = ("=issue__tracking_code",)


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    """评价申诉."""

    list_display = ("issue", "rating", "decision", "filed_by", "filed_at", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("issue", "rating", "filed_by", "decided_by")
    search_fields = ("=issue__tracking_code",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """附件: the stored name only; photos are served by the scope-checking view, not from admin."""

    hidden_fields = ("file",)
    extra_readonly = ("file_name",)
    list_display = ("issue", "file_name", "content_type", "uploaded_at")
    list_select_related = ("issue",)
    search_fields = ("=issue__tracking_code",)

    @admin.display(description=_("文件"))
    def file_name(self, obj):
        """The stored file name (not a link: files are served only through the scope-checking view)."""
        return obj.file.name if obj.file else ""


@admin.register(DailySequence)
class DailySequenceAdmin(ReadOnlyAdmin):
    """The daily counter behind tracking codes."""

    list_display = ("date", "last")
    ordering = ("-date",)


# --------------------------------------------------------------------------
# Outbox and operations (read-only; registered when the models exist)
# --------------------------------------------------------------------------


def _model(name: str):
    try:
        return apps.get_model("issues", name)
    except LookupError:
        return None


Notification = _model("Notification")
if Notification is not None:

    @admin.register(Notification)
    class NotificationAdmin(ReadOnlyAdmin):
        """通知 (the outbox): one row per dedupe key; the recipient is masked."""

        hidden_fields = ("recipient",)
        extra_readonly = ("recipient_masked",)
        list_display = ("created_at", "issue", "kind", "recipient_masked", "channel", "state", "attempts", "sent_at")
        list_filter = ("state", "channel", "kind")
        list_select_related = ("issue",)
        search_fields = ("=issue__tracking_code",)
        raw_id_fields = ("issue",)

        @admin.display(description=_("接收人"))
        def recipient_masked(self, obj):
            """The recipient masked (phone 138****0000, e-mail a***@host)."""
            return mask_recipient(obj.recipient)


SmsMessage = _model("SmsMessage")
if SmsMessage is not None:

    @admin.register(SmsMessage)
    class SmsMessageAdmin(ReadOnlyAdmin):
        """短信记录 of the stand-in SMS gateway; the phone is masked."""

        fields = ("sent_at", "phone_masked", "text", "times", "outbox_row")
        list_display = ("sent_at", "phone_masked", "text_preview", "times")
        search_fields = ("body",)  # e.g. a tracking code
        search_help_text = _("按短信内容搜索，例如受理编号；或输入完整电话号码，查看发给它的短信")

        def get_search_results(self, request, queryset, search_term):
            """A whole phone number (any form lookup_phone reads) finds the messages sent to it;
            anything else searches the text (a tracking code, say)."""
            try:
                phone = lookup_phone(search_term)
            except FieldError:
                return super().get_search_results(request, queryset, search_term)
            return queryset.filter(phone=phone), False

        @admin.display(description=_("电话"))
        def phone_masked(self, obj):
            """The phone masked to 138****0000."""
            return mask_phone(obj.phone)

        @admin.display(description=_("收到时间"), ordering="received_at")
        def sent_at(self, obj):
            """When the stand-in gateway received it (Asia/Shanghai)."""
            return timezone.localtime(obj.received_at).strftime("%Y-%m-%d %H:%M:%S")

        @admin.display(description=_("短信内容"))
        def text(self, obj):
            """The whole message body."""
            return obj.body

        @admin.display(description=_("短信内容"))
        def text_preview(self, obj):
            """The first 60 characters of the body."""
            return obj.body if len(obj.body) <= 60 else obj.body[:60] + "…"

        @admin.display(description=_("收到次数"))
        def times(self, obj):
            """How many times the same outbox row was handed over (a resend is recorded once)."""
            return obj.times_received

        @admin.display(description=_("发件箱记录"))
        def outbox_row(self, obj):
            """The Notification id this message came from (its idempotency key)."""
            return obj.idempotency_key


PhoneLookup = _model("PhoneLookup")
if PhoneLookup is not None:

    @admin.register(PhoneLookup)
    class PhoneLookupAdmin(ReadOnlyAdmin):
        """电话查询记录: who searched /work/find/ for which number (masked), when, and how much they found."""

        fields = ("looked_up_at", "user", "phone_masked", "found")
        list_display = ("looked_up_at", "user", "phone_masked", "found")
        list_select_related = ("user",)
        search_fields = ("user__username",)
        search_help_text = _("输入完整电话号码，查看谁查过这个号码；或输入工作人员的用户名")

        @admin.display(description=_("查询时间"), ordering="at")
        def looked_up_at(self, obj):
            """When the search was made (Asia/Shanghai)."""
            return timezone.localtime(obj.at).strftime("%Y-%m-%d %H:%M:%S")

        def get_search_results(self, request, queryset, search_term):
            """A whole phone number (any form lookup_phone reads) finds that number's lookups by its hash;
            anything else searches the staff member's username."""
            try:
                phone = lookup_phone(search_term)
            except FieldError:
                return super().get_search_results(request, queryset, search_term)
            return queryset.filter(phone_hash=phone_hash(phone)), False


# Anything else in the app (a table added later) is read-only until someone
# writes a proper admin for it. simple-history's own tables are reached
# through each model's "history" page instead.
for _m in apps.get_app_config("issues").get_models():
    if not admin.site.is_registered(_m) and not issubclass(_m, HistoricalChanges):
        admin.site.register(_m, ReadOnlyAdmin)
