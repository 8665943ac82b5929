"""De-identification of closed issues after the retention period (DESIGN.md, Privacy).

``settings.ZY_RETENTION_DAYS`` (default 730) after an issue reaches a
terminal status, its personal fields are erased through
``workflow.issue_deidentify``. Run daily by beat (``issues.tasks.deidentify``)
and by hand with ``manage.py deidentify_closed``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .choices import TERMINAL_STATUSES
from .models import Issue, Notification
from .workflow import ERASED, WorkflowError, issue_deidentify

log = logging.getLogger(__name__)


def due_for_deidentification(now):
    """Ids of terminal issues closed at least ZY_RETENTION_DAYS ago that still hold a phone, or an outbox
    row whose text is not yet erased (issues de-identified before messages were)."""
    cutoff = now - timedelta(days=settings.ZY_RETENTION_DAYS)
    unerased = Notification.objects.filter(issue=OuterRef("pk")).exclude(body=ERASED)
    return (Issue.objects.filter(status__in=TERMINAL_STATUSES, closed_at__lte=cutoff)
            .filter(~Q(reporter_phone="") | Exists(unerased)).order_by("id").values_list("id", flat=True))


def deidentify_closed(now=None, limit: int = 5000, progress=None) -> int:
    """Erase personal fields of up to ``limit`` due issues; returns how many were erased.

    ``progress`` is an optional callable taking the number done so far.
    """
    now = now or timezone.now()
    done = 0
    for issue_id in list(due_for_deidentification(now)[:limit]):
        try:
            issue_deidentify(issue=issue_id, now=now)
        except WorkflowError as exc:  # reopened or changed meanwhile
            log.info("issue %s not de-identified: %s", issue_id, exc.message)
            continue
        done += 1
        if progress:
            progress(done)
    return done
