"""The dashboard in Debian's headless Chromium: load, change the period, hover a card, drill down.

Screenshots go to ``screenshots/`` (dashboard-month.png, dashboard-custom.png,
dashboard-hover.png, ledger-drill.png). The map must draw Zhangye's six
districts from the vendored GeoJSON. Never downloads a browser.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings

from tests import measures_data
from tests.support.browser import DESKTOP, SHOTS, shot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("locmem_cache")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_dashboard_period_hover_and_drill_down(transactional_db, live_server, browser, world, client):
    measures_data.build(world)
    client.force_login(world.mayor)
    context = browser.new_context(**DESKTOP)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/?period=month")
    assert page.locator("h1").inner_text() == "城市生命线督查仪表盘"
    page.wait_for_selector("#district-map[data-districts]")
    assert page.locator("#district-map").get_attribute("data-districts") == "6"
    page.wait_for_selector("#district-map canvas")
    page.wait_for_selector("#trend-chart canvas")
    shot(page, "dashboard-month.png")

    # Change the period to the two hand-counted days.
    page.fill("input[name=start]", "2026-11-17")
    page.fill("input[name=end]", "2026-11-18")
    page.click("#period-custom")
    page.wait_for_url("**period=custom**")
    assert page.locator("#period-label").inner_text() == "2026-11-17 — 2026-11-18"
    received = page.locator('.card[data-key="received"] .value')
    assert received.inner_text() == "6"
    shot(page, "dashboard-custom.png")

    # Hover a card: its definition shows.
    card = page.locator('.card[data-key="rated_satisfied"]')
    card.hover()
    definition = card.locator(".definition")
    assert definition.is_visible() and "满意或基本满意" in definition.inner_text()
    page.screenshot(path=str(SHOTS / "dashboard-hover.png"))

    # Drill down: the ledger lists exactly the issues behind the number.
    received.click()
    page.wait_for_url("**/ledger/**")
    assert page.locator("tr.ledger-row").count() == 6
    assert "待分派" in page.content()
    shot(page, "ledger-drill.png")
    context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_and_ledger_fit_a_phone(transactional_db, live_server, browser, world, client, language):
    # At 360 px the period picker and the breakdown tables ran 130–500 px off the screen, and in English
    # the header pushed "Log out" and the language switch out of reach (breaker round 3).
    from tests.support.browser import PHONE

    measures_data.build(world)
    client.force_login(world.mayor)
    context = browser.new_context(**PHONE)
    context.add_cookies([
        {"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
         "url": live_server.url},
        {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page = context.new_page()
    for path in ("/dashboard/?period=custom&start=2026-11-01&end=2026-11-30", "/ledger/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert page.locator("#logout-button").bounding_box()["x"] + 10 < 360
    shot(page, f"ledger-360-{language}.png")
    context.close()
