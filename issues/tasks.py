"""Celery tasks: thin wrappers that load by id / call the domain and return.

Truth lives in the database: each task re-derives what is due, so a lost or
repeated message loses or repeats nothing. No task is scheduled with an ETA
or countdown (nothing waits in the broker).
"""

from celery import shared_task
from django.utils import timezone

from . import digest, ledger, notifications, sweep as sweep_module


@shared_task(name="issues.tasks.sweep")
def sweep() -> int:
    """The deadline sweep (beat, every minute); then deliver what it wrote, and fail abandoned exports.

    Returns issues processed.
    """
    processed = sweep_module.run()
    notifications.deliver_pending()
    ledger.fail_abandoned_exports()
    return processed


@shared_task(name="issues.tasks.send_notifications")
def send_notifications() -> dict:
    """Deliver due outbox rows (kicked after commits, and by beat every minute)."""
    return notifications.deliver_pending()


@shared_task(name="issues.tasks.daily_digest")
def daily_digest() -> int:
    """The mayor's office's daily digest of level-2 escalated issues (beat, 08:00)."""
    return digest.write_daily_digest(timezone.now())


@shared_task(name="issues.tasks.export_ledger")
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
