"""The benchmark floor: a minimal Django view doing one INSERT (bench/submit.py).

Served only when the environment variable ZY_BENCH_FLOOR=1 is set (see
zhangye_utilities/urls.py); never in production.
"""

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def floor(request):
    """POST /bench/floor/: insert one row into ``bench_floor``; answers 201 "ok"."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_floor (payload) VALUES (%s)", [request.POST.get("payload", "")[:200]])
    return HttpResponse("ok", status=201)
