"""URL map. Pages and the API are added by their own modules.

Resident pages come first: they take most of the traffic, and Django tries
the patterns in order (no two modules share a path, so order changes nothing else).
"""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from issues.views.health import healthz


class _Favicon(RedirectView):
    """GET /favicon.ico → 301 to the site's icon (static img/favicon.svg): browsers ask for it on
    pages that name no icon (the admin's), and each miss was a 404 in the log."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


urlpatterns = [
    # Resident pages: /, /report/, /track/, /rate/<token>/, /attachments/<id>/.
    path("", include("issues.resident_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", require_safe(cache_control(max_age=86400)(_Favicon.as_view()))),
    # REST API /api/v1/, /api/schema/, /api/docs/ and Open311 /open311/v2/.
    path("", include("issues.api.urls")),
    # Staff login/logout (/accounts/) and workbenches (/work/).
    path("accounts/", include("accounts.urls")),
    path("work/", include("issues.staff_urls")),
    # The mayor's dashboard (/dashboard/), the ledger (/ledger/) and its exports.
    path("", include("issues.dashboard_urls")),
]

# Error pages in the residents' words; the API and Open311 keep their own error shapes.
handler400 = "issues.views.errors.bad_request"
handler403 = "issues.views.errors.permission_denied"
handler404 = "issues.views.errors.page_not_found"
handler500 = "issues.views.errors.server_error"

# bench/submit.py's floor: a one-INSERT view, only when explicitly asked for
# (first, so that it is as cheap to reach as any page can be).
import os  # noqa: E402

if os.environ.get("ZY_BENCH_FLOOR") == "1":
    from bench.floor import floor  # noqa: E402

    urlpatterns.insert(0, path("bench/floor/", floor))
