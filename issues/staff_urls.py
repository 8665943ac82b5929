"""URLs of the staff workbenches (namespace ``staff``), included at /work/."""

from django.urls import path

from .views import staff

app_name = "staff"

urlpatterns = [
    path("", staff.home, name="home"),
    path("dispatch/", staff.dispatch, name="dispatch"),
    path("dispatch/assign/", staff.bulk_assign, name="bulk_assign"),
    path("queue/", staff.queue, name="queue"),
    path("supervise/", staff.supervise, name="supervise"),
    path("revisit/", staff.revisit, name="revisit"),
    path("find/", staff.find, name="find"),
    path("issues/<str:issue_id>/", staff.issue_page, name="issue"),
    path("issues/<str:issue_id>/<slug:action>/", staff.act, name="act"),
]
