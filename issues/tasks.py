"""Celery tasks: thin wrappers that load by id / call the domain and return.

Truth lives in the database: each task re-derives what is due, so a lost or
repeated message loses or repeats nothing. No task is scheduled with an ETA
or countdown (nothing waits in the broker).
"""

from celery import shared_task
from django.utils import timezone

from . import digest, notifications, sweep as sweep_module


@shared_task(name="issues.tasks.sweep")
def sweep() -> int:
    """The deadline sweep (beat, every minute); then deliver what it wrote. Returns issues processed."""
    processed = sweep_module.run()
    notifications.deliver_pending()
    return processed


@shared_task(name="issues.tasks.send_notifications")
def send_notifications() -> dict:
    """Deliver due outbox rows (kicked after commits, and by beat every minute)."""
    return notifications.deliver_pending()


@shared_task(name="issues.tasks.daily_digest")
def daily_digest() -> int:
    """The mayor's office's daily digest of level-2 escalated issues (beat, 08:00)."""
    return digest.write_daily_digest(timezone.now())
