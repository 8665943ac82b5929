"""Resident forms (and the dashboard's 每月一题 form): parse and keep what was typed; the workflow judges the content.

Content rules (required fields, lengths counted in characters, phone
numbers, blank-looking text) live once in ``issues.validation`` and
``issues.workflow``; these forms only bind the POST so a page can show it
again, and check what is the page's own business: the privacy consent, the
idempotency key, the rating's radio buttons. Field names equal the workflow's
error keys, so ``Invalid.fields`` maps straight onto the fields.
"""

from __future__ import annotations

import uuid
from datetime import date

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Satisfaction, Utility
from .models import Category
from .validation import FieldError, clean_text, normalize_tracking_code
from .workflow import DESCRIPTION_MAX, REASON_MAX

# Browser and server limits are the same numbers (the page's counter script
# trims, normalises and counts characters as seen exactly as
# issues.validation.clean_text does).
LIMITS = {
    "community": 100,
    "building": 20,
    "unit_no": 20,
    "room": 20,
    "description": DESCRIPTION_MAX,
    "reporter_name": 50,
    "name": 50,
    "comment": REASON_MAX,
}


class RawText(forms.CharField):
    """A CharField that keeps the input as typed, NUL bytes included, for the workflow to judge.

    (Django's own NUL check would answer with a different message than the
    one the workflow and the API give.)
    """

    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


def _text(required: bool = False) -> forms.CharField:
    return RawText(required=required)


class _SharedFields(dict):
    """A form's ``base_fields`` that each form instance uses as they are instead of deep-copying them.

    Django copies every field (widget, validators, messages) for each form so
    that one form may change its own; the report form never changes its
    fields, and the copy was a tenth of a filing's CPU time (bench/submit.py).
    """

    def __deepcopy__(self, memo):
        return self


_TYPED_KEYS = uuid.UUID("6f1d2c3e-5a4b-4c8d-9e0f-1a2b3c4d5e6f")  # namespace of the keys ReportForm.clean makes


class ReportForm(forms.Form):
    """The /report/ form. ``extra_<category id>_<code>`` answers are read from the raw POST.

    Valid when the privacy notice is agreed to; every other check is the
    workflow's (``issue_submit``). ``idempotency_key`` is a UUID made on GET;
    cleaned, it is that UUID as text, or None when absent or not a UUID (a
    hidden field a resident cannot mend: the page then carries a fresh one).
    """

    utility = _text()  # only narrows the category list in the browser; the category decides
    category = _text()
    district = _text()
    community = _text()
    building = _text()
    unit_no = _text()
    room = _text()
    latitude = _text()
    longitude = _text()
    description = _text()
    reporter_name = _text()
    reporter_phone = _text()
    idempotency_key = _text()
    privacy = forms.BooleanField(
        required=True, error_messages={"required": _("请阅读并同意个人信息收集和使用说明")}
    )

    @staticmethod
    def new_key() -> str:
        """A fresh idempotency key for a GET of the form."""
        return str(uuid.uuid4())

    def clean_idempotency_key(self) -> str | None:
        """The key as a canonical UUID string, or None when blank or not a UUID (never an error)."""
        try:
            return str(uuid.UUID(str(self.cleaned_data["idempotency_key"]).strip()))
        except ValueError:
            return None

    def clean(self) -> dict:
        """Without a usable key, one made from what was sent: the very same form on the same day is one filing.

        A browser always sends the key the page carries; a form that lost or
        mangled it would otherwise file twice on a double click. The made key
        is a UUID5 of the Asia/Shanghai date and every field sent (phone,
        name and extra answers included, the key and CSRF token left out):
        any difference, such as another caller's phone typed by the same
        dispatcher, is another filing.
        """
        data = super().clean()
        if not data.get("idempotency_key"):
            sent = [f"{name}={value}" for name, values in sorted(self.data.lists())
                    if name not in ("idempotency_key", "csrfmiddlewaretoken") for value in values]
            day = timezone.localdate().isoformat()
            data["idempotency_key"] = str(uuid.uuid5(_TYPED_KEYS, "\x1f".join([day, *sent])))
        return data

    def extra_answers(self, data, category_id) -> dict:
        """The answers to ``category_id``'s extra questions from raw POST ``data``: ``{code: value}``."""
        prefix = f"extra_{category_id}_"
        return {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}


ReportForm.base_fields = _SharedFields(ReportForm.base_fields)


class TrackForm(forms.Form):
    """/track/: the tracking code and the whole phone number (both required)."""

    code = forms.CharField(max_length=40, error_messages={"required": _("请填写受理编号"),
                                                          "max_length": _("受理编号太长了，请核对后再试")})
    phone = forms.CharField(max_length=40, error_messages={"required": _("请填写联系电话"),
                                                           "max_length": _("电话号码太长了，请核对后再试")})

    def clean_code(self) -> str:
        """The typed code as stored (``validation.normalize_tracking_code``): ``ｚｙ ２０２６…`` → ``ZY2026…``."""
        return normalize_tracking_code(self.cleaned_data["code"])


class ResendForm(forms.Form):
    """"Lost your code?": the phone number the issues were filed with."""

    phone = forms.CharField(max_length=40, error_messages={"required": _("请填写联系电话"),
                                                           "max_length": _("电话号码太长了，请核对后再试")})


class FollowForm(forms.Form):
    """"This is my problem too": phone, optional name, consent."""

    phone = _text()
    name = _text()
    # Named as its checkbox reads: the follow page has no separate notice to read (accessibility review).
    privacy = forms.BooleanField(required=True, error_messages={"required": _("请勾选同意提供电话号码")})


class RateForm(forms.Form):
    """The revisit page: resolved yes/no, satisfaction, optional comment."""

    resolved = forms.TypedChoiceField(
        choices=[("yes", _("已解决")), ("no", _("未解决"))],
        coerce=lambda v: v == "yes",
        error_messages={"required": _("请选择问题是否已解决"), "invalid_choice": _("请选择问题是否已解决")},
    )
    satisfaction = forms.ChoiceField(
        choices=Satisfaction.choices, error_messages={"required": _("请选择满意、基本满意或不满意"),
                                                      "invalid_choice": _("请选择满意、基本满意或不满意")}
    )
    comment = _text()


TOPIC_TITLE_MAX = 100  # characters as seen (issues.validation.user_length)


class MonthlyTopicForm(forms.Form):
    """每月一题 as the dashboard's form posts it (the mayor's office and admins set it).

    Takes ``month`` "YYYY-MM" (the ``<input type="month">`` value, years
    2000–2099), ``utility`` (a Utility value), ``category`` (optional: the
    id of one of that utility's categories) and ``title`` (1–100
    characters as seen, ``issues.validation.clean_text``). ``cleaned_data``
    then holds ``month`` as a date (the month's first day), ``utility``,
    ``category`` (a Category or None) and ``title``. Each problem is a
    Chinese message on its field; what was typed stays bound for the page
    to show again.
    """

    month = forms.RegexField(regex=r"\A20[0-9]{2}-(0[1-9]|1[0-2])\Z", error_messages={
        "required": _("请选择月份"), "invalid": _("月份格式应为 YYYY-MM，如 2026-12")})
    utility = forms.ChoiceField(choices=Utility.choices, error_messages={
        "required": _("请选择行业"), "invalid_choice": _("请选择行业")})
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False, error_messages={
        "invalid_choice": _("问题类别无效，请重新选择")})
    title = RawText(required=False)

    def clean_month(self):
        """The first day of the month, a date."""
        return date.fromisoformat(self.cleaned_data["month"] + "-01")

    def clean_title(self) -> str:
        """The title trimmed and checked like residents' text (no blank-looking or control characters)."""
        try:
            return clean_text(self.cleaned_data["title"], max_length=TOPIC_TITLE_MAX, label="题目")
        except FieldError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        """A category must belong to the chosen utility."""
        data = super().clean()
        category, utility = data.get("category"), data.get("utility")
        if category is not None and utility and category.utility != utility:
            self.add_error("category", _("所选类别不属于所选行业，请重新选择或选“全部类别”"))
        return data
