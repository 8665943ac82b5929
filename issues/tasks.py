"""Celery tasks: thin wrappers that load by id / call the domain and return.

Truth lives in the database: each task re-derives what is due, so a lost or
repeated message loses or repeats nothing. No task is scheduled with an ETA
or countdown (nothing waits in the broker).
"""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import digest, ledger, notifications, sweep as sweep_module


@shared_task(name="issues.tasks.sweep")
def sweep() -> int:
    """The deadline sweep (beat, every minute); then deliver what it wrote, and recover exports whose worker
    is gone (``ledger.recover_exports``).

    Returns issues processed.
    """
    processed = sweep_module.run()
    notifications.deliver_pending()
    ledger.recover_exports()
    return processed


@shared_task(name="issues.tasks.send_notifications")
def send_notifications() -> dict:
    """Deliver due outbox rows (kicked after commits, and by beat every minute)."""
    return notifications.deliver_pending()


@shared_task(name="issues.tasks.daily_digest")
def daily_digest() -> int:
    """The mayor's office's daily digest of level-2 escalated issues (beat, 08:00)."""
    return digest.write_daily_digest(timezone.now())


# Exports run on their own queue ("exports", CELERY_TASK_ROUTES), served by their own worker: a long one
# never holds up the sweep and the SMS. Acknowledged on receipt (a long export must not be redelivered
# to a second worker after the broker's visibility timeout); a killed one is queued again by
# ledger.recover_exports. Its time limit is ZY_EXPORT_SECONDS, not the other tasks' 180 s.
@shared_task(name="issues.tasks.export_ledger", acks_late=False, soft_time_limit=settings.ZY_EXPORT_SECONDS,
             time_limit=settings.ZY_EXPORT_SECONDS + 60)
def export_ledger(export_id: int) -> int:
    """Write one ledger export (.xlsx/.csv) with progress on its Export row. Returns rows written."""
    from . import ledger

    return ledger.run_export(export_id)


@shared_task(name="issues.tasks.refresh_rollups")
def refresh_rollups() -> dict:
    """Keep the measures' daily rollups current (beat, every minute). Returns days and rows written."""
    from . import measures

    return measures.refresh()


@shared_task(name="issues.tasks.rebuild_recent_rollups")
def rebuild_recent_rollups() -> int:
    """Nightly safety net: recompute the last seven days' rollups (beat, 02:30). Returns rows written."""
    from . import measures

    return measures.rebuild_recent(7)



@shared_task(name="issues.tasks.deidentify")
def deidentify() -> int:
    """Erase personal fields of issues past the retention period (beat, daily 03:10)."""
    from .retention import deidentify_closed

    return deidentify_closed()


@shared_task(name="issues.tasks.remove_orphan_photos")
def remove_orphan_photos() -> int:
    """Delete photo files left without their row by a killed process (beat, daily 03:40); returns how many."""
    from .photos import remove_orphans

    return remove_orphans()


@shared_task(name="issues.tasks.remove_stale_exports")
def remove_stale_exports() -> dict:
    """Delete export files past ZY_EXPORT_KEEP_DAYS and half-written ones (beat, daily 03:50)."""
    return ledger.remove_stale_export_files()
