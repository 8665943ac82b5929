"""URLs of the REST API (/api/v1/), its schema and docs (/api/schema/, /api/docs/) and Open311 (/open311/v2/).

Included from zhangye_utilities/urls.py with ``path("", include("issues.api.urls"))``.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import open311, views

router = SimpleRouter()
router.register("issues", views.IssueViewSet, basename="issue")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("districts", views.DistrictViewSet, basename="district")
router.register("units", views.UnitViewSet, basename="unit")

FMT = r"\.(?P<fmt>json|xml)$"

open311_patterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.services, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, open311.requests, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, open311.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="open311-token"),
]

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/v1/measures/", views.MeasuresViewSet.as_view({"get": "read"}), name="measures"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("open311/v2/", include(open311_patterns)),
]
