"""Shared fixtures: the personas (defined once), a small world, frozen time.

Service markers: a test marked ``postgres``, ``redis`` or ``browser`` skips with a stated
reason when the service is not configured, unless ``ZY_REQUIRE_SERVICES=1``
(set by .ci/run), which turns that skip into a failure.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

TZ = ZoneInfo("Asia/Shanghai")
REQUIRE_SERVICES = os.environ.get("ZY_REQUIRE_SERVICES", "") in ("1", "true", "yes")
# Debian's Chromium: browser tests never download one (no `playwright install`).
CHROMIUM = "/usr/bin/chromium"


def local(*args) -> datetime:
    """An aware Asia/Shanghai datetime: ``local(2026, 11, 30, 9, 0)``."""
    return datetime(*args, tzinfo=TZ)


def _service_missing(item, reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"ZY_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            _service_missing(item, "needs PostgreSQL (set DATABASE_URL=postgres://...): row locks, its one-statement filing or a real worker")
    if item.get_closest_marker("redis"):
        if not os.environ.get("REDIS_URL"):
            _service_missing(item, "needs Redis (set REDIS_URL=redis://...)")
    if item.get_closest_marker("browser"):
        if not os.path.exists(CHROMIUM):
            _service_missing(item, f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
        try:
            import playwright  # noqa: F401
        except ImportError:
            _service_missing(item, "needs Playwright for Python (pip install -r requirements-dev.txt)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives /usr/bin/chromium with Playwright (skips without it unless ZY_REQUIRE_SERVICES=1)"
    )
    _live_server_one_request_at_a_time()


def _live_server_one_request_at_a_time():
    # On SQLite in memory (the embedded default) the live server's request threads all use the test's one
    # connection (``connections_override``): two requests at once (a page's htmx call beside a form POST)
    # mixed their transactions, and a filing failed with "on_commit() cannot be used in manual transaction
    # management" now and then (README trial). There, requests are served one at a time; on PostgreSQL each
    # thread has its own connection, and nothing changes.
    import threading

    from django.test.testcases import LiveServerThread

    create = LiveServerThread._create_server

    def create_server(self, connections_override=None):
        server = create(self, connections_override=connections_override)
        if connections_override:
            lock, set_app = threading.Lock(), server.set_app

            def set_locked_app(app):
                def locked(environ, start_response):
                    with lock:
                        return app(environ, start_response)
                set_app(locked)
            server.set_app = set_locked_app
        return server

    LiveServerThread._create_server = create_server


@pytest.fixture
def frozen():
    """Freeze time at Monday 2026-11-30 09:00 Asia/Shanghai (a working day, heating season)."""
    with time_machine.travel(local(2026, 11, 30, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db):
    """A small city: 2 districts, 4 categories, 5 units, one user per role.

    Returns a SimpleNamespace. Users: dispatcher, heat_staff and heat_staff2
    (lead unit 甘州区供热公司), water_staff (甘州区供水公司, the co-handler in
    tests), linze_staff (临泽县供热公司: outside scope of 甘州 issues),
    supervisor (regulates heat, gas, water), power_supervisor (power only:
    outside scope of heat issues), mayor, revisit, admin, norole.
    """
    from types import SimpleNamespace

    from accounts.models import User
    from issues.choices import Priority, Role, Utility
    from issues.models import CalendarYear, Category, District, Unit

    w = SimpleNamespace()
    w.ganzhou = District.objects.create(code="ganzhou", name="甘州区")
    w.linze = District.objects.create(code="linze", name="临泽县")
    CalendarYear.objects.create(year=2025)
    CalendarYear.objects.create(year=2026)
    w.heat_cold = Category.objects.create(
        service_code="heat-not-warm", utility=Utility.HEAT, name="供暖不热",
        priority=Priority.NORMAL, heating_season_priority=Priority.URGENT,
    )
    w.water_pressure = Category.objects.create(
        service_code="water-low-pressure", utility=Utility.WATER, name="水压不足", priority=Priority.NORMAL,
    )
    w.gas_leak = Category.objects.create(
        service_code="gas-leak", utility=Utility.GAS, name="燃气泄漏", priority=Priority.EMERGENCY,
        needs_verification=True,
    )
    w.power_out = Category.objects.create(
        service_code="power-outage", utility=Utility.POWER, name="停电", priority=Priority.URGENT,
    )
    w.heat_gz = Unit.objects.create(name="甘州区供热公司", utilities=["heat"])
    w.water_gz = Unit.objects.create(name="甘州区供水公司", utilities=["water"])
    w.gas_gz = Unit.objects.create(name="甘州区燃气公司", utilities=["gas"])
    w.heat_lz = Unit.objects.create(name="临泽县供热公司", utilities=["heat"])
    w.power_gz = Unit.objects.create(name="甘州供电中心", utilities=["power"])

    def user(name, role, **kw):
        return User.objects.create_user(username=name, password="x-test-password-123", role=role, **kw)

    w.dispatcher = user("dispatcher", Role.DISPATCHER)
    w.heat_staff = user("heat_staff", Role.UNIT_STAFF, unit=w.heat_gz)
    w.heat_staff2 = user("heat_staff2", Role.UNIT_STAFF, unit=w.heat_gz)
    w.water_staff = user("water_staff", Role.UNIT_STAFF, unit=w.water_gz)
    w.gas_staff = user("gas_staff", Role.UNIT_STAFF, unit=w.gas_gz)
    w.linze_staff = user("linze_staff", Role.UNIT_STAFF, unit=w.heat_lz)
    w.supervisor = user("supervisor", Role.SUPERVISOR, regulated_utilities=["heat", "gas", "water"])
    w.power_supervisor = user("power_supervisor", Role.SUPERVISOR, regulated_utilities=["power"])
    w.mayor = user("mayor", Role.MAYOR)
    w.revisit = user("revisit", Role.REVISIT_AGENT)
    w.admin = user("admin", Role.ADMIN)
    w.norole = user("norole", "")
    w.phone = "+8613800000000"
    return w


@pytest.fixture
def file_issue(world):
    """``file_issue(category=None, **overrides)`` files through the workflow as a resident."""
    from issues.workflow import Actor, issue_submit

    def _file(category=None, phone=None, **kw):
        data = dict(
            category=category or world.heat_cold, district=world.ganzhou, community="南关小区",
            building="3", unit_no="2", room="501", description="暖气片冰凉，室内只有12度",
            reporter_phone=phone or world.phone, reporter_name="王女士",
        )
        data.update(kw)
        return issue_submit(actor=Actor.resident(data["reporter_phone"]), **data)

    return _file


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request under the English switch leaves English
    active in the thread (LocaleMiddleware does not reset it), and a later test reading a message
    outside a request would then get English, depending on the order tests ran in."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2's deliberate slowness is for production; tests hash with MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_sender_kick(settings):
    """Unit tests call the sender directly; end-to-end tests turn the kick back on."""
    settings.ZY_KICK_SENDER = False


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests do not run collectstatic: resolve {% static %} without the manifest."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _private_cache_keys(settings):
    """Where the default cache is Redis (CI), each test's keys carry a prefix of their own, deleted after.

    Rate-limit counters then count from zero in every test. On the shared keys a test that files from
    127.0.0.1 counted with every filing the suite had made from there that hour, and got 429 or not by
    the order tests ran in (CI, twice). Tests asking for ``locmem_cache`` or ``redis_cache`` replace this.
    """
    default = settings.CACHES["default"]
    if not default["BACKEND"].endswith(".RedisCache"):
        yield
        return
    import uuid

    from django.core.cache import caches
    from redis.exceptions import RedisError

    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}
    backend = caches["default"]
    yield
    try:
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except RedisError:  # a test that pointed the cache at a closed port: nothing of its own was written
        pass
    # Each test's backend has its own connection pool: closed here, or every test would leave a socket
    # open (past 1,024 descriptors, select() refuses them: CI's whole-suite run).
    for pool in backend._cache._pools.values():
        pool.disconnect()


@pytest.fixture
def locmem_cache(settings):
    """A private, empty in-memory cache, so rate-limit counters start at zero in each test."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "zy-test-cache"}}
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, launched once per test module (tests/support/browser.py's flags)."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def redis_cache(settings):
    """The default cache on the real Redis of REDIS_URL (a private key prefix, emptied after)."""
    import os
    import uuid

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": f"t{uuid.uuid4().hex[:8]}"}}
    from django.core.cache import caches

    yield caches["default"]
    client = caches["default"]._cache.get_client(write=True)
    for key in client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
        client.delete(key)
