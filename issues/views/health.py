"""Liveness for load balancers and monitoring: GET /healthz."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from issues.models import Heartbeat


def _check_broker() -> str:
    from zhangye_utilities.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_safe
def healthz(request):
    """Report database, broker and sweep age; 200 when all are fine, else 503.

    Response JSON: ``{"ok": bool, "database": "ok"|error, "broker": "ok"|error,
    "sweep_age_seconds": int|null, "sweep": "ok"|"late"|"never"}``. The sweep is
    late when its heartbeat is older than ``ZY_SWEEP_MAX_AGE_SECONDS`` (180).
    No personal data, no authentication.
    """
    body = {"ok": True}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        body["database"] = "ok"
    except Exception as exc:
        body.update(ok=False, database=type(exc).__name__)
    try:
        body["broker"] = _check_broker()
    except Exception as exc:
        body.update(ok=False, broker=type(exc).__name__)
    beat = Heartbeat.objects.filter(name="sweep").first() if body.get("database") == "ok" else None
    if beat is None:
        body.update(ok=False, sweep="never", sweep_age_seconds=None)
    else:
        age = int((timezone.now() - beat.last_run_at).total_seconds())
        late = age > settings.ZY_SWEEP_MAX_AGE_SECONDS
        body.update(sweep="late" if late else "ok", sweep_age_seconds=age,
                    sweep_last_processed=beat.last_processed)
        if late:
            body["ok"] = False
    return JsonResponse(body, status=200 if body["ok"] else 503)
