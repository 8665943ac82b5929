"""URLs of the dashboard, the ledger and its exports (namespace ``dashboard``), at the site root."""

from django.urls import path

from .views import dashboard as views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/topic/", views.topic_set, name="topic_set"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.export_start, name="export_start"),
    path("ledger/exports/<int:pk>/", views.export_status, name="export_status"),
    path("ledger/exports/<int:pk>/download/", views.export_download, name="export_download"),
]
