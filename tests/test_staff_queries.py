"""Query-count guards: each workbench list runs the same number of queries for 5 rows as for 50.

A page shows ``staff.PAGE_SIZE`` rows (25): with 50 rows in the list the page is full and the next
page one keyset link away — the number of queries must not depend on either.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues.choices import SupervisionLevel
from issues.models import RoutingRule
from issues.views.staff import PAGE_SIZE
from issues.workflow import (
    Actor,
    issue_assign,
    issue_claim,
    issue_request_extension,
    issue_resolve,
    issue_supervise,
)

pytestmark = pytest.mark.django_db


def make(world, file_issue, n: int, stage: str):
    """``n`` heat issues of 甘州 brought to ``stage``: new, assigned, in_progress, extension, resolved, awaiting."""
    now = timezone.now()
    for k in range(n):
        issue = file_issue(phone=f"+86139{k:08d}", community=f"小区{k}")
        if stage == "new":
            continue
        issue_assign(issue=issue, actor=Actor.of(world.dispatcher), lead_unit=world.heat_gz, co_units=[world.water_gz])
        if stage == "assigned":
            continue
        issue_claim(issue=issue, actor=Actor.of(world.heat_staff))
        if stage == "in_progress":
            continue
        if stage == "extension":
            issue_request_extension(issue=issue, actor=Actor.of(world.heat_staff), reason="等待配件",
                                    requested_due=now + timedelta(days=20))
            continue
        if stage == "resolved":
            issue_supervise(issue=issue, actor=Actor.of(world.mayor), level=SupervisionLevel.YELLOW,
                            instruction="尽快", due_at=now + timedelta(days=1))
        issue_resolve(issue=issue, actor=Actor.of(world.heat_staff), result="已修复")


PAGES = [
    # (url, user attribute, stage of the rows)
    ("/work/dispatch/", "dispatcher", "new"),
    ("/work/queue/", "heat_staff", "assigned"),
    ("/work/queue/", "water_staff", "in_progress"),  # as co-handler
    ("/work/supervise/?tab=due", "supervisor", "assigned"),
    ("/work/supervise/?tab=extensions", "supervisor", "extension"),
    ("/work/supervise/?tab=verify", "mayor", "resolved"),
    ("/work/supervise/?tab=orders", "supervisor", "resolved"),
    ("/work/revisit/", "revisit", "awaiting"),
]


def count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("url,who,stage", PAGES)
def test_same_queries_for_5_and_50_rows(client, world, file_issue, frozen, django_assert_num_queries, url, who, stage):
    RoutingRule.objects.create(utility="heat", district=world.ganzhou, unit=world.heat_gz)  # a suggestion per row
    make(world, file_issue, 5, stage)
    frozen.move_to(timezone.now() + timedelta(days=2))  # rows overdue, so the late marks render too
    client.force_login(getattr(world, who))
    n5, html = count(client, url)
    assert html.count('class="row-card') == 5
    make(world, file_issue, 45, stage)
    with django_assert_num_queries(n5):
        response = client.get(url)
    assert response.content.decode().count('class="row-card') == min(50, PAGE_SIZE)


def test_filters_do_not_add_queries_per_row(client, world, file_issue, frozen, django_assert_num_queries):
    client.force_login(world.heat_staff)
    make(world, file_issue, 5, "in_progress")
    url = "/work/queue/?utility=heat&priority=urgent&overdue=no&supervision=none&filed_from=2026-11-01&filed_to=2026-12-31"
    n5, html = count(client, url)
    assert html.count('class="row-card') == 5
    make(world, file_issue, 45, "in_progress")
    with django_assert_num_queries(n5):
        client.get(url)
