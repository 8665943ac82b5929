"""The site's icon: named by every page, and at /favicon.ico for pages that name none (the admin's)."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_icon(client):
    # Each admin page view logged "Not Found: /favicon.ico" (README trial).
    r = client.get("/favicon.ico")
    assert (r.status_code, r["Location"]) == (301, "/static/img/favicon.svg")
    assert "max-age=86400" in r["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 301
    assert client.post("/favicon.ico").status_code == 405


def test_pages_name_the_icon(client, world):
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in client.get("/").content.decode()


def test_the_icon_is_a_vendored_svg():
    from django.contrib.staticfiles import finders

    path = finders.find("img/favicon.svg")
    assert path and open(path, encoding="utf-8").read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
