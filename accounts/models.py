"""Staff accounts: one User model with a role, a unit and regulated utilities."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from issues.choices import Role


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
