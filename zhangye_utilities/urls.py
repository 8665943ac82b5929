"""URL map. Pages and the API are added by their own modules."""

from django.contrib import admin
from django.urls import include, path

from issues.views.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    # REST API /api/v1/, /api/schema/, /api/docs/ and Open311 /open311/v2/.
    path("", include("issues.api.urls")),
    # Staff login/logout (/accounts/) and workbenches (/work/).
    path("accounts/", include("accounts.urls")),
    path("work/", include("issues.staff_urls")),
    # The mayor's dashboard (/dashboard/), the ledger (/ledger/) and its exports.
    path("", include("issues.dashboard_urls")),
    # Resident pages: /, /report/, /track/, /rate/<token>/, /attachments/<id>/.
    path("", include("issues.resident_urls")),
]

# bench/submit.py's floor: a one-INSERT view, only when explicitly asked for.
import os  # noqa: E402

if os.environ.get("ZY_BENCH_FLOOR") == "1":
    from bench.floor import floor  # noqa: E402

    urlpatterns.append(path("bench/floor/", floor))
