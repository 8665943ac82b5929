"""Who may see which issue: the one scoping rule (DESIGN.md, Access and answers).

Every page, export, file view, API view and workflow function starts from
``visible_issues(actor)``. Outside it the answer is 404, so the existence of an
issue is never revealed.

- dispatchers, revisit agents, the mayor's office and admins: every issue;
- supervisors: issues of the utilities they regulate;
- unit staff: issues where their unit is lead or co-handling unit;
- an API client: the issues it filed, plus its bound unit's (as unit staff);
- anyone else (anonymous, no role): none.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from issues.choices import SEE_ALL_ROLES, Role


def _unit_q(unit_id: int) -> Q:
    # A subquery instead of a join keeps the queryset free of DISTINCT, so it
    # can be locked with SELECT ... FOR UPDATE by the workflow.
    from issues.models import Issue

    co = Issue.co_units.through.objects.filter(unit_id=unit_id).values("issue_id")
    return Q(lead_unit_id=unit_id) | Q(pk__in=co)


def visible_issues(actor, base: QuerySet | None = None) -> QuerySet:
    """Issues ``actor`` may see.

    ``actor`` is an ``accounts.User``, an ``issues.models.ApiClient`` or an
    ``issues.workflow.Actor``; ``base`` an Issue queryset to narrow (default
    all issues). Returns a queryset without DISTINCT (lockable).
    """
    from issues.models import ApiClient, Issue

    qs = base if base is not None else Issue.objects.all()
    actor = getattr(actor, "principal", actor)  # workflow.Actor → its user/client
    if isinstance(actor, ApiClient):
        if not actor.active:
            return qs.none()
        q = Q(filed_by_client=actor)
        if actor.unit_id:
            q |= _unit_q(actor.unit_id)
        return qs.filter(q)
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return qs.none()
    if actor.is_superuser or actor.role in SEE_ALL_ROLES:
        return qs
    if actor.role == Role.SUPERVISOR:
        return qs.filter(utility__in=list(actor.regulated_utilities or []))
    if actor.role == Role.UNIT_STAFF and actor.unit_id:
        return qs.filter(_unit_q(actor.unit_id))
    return qs.none()
