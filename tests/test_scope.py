"""The one scoping rule: who sees which issue (DESIGN.md, Access and answers)."""

import pytest

from accounts.scope import visible_issues
from issues.models import ApiClient
from issues.workflow import Actor, issue_assign, issue_submit

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def issues(world, file_issue):
    heat = file_issue()
    issue_assign(issue=heat, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz, co_units=[world.water_gz])
    power = file_issue(category=world.power_out, description="整栋楼停电")
    return heat, power


@pytest.mark.parametrize("who,expected", [
    ("dispatcher", {"heat", "power"}),
    ("revisit", {"heat", "power"}),
    ("mayor", {"heat", "power"}),
    ("admin", {"heat", "power"}),
    ("supervisor", {"heat"}),
    ("power_supervisor", {"power"}),
    ("heat_staff", {"heat"}),
    ("water_staff", {"heat"}),
    ("linze_staff", set()),
    ("gas_staff", set()),
    ("norole", set()),
])
def test_who_sees_what(world, issues, who, expected):
    names = {"heat" if i.utility == "heat" else "power" for i in visible_issues(getattr(world, who))}
    assert names == expected


def test_inactive_user_and_anonymous_see_nothing(world, issues):
    from django.contrib.auth.models import AnonymousUser

    world.dispatcher.is_active = False
    assert visible_issues(world.dispatcher).count() == 0
    assert visible_issues(AnonymousUser()).count() == 0


def test_api_client_sees_what_it_filed_and_its_unit(world, issues):
    hotline = ApiClient.objects.create(name="12345热线系统")
    filed = issue_submit(actor=Actor.of(hotline), category=world.water_pressure, district=world.ganzhou,
                         community="北街小区", description="水压低", reporter_phone="13800000001")
    assert list(visible_issues(hotline)) == [filed]
    bound = ApiClient.objects.create(name="供热公司系统", unit=world.heat_gz)
    assert list(visible_issues(bound)) == [issues[0]]
    bound.active = False
    assert visible_issues(bound).count() == 0


def test_scope_queryset_can_be_locked(world, issues):
    # No DISTINCT: the workflow locks rows through this queryset.
    assert visible_issues(world.water_staff).query.distinct is False
