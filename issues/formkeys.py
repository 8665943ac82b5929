"""A staff form is acted on once: a second copy of the same form is answered, not acted on again.

With JavaScript off (or on a flaky network that resends), a double click
sends one form twice, and actions that a state check does not stop — a
progress note, a supervision order, a plan's progress — were recorded
twice. ("Show the number" is left out: each copy goes through its checks
and is audited.) So each staff action form carries a ``form_key``, a
random UUID drawn with the page (``{% form_key %}``, issues.templatetags.staff_tags),
and ``views.staff.act`` runs its action inside ``sent_once(user id, key,
"<action>:<issue id>")``, so a key counts only for the form it came with:

- the first copy takes the key (``cache.add``, atomic on Redis and on the
  database cache) and acts; the key is then kept for KEY_TTL seconds as
  done, or given back if the action was refused (400/403/409…), so the form
  corrected and sent again is acted on;
- a copy that finds the key taken waits for the first (polling every POLL s,
  at most WAIT s): done → it is a repeat and is answered as one; given back
  → it acts itself; still running after WAIT s → it is a repeat too (the
  first copy will finish or fail on its own, and the page tells the user to
  look before sending again).

A form without a key (an older page, a hand-made POST) and a cache that
cannot be reached act as before: this guards against doubles, it never
stops work.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextlib import contextmanager

from django.core.cache import caches

log = logging.getLogger(__name__)

KEY_TTL = 3600  # seconds a done key is remembered (a Back-and-send an hour later acts again)
PENDING_TTL = 60  # seconds a key in flight is held if its request dies without giving it back
WAIT = 3.0
POLL = 0.05
_PENDING, _DONE = "pending", "done"
_UUID = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    """A fresh form key: 32 lowercase hex digits."""
    return uuid.uuid4().hex


def _cache_key(user_id: int, scope: str, key: str) -> str:
    return f"zy-form:{int(user_id)}:{scope}:{key}"


class Once:
    """What ``sent_once`` yields: ``repeat`` is True when another copy of this form acted (or is acting)."""

    def __init__(self, repeat: bool):
        self.repeat = repeat


@contextmanager
def sent_once(user_id: int, key: str | None, scope: str = ""):
    """Run the body once per (``user_id``, ``scope``, ``key``); yields Once(repeat=…).

    ``scope`` names what the form does ("note:138": the action and the
    issue), so a key used up by one form never passes for another (a key
    replayed on another action or issue acts as a first copy, through all
    its checks). ``key`` is the posted ``form_key`` (anything but 32 hex digits counts
    as no key: the body runs, unguarded). When the yielded ``repeat`` is
    False the body acts; if it raises, the key is given back and the error
    goes on; if it returns, the key is kept as done for KEY_TTL s. When
    ``repeat`` is True the body must not act (another copy did). Cache
    errors are logged and the body acts.
    """
    key = (key or "").strip().lower()
    if not _UUID.match(key):
        yield Once(False)
        return
    cache, name = caches["default"], _cache_key(user_id, scope, key)
    try:
        taken, state = not cache.add(name, _PENDING, PENDING_TTL), _PENDING
        deadline = time.monotonic() + WAIT
        while taken and state != _DONE and time.monotonic() < deadline:
            time.sleep(POLL)
            state = cache.get(name)
            if state is None:  # given back: the first copy was refused; this one acts on its own
                taken = not cache.add(name, _PENDING, PENDING_TTL)
    except Exception:  # noqa: BLE001 - Redis down must not stop staff work
        log.warning("form keys unavailable; acting without the double-send guard", exc_info=True)
        yield Once(False)
        return
    if taken and state is None:  # the key kept coming back empty yet could not be taken: act, unguarded
        log.warning("form key %s could not be taken; acting without the double-send guard", name)
        yield Once(False)
        return
    if taken:
        yield Once(True)
        return
    try:
        yield Once(False)
    except BaseException:
        _forget(cache, name)
        raise
    try:
        cache.set(name, _DONE, KEY_TTL)
    except Exception:  # noqa: BLE001
        log.warning("form key not marked done", exc_info=True)


def _forget(cache, name: str) -> None:
    try:
        cache.delete(name)
    except Exception:  # noqa: BLE001
        log.warning("form key not given back", exc_info=True)
