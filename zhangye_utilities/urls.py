"""URL map. Pages and the API are added by their own modules."""

from django.contrib import admin
from django.urls import include, path

from issues.views.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    # Resident pages: /, /report/, /track/, /rate/<token>/, /attachments/<id>/.
    path("", include("issues.resident_urls")),
]
