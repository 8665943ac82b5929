"""Django admin for staff accounts: Django's UserAdmin plus role, unit, regulated utilities and phone.

The form checks that the role's fields make sense: unit staff need a unit,
supervisors at least one regulated utility, and only supervisors have
regulated utilities. Phones are normalised to E.164.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from issues.admin import OneTimeTokenAdmin, UtilitiesField, utility_labels
from issues.choices import Role
from issues.validation import FieldError, normalize_phone

from .models import StaffToken, User

ROLE_FIELDS = ("role", "unit", "regulated_utilities", "phone")


class RoleFieldsMixin(forms.Form):
    """Validation of the role fields shared by the add and change forms."""

    regulated_utilities = UtilitiesField(label=_("监管行业"), help_text=_("仅督查角色：其监管的行业"))

    def clean_phone(self):
        """An optional Chinese phone number, stored as E.164."""
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except FieldError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        """Unit staff need a unit; supervisors need regulated utilities, which only they may have."""
        data = super().clean()
        role = data.get("role")
        if role == Role.UNIT_STAFF and not data.get("unit"):
            self.add_error("unit", _("责任单位人员必须选择单位"))
        if role == Role.SUPERVISOR and not data.get("regulated_utilities"):
            self.add_error("regulated_utilities", _("督查人员至少选择一个监管行业"))
        if role != Role.SUPERVISOR and data.get("regulated_utilities"):
            self.add_error("regulated_utilities", _("只有督查角色需要监管行业"))
        return data


class StaffCreationForm(RoleFieldsMixin, AdminUserCreationForm):
    """Add form: username, password and the role fields."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", *ROLE_FIELDS)


class StaffChangeForm(RoleFieldsMixin, UserChangeForm):
    """Change form: Django's fields plus the role fields."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Staff accounts (用户): Django's user admin with role, unit, regulated utilities and phone."""

    form = StaffChangeForm
    add_form = StaffCreationForm
    fieldsets = DjangoUserAdmin.fieldsets + ((_("角色与单位"), {"fields": ROLE_FIELDS}),)
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": (*DjangoUserAdmin.add_fieldsets[0][1]["fields"], *ROLE_FIELDS)}),
    )
    list_display = ("username", "first_name", "role", "unit", "regulated", "is_staff", "is_superuser", "is_active",
                    "last_login")
    list_filter = ("role", "is_staff", "is_superuser", "is_active", "unit")
    list_select_related = ("unit",)
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    autocomplete_fields = ("unit",)

    @admin.display(description=_("监管行业"))
    def regulated(self, obj):
        """The supervisor's regulated utilities as labels."""
        return utility_labels(obj.regulated_utilities)


@admin.register(StaffToken)
class StaffTokenAdmin(OneTimeTokenAdmin):
    """员工接口令牌: a staff member's API token (one each), shown once when made or regenerated; afterwards
    only its first 6 characters. Deleting the row stops the token at once."""

    list_display = ("user", "token_start", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)  # an id typed wrong is "not a valid choice" (the autocomplete widget made it a 500)
    fields = ("user", "token_start", "created_at")
    readonly_fields = ("token_start", "created_at")
    regenerate_order = ("user__username",)

    def get_readonly_fields(self, request, obj=None):
        """The user is chosen when the token is made, and stays (a token is not handed to someone else)."""
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields
