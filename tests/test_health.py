"""/healthz: database, broker and the sweep's heartbeat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issues.models import Heartbeat


@pytest.mark.django_db
def test_never_swept_is_unhealthy(client):
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["sweep"] == "never" and r.json()["database"] == "ok"


@pytest.mark.django_db
def test_fresh_heartbeat_is_healthy(client):
    Heartbeat.objects.create(name="sweep", last_run_at=timezone.now() - timedelta(seconds=170))
    r = client.get("/healthz")
    assert r.status_code == 200, r.json()
    assert r.json()["broker"] == "ok" and r.json()["sweep"] == "ok"


@pytest.mark.django_db
def test_heartbeat_older_than_three_minutes_fails(client):
    Heartbeat.objects.create(name="sweep", last_run_at=timezone.now() - timedelta(seconds=181))
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["sweep"] == "late"
