"""URLs of the resident pages (namespace ``resident``), included at the site root."""

from django.urls import path

from .views import resident

app_name = "resident"

urlpatterns = [
    path("", resident.home, name="home"),
    path("report/", resident.report, name="report"),
    path("report/similar/", resident.similar, name="similar"),
    path("report/follow/<int:issue_id>/", resident.follow, name="follow"),
    path("report/done/<str:code>/", resident.report_done, name="report_done"),
    path("track/", resident.track, name="track"),
    path("track/resend/", resident.resend, name="resend"),
    path("track/t/<str:token>/", resident.track_link, name="track_link"),
    path("track/<str:code>/", resident.track_detail, name="track_detail"),
    path("rate/<str:token>/", resident.rate, name="rate"),
    path("stats/", resident.stats, name="stats"),
    path("attachments/<int:attachment_id>/", resident.attachment, name="attachment"),
]
