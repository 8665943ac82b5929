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


def test_bad_format_is_refused_on_a_page(client, world, db):
    # It was a bare-text 400; now the export page (or, under htmx, the fragment) says what to choose.
    client.force_login(world.mayor)
    response = client.post(reverse("dashboard:export_start"), {"format": "pdf"})
    assert response.status_code == 400 and "<html" in response.content.decode()
    assert "导出格式无效，请选择 Excel（.xlsx）或 CSV。" in response.content.decode()
    hx = client.post(reverse("dashboard:export_start"), {"format": "pdf"}, HTTP_HX_REQUEST="true")
    assert hx.status_code == 200 and 'class="form-error export-refused"' in hx.content.decode()
    assert "导出格式无效" in hx.content.decode() and not Export.objects.exists()


def _export(user, state, asked_ago, beat_ago=None, attempts=0):
    from django.utils import timezone

    now = timezone.now()
    return Export.objects.create(requested_by=user, state=state, created_at=now - asked_ago, attempts=attempts,
                                 started_at=None if beat_ago is None else now - beat_ago,
                                 heartbeat_at=None if beat_ago is None else now - beat_ago)


def test_an_export_whose_worker_went_silent_is_begun_again_then_failed(world, frozen, enqueued):
    # A worker killed mid-export left it "导出中" for ever; a long one must not be failed while it writes.
    from datetime import timedelta

    user = world.supervisor
    silent = _export(user, Export.State.RUNNING, timedelta(minutes=40), timedelta(minutes=4), attempts=1)
    silent_thrice = _export(user, Export.State.RUNNING, timedelta(minutes=40), timedelta(minutes=4), attempts=3)
    writing_long = _export(user, Export.State.RUNNING, timedelta(minutes=50), timedelta(minutes=1), attempts=1)
    assert ledger.recover_exports() == {"requeued": 1, "failed": 1}
    states = {e.pk: (e.state, e.error) for e in Export.objects.all()}
    assert states == {
        silent.pk: (Export.State.PENDING, ""),
        silent_thrice.pk: (Export.State.FAILED, "导出多次中断（处理进程重启），请缩小范围后重新导出"),
        writing_long.pk: (Export.State.RUNNING, ""),
    }
    assert enqueued == [silent.pk]


def test_a_queued_export_waits_its_turn_but_a_lost_one_is_failed(world, frozen, enqueued):
    # One queued behind a long export is waiting, not lost; with nothing being written, 30 minutes is lost.
    from datetime import timedelta

    from django.utils import timezone

    user = world.supervisor
    queued_long = _export(user, Export.State.PENDING, timedelta(minutes=45))
    queued_recent = _export(user, Export.State.PENDING, timedelta(minutes=29))
    writing = _export(world.mayor, Export.State.RUNNING, timedelta(minutes=50), timedelta(seconds=30), attempts=1)
    assert ledger.recover_exports() == {"requeued": 0, "failed": 0}
    # The long one finishes: the worker takes the next in the queue, which is not failed for having waited.
    Export.objects.filter(pk=writing.pk).update(state=Export.State.DONE, finished_at=timezone.now())
    assert ledger.recover_exports() == {"requeued": 0, "failed": 0}
    # Thirty minutes with nothing written or finished: the queued ones lost their task.
    frozen.shift(timedelta(minutes=31))
    assert ledger.recover_exports() == {"requeued": 0, "failed": 2}
    lost = Export.objects.get(pk=queued_long.pk)
    assert (lost.state, lost.finished_at, lost.error) == (
        Export.State.FAILED, timezone.now(), "导出中断（处理进程重启或消息丢失），请重新导出")
    assert Export.objects.get(pk=queued_recent.pk).state == Export.State.FAILED


def test_the_export_task_has_its_own_queue_time_limit_and_early_ack():
    from zhangye_utilities.celery import app

    assert app.amqp.router.route({}, "issues.tasks.export_ledger")["queue"].name == "exports"
    assert app.amqp.router.route({}, "issues.tasks.sweep")["queue"].name == "celery"
    task = app.tasks["issues.tasks.export_ledger"]
    assert (task.soft_time_limit, task.time_limit, task.acks_late) == (3600, 3660, False)
    assert app.tasks["issues.tasks.sweep"].acks_late is True


def test_a_user_has_two_exports_going_at_most(client, world, frozen, media, enqueued,
                                              django_capture_on_commit_callbacks):
    # Eight exports from one user filled the one worker, and the sweep and SMS waited minutes (breaker).
    client.force_login(world.mayor)
    with django_capture_on_commit_callbacks(execute=True):
        assert [start(client, "csv").status_code for _ in range(2)] == [302, 302]
        refused = start(client, "csv")
        hx = client.post(reverse("dashboard:export_start"), {"format": "xlsx", "query": ""},
                         HTTP_HX_REQUEST="true")
    assert refused.status_code == 429 and "您已有 2 个导出正在进行，请等其中一个完成后再导出。" in refused.content.decode()
    assert hx.status_code == 200 and 'class="form-error export-refused"' in hx.content.decode()
    assert Export.objects.count() == 2 and len(enqueued) == 2
    Export.objects.filter(pk=enqueued[0]).update(state=Export.State.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        assert start(client, "csv").status_code == 302
    assert Export.objects.count() == 3


def test_files_past_their_keeping_are_deleted_and_the_export_stays_listed(client, world, frozen, media, settings):
    # Export files (residents' names and descriptions) were kept for ever (breaker).
    import os
    import time
    from datetime import timedelta

    from django.utils import timezone

    old = Export.objects.create(requested_by=world.mayor, format=Export.Format.CSV)
    fresh = Export.objects.create(requested_by=world.mayor, format=Export.Format.CSV)
    for export in (old, fresh):
        ledger.run_export(export.pk)
    Export.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    old.refresh_from_db()
    old_path = old.file.path
    partial = ledger.export_dir() / "partial"
    stale, current = partial / "tmpstale.csv", partial / "tmpcurrent.csv"
    for f in (stale, current):
        f.write_text("王女士,南关小区")
    os.utime(stale, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    assert ledger.remove_stale_export_files() == {"expired": 1, "partial": 1}
    assert not os.path.exists(old_path) and not stale.exists() and current.exists()
    assert not os.path.exists(os.path.dirname(old_path))  # its exports/<id>/ folder too
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.state, old.file.name) == (Export.State.EXPIRED, "") and fresh.state == Export.State.DONE
    client.force_login(world.mayor)
    assert client.get(reverse("dashboard:export_download", args=[old.pk])).status_code == 404
    page = client.get(reverse("dashboard:export_status", args=[old.pk])).content.decode()
    assert "已过期" in page and "文件已过保存期限并删除，如需要请重新导出" in page


def test_a_half_written_file_is_kept_beside_the_exports_not_in_tmp(world, frozen, media, monkeypatch):
    # A worker killed mid-export left 74,567 rows of names and addresses in /tmp, and openpyxl's own
    # sheet stream 40 MB more (breakers).
    import tempfile

    from openpyxl.worksheet import _writer

    seen = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, path = real(*args, **kwargs)
        seen.append(path)
        return fd, path

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    streams, make_stream = [], _writer.create_temporary_file
    monkeypatch.setattr(_writer, "create_temporary_file", lambda *a, **k: streams.append(make_stream(*a, **k))
                        or streams[-1])
    export = Export.objects.create(requested_by=world.mayor, format=Export.Format.XLSX)
    ledger.run_export(export.pk)
    partial = str(media / "exports" / "partial") + "/"
    assert len(seen) == 1 and seen[0].startswith(partial), seen
    assert streams and all(p.startswith(partial) for p in streams), streams
    assert tempfile.gettempdir() != partial.rstrip("/")  # put back after the export


def test_a_control_character_in_a_name_does_not_fail_the_xlsx(world, frozen, media, file_issue):
    # An admin-typed "Ganzhou\x0bDistrict" failed every .xlsx export that included it (breaker).
    world.ganzhou.name = "甘州\x0b区"
    world.ganzhou.save()
    file_issue()
    export = Export.objects.create(requested_by=world.mayor, format=Export.Format.XLSX)
    assert ledger.run_export(export.pk) == 1
    export.refresh_from_db()
    sheet = load_workbook(export.file.path, read_only=True).active
    assert "甘州区" in [c.value for c in list(sheet.iter_rows())[1]]


def test_a_late_task_finishes_a_failed_export_and_clears_its_reason(world, frozen, media):
    export = Export.objects.create(requested_by=world.supervisor, format=Export.Format.CSV, state=Export.State.FAILED,
                                   error="导出中断（处理进程重启或消息丢失），请重新导出")
    ledger.run_export(export.pk)
    export.refresh_from_db()
    assert (export.state, export.error) == (Export.State.DONE, "")


def test_the_sweep_task_recovers_exports(world, frozen, enqueued):
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
