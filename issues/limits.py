"""Rate limits on public actions (DESIGN.md, Access and answers).

Defaults (settings.ZY_RATE_LIMITS, editable per deployment): per phone 5
filings an hour and 20 a day; per IP 60 filings an hour; tracking lookups 10
a minute per IP; code resends 3 an hour per phone. Counters live in the
Django cache (Redis in production, the database cache on the embedded
default), in fixed windows. Pages answer a friendly page, the API 429.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


log = logging.getLogger(__name__)


class RateLimited(Exception):
    """A limit is used up; ``retry_after`` seconds until the window resets."""

    status_code = 429

    def __init__(self, rule: str, retry_after: int):
        super().__init__(f"rate limit {rule} reached; retry in {retry_after} s")
        self.rule = rule
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rule:
    """``limit`` actions per ``period`` seconds."""

    limit: int
    period: int


def rules() -> dict[str, list[Rule]]:
    """The configured rules: ``{"file_phone": [Rule(5, 3600), Rule(20, 86400)], ...}``."""
    return {name: [Rule(int(limit), int(period)) for limit, period in spec]
            for name, spec in settings.ZY_RATE_LIMITS.items()}


def _windows(name: str, key: str, now: float):
    digest = hashlib.sha256(f"{name}:{key}".encode()).hexdigest()[:24]
    for rule in rules().get(name, []):
        start = int(now // rule.period) * rule.period
        yield rule, start, f"zy-rl:{name}:{rule.period}:{start}:{digest}"


def _redis():
    """The default cache's redis-py client when it is Django's RedisCache, else None.

    Kept on the (per-thread) cache backend: Django's own calls build a new
    client object each time.
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client = getattr(backend, "_zy_client", None)
    if client is None:
        client = backend._zy_client = backend._cache.get_client(write=True)
    return client


def _count(increments: list[tuple[str, int]]) -> list[int]:
    """Add one to each ``(cache_key, ttl_seconds)`` counter (created at 0 first); returns the new values.

    On Redis one round trip (a pipeline of SET NX EX + INCR per counter,
    each INCR atomic); on other caches add + incr per key. With the cache
    unreachable, logs an error and returns zeros (the action is let through).
    """
    try:
        return _count_on_cache(increments)
    except Exception:
        # The cache is down (Redis restarting): let the action through rather than answer 500;
        # the outage is logged and /healthz reports the broker.
        log.error("rate-limit counters unreachable; letting the request through", exc_info=True)
        return [0] * len(increments)


def _count_on_cache(increments):
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for cache_key, ttl in increments:
            raw = cache.make_and_validate_key(cache_key)
            pipe.set(raw, 0, ex=ttl, nx=True)
            pipe.incr(raw)
        return [int(v) for v in pipe.execute()[1::2]]
    values = []
    for cache_key, ttl in increments:
        cache.add(cache_key, 0, timeout=ttl)
        try:
            values.append(cache.incr(cache_key))
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=ttl)
            values.append(1)
    return values


class Reservation:
    """The counts an admitted action took under ``admit(reserve=…)``.

    The action counts from admission. ``release()`` gives the counts back
    when it then fails or turns out to repeat an earlier one (an
    idempotent retry), so only accepted actions use up the quota; releasing
    twice is harmless. ``Reservation()`` holds nothing.
    """

    def __init__(self, keys: list[tuple[str, int]] = ()):
        self._keys = list(keys)  # (cache key, ttl seconds)

    def release(self) -> None:
        """Take back every count this reservation holds (one cache round trip; errors are logged)."""
        keys, self._keys = self._keys, []
        if keys:
            _uncount(keys)


def _uncount(keys: list[tuple[str, int]]) -> None:
    try:
        client = _redis()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            for cache_key, ttl in keys:
                raw = cache.make_and_validate_key(cache_key)
                pipe.decr(raw)
                pipe.expire(raw, ttl, nx=True)  # a window that expired meanwhile must not stay forever
            pipe.execute()
            return
        for cache_key, _ttl in keys:
            try:
                cache.decr(cache_key)
            except ValueError:  # the window expired meanwhile: nothing to give back
                pass
    except Exception:
        log.error("rate-limit counters unreachable; a count was not given back", exc_info=True)


def admit(hits: list[tuple[str, str]] = (), reserve: list[tuple[str, str]] = (),
          now: float | None = None) -> Reservation:
    """Count ``hits`` and ``reserve`` (each a ``(name, key)``), all in one cache round trip.

    Every window of every limit is incremented atomically (Redis INCR), so
    concurrent requests cannot all slip under a limit. Raises RateLimited
    (with the seconds until the fullest window resets) for the first hit
    over its limit, else for the first reserved limit over its limit.
    A hit stays counted even when refused (tracking lookups, filings per
    IP); a refused reservation gives its counts back at once. Returns the
    Reservation of ``reserve``, to ``release()`` if the action then fails:
    filings per phone count only accepted filings, so a stranger's refused
    attempts cannot use up a resident's quota (DESIGN.md).
    """
    now = time.time() if now is None else now
    hit_windows = [(name, w) for name, key in hits for w in _windows(name, key, now)]
    reserve_windows = [(name, w) for name, key in reserve for w in _windows(name, key, now)]
    counted = _count([(k, rule.period + 5) for _n, (rule, _s, k) in hit_windows + reserve_windows])
    reservation = Reservation([(k, rule.period + 5) for _n, (rule, _s, k) in reserve_windows])
    split = len(hit_windows)
    for group, values in ((hit_windows, counted[:split]), (reserve_windows, counted[split:])):
        retry: dict[str, int] = {}  # name → seconds until its fullest window resets, in hits/reserve order
        for (name, (rule, start, _key)), value in zip(group, values):
            if value > rule.limit:
                retry[name] = max(retry.get(name, 0), int(start + rule.period - now) + 1)
        if retry:
            reservation.release()
            name = next(iter(retry))
            raise RateLimited(name, retry[name])
    return reservation


def hit(name: str, key: str, now: float | None = None) -> None:
    """Count one action of kind ``name`` (e.g. "track_ip") for ``key`` (a phone, an IP), refusing over the limit.

    The increment comes first and is atomic (Redis INCR), so concurrent
    requests cannot all slip under the limit; a refused request stays
    counted. Raises RateLimited with the seconds until the fullest window
    resets. Keys are hashed, so phone numbers never appear in the cache.
    """
    admit(hits=[(name, key)], now=now)


def client_ip(request) -> str:
    """The client's IP: REMOTE_ADDR, or the last hop added by our reverse proxy.

    With ``settings.ZY_TRUSTED_PROXY_COUNT`` = N > 0 (N proxies of ours in
    front), the Nth address from the right of X-Forwarded-For is the client.
    """
    n = settings.ZY_TRUSTED_PROXY_COUNT
    if n > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= n:
            return hops[-n]
    return request.META.get("REMOTE_ADDR", "")
