"""Staff login and logout (Django's auth views, Chinese templates).

Login goes through django-axes (settings: five failures lock the username
for 30 minutes); logout is POST only and ends the server-side session.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import StaffLoginView

urlpatterns = [
    path("login/", StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
