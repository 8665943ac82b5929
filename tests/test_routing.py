"""Routing: the most specific active rule wins; no rule leaves the issue for a dispatcher."""

import pytest

from issues.models import RoutingRule, Unit
from issues.routing import route


@pytest.fixture
def rules(world):
    general = RoutingRule.objects.create(utility="heat", unit=world.heat_gz)
    by_district = RoutingRule.objects.create(utility="heat", district=world.linze, unit=world.heat_lz)
    special = Unit.objects.create(name="市热力公司抢修队", utilities=["heat"])
    by_category = RoutingRule.objects.create(utility="heat", category=world.heat_cold, unit=special)
    both = Unit.objects.create(name="临泽县热源厂", utilities=["heat"])
    exact = RoutingRule.objects.create(utility="heat", category=world.heat_cold, district=world.linze, unit=both,
                                       auto_assign=True)
    return dict(general=general, by_district=by_district, by_category=by_category, exact=exact)


def test_category_and_district_beats_everything(world, rules):
    r = route(world.heat_cold, world.linze)
    assert (r.unit.name, r.auto_assign, r.rule_id) == ("临泽县热源厂", True, rules["exact"].id)


def test_category_beats_district(world, rules):
    rules["exact"].delete()
    assert route(world.heat_cold, world.linze).unit.name == "市热力公司抢修队"


def test_district_beats_utility_wide(world, rules):
    rules["exact"].delete()
    rules["by_category"].delete()
    assert route(world.heat_cold, world.linze).unit.name == "临泽县供热公司"
    assert route(world.heat_cold, world.ganzhou).unit.name == "甘州区供热公司"


def test_inactive_rules_and_units_are_skipped(world, rules):
    rules["exact"].active = False
    rules["exact"].save()
    Unit.objects.filter(name="市热力公司抢修队").update(active=False)
    assert route(world.heat_cold, world.linze).unit.name == "临泽县供热公司"


def test_other_utility_never_matches(world, rules):
    assert route(world.water_pressure, world.ganzhou) is None
