"""Reference data read on every filing, held per process: the snapshot.

Categories, districts, deadline rules, routing rules and the work calendar
are small tables edited in admin (or by ``load_reference_data``) and read by
every filing, every rework and every sweep. Reading them fresh cost about
eight queries per filing; ``current()`` returns a per-process ``Snapshot``
instead, whose parts are loaded lazily, once, and reused while the
*reference version* is unchanged.

The version is a random token in the Django cache (Redis in production, the
database cache on the embedded default), so one cache GET replaces the eight
queries (and is itself skipped for ``CHECK_SECONDS`` after a check), so
every process sees an admin's change within about a second:

- saving or deleting a category, district, unit, routing or deadline rule,
  workday override or calendar year drops this process's
  snapshot at once and, after the transaction commits, writes a new token
  (``bump``), which makes every other process rebuild;
- a snapshot built inside a transaction (``connection.in_atomic_block``) is
  used but not kept, so uncommitted or rolled-back rows never outlive their
  transaction (tests run inside transactions: they always read fresh rows);
- a snapshot is rebuilt after ``MAX_AGE_SECONDS`` whatever the token, for
  changes made behind Django's back (raw SQL, ``QuerySet.update``);
- with the token missing (cache flushed or never set), a new one is written;
- with the cache unreachable, the snapshot goes by ``MAX_AGE_SECONDS`` alone
  (filings, the sweep and the API keep working while Redis restarts).

Snapshot objects are shared by the threads of a process: read them, never
change them.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

log = logging.getLogger(__name__)

VERSION_KEY = "zy-reference-version"
MAX_AGE_SECONDS = 60.0
CHECK_SECONDS = 1.0


class Snapshot:
    """The reference tables as this process holds them; each part is read at first use.

    ``version`` is the token it was built under, ``built`` its
    ``time.monotonic()`` birth, ``checked`` when the token last matched.
    """

    def __init__(self, version: str | None):
        self.version = version
        self.built = self.checked = time.monotonic()
        self._lock = threading.Lock()
        self._parts: dict = {}

    def _once(self, name, load):
        # Threads of one process share the snapshot: each part is loaded once.
        part = self._parts.get(name)
        if part is None:
            with self._lock:
                part = self._parts.get(name)
                if part is None:
                    part = self._parts[name] = load()
        return part

    @property
    def categories(self) -> dict:
        """``{id: Category}`` for every category, active or not."""
        from .models import Category

        return self._once("_categories", lambda: {c.pk: c for c in Category.objects.order_by("utility", "id")})

    @property
    def districts(self) -> dict:
        """``{id: District}`` in id order."""
        from .models import District

        return self._once("_districts", lambda: {d.pk: d for d in District.objects.order_by("id")})

    @property
    def deadline_rules(self) -> dict:
        """``{priority: {"dispatch"|"response"|"resolution": (value, ClockUnit)}}`` for the rows present."""
        from .models import DeadlineRule

        def load():
            return {
                r.priority: {
                    "dispatch": (r.dispatch_value, r.dispatch_unit),
                    "response": (r.response_value, r.response_unit),
                    "resolution": (r.resolution_value, r.resolution_unit),
                }
                for r in DeadlineRule.objects.all()
            }

        return self._once("_deadline_rules", load)

    @property
    def routing_rules(self) -> list:
        """Active RoutingRule rows whose unit is active, ``unit`` loaded, in id order."""
        from .models import RoutingRule

        return self._once(
            "_routing_rules",
            lambda: list(RoutingRule.objects.filter(active=True, unit__active=True).select_related("unit").order_by("id")),
        )

    @property
    def calendar(self):
        """The ``deadlines.WorkCalendar`` built from WorkdayOverride and CalendarYear."""
        from .deadlines import WorkCalendar

        return self._once("_calendar", WorkCalendar.load)

    def active_categories(self) -> list:
        """Active categories ordered by utility, then id."""
        return [c for c in self.categories.values() if c.active]


_current: Snapshot | None = None


def _version() -> str | None:
    """The current token; None when the cache cannot be reached (the caller falls back on age alone)."""
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
            token = cache.get(VERSION_KEY)
        return token
    except Exception:  # the cache is down (Redis restarting): filings must not depend on it
        log.warning("reference version unreadable; reference data goes by age until the cache is back",
                    exc_info=True)
        return None


def current() -> Snapshot:
    """The reference snapshot for this request or job (see the module docstring).

    Costs one cache read when this process's snapshot is current; raises
    whatever the cache or database raise.
    """
    global _current
    snap, now = _current, time.monotonic()
    if snap is not None and now - snap.checked < CHECK_SECONDS and now - snap.built < MAX_AGE_SECONDS:
        return snap
    version = _version()
    if snap is not None and (version is None or snap.version == version) and now - snap.built < MAX_AGE_SECONDS:
        snap.checked = now
        return snap
    snap = Snapshot(version)
    if not connection.in_atomic_block:
        _current = snap
    return snap


def bump() -> None:
    """Make every process rebuild its snapshot at next use (a new version token).

    With the cache unreachable the others catch up within ``MAX_AGE_SECONDS``.
    """
    try:
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        log.warning("reference version not bumped (cache unreachable)", exc_info=True)


def forget() -> None:
    """Drop this process's snapshot (the next ``current()`` rebuilds)."""
    global _current
    _current = None


def _changed(sender, **kwargs) -> None:
    forget()
    transaction.on_commit(bump)


def connect_signals() -> None:
    """Wire ``_changed`` to saves and deletes of the reference models (called by IssuesConfig.ready)."""
    from .models import CalendarYear, Category, DeadlineRule, District, RoutingRule, Unit, WorkdayOverride

    for model in (Category, District, DeadlineRule, RoutingRule, Unit, WorkdayOverride, CalendarYear):
        post_save.connect(_changed, sender=model, dispatch_uid=f"zy-reference-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"zy-reference-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Unit.districts.through, dispatch_uid="zy-reference-unit-districts")
