"""The deadline sweep: reminders, escalation and close-out, found in the database.

Run every minute by Celery beat (``issues.tasks.sweep``); safe to run twice at
once or back to back. Rules from DESIGN.md, "Reminders and escalation":

- windows by status: ``new`` → the dispatch window (filing → dispatch_due),
  reminding the dispatchers; ``assigned`` → the response window (filing →
  response_due) and the resolution window; ``in_progress``/``planned`` → the
  resolution window (its start → resolution_due); both remind the lead
  unit's staff. Each window is measured in its own clock (working time for
  working-time rules).
- stages at 50 %, 80 % and 100 % (the breach) of each window. When several
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
from .workflow import WorkflowError, issue_close_out, issue_escalate

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


def windows_of(issue: Issue) -> list[Window]:
    """The windows running for ``issue`` in its current status."""
    rules = dl.rule_windows(issue.priority)
    resolution = Window("resolution", issue.resolution_started_at, issue.resolution_due, rules["resolution"][1])
    if issue.status == Status.NEW:
        return [Window("dispatch", issue.filed_at, issue.dispatch_due, rules["dispatch"][1])]
    if issue.status == Status.ASSIGNED:
        return [Window("response", issue.filed_at, issue.response_due, rules["response"][1]), resolution]
    if issue.status in (Status.IN_PROGRESS, Status.PLANNED):
        return [resolution]
    return []


def _recipients(issue: Issue, window: Window):
    if window.name == "dispatch":
        return notifications.dispatchers()
    return notifications.unit_staff(issue.lead_unit_id)


def process(issue: Issue, now: datetime, calendar: dl.WorkCalendar) -> datetime | None:
    """Do what is due for one (locked) issue; return its next due time or None."""
    if issue.status == Status.AWAITING_RATING:
        if issue.needs_decision or issue.awaiting_rating_since is None:
            return None
        closes_at = issue.awaiting_rating_since + timedelta(days=settings.ZY_REVISIT_WINDOW_DAYS)
        if closes_at > now:
            return closes_at
        issue_close_out(issue=issue.pk, now=now)
        return None

    upcoming: list[datetime] = []
    sent = set(
        Notification.objects.filter(issue=issue, kind__startswith="reminder.").values_list("kind", "reference")
    )
    for window in windows_of(issue):
        points = [(calendar.window_point(window.start, window.due, window.unit, f), stage) for f, stage in STAGES]
        fresh = [(at, stage) for at, stage in points
                 if at <= now and (f"reminder.{window.name}.{stage}", window.reference) not in sent]
        if fresh:
            latest_at, latest = fresh[-1]
            users = list(_recipients(issue, window))
            msgs = []
            for at, stage in fresh:
                body = (f"{notifications.SIGNATURE}诉求{issue.tracking_code}（{issue.category.name}）"
                        f"{WINDOW_LABEL[window.name]}时限{STAGE_LABEL[stage]}，时限："
                        f"{timezone.localtime(window.due):%m月%d日%H:%M}。")
                state = Notification.State.PENDING if stage == latest else Notification.State.SKIPPED
                for m in notifications.staff_messages(users, f"reminder.{window.name}.{stage}", window.reference,
                                                      body):
                    msgs.append(Message(m.kind, m.reference, m.recipient, m.body, m.channel, m.subject, state))
                if not users:  # nobody to tell: still record the stage as done
                    msgs.append(Message(f"reminder.{window.name}.{stage}", window.reference, "-", body,
                                        Notification.Channel.SMS, "", Notification.State.SKIPPED))
            notifications.write(issue, msgs, now=now)
        breach_at = points[-1][0]
        twice_at = calendar.window_point(window.start, window.due, window.unit, 2.0)
        if breach_at <= now and issue.escalation_level < 1:
            issue = issue_escalate(issue=issue.pk, level=1, now=now,
                                   reason=f"{WINDOW_LABEL[window.name]}超时（时限 {timezone.localtime(window.due):%m-%d %H:%M}）")
        if twice_at <= now and issue.escalation_level < 2:
            issue = issue_escalate(issue=issue.pk, level=2, now=now,
                                   reason=f"{WINDOW_LABEL[window.name]}超时超过一倍时限")
        upcoming += [at for at, _ in points if at > now]
        if issue.escalation_level < 2 and twice_at > now:
            upcoming.append(twice_at)
    return min(upcoming, default=None)


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

    Returns the number of issues processed.
    """
    started = time.monotonic()
    now = now or timezone.now()
    calendar = dl.WorkCalendar.load()
    processed = 0
    with transaction.atomic():
        for issue_id in find_due(now, limit):
            try:
                with transaction.atomic():
                    issue = Issue.objects.select_related("category", "district").get(pk=issue_id)
                    next_due = process(issue, now, calendar)
                    Issue.objects.filter(pk=issue_id).update(next_due_at=next_due)
            except (WorkflowError, Exception):
                log.exception("sweep: issue %s failed; retrying in 5 minutes", issue_id)
                Issue.objects.filter(pk=issue_id).update(next_due_at=now + ERROR_BACKOFF)
            processed += 1
    Heartbeat.objects.update_or_create(
        name="sweep",
        defaults={"last_run_at": timezone.now(), "last_duration_ms": int((time.monotonic() - started) * 1000),
                  "last_processed": processed},
    )
    return processed
