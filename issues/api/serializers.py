"""Input and output serializers of the REST API, explicit per action and per role.

Inputs (``*In``) only check types and bound the size of raw text (``Text``);
the content rules (lengths in characters, blank text, phone numbers,
deadlines) are the workflow's, which answers 400 per field.
No input serializer carries status, units or deadlines: those change only
through the transition actions (no mass assignment).

Outputs of an issue, chosen per caller by ``issue_view`` (DESIGN.md, Privacy):

- ``IssuePublicSerializer`` (``view`` = "public"): category, district, 小区,
  status and dates, never names, phones, house numbers or descriptions;
- ``IssueStaffSerializer`` ("staff"): staff in scope, and a client bound to
  the issue's unit; personal fields with the phone masked (138****0000);
- ``IssueFullSerializer`` ("full"): the API client that filed the issue;
  the phone in full.
"""

from __future__ import annotations

import re

from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator, RegexValidator
from drf_spectacular.utils import extend_schema_field
from django.utils.translation import gettext
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from issues.choices import Priority, Satisfaction, Status, SupervisionLevel
from issues.models import (
    Appeal,
    Category,
    District,
    ExtensionRequest,
    Follower,
    Issue,
    IssueEvent,
    PlanProgress,
    Rating,
    RectificationPlan,
    SupervisionOrder,
    Unit,
)
from issues.validation import (FieldError, column_length, field_label, input_length, mask_phone, parse_when,
                               public_community, refuse_oversized)

MAX_ID = 2**63 - 1


def IdField(**kw):  # noqa: N802 - reads like a field class
    """A positive 64-bit id in a body: larger or negative numbers are a 400, never a 500."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kw)


class When(serializers.DateTimeField):
    """An ISO 8601 datetime (with offset; naive ones are read in Asia/Shanghai) between 2000 and 2100.

    The range keeps absurd dates (year 1, 9999) out of deadline arithmetic.
    Read as the staff pages read it (``validation.parse_when``): a date
    alone is 18:00 that day, as on the web form (it was midnight, the
    day's start); a week or ordinal date ("2027-W01-1") is refused.
    """

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_when(value)
            if parsed is None:
                raise serializers.ValidationError(
                    gettext("日期时间格式不正确，请按 ISO 8601 填写，例如 2026-12-10T18:00:00+08:00"))
            value = parsed
        value = super().to_internal_value(value)
        if not 2000 <= value.year <= 2100:
            raise serializers.ValidationError(gettext("日期超出范围（2000–2100）"))
        return value


# Documented for generated clients: the mobile prefixes phonenumbers (the server's check) takes as
# Chinese mobiles (13x, 145, 147, 15x, 162, 165–167, 170–173, 175–178, 18x, 19x but 194; checked on
# samples of every prefix). The server also accepts +86, 0086, spaces, dashes, full-width digits and
# landlines (issues.validation.normalize_phone); this names the plain mobile form.
PHONE_PATTERN = r"^1(3[0-9]|4[57]|5[0-35-9]|6[2567]|7[0-35-8]|8[0-9]|9[0-35-9])[0-9]{8}$"


class _RefuseCharacters:
    """Refuses NUL and lone surrogates in the words the web form uses, in the request's language.

    ``label`` (a field label, as clean_text takes it) gives "<label>含有不允许的字符";
    None gives the phone's "电话号码格式不正确". Stands in for DRF's own two
    checks of every CharField, whose messages differ from the form's (and
    whose Chinese for NUL reads "empty string").
    """

    _BAD = re.compile("[\x00\ud800-\udfff]")

    def __init__(self, label: str | None):
        self.label = label

    def __call__(self, value) -> None:
        """Return None for clean text; raise ValidationError with the form's message for a NUL or a lone surrogate."""
        if self._BAD.search(str(value)):
            if self.label is None:
                raise serializers.ValidationError(gettext("电话号码格式不正确"))
            raise serializers.ValidationError(gettext("%(label)s含有不允许的字符") % {"label": field_label(self.label)})


def _own_character_check(field: serializers.CharField, label: str | None) -> None:
    # Replaces ``field``'s DRF NUL and surrogate validators by _RefuseCharacters(label). Called
    # from __init__: a serializer deep-copies its fields by constructing them anew.
    field.validators = [v for v in field.validators
                        if not isinstance(v, (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator))]
    field.validators.append(_RefuseCharacters(label))


class _Required(RegexValidator):
    """Refuses text with no visible character: "请填写<label>", as the web form says, in the request's language.

    A RegexValidator (``\\S``), so drf-spectacular documents it as the field's pattern.
    """

    def __init__(self, label: str):
        super().__init__(r"\S")
        self.label = label

    def __call__(self, value) -> None:
        """Return None when ``value`` has a non-space character; raise ValidationError otherwise."""
        if not self.regex.search(str(value)):
            raise serializers.ValidationError(gettext("请填写%(label)s") % {"label": field_label(self.label)})


class _TextField(serializers.CharField):
    # The CharField ``Text`` returns: a NUL or a lone surrogate gets "<label>含有不允许的字符".
    def __init__(self, *, label_for_messages: str, **kw):
        super().__init__(**kw)
        _own_character_check(self, label_for_messages)


@extend_schema_field({"type": "string", "maxLength": 30, "pattern": PHONE_PATTERN, "example": "13800000000"})
class PhoneField(serializers.CharField):
    """A phone number as typed; normalised and checked by the workflow (NUL or a lone surrogate: 电话号码格式不正确)."""

    def __init__(self, **kw):
        super().__init__(max_length=30, trim_whitespace=False, **kw)
        _own_character_check(self, None)


class _InputBound(MaxLengthValidator):
    """Refuses a text field's raw input beyond ``input_length`` code points, in the workflow's words.

    A MaxLengthValidator, so drf-spectacular documents the bound as the
    field's ``maxLength`` (which JSON Schema counts in code points, as the
    bound does).
    """

    def __init__(self, max_characters: int, label: str):
        super().__init__(input_length(max_characters))
        self.max_characters = max_characters
        self.label = label

    def __call__(self, value) -> None:
        """Return None for input within the bound; raise ValidationError with the field's message otherwise."""
        try:
            refuse_oversized(value, max_length=self.max_characters, label=self.label)
        except FieldError as exc:
            raise serializers.ValidationError(str(exc)) from None


def Text(max_length: int, label: str, required: bool = True, help_text: str = "", **kw):  # noqa: N802
    """Free text of at most ``max_length`` characters; ``label`` names it in messages (as the workflow does).

    Returns a CharField that only bounds the raw input (``input_length``
    code points, refused early). The length in characters, trimming, line
    breaks and blank text are judged by the workflow with clean_text, as on
    the web form, and described in the field's documentation. A NUL or a
    lone surrogate gets the web form's "<label>含有不允许的字符".
    """
    validators = [_Required(label)] if required else []  # documented as a pattern too
    validators.append(_InputBound(max_length, label))
    rule = (f"At most {max_length} characters as people see them: extended grapheme clusters after NFC "
            f"(👍🏽, 🇨🇳 or a ZWJ family emoji is one), counted after trimming leading and trailing whitespace, "
            f"with CRLF read as one line break; and at most {column_length(max_length)} code points after that. "
            f"maxLength bounds the raw input in code points.")
    return _TextField(
        required=required, allow_blank=not required, trim_whitespace=False, validators=validators,
        help_text=f"{help_text}. {rule}" if help_text else rule, label_for_messages=label, **kw
    )


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


class IssueCreateIn(serializers.Serializer):
    """File an issue (POST /api/v1/issues/). ``category``/``district`` are ids from their lists."""

    category = IdField(help_text="id from /api/v1/categories/")
    district = IdField(help_text="id from /api/v1/districts/")
    community = Text(100, "小区", help_text="小区 / street")
    building = Text(20, "楼栋", required=False, help_text="楼栋")
    unit_no = Text(20, "单元", required=False, help_text="单元")
    room = Text(20, "户", required=False, help_text="户")
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90,
                                      help_text="WGS84")
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180,
                                       help_text="WGS84")
    description = Text(2000, "问题描述")
    reporter_name = Text(50, "称呼", required=False)
    reporter_phone = PhoneField(help_text="Chinese mobile or landline, e.g. 13800000000 or +8613800000000")
    extra_answers = serializers.DictField(required=False, help_text="answers to the category's extra_questions")


class AssignIn(serializers.Serializer):
    lead_unit = IdField()
    co_units = serializers.ListField(child=IdField(), required=False, max_length=20)
    note = Text(1000, "交办意见", required=False)


class RejectIn(serializers.Serializer):
    reason = Text(500, "不予受理理由")


class ReturnIn(serializers.Serializer):
    reason = Text(500, "退单理由")


class RevealPhoneIn(serializers.Serializer):
    reason = Text(500, "查看理由")


class NoteIn(serializers.Serializer):
    note = Text(1000, "进展说明")
    public = serializers.BooleanField(required=False, default=False, help_text="show on the resident's timeline")


class ExtensionIn(serializers.Serializer):
    reason = Text(500, "延期理由")
    requested_due = When(help_text="ISO 8601 with offset; after the current resolution_due")


class Decision(serializers.BooleanField):
    """A required yes/no that must be sent in any encoding.

    DRF's BooleanField reads a field missing from a form-encoded body as
    false (an HTML checkbox left unticked), so a decision sent without it was
    taken as a refusal or a send-back. Here missing is missing: 400
    "This field is required", as in JSON (breaker).
    """

    default_empty_html = serializers.empty


class DecideIn(serializers.Serializer):
    approve = Decision()
    note = Text(500, "审批意见", required=False, help_text="required when refusing")


class PlanIn(serializers.Serializer):
    steps = Text(2000, "整改措施")
    target_due = When(help_text="ISO 8601 with offset; in the future")


class ProgressIn(serializers.Serializer):
    note = Text(1000, "进展说明")
    percent = serializers.IntegerField(min_value=0, max_value=100)


class ResolveIn(serializers.Serializer):
    result = Text(1000, "办理结果")


class VerifyIn(serializers.Serializer):
    approve = Decision(help_text="false sends the fix back (note required)")
    note = Text(500, "核查意见", required=False)


class SuperviseIn(serializers.Serializer):
    level = serializers.ChoiceField(choices=[SupervisionLevel.YELLOW, SupervisionLevel.RED])
    instruction = Text(1000, "督办要求")
    due_at = When(help_text="ISO 8601 with offset; in the future")


class RateIn(serializers.Serializer):
    resolved = Decision()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = Text(500, "意见", required=False)


class DecideAtLimitIn(serializers.Serializer):
    close = Decision(help_text="true closes the issue; false orders one more rework")
    note = Text(500, "裁定意见")


class AppealIn(serializers.Serializer):
    rating = IdField(help_text="id of the dissatisfied reporter rating")
    reason = Text(500, "申诉理由")


class DecideAppealIn(serializers.Serializer):
    exclude = Decision(help_text="true excludes the rating from every measure")
    note = Text(500, "裁定意见", required=False)


class MergeIn(serializers.Serializer):
    original = IdField(help_text="id of the open original issue")
    note = Text(500, "说明", required=False)


class FollowIn(serializers.Serializer):
    phone = PhoneField(help_text="the follower's phone number")
    name = Text(50, "称呼", required=False)


class EmptyIn(serializers.Serializer):
    """No body needed."""


# --------------------------------------------------------------------------
# Issue outputs
# --------------------------------------------------------------------------


def _view_field(value: str):
    @extend_schema_field({"type": "string", "enum": [value]})
    class ViewField(serializers.Field):
        def __init__(self, **kw):
            super().__init__(read_only=True, source="*", **kw)

        def to_representation(self, _):
            return value

    return ViewField(help_text=f'"{value}": which fields this caller may see')


PUBLIC_FIELDS = [
    "id", "view", "tracking_code", "status", "status_label", "utility", "category", "category_code",
    "category_name", "district", "district_name", "community", "filed_at", "resolved_at", "closed_at",
]
STAFF_FIELDS = PUBLIC_FIELDS + [
    "priority", "channel", "building", "unit_no", "room", "latitude", "longitude", "description",
    "extra_answers", "reporter_name", "reporter_phone", "lead_unit", "lead_unit_name", "co_units",
    "first_assigned_at", "first_claimed_at", "awaiting_rating_since", "dispatch_due", "response_due",
    "resolution_due", "resolution_extended", "deadlines_provisional", "supervision_level", "escalation_level",
    "resolution_round", "rework_count", "needs_decision", "duplicate_of", "public_reason",
]


class IssuePublicSerializer(serializers.ModelSerializer):
    """Public fields only: category, district, 小区, status, dates (DESIGN.md, Privacy)."""

    view = _view_field("public")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_code = serializers.CharField(source="category.service_code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True, help_text="district code")
    district_name = serializers.CharField(source="district.name", read_only=True)
    community = serializers.SerializerMethodField(
        help_text="小区 without any house number typed into it (\"锦绣花园5号楼2单元501室\" → \"锦绣花园\"); "
                  "empty when the name starts with one")

    class Meta:
        model = Issue
        fields = PUBLIC_FIELDS
        read_only_fields = fields

    def get_community(self, issue: Issue) -> str:
        """The 小区 as public views show it (validation.public_community; "" when nothing is left)."""
        return public_community(issue.community)


class IssueStaffSerializer(IssuePublicSerializer):
    """Staff in scope: everything, the reporter's phone masked (the full one via reveal-phone)."""

    view = _view_field("staff")
    community = serializers.CharField(read_only=True, help_text="小区 as filed")
    reporter_phone = serializers.SerializerMethodField(help_text="masked: 138****0000")
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True, allow_null=True, default=None)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True,
                                        allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True,
                                         allow_null=True)

    class Meta:
        model = Issue
        fields = STAFF_FIELDS
        read_only_fields = fields

    def get_reporter_phone(self, issue) -> str:
        return mask_phone(issue.reporter_phone)


class IssueFullSerializer(IssueStaffSerializer):
    """The filing API client's own issue: everything, the phone in full (E.164)."""

    view = _view_field("full")

    def get_reporter_phone(self, issue) -> str:
        return issue.reporter_phone


class EventSerializer(serializers.ModelSerializer):
    """One timeline line. ``public`` false marks an internal (staff-only) event."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.CharField(source="actor_label", read_only=True)
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = IssueEvent
        fields = ["id", "at", "kind", "kind_label", "from_status", "to_status", "note", "actor", "public"]
        read_only_fields = fields


class ExtensionRequestOut(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "issue", "reason", "requested_due", "requested_at", "decision", "decided_at",
                  "decision_note"]
        read_only_fields = fields


class PlanOut(serializers.ModelSerializer):
    class Meta:
        model = RectificationPlan
        fields = ["id", "issue", "steps", "target_due", "filed_at", "decision", "decided_at", "decision_note"]
        read_only_fields = fields


class ProgressOut(serializers.ModelSerializer):
    class Meta:
        model = PlanProgress
        fields = ["id", "plan", "note", "percent", "reported_at"]
        read_only_fields = fields


class SupervisionOrderOut(serializers.ModelSerializer):
    class Meta:
        model = SupervisionOrder
        fields = ["id", "issue", "level", "instruction", "due_at", "issued_at"]
        read_only_fields = fields


class RatingOut(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "issue", "round", "rater_kind", "resolved", "satisfaction", "comment", "created_at"]
        read_only_fields = fields


class AppealOut(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "issue", "rating", "reason", "filed_at", "decision", "decided_at", "decision_note"]
        read_only_fields = fields


class FollowOut(serializers.Serializer):
    issue = serializers.IntegerField()
    tracking_code = serializers.CharField()
    following = serializers.BooleanField()


class RevealPhoneOut(serializers.Serializer):
    reporter_phone = serializers.CharField(help_text="E.164, e.g. +8613800000000; the reveal is audited")


# --------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    """A category of problem (an Open311 service)."""

    heating_season_priority = serializers.ChoiceField(choices=Priority.choices, allow_blank=True, read_only=True,
                                                      help_text="replaces priority in the heating season; '' = none")

    class Meta:
        model = Category
        fields = ["id", "service_code", "utility", "name", "name_en", "description", "priority",
                  "heating_season_priority", "needs_verification", "extra_questions", "safety_instructions"]
        read_only_fields = fields


class DistrictSerializer(serializers.ModelSerializer):
    """A county-level district (县区)."""

    class Meta:
        model = District
        fields = ["id", "code", "name", "name_en"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):
    """A responsible unit (责任单位)."""

    districts = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "utilities", "districts", "parent", "hotline", "active"]
        read_only_fields = fields



# --------------------------------------------------------------------------
# Followers and measures
# --------------------------------------------------------------------------


class FollowerOut(serializers.ModelSerializer):
    """A resident following an issue ("me too"); the phone masked (139****0001)."""

    phone = serializers.SerializerMethodField(help_text="masked: first 3 and last 4 digits, e.g. 139****0001")

    class Meta:
        model = Follower
        fields = ["id", "name", "phone", "created_at"]
        read_only_fields = fields

    def get_phone(self, follower) -> str:
        """The follower's phone as ``issues.validation.mask_phone`` shows it."""
        return mask_phone(follower.phone)


PERIOD_KINDS = ["today", "week", "month", "custom"]


class MeasuresQuery(serializers.Serializer):
    """GET parameters of /api/v1/measures/, as the dashboard reads them (but a bad one is a 400, not "month").

    ``period``: today | week (Monday–Sunday) | month (default) | custom;
    ``start``/``end`` (YYYY-MM-DD, Asia/Shanghai days, inclusive) are required
    for custom and ignored otherwise. Needs ``context["now"]``; the validated
    data carries the ``issues.measures.Period`` under ``"period_obj"``.
    """

    period = serializers.ChoiceField(choices=PERIOD_KINDS, default="month", help_text="today | week | month | custom")
    start = serializers.DateField(required=False, help_text="first day (custom), YYYY-MM-DD")
    end = serializers.DateField(required=False, help_text="last day (custom), YYYY-MM-DD, not before start")

    def validate(self, attrs):
        """Check the custom range and build the Period (400 per field otherwise)."""
        from issues import measures

        kind = attrs["period"]
        start, end = attrs.get("start"), attrs.get("end")
        if kind == "custom":
            problems = {}
            for name, value in (("start", start), ("end", end)):
                if value is None:
                    problems[name] = ["自定义时段需要填写此日期"]
                elif not measures.FIRST_DAY <= value <= measures.LAST_DAY:
                    problems[name] = [f"日期超出范围（{measures.FIRST_DAY.year}–{measures.LAST_DAY.year}）"]
            if problems:
                raise serializers.ValidationError(problems)
            if start > end:
                raise serializers.ValidationError({"end": ["结束日期不能早于开始日期"]})
        try:
            attrs["period_obj"] = measures.Period.of(kind, self.context["now"], start, end)
        except ValueError:
            raise serializers.ValidationError({"end": ["时段最长十年"]}) from None
        return attrs


class PeriodOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PERIOD_KINDS)
    start = serializers.DateField(help_text="first day, Asia/Shanghai")
    end = serializers.DateField(help_text="last day (inclusive)")


class MeasureCardOut(serializers.Serializer):
    """One dashboard card: a count, or a rate with the numerator and denominator it rests on."""

    key = serializers.CharField(help_text="the card: received, closed, open, overdue, supervised, escalated, "
                                          "dispatch_rate, response_rate, resolution_rate, solved_rate, "
                                          "satisfaction_rate, rework_rate")
    label = serializers.CharField(help_text="the dashboard's label")
    definition = serializers.CharField()
    kind = serializers.ChoiceField(choices=["count", "rate"])
    now = serializers.BooleanField(help_text="true for counts of open issues right now (not of the period)")
    value = serializers.FloatField(allow_null=True,
                                   help_text="count, or rate as a fraction 0–1 (null: nothing to rate)")
    count = serializers.IntegerField(allow_null=True, help_text="counts: the issues counted; rates: null")
    numerator = serializers.IntegerField(allow_null=True, help_text="rates: the counted part; counts: null")
    denominator = serializers.IntegerField(allow_null=True, help_text="rates: the basis; counts: null")
    measure = serializers.CharField(help_text="the ledger's measure parameter of the count / numerator")
    basis_measure = serializers.CharField(allow_null=True, help_text="rates: the ledger's measure of the basis")
    ledger_url = serializers.CharField(help_text="the staff ledger listing exactly the issues counted")
    basis_ledger_url = serializers.CharField(allow_null=True, help_text="rates: the ledger of the basis")


class MeasuresOut(serializers.Serializer):
    """The dashboard's cards for a period and the caller's scope."""

    period = PeriodOut()
    utilities = serializers.ListField(child=serializers.CharField(), allow_null=True,
                                      help_text="the utilities counted; null = all (mayor's office, admins)")
    cards = MeasureCardOut(many=True)
