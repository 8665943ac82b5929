"""Ledger exports: a Celery job with progress, safe .xlsx and .csv files, served to the requester only.

The CI case exports 2,000 rows; ``bench/dashboard.py --export 100000`` runs
the 100k case by hand on PostgreSQL.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from issues import ledger
from issues.models import Export
from tests.export_support import EVIL, bulk_issues

pytestmark = pytest.mark.django_db
ROWS = 2000


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    from issues import tasks

    monkeypatch.setattr(tasks.export_ledger, "delay", lambda pk: sent.append(pk))
    return sent


def start(client, fmt, query="", django_capture_on_commit_callbacks=None):
    return client.post(reverse("dashboard:export_start"), {"format": fmt, "query": query})


def test_xlsx_export_runs_as_a_job_with_progress(client, world, frozen, media, enqueued,
                                                 django_capture_on_commit_callbacks, caplog):
    bulk_issues(world, ROWS)
    client.force_login(world.mayor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:export_start"), {"format": "xlsx", "query": "utility=heat"})
    export = Export.objects.get()
    assert response.status_code == 302 and enqueued == [export.pk]
    assert export.requested_by == world.mayor and export.filters == {"utility": "heat"}
    assert export.state == Export.State.PENDING
    page = client.get(reverse("dashboard:export_status", args=[export.pk]), HTTP_HX_REQUEST="true")
    assert b"<progress" in page.content and b"hx-trigger" in page.content
    from issues.tasks import export_ledger

    assert export_ledger(export.pk) == ROWS
    export.refresh_from_db()
    assert export.state == Export.State.DONE and export.progress == export.total == ROWS
    assert f"export {export.pk} done" in caplog.text
    page = client.get(reverse("dashboard:export_status", args=[export.pk]), HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in page.content and b"export-download" in page.content

    head = client.head(reverse("dashboard:export_download", args=[export.pk]))  # a link checker, say
    assert head.status_code == 200 and head["Content-Disposition"].startswith("attachment")
    export.refresh_from_db()
    assert export.downloaded_at is None and "downloaded" not in caplog.text  # HEAD sends no file: no record
    download = client.get(reverse("dashboard:export_download", args=[export.pk]))
    assert download.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    ws = wb.active
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == ROWS
    text_columns = ledger.TEXT_COLUMNS
    for r in rows:
        for i in text_columns:
            assert r[i].data_type == "s", (r[0].value, i, r[i].value)
    values = {r[6].value for r in rows}
    assert any(v.startswith("=1+1") for v in values)  # stayed text, not a formula
    phones = {r[8].value for r in rows}
    assert "138****0000" in phones and not any(p.startswith("+86") for p in phones)
    export.refresh_from_db()
    assert export.downloaded_at is not None


def test_csv_export_neutralises_formulas(client, world, frozen, media):
    bulk_issues(world, ROWS)
    export = Export.objects.create(requested_by=world.mayor, format="csv", filters={})
    assert ledger.run_export(export.pk) == ROWS
    export.refresh_from_db()
    raw = export.file.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == ROWS + 1
    for r in rows[1:]:
        for cell in r:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    cells = {c for r in rows for c in r}
    for evil in EVIL:
        assert f"'{evil}暖气不热 0" in cells or any(c.startswith("'" + evil) for c in cells)


def test_another_user_cannot_see_or_download_it(client, world, frozen, media):
    bulk_issues(world, 10)
    export = Export.objects.create(requested_by=world.mayor, format="csv", filters={})
    ledger.run_export(export.pk)
    for other in (world.supervisor, world.dispatcher, world.admin):
        client.force_login(other)
        assert client.get(reverse("dashboard:export_download", args=[export.pk])).status_code == 404
        assert client.get(reverse("dashboard:export_status", args=[export.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("dashboard:export_download", args=[export.pk])).status_code == 302


def test_an_export_keeps_the_requesters_scope(client, world, frozen, media):
    bulk_issues(world, 4)
    bulk_issues(world, 3, unit=world.heat_lz)
    export = Export.objects.create(requested_by=world.linze_staff, format="csv", filters={})
    assert ledger.run_export(export.pk) == 3


def test_bad_format_is_refused(client, world, db):
    client.force_login(world.mayor)
    assert client.post(reverse("dashboard:export_start"), {"format": "pdf"}).status_code == 400


def test_an_export_whose_task_is_gone_is_failed_and_a_slow_queue_is_not(world, frozen):
    # A worker killed mid-export left it "导出中" for an hour, and one whose message was lost for ever
    # (breaker); an export asked for long ago but begun just now is still running (breaker round 2).
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    user = world.supervisor

    def export(state, asked_ago, started_ago=None):
        return Export.objects.create(requested_by=user, state=state, created_at=now - asked_ago,
                                     started_at=None if started_ago is None else now - started_ago)

    running_dead = export(Export.State.RUNNING, timedelta(minutes=40), timedelta(minutes=16))
    running_late_start = export(Export.State.RUNNING, timedelta(minutes=40), timedelta(minutes=2))
    queued_lost = export(Export.State.PENDING, timedelta(minutes=31))
    queued_recent = export(Export.State.PENDING, timedelta(minutes=29))
    done = export(Export.State.DONE, timedelta(hours=3), timedelta(hours=3))
    assert ledger.fail_abandoned_exports(now) == 2
    states = {e.pk: e.state for e in Export.objects.all()}
    assert states == {running_dead.pk: Export.State.FAILED, queued_lost.pk: Export.State.FAILED,
                      running_late_start.pk: Export.State.RUNNING, queued_recent.pk: Export.State.PENDING,
                      done.pk: Export.State.DONE}
    failed = Export.objects.get(pk=running_dead.pk)
    assert (failed.finished_at, failed.error) == (now, "导出中断（处理进程重启或消息丢失），请重新导出")


def test_a_late_task_finishes_a_failed_export_and_clears_its_reason(world, frozen, media):
    export = Export.objects.create(requested_by=world.supervisor, format=Export.Format.CSV, state=Export.State.FAILED,
                                   error="导出中断（处理进程重启或消息丢失），请重新导出")
    ledger.run_export(export.pk)
    export.refresh_from_db()
    assert (export.state, export.error) == (Export.State.DONE, "")


def test_the_sweep_task_fails_abandoned_exports(world, frozen, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from issues import tasks

    stuck = Export.objects.create(requested_by=world.supervisor, created_at=timezone.now() - timedelta(hours=1))
    tasks.sweep()
    assert Export.objects.get(pk=stuck.pk).state == Export.State.FAILED


def test_an_export_asked_from_an_english_page_is_in_english(client, world, frozen, media, enqueued):
    # The worker wrote every export in Chinese, whatever the page (breaker round 3).
    from issues.workflow import Actor, issue_submit

    world.heat_cold.name_en = "Heating not warm enough"
    world.heat_cold.save()
    world.ganzhou.name_en = "Ganzhou District"
    world.ganzhou.save()
    issue_submit(actor=Actor.resident(world.phone), category=world.heat_cold, district=world.ganzhou,
                 community="南关小区", description="暖气不热", reporter_phone=world.phone)
    client.force_login(world.mayor)
    client.cookies["django_language"] = "en"
    start(client, "csv")
    export = Export.objects.get()
    assert export.language == "en"
    ledger.run_export(export.pk)
    export.refresh_from_db()
    rows = list(csv.reader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    assert rows[0][:5] == ["Tracking code", "Filed", "Utility", "Category", "District"]
    assert rows[1][2:5] == ["Heating", "Heating not warm enough", "Ganzhou District"]
    assert "南关小区" in rows[1][5]  # what the resident typed stays as typed


def test_an_export_the_broker_cannot_take_fails_at_once(client, world, frozen, media, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    # Asked while Redis was down, it showed "排队中 0%" until the sweep gave it up 30 minutes later (breaker).
    from kombu.exceptions import OperationalError

    from issues import tasks

    def broker_down(pk):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.export_ledger, "delay", broker_down)
    client.force_login(world.mayor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:export_start"), {"format": "csv", "query": ""})
    export = Export.objects.get()
    assert response.status_code == 302
    assert (export.state, export.error) == (Export.State.FAILED, "任务队列暂时不可用，请稍后重新导出")
    page = client.get(reverse("dashboard:export_status", args=[export.pk])).content.decode()
    assert "导出失败，请重试" in page
