"""Celery application: the broker comes from settings (Redis or filesystem://).

The beat schedule lives here, in code, so that exactly what runs is reviewed
with the code. Tasks are in ``issues/tasks.py``.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangye_utilities.settings")

app = Celery("zhangye_utilities")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Reminders, escalation and close-out; also delivers what it wrote.
    "deadline-sweep": {"task": "issues.tasks.sweep", "schedule": 60.0},
    # Safety net for a lost "kick" after a commit (broker outage).
    "send-notifications": {"task": "issues.tasks.send_notifications", "schedule": 60.0},
    # The mayor's office's daily digest, 08:00 Asia/Shanghai (CELERY_TIMEZONE).
    "daily-digest": {"task": "issues.tasks.daily_digest", "schedule": crontab(hour=8, minute=0)},
    # The dashboard's daily rollups (issues.measures.refresh); views refresh too.
    "refresh-rollups": {"task": "issues.tasks.refresh_rollups", "schedule": 60.0},
    # PIPL: erase personal fields of issues closed past ZY_RETENTION_DAYS.
    "deidentify-closed": {"task": "issues.tasks.deidentify", "schedule": crontab(hour=3, minute=10)},
    # Photo files a killed process wrote without committing their rows (issues.photos.remove_orphans).
    "remove-orphan-photos": {"task": "issues.tasks.remove_orphan_photos", "schedule": crontab(hour=3, minute=40)},
    # Export files past ZY_EXPORT_KEEP_DAYS, and half-written ones a killed worker left.
    "remove-stale-exports": {"task": "issues.tasks.remove_stale_exports", "schedule": crontab(hour=3, minute=50)},
    "rebuild-recent-rollups": {"task": "issues.tasks.rebuild_recent_rollups",
                               "schedule": crontab(hour=2, minute=30)},
}
