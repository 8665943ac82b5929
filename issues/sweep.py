"""The deadline sweep: reminders, escalation and close-out, found in the database.

Run every minute by Celery beat (``issues.tasks.sweep``); safe to run twice at
once or back to back. Rules from DESIGN.md, "Reminders and escalation":

- windows by status: ``new`` → the dispatch window (filing → dispatch_due),
  reminding the dispatchers; ``assigned`` → the response window (filing →
  response_due) and the resolution window; ``in_progress``/``planned`` → the
  resolution window (its start → resolution_due); both remind the lead
  unit's staff. Each window is measured in its own clock (working time for
  working-time rules).
- stages at 50 %, 80 % and 100 % (the breach: the due itself, never the office
  close before it; ``WorkCalendar.window_point``) of each window. When several
  stages of one window are due at once, only the latest is sent; the others
  are written as ``skipped`` rows, so none is ever sent late.
- at a breach the issue escalates to level 1 (its supervisors are told);
  past twice the window, to level 2 (the mayor's office).
- ``awaiting_rating`` closes out (销号) when the revisit window passes, unless
  marked for the supervisor's decision.

How it finds work: one indexed query over the partial index
``issue_next_due_open`` (open issues with next_due_at ≤ now), claimed with
``SELECT … FOR UPDATE SKIP LOCKED`` so a second sweep skips rows the first
holds; every outbox row carries its dedupe key, so even a repeated run writes
nothing twice. Each issue's ``next_due_at`` is then moved to its next stage.
An issue that raises is logged and pushed 5 minutes forward; the sweep
carries on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import deadlines as dl
from . import notifications
from .choices import OPEN_STATUSES, Status
from .models import Heartbeat, Issue, Notification
from .notifications import Message
from .workflow import issue_close_out, issue_escalate

log = logging.getLogger(__name__)

STAGES = ((0.5, "50"), (0.8, "80"), (1.0, "breach"))
ERROR_BACKOFF = timedelta(minutes=5)
BATCH = 500

WINDOW_LABEL = {"dispatch": "分派", "response": "响应", "resolution": "办结"}
STAGE_LABEL = {"50": "已过半", "80": "已过80%", "breach": "已超时"}


@dataclass(frozen=True)
class Window:
    """One running clock of an issue: its name, start, deadline and clock unit."""

    name: str
    start: datetime
    due: datetime
    unit: str

    @property
    def reference(self) -> str:
        """The deadline this window's rows refer to (a new deadline → new reminders)."""
        return f"{self.name}:{timezone.localtime(self.due).isoformat()}"


class SweepContext:
    """Per-run caches and the outbox rows collected for one bulk insert."""

    def __init__(self, now: datetime, calendar: dl.WorkCalendar, issue_ids: list[int]):
        self.now = now
        self.calendar = calendar
        self.messages: list[tuple[int, Message]] = []
        self._rules: dict[str, dict] = {}
        self._staff: dict[object, list] = {}
        self.sent: set[tuple[int, str, str]] = set(
            Notification.objects.filter(issue_id__in=issue_ids, kind__startswith="reminder.")
            .values_list("issue_id", "kind", "reference")
        )

    def rules(self, priority: str) -> dict:
        if priority not in self._rules:
            self._rules[priority] = dl.rule_windows(priority)
        return self._rules[priority]

    def recipients(self, issue: Issue, window: "Window") -> list:
        key = "dispatch" if window.name == "dispatch" else issue.lead_unit_id
        if key not in self._staff:
            users = notifications.dispatchers() if key == "dispatch" else notifications.unit_staff(key)
            self._staff[key] = list(users)
        return self._staff[key]


def windows_of(issue: Issue, rules: dict | None = None) -> list[Window]:
    """The windows running for ``issue`` in its current status."""
    rules = rules or dl.rule_windows(issue.priority)
    resolution = Window("resolution", issue.resolution_started_at, issue.resolution_due, rules["resolution"][1])
    if issue.status == Status.NEW:
        return [Window("dispatch", issue.filed_at, issue.dispatch_due, rules["dispatch"][1])]
    if issue.status == Status.ASSIGNED:
        return [Window("response", issue.filed_at, issue.response_due, rules["response"][1]), resolution]
    if issue.status in (Status.IN_PROGRESS, Status.PLANNED):
        return [resolution]
    return []


def process(issue: Issue, ctx: SweepContext) -> datetime | None:
    """Do what is due for one (locked) issue; return its next due time or None.

    Reminder rows are collected in ``ctx.messages``; escalation and close-out
    go through the workflow at once.
    """
    now, calendar = ctx.now, ctx.calendar
    if issue.status == Status.AWAITING_RATING:
        if issue.needs_decision or issue.awaiting_rating_since is None:
            return None
        closes_at = issue.awaiting_rating_since + timedelta(days=settings.ZY_REVISIT_WINDOW_DAYS)
        if closes_at > now:
            return closes_at
        issue_close_out(issue=issue.pk, now=now)
        return None

    upcoming: list[datetime] = []
    for window in windows_of(issue, ctx.rules(issue.priority)):
        points = [(calendar.window_point(window.start, window.due, window.unit, f), stage) for f, stage in STAGES]
        fresh = [(at, stage) for at, stage in points
                 if at <= now and (issue.pk, f"reminder.{window.name}.{stage}", window.reference) not in ctx.sent]
        if fresh:
            latest = fresh[-1][1]
            users = ctx.recipients(issue, window)
            for at, stage in fresh:
                kind = f"reminder.{window.name}.{stage}"
                body = (f"{notifications.SIGNATURE}诉求{issue.tracking_code}（{issue.category.name}）"
                        f"{WINDOW_LABEL[window.name]}时限{STAGE_LABEL[stage]}，时限："
                        f"{timezone.localtime(window.due):%m月%d日%H:%M}。")
                state = Notification.State.PENDING if stage == latest else Notification.State.SKIPPED
                msgs = notifications.staff_messages(users, kind, window.reference, body)
                if not msgs:  # nobody to tell: still record the stage as done
                    msgs = [Message(kind, window.reference, "-", body)]
                ctx.messages += [(issue.pk, Message(m.kind, m.reference, m.recipient, m.body, m.channel, m.subject,
                                                    state)) for m in msgs]
                ctx.sent.add((issue.pk, kind, window.reference))
        breach_at = points[-1][0]
        twice_at = calendar.window_point(window.start, window.due, window.unit, 2.0)
        if breach_at <= now and issue.escalation_level < 1:
            issue = _refresh(issue, issue_escalate(
                issue=issue.pk, level=1, now=now,
                reason=f"{WINDOW_LABEL[window.name]}超时（时限 {timezone.localtime(window.due):%m-%d %H:%M}）"))
        if twice_at <= now and issue.escalation_level < 2:
            issue = _refresh(issue, issue_escalate(issue=issue.pk, level=2, now=now,
                                                   reason=f"{WINDOW_LABEL[window.name]}超时超过一倍时限"))
        upcoming += [at for at, _ in points if at > now]
        if issue.escalation_level < 2 and twice_at > now:
            upcoming.append(twice_at)
    return min(upcoming, default=None)


def _refresh(old: Issue, new: Issue) -> Issue:
    # Keep the select_related objects of the sweep's copy.
    new.category, new.district = old.category, old.district
    return new


def find_due(now: datetime, limit: int = BATCH):
    """Ids of open issues due at ``now``, locked FOR UPDATE SKIP LOCKED (PostgreSQL).

    Reads the partial index ``issue_next_due_open``. Call inside a transaction.
    """
    return list(
        Issue.objects.filter(status__in=OPEN_STATUSES, next_due_at__isnull=False, next_due_at__lte=now)
        .order_by("next_due_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )


def run(now: datetime | None = None, limit: int = BATCH) -> int:
    """One sweep: process every due issue (up to ``limit``); record the heartbeat.

    Reads the due issues and their recorded reminder keys in two queries,
    writes all reminder rows in one insert and all next due times in one
    update. Returns the number of issues processed.
    """
    started = time.monotonic()
    now = now or timezone.now()
    calendar = dl.WorkCalendar.load()
    with transaction.atomic():
        ids = find_due(now, limit)
        ctx = SweepContext(now, calendar, ids)
        issues = Issue.objects.select_related("category", "district").in_bulk(ids)
        updates = []
        for issue_id in ids:
            issue = issues[issue_id]
            try:
                issue.next_due_at = process(issue, ctx)
            except Exception:
                log.exception("sweep: issue %s failed; retrying in 5 minutes", issue_id)
                issue.next_due_at = now + ERROR_BACKOFF
            updates.append(issue)
        by_issue: dict[int, list[Message]] = {}
        for issue_id, message in ctx.messages:
            by_issue.setdefault(issue_id, []).append(message)
        notifications.write_many(by_issue, now=now)
        Issue.objects.bulk_update(updates, ["next_due_at"], batch_size=500)
    Heartbeat.objects.update_or_create(
        name="sweep",
        defaults={"last_run_at": timezone.now(), "last_duration_ms": int((time.monotonic() - started) * 1000),
                  "last_processed": len(ids)},
    )
    return len(ids)
