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


def attempted_username(request, credentials: dict | None = None) -> str | None:
    """The username a login attempt names, as django-axes records it (AXES_USERNAME_CALLABLE).

    In: the request and the credentials passed to authenticate() (or None:
    then the POSTed ``username``). Out: that username cut to 150 characters
    (no account's is longer: User.username), or None when none was sent.
    axes' own column holds 255: a longer name typed into the login form was
    a 500 there.
    """
    name = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    return name[:150] if isinstance(name, str) else name
