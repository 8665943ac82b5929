"""Staff login page: Django's LoginView with the project's template and no caching."""

from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


@method_decorator(never_cache, name="dispatch")
class StaffLoginView(auth_views.LoginView):
    """GET/POST /accounts/login/: username + password; a logged-in user goes straight on.

    Wrong credentials re-render the form with one message (never saying
    which part was wrong); a locked username gets axes' lockout page (429).
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True
