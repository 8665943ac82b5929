"""The ledger (台账): the filterable list of issues, its rows, and its exports to .xlsx and .csv.

``LedgerFilter`` (django-filter) reads the ledger's GET parameters: a
``measure`` with a period (``start``/``end`` dates) selects exactly the
issues behind a dashboard number (``issues.measures.issue_filter``), and a
period alone the issues filed in it; the
dimensions (utility, district, unit, category), status and a tracking-code
search narrow it. ``ledger_queryset(user, params)`` applies the viewer's
scope first. ``page(qs, cursor)`` pages by (filed_at, id) descending without
OFFSET or COUNT. ``rows(qs)`` yields the export's columns; phone numbers are
masked (``mask_phone``) on every row.
"""

from __future__ import annotations

import csv
import math
from datetime import date, datetime, timedelta

import django_filters as df
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import visible_issues

from . import measures as m
from .choices import OPEN_STATUSES, Decision, Status, SupervisionLevel, Utility, WORKING_STATUSES
from .models import Category, District, Issue, RectificationPlan, Unit
from .validation import mask_phone, normalize_tracking_code

MEASURE_CHOICES = [
    ("received", _("受理")), ("closed", _("销号")),
    ("dispatch_due", _("分派时限到期")), ("dispatch_on_time", _("按时分派")),
    ("response_due", _("响应时限到期")), ("response_on_time", _("按时响应")),
    ("resolved", _("办结")), ("resolved_on_time", _("按时办结")),
    ("rated", _("已评价")), ("rated_resolved", _("评价已解决")), ("rated_satisfied", _("满意或基本满意")),
    ("rated_reworked", _("曾重办")),
    ("open", _("在办")), ("overdue", _("超时")), ("supervised", _("督办中")), ("escalated", _("升级至市长办")),
]
PAGE_SIZE = 50


class LedgerFilter(df.FilterSet):
    """GET parameters of /ledger/ and of an export's ``filters``; a bad value is ignored and named in the errors."""

    measure = df.ChoiceFilter(choices=MEASURE_CHOICES, method="filter_measure", label=_("指标"),
                              empty_label=_("全部诉求"))
    start = df.DateFilter(method="filter_noop", label=_("开始日期"))
    end = df.DateFilter(method="filter_noop", label=_("结束日期"))
    utility = df.ChoiceFilter(choices=Utility.choices, label=_("行业"), empty_label=_("全部行业"))
    district = df.ModelChoiceFilter(queryset=District.objects.all(), label=_("县区"), empty_label=_("全部县区"))
    unit = df.ModelChoiceFilter(queryset=Unit.objects.all(), field_name="lead_unit", label=_("牵头单位"),
                                empty_label=_("全部单位"), null_label=_("未交办"), null_value="none")
    category = df.ModelChoiceFilter(queryset=Category.objects.all(), label=_("类别"), empty_label=_("全部类别"))
    status = df.ChoiceFilter(choices=Status.choices, label=_("状态"), empty_label=_("全部状态"))
    code = df.CharFilter(method="filter_code", label=_("受理编号"))

    class Meta:
        model = Issue
        fields: list[str] = []

    def filter_noop(self, qs, name, value):
        """start/end are read by the measure filter, or without one by ``filter_queryset`` (filing dates)."""
        return qs

    def filter_code(self, qs, name, value):
        """Codes beginning with what was typed, read as /track/ reads a code (any case, full-width); a
        beginning of digits alone is taken as after "ZY" (the ``zy2026`` of a breaker found nothing)."""
        code = normalize_tracking_code(value)
        if code[:1].isdigit():
            code = "ZY" + code
        return qs.filter(tracking_code__startswith=code) if code else qs

    def filter_queryset(self, queryset):
        """The filters; and without a measure, a period (start/end) selects the issues filed in it.

        (The dates did nothing without a measure, and said nothing: a breaker got this week's issues
        for a day in 2025.)
        """
        qs = super().filter_queryset(queryset)
        period = self.period()
        if period is not None and not self.form.cleaned_data.get("measure"):
            qs = qs.filter(filed_at__gte=period.start, filed_at__lt=period.end)
        return qs

    def period(self) -> m.Period | None:
        """The period given by start/end (both needed), or None."""
        data = getattr(self.form, "cleaned_data", {}) or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and start <= end:
            try:
                return m.Period(start, end)
            except ValueError:  # outside the days a period may cover
                return None
        return None

    def period_problem(self) -> str:
        """Why a measure that needs a period lists nothing here (str, "" when it does not): the page says it.

        Start after end, a date missing, or days outside those a period may cover. Before, the
        list was just empty, as if nothing had been filed (breaker).
        """
        data = getattr(self.form, "cleaned_data", {}) or {}
        measure = data.get("measure")
        start, end = data.get("start"), data.get("end")
        if measure in m.NOW_COUNTS or self.period() is not None or (not measure and not start and not end):
            return ""
        if isinstance(start, date) and isinstance(end, date):
            if start > end:
                return _("开始日期晚于结束日期，请改正后再筛选。")
            return _("日期须在 2000 年至 2100 年之间，请改正后再筛选。")
        if "start" in self.form.errors or "end" in self.form.errors:  # 2026-02-30, or not a date at all
            return _("日期无效，请按“年-月-日”填写真实存在的日期，如 2026-02-28。")
        if not measure:
            return _("按提交日期筛选需要同时填写开始和结束日期；现在列出的是全部诉求。")
        return _("这个指标需要开始和结束日期，请填写后再筛选。")

    def filter_measure(self, qs, name, value):
        """Issues behind measure ``value`` for the period (now-measures need none)."""
        period = self.period()
        if value not in m.NOW_COUNTS and period is None:
            return qs.none()
        return qs.filter(m.issue_filter(value, period, self.now))

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()


def ledger_queryset(user, params, now: datetime | None = None) -> tuple[Issue, LedgerFilter]:
    """``(queryset, filterset)`` of the issues ``user`` may see, filtered by ``params`` (a QueryDict or dict)."""
    f = LedgerFilter(params, queryset=visible_issues(user), now=now)
    return f.qs, f


def annotate(qs):
    """The ledger's rows with their joined columns: units, category and district (one join each)."""
    return qs.select_related("category", "district", "lead_unit")


def attach_extras(issues: list[Issue]) -> list[Issue]:
    """Set ``plan_due`` and ``rating`` on each issue of the list; returns the list.

    ``plan_due``: the target date of its latest approved rectification plan
    (None without one). ``rating``: the satisfaction of its latest counted
    rating (reporter or agent, not excluded on appeal; None when unrated),
    the same rule as ``issues.measures``. Two queries for the whole list,
    whatever its length (instead of two correlated subqueries per row).
    """
    from .choices import RaterKind
    from .models import Rating

    ids = [i.pk for i in issues]
    plans: dict = {}
    ratings: dict = {}
    if ids:
        for issue_id, due in (RectificationPlan.objects.filter(issue_id__in=ids, decision=Decision.APPROVED)
                              .order_by("issue_id", "decided_at").values_list("issue_id", "target_due")):
            plans[issue_id] = due  # the latest approved plan wins
        for issue_id, satisfaction in (Rating.objects.filter(issue_id__in=ids,
                                                             rater_kind__in=[RaterKind.REPORTER, RaterKind.AGENT],
                                                             excluded=False)
                                       .order_by("issue_id", "created_at", "id")
                                       .values_list("issue_id", "satisfaction")):
            ratings[issue_id] = satisfaction  # the latest rating wins
    for issue in issues:
        issue.plan_due = plans.get(issue.pk)
        issue.rating = ratings.get(issue.pk)
    return issues


def in_batches(qs, size: int = 2000):
    """Yield the ``annotate``-d issues of ``qs`` in lists of ``size`` with ``attach_extras`` applied.

    Reads with a server-side cursor (``iterator``), so memory stays at one batch.
    """
    batch: list[Issue] = []
    for issue in qs.iterator(chunk_size=size):
        batch.append(issue)
        if len(batch) == size:
            yield attach_extras(batch)
            batch = []
    if batch:
        yield attach_extras(batch)


def page(qs, cursor: str | None, size: int = PAGE_SIZE):
    """One page by (filed_at, id) descending after ``cursor``; returns ``(rows, next_cursor or None)``.

    A malformed cursor starts from the top, and so does one without a UTC offset (the cursors this
    writes always have one; a forged naive one logged a RuntimeWarning each time). No OFFSET, no COUNT.
    """
    qs = qs.order_by("-filed_at", "-id")
    if cursor:
        try:
            raw_t, raw_id = cursor.rsplit("_", 1)
            t = datetime.fromisoformat(raw_t)
            if timezone.is_naive(t):
                raise ValueError("a cursor has a UTC offset")
            qs = qs.filter(Q(filed_at__lt=t) | Q(filed_at=t, id__lt=int(raw_id)))
        except (ValueError, TypeError, OverflowError):
            pass
    items = list(qs[: size + 1])
    nxt = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        nxt = f"{last.filed_at.isoformat()}_{last.pk}"
    return items, nxt


def deadline_in_force(issue: Issue):
    """The deadline the issue is working against now (None when not open or awaiting others)."""
    if issue.status == Status.NEW:
        return issue.dispatch_due
    if issue.status == Status.ASSIGNED:
        return min(issue.response_due, issue.resolution_due)
    if issue.status in WORKING_STATUSES:
        return issue.resolution_due
    return None


def overdue_days(issue: Issue, now: datetime) -> int:
    """Whole days (rounded up) an open issue is past its deadline in force; 0 otherwise."""
    due = deadline_in_force(issue)
    if issue.status not in OPEN_STATUSES or due is None or due >= now:
        return 0
    return max(1, math.ceil((now - due).total_seconds() / 86400))


def _local(tz, dt) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M") if dt else ""


# The columns ``row`` reads: an export loads only these (no JSON fields to decode).
EXPORT_FIELDS = (
    "tracking_code", "filed_at", "utility", "category__name", "category__name_en", "district__name", "district__name_en",
    "community", "building", "unit_no",
    "room", "description", "reporter_name", "reporter_phone", "lead_unit__name", "status", "dispatch_due",
    "response_due", "resolution_due", "resolution_extended", "deadlines_provisional", "first_assigned_at",
    "first_claimed_at", "resolved_at", "closed_at", "supervision_level", "escalation_level", "rework_count",
)

# (header, is user text) of each export column, in order.
COLUMNS = [
    (_("受理编号"), False), (_("提交时间"), False), (_("行业"), False), (_("类别"), False), (_("县区"), False),
    (_("小区及门牌"), True), (_("问题描述"), True), (_("报告人"), True), (_("联系电话"), False),
    (_("牵头单位"), False), (_("状态"), False), (_("分派时限"), False), (_("响应时限"), False),
    (_("办结时限"), False), (_("时限标记"), False), (_("首次交办"), False), (_("首次认领"), False),
    (_("办结时间"), False), (_("销号时间"), False), (_("超时天数"), False), (_("督办"), False),
    (_("升级级别"), False), (_("整改计划时限"), False), (_("评价"), False), (_("重办次数"), False),
]
TEXT_COLUMNS = {i for i, (_h, text) in enumerate(COLUMNS) if text}


def marks(issue: Issue) -> str:
    """"延期" when the resolution deadline was extended (extension or plan), "待定" when provisional."""
    out = []
    if issue.resolution_extended:
        out.append(str(_("延期")))
    if issue.deadlines_provisional:
        out.append(str(_("待定")))
    return "、".join(out)


def labels() -> dict:
    """The export's display texts in the active language, looked up once per file (not per cell).

    ``{"utility"|"status"|"supervision"|"satisfaction": {value: label}, "tz": the time zone of the dates}``.
    """
    from .choices import Satisfaction

    texts: dict = {name: {value: str(label) for value, label in choices.choices}
                   for name, choices in (("utility", Utility), ("status", Status),
                                         ("supervision", SupervisionLevel), ("satisfaction", Satisfaction))}
    texts["tz"] = timezone.get_current_timezone()
    return texts


def row(issue: Issue, now: datetime, texts: dict | None = None) -> list:
    """One export row (see COLUMNS) of an issue with ``attach_extras`` applied; the phone masked.

    ``texts``: ``labels()``, passed in by the writers so that a 100k-row file
    translates each label once.
    """
    texts = texts or labels()
    rating = getattr(issue, "rating", None)
    tz = texts["tz"]
    return [
        issue.tracking_code, _local(tz, issue.filed_at), texts["utility"].get(issue.utility, issue.utility),
        issue.category.shown_name, issue.district.shown_name, issue.address, issue.description, issue.reporter_name,
        mask_phone(issue.reporter_phone), issue.lead_unit.name if issue.lead_unit_id else "",
        texts["status"].get(issue.status, issue.status),
        _local(tz, issue.dispatch_due), _local(tz, issue.response_due), _local(tz, issue.resolution_due), marks(issue),
        _local(tz, issue.first_assigned_at), _local(tz, issue.first_claimed_at), _local(tz, issue.resolved_at),
        _local(tz, issue.closed_at), overdue_days(issue, now),
        texts["supervision"].get(issue.supervision_level, "") if issue.supervision_level else "",
        issue.escalation_level, _local(tz, getattr(issue, "plan_due", None)),
        texts["satisfaction"].get(rating, "") if rating else "", issue.rework_count,
    ]


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell as text; one starting with = + - @ tab or CR gets a leading apostrophe (no formula)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def write_csv(fh, issues, now: datetime, progress=None) -> int:
    """Write the header and rows to text file ``fh`` (open with encoding "utf-8-sig" for the BOM); returns rows."""
    w = csv.writer(fh)
    w.writerow([str(h) for h, _t in COLUMNS])
    texts = labels()
    n = 0
    for issue in issues:
        w.writerow([csv_cell(v) for v in row(issue, now, texts)])
        n += 1
        if progress and n % 1000 == 0:
            progress(n)
    return n


def write_xlsx(path, issues, now: datetime, progress=None) -> int:
    """Write an .xlsx (openpyxl, write-only) to ``path``; every string cell is a text cell (data_type "s")."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(_("台账")))
    ws.append([str(h) for h, _t in COLUMNS])
    texts = labels()
    n = 0
    for issue in issues:
        values = row(issue, now, texts)
        for i, value in enumerate(values):
            if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                # A control character a worksheet cannot hold (a name typed into admin with one, say) failed
                # the whole export, every time it was asked for (breaker): it is left out of the cell.
                value = values[i] = ILLEGAL_CHARACTERS_RE.sub("", value)
            # openpyxl would read "=…" as a formula and "#N/A" as an error:
            # those stay text. Other strings are text already (data_type "s").
            if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                values[i] = cell
        ws.append(values)
        n += 1
        if progress and n % 1000 == 0:
            progress(n)
    wb.save(path)
    return n


EXPORT_QUEUED_AT_MOST = timedelta(minutes=30)
EXPORT_SILENT_AT_MOST = timedelta(minutes=3)
EXPORT_ATTEMPTS = 3
ACTIVE_EXPORTS_PER_USER = 2


def enqueue_export(export_id: int) -> bool:
    """Hand export ``export_id`` to the export worker (queue "exports"); False, with the export marked
    failed, when the broker cannot take it (Redis down): the page then says to ask again at once,
    instead of showing "排队中" until the sweep gives it up half an hour later."""
    import logging

    from .models import Export
    from .tasks import export_ledger

    try:
        export_ledger.delay(export_id)
    except Exception:
        logging.getLogger(__name__).exception("export %s could not be enqueued", export_id)
        Export.objects.filter(pk=export_id, state=Export.State.PENDING).update(
            state=Export.State.FAILED, finished_at=timezone.now(), error="任务队列暂时不可用，请稍后重新导出")
        return False
    return True


def recover_exports(now: datetime | None = None) -> dict[str, int]:
    """Give exports whose worker is gone another go, and fail those that cannot have one.

    An export's task is acknowledged when a worker takes it (a long export
    must not be handed to a second worker while the first still writes), so
    a worker killed mid-export leaves it "running" with nothing to finish
    it. The writer beats (``heartbeat_at``) every 1000 rows; one silent for
    EXPORT_SILENT_AT_MOST (3 minutes) is queued again, up to EXPORT_ATTEMPTS
    (3) beginnings in all, then failed. One queued for EXPORT_QUEUED_AT_MOST
    (30 minutes, counted from when it was asked for or queued again) while no
    export was written or finished in those 30 minutes lost its message (a
    broker restarted without persistence) and is failed; while others are
    being written or finish it is just waiting its turn. Failed ones say 导出失败，请重试 on the page; the reason
    is kept in ``error``. Called by the sweep task every minute. Returns
    ``{"requeued": n, "failed": n}``. ``now``: aware datetime (default: now).
    """
    from django.db.models import Max
    from django.db.models.functions import Coalesce

    from .models import Export

    now = now or timezone.now()
    silent = Export.objects.filter(state=Export.State.RUNNING).annotate(
        beat=Coalesce("heartbeat_at", "started_at", "created_at")).filter(beat__lt=now - EXPORT_SILENT_AT_MOST)
    failed = silent.filter(attempts__gte=EXPORT_ATTEMPTS).update(
        state=Export.State.FAILED, finished_at=now, error="导出多次中断（处理进程重启），请缩小范围后重新导出")
    requeued = 0
    for export_id in silent.filter(attempts__lt=EXPORT_ATTEMPTS).values_list("pk", flat=True):
        if Export.objects.filter(pk=export_id, state=Export.State.RUNNING).update(
                state=Export.State.PENDING, heartbeat_at=now):
            requeued += enqueue_export(export_id)
    # The export worker's last sign of life: a row written, or an export finished (one finishing frees it
    # for the next in the queue, which must not be failed for having waited behind it).
    last = Export.objects.exclude(state=Export.State.PENDING).aggregate(
        beat=Max("heartbeat_at"), done=Max("finished_at"))
    active = max([t for t in (last["beat"], last["done"]) if t is not None], default=None)
    if active is None or active < now - EXPORT_QUEUED_AT_MOST:
        failed += Export.objects.filter(state=Export.State.PENDING).annotate(
            queued=Coalesce("heartbeat_at", "created_at")).filter(queued__lt=now - EXPORT_QUEUED_AT_MOST).update(
            state=Export.State.FAILED, finished_at=now, error="导出中断（处理进程重启或消息丢失），请重新导出")
    return {"requeued": requeued, "failed": failed}


def export_dir():
    """Where export files and the files being written live: MEDIA_ROOT/exports (a Path, made if missing)."""
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "exports"
    (folder / "partial").mkdir(parents=True, exist_ok=True)
    return folder


def remove_stale_export_files(now: datetime | None = None) -> dict[str, int]:
    """Delete export files past their time (beat, daily): ``{"expired": n, "partial": n}``.

    A finished export's file is deleted ZY_EXPORT_KEEP_DAYS (default 7) days
    after it was made, so residents' details do not outlive the retention
    period in old files; its row stays, marked expired (the audit record:
    who exported what, when). A file half written by a worker that was
    killed (exports/partial/, never served) is deleted a day after it was
    last written.
    """
    import os
    import time as _time

    from django.conf import settings

    from .models import Export

    now = now or timezone.now()
    expired = 0
    old = Export.objects.filter(state=Export.State.DONE,
                                finished_at__lt=now - timedelta(days=settings.ZY_EXPORT_KEEP_DAYS))
    for export in old.iterator():
        if export.file:
            folder = os.path.dirname(export.file.path)
            export.file.delete(save=False)
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)  # exports/<id>/ held only this file
        expired += Export.objects.filter(pk=export.pk, state=Export.State.DONE).update(
            state=Export.State.EXPIRED, file="")
    partial = 0
    for path in (export_dir() / "partial").iterdir():
        if path.is_file() and path.stat().st_mtime < _time.time() - 86400:
            path.unlink(missing_ok=True)
            partial += 1
    return {"expired": expired, "partial": partial}


def run_export(export_id: int, now: datetime | None = None) -> int:
    """Write export ``export_id``'s file, updating its progress; returns rows written.

    Re-reads the requester's scope and the saved filters, so a repeated
    message rewrites the same file. A finished export is left as is. The
    file's headings and labels are in the language of the page it was asked
    from (``Export.language``; Chinese when none was recorded).
    Failures mark the export failed (with the error) and re-raise.
    """
    from django.conf import settings
    from django.utils import translation

    from .models import Export

    export = Export.objects.select_related("requested_by").get(pk=export_id)
    if export.state == Export.State.DONE:
        return export.progress
    with translation.override(export.language or settings.LANGUAGE_CODE):  # the requester's page language
        return _write_export(export, now)


def _write_export(export, now: datetime | None) -> int:
    # run_export's work, in the language it chose. Returns rows written.
    import logging
    import os
    import tempfile

    from django.core.files import File

    from .models import Export

    log = logging.getLogger(__name__)
    now = now or timezone.now()
    try:
        qs, _f = ledger_queryset(export.requested_by, export.filters, now=now)
        qs = annotate(qs).only(*EXPORT_FIELDS).order_by("-filed_at", "-id")
        total = qs.count()
    except Exception as exc:
        Export.objects.filter(pk=export.pk).update(state=Export.State.FAILED, error=str(exc)[:500])
        log.exception("export %s failed", export.pk)
        raise
    began = timezone.now()
    Export.objects.filter(pk=export.pk).update(state=Export.State.RUNNING, total=total, progress=0, started_at=began,
                                              heartbeat_at=began, attempts=F("attempts") + 1, error="")

    def progress(n):
        Export.objects.filter(pk=export.pk).update(progress=n, heartbeat_at=timezone.now())

    suffix = f".{export.format}"
    # Written beside the finished files, not in /tmp: a worker killed mid-export leaves its half-written
    # file (residents' details) where remove_stale_export_files deletes it (breaker).
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=export_dir() / "partial")
    os.close(fd)
    try:
        issues = (issue for batch in in_batches(qs) for issue in batch)
        if export.format == Export.Format.CSV:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                n = write_csv(fh, issues, now, progress)
        else:
            # openpyxl streams the sheet through a temporary file of its own: there too, not in /tmp.
            kept, tempfile.tempdir = tempfile.tempdir, str(export_dir() / "partial")
            try:
                n = write_xlsx(tmp, issues, now, progress)
            finally:
                tempfile.tempdir = kept
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        with open(tmp, "rb") as fh:
            export.file.save(f"ledger-{stamp}{suffix}", File(fh), save=False)
        Export.objects.filter(pk=export.pk).update(file=export.file.name, state=Export.State.DONE, progress=n,
                                                  total=max(total, n), finished_at=timezone.now())
        log.info("export %s done: user=%s rows=%s format=%s filters=%s", export.pk, export.requested_by_id, n,
                 export.format, export.filters)
        return n
    except Exception as exc:
        Export.objects.filter(pk=export.pk).update(state=Export.State.FAILED, error=str(exc)[:500])
        log.exception("export %s failed", export.pk)
        raise
    finally:
        os.unlink(tmp)
