"""Staff accounts: one User model with a role, a unit and regulated utilities; staff API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.choices import Role

from .tokens import HashedToken


class User(AbstractUser):
    """A staff member.

    ``role`` is one of issues.choices.Role. ``unit`` is set for unit staff
    (their 责任单位). ``regulated_utilities`` is a list of Utility values for a
    supervisor (the utilities their department regulates). Residents have no
    account.
    """

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "issues.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("单位")
    )
    regulated_utilities = models.JSONField(_("监管行业"), default=list, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    # Who may open the dashboard (/dashboard/): the mayor's office, admins, supervisors (their utilities).
    DASHBOARD_ROLES = frozenset({Role.MAYOR, Role.ADMIN, Role.SUPERVISOR})

    @property
    def sees_dashboard(self) -> bool:
        """True for a superuser or a role in DASHBOARD_ROLES (the staff menus link the dashboard only then)."""
        return self.is_superuser or self.role in self.DASHBOARD_ROLES

    @property
    def display_role(self) -> str:
        """Role label in the active language, "" when none."""
        return self.get_role_display() if self.role else ""


class StaffToken(HashedToken):
    """A staff user's API token (``Authorization: Token <token>``), one per user, stored as its SHA-256 only.

    For scripts a staff member runs against the API in their own name (the
    browser uses the login session). Made in admin (员工接口令牌), shown once
    there; the database keeps ``token_hash`` and ``token_hint``
    (accounts.tokens.HashedToken). Replaced DRF's authtoken, whose keys were
    stored as they are (migration 0003 moved them over as hashes).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="api_token", verbose_name=_("用户"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("员工接口令牌")
        verbose_name_plural = _("员工接口令牌")

    @classmethod
    def by_token(cls, token: str) -> StaffToken | None:
        """The token row (with its user, active or not) whose token is ``token`` (str), or None."""
        return cls.objects.select_related("user").filter(token_hash=cls.hash_token(token)).first()

    def __str__(self) -> str:
        return self.user.username
