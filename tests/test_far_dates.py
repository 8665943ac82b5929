"""Far dates (year 1, year 9999) and NUL in the dashboard, the ledger and exports: a clear answer, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from issues import ledger
from issues import measures as m
from issues.models import Export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.mark.parametrize("start, end", [("0001-01-01", "0001-01-31"), ("0001-01-01", "0001-03-15"),
                                        ("9999-12-31", "9999-12-31"), ("9990-01-01", "9999-12-31"),
                                        ("1999-12-31", "2000-01-31")])
def test_a_custom_period_outside_2000_2100_shows_this_month_instead(client, world, start, end):
    client.force_login(world.mayor)
    r = client.get("/dashboard/", {"period": "custom", "start": start, "end": end})
    assert r.status_code == 200
    assert r.context["period"] == m.Period(date(2026, 11, 1), date(2026, 11, 30), "month")


@pytest.mark.parametrize("query", [{"measure": "received", "start": "2026-11-01", "end": "9999-12-31"},
                                   {"measure": "rated", "start": "9999-12-31", "end": "9999-12-31"},
                                   {"measure": "received", "start": "0001-01-01", "end": "0001-01-02"}])
def test_the_ledger_lists_nothing_for_a_period_outside_2000_2100(client, world, file_issue, query):
    file_issue()
    client.force_login(world.mayor)
    r = client.get("/ledger/", query)
    assert r.status_code == 200
    assert list(r.context["issues"]) == []


def test_period_bounds_are_checked_once_in_measures():
    assert m.Period(date(2000, 1, 1), date(2100, 12, 31)).days == 36890
    for start, end in ((date(1999, 12, 31), date(2000, 1, 1)), (date(2100, 12, 31), date(2101, 1, 1))):
        with pytest.raises(ValueError, match="period outside 2000-01-01 … 2100-12-31"):
            m.Period(start, end)


def test_an_export_with_far_dates_finishes_empty_and_one_with_nul_is_not_stored(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.mayor)
    client.post(reverse("dashboard:export_start"),
                {"format": "csv", "query": "measure=received&start=2026-11-01&end=9999-12-31"})
    export = Export.objects.get()
    assert ledger.run_export(export.pk) == 0
    export.refresh_from_db()
    assert export.state == Export.State.DONE
    r = client.post(reverse("dashboard:export_start"),
                    {"format": "csv", "query": "district=abc&unit=%00&code=%E5%BC%A0"})
    assert r.status_code == 302
    assert Export.objects.latest("id").filters == {"district": "abc", "code": "张"}
