"""Routing: category + district → the lead unit (分流).

Rules are RoutingRule rows edited in admin. The most specific active rule
wins: category + district, then category alone, then utility + district, then
utility alone; ties go to the lowest id. No rule → the issue waits for a
dispatcher. A rule with ``auto_assign`` assigns at filing; others only
suggest the unit on the dispatcher's queue.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """A routing answer: the unit and whether to assign at once."""

    unit: object  # issues.models.Unit
    auto_assign: bool
    rule_id: int


def route(category, district) -> Route | None:
    """The lead unit for an issue of ``category`` in ``district``, or None.

    ``category`` is a Category, ``district`` a District. Inactive rules and
    inactive units are ignored. Rules come from the reference snapshot
    (issues.reference), not a query per filing.
    """
    from . import reference

    candidates = [
        rule
        for rule in reference.current().routing_rules
        if rule.utility == category.utility
        and rule.category_id in (None, category.pk)
        and rule.district_id in (None, district.pk if district else None)
    ]

    def specificity(rule) -> tuple[int, int]:
        score = (2 if rule.category_id else 0) + (1 if rule.district_id else 0)
        return (-score, rule.id)

    best = min(candidates, key=specificity, default=None)
    if best is None:
        return None
    return Route(unit=best.unit, auto_assign=best.auto_assign, rule_id=best.id)
