"""issues.reference: the per-process snapshot of reference data follows every admin change."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues import reference
from issues.choices import ClockUnit, Priority
from issues.models import Category, DeadlineRule, RoutingRule
from issues.routing import route


@pytest.fixture
def fresh(locmem_cache):
    reference.forget()
    yield
    reference.forget()


pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh")]


def test_outside_a_transaction_the_snapshot_is_kept_and_costs_no_query(world):
    first = reference.current()
    assert first.categories[world.heat_cold.pk].name == world.heat_cold.name
    with CaptureQueriesContext(connection) as q:
        again = reference.current()
        again.categories  # noqa: B018 - loaded once already
    assert again is first
    assert len(q.captured_queries) == 0  # the cache is locmem here; the version read is no SQL either


def test_a_saved_rule_is_seen_at_once_by_this_process_and_after_commit_by_others(world):
    assert Priority.URGENT not in reference.current().deadline_rules  # no row: DESIGN.md's defaults apply
    rule = DeadlineRule.objects.create(
        priority=Priority.URGENT, dispatch_value=30, dispatch_unit=ClockUnit.CALENDAR_MINUTES,
        response_value=120, response_unit=ClockUnit.CALENDAR_MINUTES,
        resolution_value=2, resolution_unit=ClockUnit.WORKING_DAYS)
    snap = reference.current()
    assert snap.deadline_rules[Priority.URGENT]["resolution"] == (2, ClockUnit.WORKING_DAYS)
    other = reference.Snapshot(snap.version)  # what another process holds
    rule.resolution_value = 5
    rule.save()  # an admin save: signals
    assert reference.current().deadline_rules[Priority.URGENT]["resolution"] == (5, ClockUnit.WORKING_DAYS)
    assert reference._version() != other.version  # the other process's token no longer matches


def test_a_deactivated_routing_rule_stops_routing(world):
    cat, dist = world.heat_cold, world.ganzhou
    assert route(cat, dist) is None  # the small world has no rules
    rule = RoutingRule.objects.create(utility="heat", category=cat, district=dist, unit=world.heat_gz, auto_assign=True)
    found = route(cat, dist)
    assert (found.unit, found.auto_assign, found.rule_id) == (world.heat_gz, True, rule.pk)
    rule.active = False
    rule.save()
    assert route(cat, dist) is None


def test_inside_a_transaction_the_snapshot_is_used_but_not_kept(world):
    from django.db import transaction

    with transaction.atomic():
        Category.objects.filter(pk=world.heat_cold.pk).update(name="临时名称")
        inside = reference.current()
        assert inside.categories[world.heat_cold.pk].name == "临时名称"
        transaction.set_rollback(True)
    assert reference.current() is not inside
    assert reference.current().categories[world.heat_cold.pk].name == world.heat_cold.name


def test_a_snapshot_is_rebuilt_after_its_maximum_age(world, monkeypatch):
    first = reference.current()
    Category.objects.filter(pk=world.heat_cold.pk).update(name="改名")  # no signal
    assert reference.current() is first
    real = time.monotonic
    monkeypatch.setattr(reference.time, "monotonic", lambda: real() + reference.MAX_AGE_SECONDS + 1)
    assert reference.current().categories[world.heat_cold.pk].name == "改名"


def test_the_shipped_categories_speak_english_too():
    """Every shipped safety text and extra question has its English, and every choice its English label."""
    from issues.reference_data import CATEGORIES

    with_safety = [c["service_code"] for c in CATEGORIES if c.get("safety_instructions")]
    assert sorted(with_safety) == ["gas-hazard", "gas-leak", "power-area-outage", "power-outage", "water-main-burst"]
    assert all(c.get("safety_instructions_en") for c in CATEGORIES if c.get("safety_instructions"))
    questions = [q for c in CATEGORIES for q in c.get("extra_questions", [])]
    assert len(questions) == 11  # 5 × 影响范围, 室内温度, 供热面积, 所在楼层, 水质情况, 是否已撤离, 用电户号
    assert all(q.get("label_en") for q in questions)
    for q in questions:
        if q["type"] == "choice":
            assert len(q["choice_labels_en"]) == len(q["choices"])
