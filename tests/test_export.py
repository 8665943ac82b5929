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


def test_an_export_whose_message_was_lost_is_failed_after_half_an_hour(world, frozen):
    # A worker killed mid-export left it "导出中" for an hour, and one whose message was lost for ever (breaker).
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    user = world.supervisor
    old_running = Export.objects.create(requested_by=user, state=Export.State.RUNNING, progress=2000, total=80000,
                                        created_at=now - timedelta(minutes=31))
    old_pending = Export.objects.create(requested_by=user, created_at=now - timedelta(minutes=45))
    recent = Export.objects.create(requested_by=user, state=Export.State.RUNNING, created_at=now - timedelta(minutes=29))
    done = Export.objects.create(requested_by=user, state=Export.State.DONE, created_at=now - timedelta(hours=3))
    assert ledger.fail_abandoned_exports(now) == 2
    states = {e.pk: (e.state, e.finished_at) for e in Export.objects.all()}
    assert states[old_running.pk] == states[old_pending.pk] == (Export.State.FAILED, now)
    assert states[recent.pk] == (Export.State.RUNNING, None) and states[done.pk][0] == Export.State.DONE
    assert Export.objects.get(pk=old_running.pk).error == "导出中断（处理进程重启或消息丢失），请重新导出"


def test_the_sweep_task_fails_abandoned_exports(world, frozen, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from issues import tasks

    stuck = Export.objects.create(requested_by=world.supervisor, created_at=timezone.now() - timedelta(hours=1))
    tasks.sweep()
    assert Export.objects.get(pk=stuck.pk).state == Export.State.FAILED
