"""Celery application: the broker comes from settings (Redis or filesystem://).

The beat schedule lives here, in code, so that exactly what runs is reviewed
with the code. Tasks are in ``issues/tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangye_utilities.settings")

app = Celery("zhangye_utilities")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "deadline-sweep": {"task": "issues.tasks.sweep", "schedule": 60.0},
}
