"""Shared set-up of the browser tests: Debian's Chromium, headless, never downloaded.

``ARGS`` are the launch flags, ``PHONE`` (360 px) and ``DESKTOP`` (1280 px)
the page contexts, ``shot`` saves a full-page screenshot under
``screenshots/`` (gitignored). The module-scoped ``browser`` fixture lives in
tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings as django_settings

SHOTS = Path(django_settings.BASE_DIR) / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def shot(page, name: str) -> None:
    """Save a full-page screenshot of ``page`` as screenshots/``name``."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
