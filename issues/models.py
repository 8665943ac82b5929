"""The domain's tables: reference data, the Issue and everything hanging off it.

Only ``issues.workflow`` writes an issue's status, units or deadlines; the
models here hold data and read-only helpers (querysets with intent names).
Times are timezone-aware and stored in UTC; business rules read them in
Asia/Shanghai (settings.TIME_ZONE).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.tokens import HashedToken

from .choices import (
    OPEN_STATUSES,
    AppealDecision,
    Channel,
    ClockUnit,
    Decision,
    EventKind,
    Priority,
    RaterKind,
    Role,
    Satisfaction,
    Status,
    SupervisionLevel,
    Utility,
)
from .validation import ENGLISH_HOUSE_WORDS, column_length, public_community


# --------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------


class District(models.Model):
    """A county-level district (县区) of Zhangye, e.g. code "ganzhou", name 甘州区."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("县区")
        verbose_name_plural = _("县区")

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name in the active language: ``name_en`` under the English switch when set, else ``name``."""
        return self.name_en if self.name_en and _english() else self.name


class Category(models.Model):
    """A kind of problem residents report: an Open311 service.

    ``priority`` selects the DeadlineRule; ``heating_season_priority``, when
    set, replaces it inside the heating season (DESIGN.md: "a category can be
    urgent inside the heating season and normal outside it").
    ``extra_questions`` is a list of dicts ``{"code": str, "label": str,
    "type": "text"|"number"|"choice"|"boolean", "required": bool,
    "choices": [str, ...]}`` asked on the form and answered in
    ``Issue.extra_answers``; optional ``"label_en"`` and ``"choice_labels_en"``
    (one per choice, in order) are shown under the English switch (the
    answer stored is always the Chinese choice). A number question may
    have ``"min"`` and ``"max"`` (numbers, inclusive): an answer outside is
    refused; and ``"whole": true``: an answer with a fraction is refused. ``safety_instructions_en``
    likewise, falling back to the Chinese text when empty.
    """

    service_code = models.SlugField(_("服务代码"), max_length=64, unique=True)
    utility = models.CharField(_("行业"), max_length=10, choices=Utility.choices)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    heating_season_priority = models.CharField(
        _("供暖季优先级"), max_length=10, choices=Priority.choices, blank=True
    )
    needs_verification = models.BooleanField(
        _("办结需督查核查"), default=False, help_text=_("紧急类默认需要核查")
    )
    active = models.BooleanField(_("启用"), default=True)
    extra_questions = models.JSONField(_("附加问题"), default=list, blank=True)
    safety_instructions = models.TextField(_("安全提示"), blank=True)
    safety_instructions_en = models.TextField(_("安全提示（英文）"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["utility", "id"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")

    def __str__(self) -> str:
        return f"{self.get_utility_display()}·{self.shown_name}"

    @property
    def shown_name(self) -> str:
        """The name in the active language: ``name_en`` under the English switch when set, else ``name``.

        Pages and exports show this; SMS keep ``name`` (they are sent in Chinese).
        """
        return self.name_en if self.name_en and _english() else self.name

    def shown_safety_instructions(self) -> str:
        """The safety instructions in the active language (the Chinese text when no English is set)."""
        return self.safety_instructions_en if _english() and self.safety_instructions_en else self.safety_instructions

    @staticmethod
    def question_label(question: dict) -> str:
        """An extra question's label in the active language: ``label_en`` under English if set, else ``label``/code."""
        label = str(question.get("label") or question.get("code") or "")
        english = question.get("label_en")
        return english if _english() and isinstance(english, str) and english else label

    @staticmethod
    def question_options(question: dict) -> list[tuple[str, str]]:
        """A choice question's ``[(stored value, label shown), …]``: the Chinese choice, in English when given."""
        choices = question.get("choices")
        choices = choices if isinstance(choices, list) else []
        shown = question.get("choice_labels_en") if _english() else None
        shown = shown if isinstance(shown, list) else []  # the admin form checks it; older rows may not be
        return [(c, shown[i] if i < len(shown) and isinstance(shown[i], str) and shown[i] else c)
                for i, c in enumerate(choices)]


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Unit(models.Model):
    """A responsible unit (责任单位): a utility company (保供企业) or a department.

    ``utilities`` is a list of Utility values it serves; ``oncall_contacts`` a
    list of ``{"name": str, "phone": "+86..."}`` alerted at once for
    emergencies; ``hotline`` its 24-hour line shown in safety instructions.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("保供企业")
        DEPARTMENT = "department", _("职能部门")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.COMPANY)
    utilities = models.JSONField(_("服务行业"), default=list, blank=True)
    districts = models.ManyToManyField(District, blank=True, verbose_name=_("服务县区"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级单位")
    )
    oncall_contacts = models.JSONField(_("值班联系人"), default=list, blank=True)
    hotline = models.CharField(_("24小时热线"), max_length=20, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Category + district → lead unit. Blank category or district = any.

    ``issues.routing.route`` picks the most specific active rule (category and
    district > category only > district only), ties broken by ``id``.
    """

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("类别"))
    utility = models.CharField(_("行业"), max_length=10, choices=Utility.choices)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("县区"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, verbose_name=_("牵头单位"))
    auto_assign = models.BooleanField(
        _("自动交办"), default=False, help_text=_("勾选后提交即交办，否则仅向分派员建议")
    )
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")

    def __str__(self) -> str:
        return f"{self.category or self.get_utility_display()} / {self.district or '*'} → {self.unit}"


class DeadlineRule(models.Model):
    """The three windows for one priority (DESIGN.md, Deadlines table).

    Each window is ``value`` in ``unit``: calendar minutes, working minutes
    (office time only) or working days (same office time on the Nth following
    working day).
    """

    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, unique=True)
    dispatch_value = models.PositiveIntegerField(_("分派时限"))
    dispatch_unit = models.CharField(_("分派时限单位"), max_length=20, choices=ClockUnit.choices)
    response_value = models.PositiveIntegerField(_("响应时限"))
    response_unit = models.CharField(_("响应时限单位"), max_length=20, choices=ClockUnit.choices)
    resolution_value = models.PositiveIntegerField(_("办结时限"))
    resolution_unit = models.CharField(_("办结时限单位"), max_length=20, choices=ClockUnit.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self) -> str:
        return self.get_priority_display()


class WorkdayOverride(models.Model):
    """An admin's correction of the calendar: this date is (not) a working day.

    Read before the ``holidays`` library; use it for a 调休 day the library
    lacks or a local closure.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'}"


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅通知) is loaded.

    The largest ``year`` is "the last year with an official schedule";
    deadlines ending after it are provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        verbose_name = _("官方日历年份")
        verbose_name_plural = _("官方日历年份")

    def __str__(self) -> str:
        return str(self.year)


class ApiClient(HashedToken):
    """A registered system (hotline, utility company, 311 app) using the API.

    Its token is both the DRF token and the Open311 ``api_key``. Only the
    token's SHA-256 (``token_hash``) and its first 6 characters
    (``token_hint``) are stored (accounts.tokens.HashedToken): the token
    itself exists only on the instance that made it (``token``, after
    ``save()`` of a new client or ``new_token()``), to be shown once. A
    client with a ``unit`` may act as that unit's staff.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("绑定单位"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")

    @classmethod
    def by_token(cls, token: str) -> ApiClient | None:
        """The client (active or not, with its unit) whose token is ``token`` (str), or None."""
        return cls.objects.select_related("unit").filter(token_hash=cls.hash_token(token)).first()

    def __str__(self) -> str:
        return self.name


class DailySequence(models.Model):
    """Counter behind tracking codes: the last number used on one local date."""

    date = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("受理编号计数")
        verbose_name_plural = _("受理编号计数")


# --------------------------------------------------------------------------
# Issue
# --------------------------------------------------------------------------


def deadline_in_force():
    """SQL expression: the deadline an open issue is working against now.

    Dispatch deadline while new, response deadline while assigned, else the
    resolution deadline. The staff queues sort by it, and the indexes
    ``issue_lead_deadline`` and ``issue_open_deadline`` are built on exactly
    this expression so PostgreSQL can read a page in order.
    """
    return models.Case(
        models.When(status=Status.NEW, then=models.F("dispatch_due")),
        models.When(status=Status.ASSIGNED, then=models.F("response_due")),
        default=models.F("resolution_due"),
    )


def dispatch_rank():
    """SQL expression: 0 for emergencies, 1 otherwise (the dispatch queue's first sort key; indexed)."""
    return models.Case(models.When(priority=Priority.EMERGENCY, then=models.Value(0)), default=models.Value(1),
                       output_field=models.IntegerField())


# Statuses of the staff queues' partial indexes (must match the views' filters).
_QUEUE_STATUSES = sorted([Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED])
_DUE_STATUSES = sorted([Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED])


class IssueQuerySet(models.QuerySet):
    """Reads with intent names. Scope lives in ``accounts.scope``."""

    def open(self):
        """Issues in an open status (new … awaiting_rating)."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now):
        """Open issues past a deadline in force at ``now`` (aware datetime)."""
        return self.open().filter(
            Q(status=Status.NEW, dispatch_due__lt=now)
            | Q(status=Status.ASSIGNED, response_due__lt=now)
            | Q(status__in=[Status.ASSIGNED, Status.IN_PROGRESS, Status.PLANNED], resolution_due__lt=now)
        )


class Issue(models.Model):
    """A service request (Open311) / complaint filed by a resident.

    Tracking code ``ZY`` + local date YYYYMMDD + a 6-digit daily sequence,
    e.g. ``ZY20261129000042``. Deadlines are aware datetimes computed by
    ``issues.deadlines`` and written only by ``issues.workflow``.
    ``reporter_phone`` is E.164 (``+8613800000000``).
    """

    tracking_code = models.CharField(_("受理编号"), max_length=24)  # unique: Meta.constraints
    utility = models.CharField(_("行业"), max_length=10, choices=Utility.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("类别"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name=_("县区"))
    # Typed by residents and staff: limits count characters as seen (issues.workflow.issue_submit),
    # varchar counts code points, so each column holds column_length() of its limit.
    community = models.CharField(_("小区"), max_length=column_length(100))
    building = models.CharField(_("楼栋"), max_length=column_length(20), blank=True)
    unit_no = models.CharField(_("单元"), max_length=column_length(20), blank=True)
    room = models.CharField(_("户"), max_length=column_length(20), blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("问题描述"))
    extra_answers = models.JSONField(_("附加回答"), default=dict, blank=True)
    reporter_name = models.CharField(_("报告人"), max_length=column_length(50), blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    filed_by_client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("提交系统")
    )
    filed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("代录人"),
    )
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # unique: Meta.constraints
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)

    lead_unit = models.ForeignKey(  # indexed first in issue_lead_status
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="led_issues", verbose_name=_("牵头单位"),
        db_index=False,
    )
    co_units = models.ManyToManyField(Unit, blank=True, related_name="co_issues", verbose_name=_("协办单位"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("认领人"),
    )

    filed_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    first_assigned_at = models.DateTimeField(_("首次交办时间"), null=True, blank=True)
    first_claimed_at = models.DateTimeField(_("首次认领时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    awaiting_rating_since = models.DateTimeField(_("待回访起始"), null=True, blank=True)

    dispatch_due = models.DateTimeField(_("分派时限"))
    response_due = models.DateTimeField(_("响应时限"))
    resolution_due = models.DateTimeField(_("办结时限"))
    # Start of the current resolution window: filing, or the dissatisfied
    # rating that started a rework. Recomputing provisional deadlines counts
    # from here.
    resolution_started_at = models.DateTimeField(_("本轮办理起算"), default=timezone.now)
    resolution_extended = models.BooleanField(_("已延期"), default=False)
    deadlines_provisional = models.BooleanField(
        _("时限待定"), default=False, help_text=_("时限超出已公布的官方放假安排年份")
    )

    supervision_level = models.CharField(
        _("督办级别"), max_length=10, choices=SupervisionLevel.choices, blank=True, default=""
    )
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    resolution_round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    rework_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    needs_decision = models.BooleanField(_("待督查裁定"), default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("原件")
    )
    public_reason = models.TextField(_("对外说明"), blank=True)
    # When the deadline sweep must next look at this issue (a reminder stage,
    # an escalation, the close-out); None = nothing pending. The workflow sets
    # it to "now" on every change and the sweep computes the exact time.
    next_due_at = models.DateTimeField(_("下次检查时间"), null=True, blank=True)

    # Not stored: True on the issue workflow.issue_submit returns for an idempotency key
    # already used (the first filing, unchanged), False on every other instance.
    repeat = False

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        # Unique constraints rather than unique=True, which on PostgreSQL adds a second,
        # LIKE-pattern index per column that no query uses (each one more write per filing).
        constraints = [
            models.UniqueConstraint(fields=["tracking_code"], name="issue_tracking_code_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="issue_idempotency_key_unique"),
        ]
        indexes = [
            # Queues: the dispatcher's triage list and each unit's list.
            models.Index(fields=["status", "filed_at"], name="issue_status_filed"),
            models.Index(fields=["lead_unit", "status"], name="issue_lead_status"),
            # Measures and the ledger slice by filing date.
            models.Index(fields=["filed_at", "id"], name="issue_filed_id"),
            # Read by issues.measures (the day's live counts and the rollup
            # job): each period measure is a range over one of these columns.
            models.Index(fields=["closed_at"], name="issue_closed_at"),
            models.Index(fields=["resolved_at"], name="issue_resolved_at"),
            models.Index(fields=["dispatch_due"], name="issue_dispatch_due"),
            models.Index(fields=["response_due"], name="issue_response_due"),
            # Read by issues.measures.now_counts (the dashboard's open/overdue/
            # supervised/escalated, grouped by utility, district, unit,
            # category): an index-only scan of the open issues alone.
            models.Index(
                fields=["utility", "district", "lead_unit", "category"],
                name="issue_open_measures",
                include=["status", "dispatch_due", "response_due", "resolution_due", "supervision_level",
                         "escalation_level", "filed_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
            ),
            # Tracking lookups by phone ("lost your code?").
            models.Index(fields=["reporter_phone"], name="issue_phone"),
            # Read by the staff workbenches (issues/views/staff.py): the
            # dispatch queue (new issues, emergencies first, then oldest), a
            # unit's queue (nearest deadline in force first) and the
            # supervisors' overdue/near-due list — each a page in index order.
            models.Index(dispatch_rank(), models.F("filed_at"), models.F("id"), name="issue_new_rank_filed",
                         condition=Q(status=Status.NEW)),
            models.Index(models.F("lead_unit"), deadline_in_force(), models.F("id"), name="issue_lead_deadline",
                         condition=Q(status__in=_QUEUE_STATUSES)),
            models.Index(deadline_in_force(), models.F("id"), name="issue_open_deadline",
                         condition=Q(status__in=_DUE_STATUSES)),
            # Read by issues.sweep.find_due (the Celery beat deadline sweep,
            # every minute): open issues ordered by next_due_at. Partial, so
            # closed history (most of the table) is not in it.
            models.Index(
                fields=["next_due_at"],
                name="issue_next_due_open",
                condition=Q(status__in=sorted(OPEN_STATUSES), next_due_at__isnull=False),
            ),
            # Read by the dashboard's escalated list (issues/views/dashboard.py):
            # the oldest open level-2 issues, a few rows, without visiting the
            # other open issues.
            models.Index(fields=["filed_at", "id"], name="issue_escalated_filed",
                         condition=Q(status__in=sorted(OPEN_STATUSES), escalation_level__gte=2)),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        """True while the status is one of OPEN_STATUSES."""
        return self.status in OPEN_STATUSES

    @property
    def asks_for_ratings(self) -> bool:
        """True while the issue's fix awaits the residents' ratings: awaiting_rating and not waiting for the
        supervisor's decision at the rework limit (who joins now is sent the result and a rating link)."""
        return self.status == Status.AWAITING_RATING and not self.needs_decision

    @property
    def awaiting_decision(self) -> bool:
        """True while the supervisor decides at the rework limit: awaiting_rating and marked for decision (the
        reporter's dissatisfied rating is in; DESIGN.md)."""
        return self.status == Status.AWAITING_RATING and self.needs_decision

    @property
    def shown_status(self) -> str:
        """The status as residents' pages name it (str, the active language): "待督查裁定" while the supervisor
        decides at the rework limit (``awaiting_decision``: "待回访" would say a rating is still to come, and
        the resident gave it), otherwise ``get_status_display()``."""
        if self.awaiting_decision:
            return gettext("待督查裁定")
        return self.get_status_display()

    def answer_lines(self) -> list[tuple[str, str]]:
        """The extra answers as ``[(question label, answer in words), …]``, in the category's question order.

        Labels and choices in the active language (Category.question_label,
        question_options); a yes/no answer reads 是/否 (translated), a number
        without a trailing ".0" (14.0 → "14"); an answer to a question the
        category no longer asks keeps its code as its label, at the end.
        """
        answers = dict(self.extra_answers or {})
        lines = []
        for q in self.category.extra_questions or []:
            code = q.get("code")
            if code in answers:
                value = answers.pop(code)
                words = dict(Category.question_options(q)).get(value) if q.get("type") == "choice" else None
                lines.append((Category.question_label(q), words or _answer_words(value)))
        lines += [(code, _answer_words(value)) for code, value in answers.items()]
        return lines

    @property
    def address(self) -> str:
        """小区 + building/unit/room as one line, e.g. "滨河新区 3栋 2单元 501"."""
        return self._address_line(lambda b: f"{b}栋", lambda u: f"{u}单元", lambda r: r)

    @property
    def shown_community(self) -> str:
        """The 小区 for a public page (suggestions, "me too", a follower's pages), in the active language.

        ``community`` without a house number typed into it
        (validation.public_community: "锦绣花园5号楼2单元501室" → "锦绣花园"), or
        "（门牌号不公开）" when nothing is left ("16号院"). Staff pages and the
        reporter's own tracking page show the whole address.
        """
        return public_community(self.community) or gettext("（门牌号不公开）")

    @property
    def shown_address(self) -> str:
        """``address`` for a page, in the active language: "滨河新区 3栋 2单元 501" in Chinese,
        "滨河新区 Building 3 Unit 2 Room 501" under the English switch (小区 is kept as typed).

        Pages only: the SMS, the ledger and Open311 carry ``address``, which is always Chinese.
        """
        return self._address_line(lambda b: gettext("%(building)s栋") % {"building": b},
                                  lambda u: gettext("%(unit)s单元") % {"unit": u},
                                  lambda r: pgettext("an address's room number", "%(room)s") % {"room": r})

    def _address_line(self, building, unit, room) -> str:
        # The 小区, then each part given, named by the callable passed for it unless the resident already named
        # it ("3号楼", "A座", "2单元", "东门": shown as typed, not "3号楼栋", "2单元单元" — breaker).
        parts = [self.community]
        if self.building:
            parts.append(self.building if _named(self.building, BUILDING_WORDS) else building(self.building))
        if self.unit_no:
            parts.append(self.unit_no if _named(self.unit_no, UNIT_WORDS) else unit(self.unit_no))
        if self.room:
            parts.append(self.room if _named(self.room, ROOM_WORDS) else room(self.room))
        return " ".join(parts)


# Endings by which a typed building or entrance already says what it is (Issue.address adds 栋 / 单元 otherwise).
# Traditional forms too (棟, 樓, 號, 單元: Open311 reads them), and "3#" (building 3); a building that names its
# entrance already ("3号楼2单元") gets no 栋 either.
BUILDING_WORDS = ("栋", "棟", "幢", "楼", "樓", "座", "号", "號", "院", "区", "區", "#", "＃", "单元", "單元")
UNIT_WORDS = ("单元", "單元", "门", "門", "梯", "号", "號")
ROOM_WORDS = ("室", "户", "戶")
# The same named in English, full-width letters too (NFKC), a number right behind or not: "Building 3",
# "Building3", "Ｂｕｉｌｄｉｎｇ ３", "Bldg. 3", "Block B", "Unit 2", "Entrance2", "No3", "Room 501": not "Building 3栋",
# nor "Building Building 3" or "Room Room 501" on an English page.
_ENGLISH_NAME = re.compile(rf"(?i)(?<![a-z])(?:{ENGLISH_HOUSE_WORDS})(?![a-z])")


def _named(part: str, endings: tuple[str, ...]) -> bool:
    # Whether a typed building, entrance or room already says what it is (then it is shown as typed).
    return part.endswith(endings) or bool(_ENGLISH_NAME.search(unicodedata.normalize("NFKC", part)))


def _answer_words(value) -> str:
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Follower(models.Model):
    """A resident following someone else's open issue ("me too").

    Followers are told what the reporter is told and may rate; their ratings
    are recorded and change nothing.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="followers")
    phone = models.CharField(_("电话"), max_length=20)
    name = models.CharField(_("称呼"), max_length=column_length(50), blank=True)  # as Issue.reporter_name
    created_at = models.DateTimeField(default=timezone.now)

    # Not stored: True on the follower workflow.issue_follow returns for a phone already
    # following, False on every other instance.
    repeat = False

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "phone"], name="follower_once_per_issue")]
        indexes = [models.Index(fields=["phone"], name="follower_phone")]  # staff find a caller's issues by phone
        verbose_name = _("关注人")
        verbose_name_plural = _("关注人")

    def __str__(self) -> str:
        return f"{self.issue} ← {self.phone[:6]}****"


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete an IssueEvent."""


class IssueEvent(models.Model):
    """One append-only line of an issue's timeline and audit trail.

    ``actor_label`` names non-user actors ("居民", "系统", a client name).
    ``data`` holds the deadlines in force after the change
    (``{"dispatch_due": iso, "response_due": iso, "resolution_due": iso}``)
    and details of the transition. ``public`` events show on /track/.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events",
                              db_index=False)  # indexed first in event_issue_at
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=100, blank=True)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["issue", "at"], name="event_issue_at")]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("IssueEvent rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("IssueEvent rows are append-only")

    def public_actor(self) -> str:
        """Who did it, as residents and other systems see it (str, in the active language): the unit or
        office, "居民" or "系统", a client's name — never a staff member's name (DESIGN.md, Privacy).
        Reads ``actor`` and its unit (select_related them for a list)."""
        user = self.actor
        if user is not None:
            if user.unit_id:
                return user.unit.name
            return gettext(ROLE_WORDS.get(user.role, gettext_noop("工作人员")))
        if self.actor_client_id:
            return self.actor_label or gettext("接口")
        # The labels workflow.Actor gives residents and the system are marked for the catalogue there.
        return gettext(self.actor_label) if self.actor_label else gettext("系统")

    def __str__(self) -> str:
        return f"{self.issue_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# Who did it, as a resident sees it (IssueEvent.public_actor): a unit or an office, never a person.
ROLE_WORDS = {
    Role.DISPATCHER: gettext_noop("市热线分派中心"),
    Role.SUPERVISOR: gettext_noop("行业监管部门"),
    Role.REVISIT_AGENT: gettext_noop("回访中心"),
    Role.MAYOR: gettext_noop("市长办公室"),
    Role.ADMIN: gettext_noop("系统管理员"),
}


class SupervisionOrder(models.Model):
    """A supervision order (督办): level, instruction and the time it is due by."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="supervision_orders")
    level = models.CharField(_("级别"), max_length=10, choices=SupervisionLevel.choices[1:])
    instruction = models.TextField(_("督办要求"))
    due_at = models.DateTimeField(_("要求完成时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")


class ExtensionRequest(models.Model):
    """A lead unit's request to move the resolution deadline to ``requested_due``."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="extension_requests")
    reason = models.TextField(_("理由"))
    requested_due = models.DateTimeField(_("申请办结时限"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")


class RectificationPlan(models.Model):
    """A plan to fix by ``target_due`` what cannot be fixed at once (限期销号)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="plans")
    steps = models.TextField(_("整改措施"))
    target_due = models.DateTimeField(_("整改完成时限"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("整改计划")
        verbose_name_plural = _("整改计划")


class PlanProgress(models.Model):
    """A progress report on an approved rectification plan; ``percent`` 0–100."""

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="progress_reports")
    note = models.TextField()
    percent = models.PositiveSmallIntegerField(default=0)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["reported_at"]
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")


class Rating(models.Model):
    """A rating of one resolution round (回访评价).

    The reporter's own or an agent's recording for the reporter count
    (``rater_kind`` reporter/agent); a follower's is recorded only. One rating
    per person per round (constraints below). ``excluded`` is set when an
    appeal is decided in the unit's favour: the rating leaves every measure.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField()
    rater_kind = models.CharField(max_length=10, choices=RaterKind.choices)
    follower = models.ForeignKey(Follower, null=True, blank=True, on_delete=models.CASCADE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved = models.BooleanField(_("问题已解决"))
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    excluded = models.BooleanField(_("申诉成立不计入"), default=False)

    class Meta:
        ordering = ["created_at", "id"]
        # Read by issues.measures: ratings given in a period (satisfaction).
        indexes = [models.Index(fields=["created_at"], name="rating_created_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "round"], condition=Q(follower__isnull=True), name="rating_reporter_once_per_round"
            ),
            models.UniqueConstraint(
                fields=["issue", "round", "follower"],
                condition=Q(follower__isnull=False),
                name="rating_follower_once_per_round",
            ),
        ]
        verbose_name = _("评价")
        verbose_name_plural = _("评价")

    @property
    def counts(self) -> bool:
        """True for the reporter's rating (own or recorded by an agent)."""
        return self.rater_kind in (RaterKind.REPORTER, RaterKind.AGENT)


class Appeal(models.Model):
    """A lead unit's appeal that a dissatisfied rating is unreasonable."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="appeal")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField(_("申诉理由"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=AppealDecision.choices, default=AppealDecision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("评价申诉")
        verbose_name_plural = _("评价申诉")


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Server-chosen storage name: attachments/<issue id>/<random>.<ext>."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{instance.issue_id}/{secrets.token_hex(16)}.{ext[:5]}"


class Attachment(models.Model):
    """A photo attached at filing, with progress or with the fix.

    Served only through a view that checks scope; re-encoded without EXIF.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(IssueEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    content_type = models.CharField(max_length=50, default="image/jpeg")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


# --------------------------------------------------------------------------
# Notifications (the outbox), the SMS provider's record, the sweep heartbeat
# --------------------------------------------------------------------------


class Notification(models.Model):
    """One message to one recipient: the outbox row (DESIGN.md, Deadlines).

    Exactly one row per dedupe key (issue, kind, reference, recipient),
    enforced by a unique constraint; ``reference`` names the deadline or the
    event that caused it and is never empty. The sender delivers each row at
    least once, passing ``id`` to the provider as its idempotency key.
    ``channel`` sms → ``recipient`` is an E.164 phone; email → an address.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("已跳过")

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")

    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
                              db_index=False)  # indexed first in notification_dedupe
    kind = models.CharField(_("类型"), max_length=40)
    reference = models.CharField(_("依据"), max_length=120)
    recipient = models.CharField(_("接收人"), max_length=254)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.SMS)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    lease_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("错误"), blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind", "reference", "recipient"], name="notification_dedupe"),
            # NULLs are distinct in a unique index: rows without an issue (the
            # daily digest) need their own.
            models.UniqueConstraint(fields=["kind", "reference", "recipient"], condition=Q(issue__isnull=True),
                                    name="notification_dedupe_no_issue"),
            models.CheckConstraint(condition=~Q(reference=""), name="notification_reference_not_empty"),
        ]
        indexes = [
            # Read by notifications.deliver_pending: rows still to (re)send.
            models.Index(fields=["next_attempt_at"], name="notification_due",
                         condition=Q(state__in=["pending", "sending"])),
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient[:6]}… ({self.state})"


class SmsMessage(models.Model):
    """What the outbox SMS backend "delivered": the stand-in for the SMS gateway.

    ``idempotency_key`` is the Notification id, unique, so a resend of the
    same row is recorded once, as a real provider would deduplicate it.
    """

    idempotency_key = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=20)
    body = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    times_received = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")

    def __str__(self) -> str:
        from .validation import mask_phone

        return f"{mask_phone(self.phone)} {timezone.localtime(self.received_at):%Y-%m-%d %H:%M}"


class PhoneLookup(models.Model):
    """One staff search for a caller's issues by phone number at /work/find/ (the PIPL audit trail).

    Written by ``issues.views.staff.find`` for every phone search, found or
    not: who (``user``), when (``at``, UTC, shown in Asia/Shanghai), the
    number masked (``138****0000``) and as ``links.phone_hash`` (16 hex
    characters keyed by SECRET_KEY), so an auditor can list every search for
    one number without the log keeping numbers, and how many issues the
    search listed (``found``). A search by tracking code reveals no number
    and is not recorded. Read-only in admin (电话查询记录).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("查询人"))
    at = models.DateTimeField(_("查询时间"), default=timezone.now, db_index=True)
    phone_masked = models.CharField(_("电话"), max_length=20)
    phone_hash = models.CharField(max_length=16, db_index=True)
    found = models.PositiveIntegerField(_("找到件数"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("电话查询记录")
        verbose_name_plural = _("电话查询记录")

    def __str__(self) -> str:
        return f"{self.phone_masked} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """Last run of a periodic job (``name`` e.g. "sweep"); read by /healthz."""

    name = models.CharField(max_length=40, primary_key=True)
    last_run_at = models.DateTimeField()
    last_duration_ms = models.PositiveIntegerField(default=0)
    last_processed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")


# --------------------------------------------------------------------------
# Measures: daily rollups, the monthly topic, exports (issue #6)
# --------------------------------------------------------------------------


class RollupCounts(models.Model):
    """The twelve period counts every rollup grain stores (``issues.measures.PERIOD_COUNTS``)."""

    received = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    dispatch_due = models.PositiveIntegerField(default=0)
    dispatch_on_time = models.PositiveIntegerField(default=0)
    response_due = models.PositiveIntegerField(default=0)
    response_on_time = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    rated_resolved = models.PositiveIntegerField(default=0)
    rated_satisfied = models.PositiveIntegerField(default=0)
    rated_reworked = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class RollupDimensions(RollupCounts):
    """The counts per (utility, district, lead unit or none, category): the rows of the daily and monthly grains."""

    utility = models.CharField(max_length=10, choices=Utility.choices)
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class DailyRollup(RollupDimensions):
    """Counts behind DESIGN.md's period measures for one Asia/Shanghai day.

    One row per (day, utility, district, lead unit, category) with any count;
    written only by ``issues.measures`` (``refresh``), which recomputes a
    day's counts and writes the rows that changed. Each count is the number
    of issues whose measure date falls on ``day``; ``issues.measures``
    documents each one. Today is never stored: it is computed live.
    """

    day = models.DateField()

    class Meta:
        # Read by issues.measures._past_rows: a date range, grouped by the
        # dimensions (the dashboard's partial months at a period's edges).
        indexes = [models.Index(fields=["day", "utility"], name="rollup_day_utility")]
        verbose_name = _("日统计")
        verbose_name_plural = _("日统计")


class MonthlyRollup(RollupDimensions):
    """The sums of ``DailyRollup`` over one whole calendar month (``month`` is its first day).

    Same dimensions as ``DailyRollup``; written only by ``issues.measures``
    from the daily rows (one SQL ``INSERT … SELECT SUM``) whenever a day of
    a month that has ended changes, so a whole month reads ~1k rows instead
    of ~30k. Months not yet ended have no rows.
    """

    month = models.DateField()

    class Meta:
        # Read by issues.measures._past_rows: the whole months of a period.
        indexes = [models.Index(fields=["month", "utility"], name="rollup_month_utility")]
        verbose_name = _("月统计")
        verbose_name_plural = _("月统计")


class DailyTotal(RollupCounts):
    """The sums of ``DailyRollup`` over one day and utility: the dashboard's trend line.

    Written only by ``issues.measures`` from the daily rows (``INSERT …
    SELECT SUM``) whenever the day changes; a trend over a year reads ~1.5k
    rows instead of ~300k.
    """

    day = models.DateField()
    utility = models.CharField(max_length=10, choices=Utility.choices)

    class Meta:
        # Read by issues.measures._past_rows: a date range by day (the trend).
        indexes = [models.Index(fields=["day", "utility"], name="total_day_utility")]
        verbose_name = _("日合计")
        verbose_name_plural = _("日合计")


class RollupState(models.Model):
    """The rollups' watermark: the last IssueEvent id whose days were recomputed (one row, pk=1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("统计汇总进度")
        verbose_name_plural = _("统计汇总进度")


class MonthlyTopic(models.Model):
    """每月一题: the mayor's office's focus for one month (a utility, optionally one category).

    ``month`` is the first day of the month (local). The dashboard shows the
    focus's measures for that month in their own panel.
    """

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    utility = models.CharField(_("行业"), max_length=10, choices=Utility.choices)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("类别"))
    title = models.CharField(_("题目"), max_length=column_length(100))  # 100 characters as seen (forms.MonthlyTopicForm)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "-id"]
        # One topic a month: two saves at the same moment end in one row (the second updates it).
        constraints = [models.UniqueConstraint(fields=["month"], name="monthly_topic_one_per_month")]
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.title}"


def export_path(instance: "Export", filename: str) -> str:
    """Server-chosen storage name: exports/<export id>/<random>.<ext>."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"exports/{instance.pk}/{secrets.token_hex(16)}.{ext[:5]}"


class Export(models.Model):
    """One export of the ledger (台账) to .xlsx or .csv: the job's state and its audit record.

    ``filters`` are the ledger's GET parameters (a dict); ``progress`` rows
    written of ``total``. The file is served only to ``requested_by``, and
    deleted ``ZY_EXPORT_KEEP_DAYS`` after it was made (state expired).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导出中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")  # the file was deleted after ZY_EXPORT_KEEP_DAYS; the row stays for audit

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports")
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.XLSX)
    filters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)  # when a worker last began writing it
    # Running: when the worker last wrote rows (it stops beating when killed); pending again: when re-queued.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # times a worker began writing it
    language = models.CharField(max_length=10, blank=True)  # the requester's page language: the file's (zh-hans, en)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")

    @property
    def percent(self) -> int:
        """Progress 0–100 (100 when done)."""
        if self.state == self.State.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0
