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
from redis.exceptions import NoPermissionError, ResponseError


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


# Adds one to KEYS[1..ARGV[1]] (each created at 0 with the TTL in ARGV[i + 1] seconds first, so
# the increment is atomic and the window expires), then reads the remaining KEYS; returns the
# incremented values, then the read ones (0 when absent). One command instead of a pipeline of
# SET NX EX + INCR per counter and GET per read: the same effect, less work for the client.
_COUNT_AND_READ = """
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i + 1], 'NX')
  out[i] = redis.call('INCR', KEYS[i])
end
for i = n + 1, #KEYS do
  out[i] = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
end
return out
"""


def _redis():
    """``(client, script)`` for the default cache when it is Django's RedisCache, else None.

    ``client`` is its redis-py client, ``script`` the counting script
    (``_COUNT_AND_READ``) bound to it, or None once Redis refused to run
    scripts (an ACL without ``@scripting``, a service without EVAL): the
    counters then go by a pipeline of the same commands. Kept on the
    (per-thread) cache backend: Django's own calls build a new client object
    each time. redis-py sends the script by its SHA and loads it again after
    a Redis restart (NOSCRIPT).
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    found = getattr(backend, "_zy_redis", None)
    if found is None:
        client = backend._cache.get_client(write=True)
        found = backend._zy_redis = (client, client.register_script(_COUNT_AND_READ))
    return found


def _count_and_read(increments: list[tuple[str, int]], reads: list[str]) -> tuple[list[int], list[int]]:
    """Add one to each ``(cache_key, ttl_seconds)`` counter (created at 0 first) and read ``reads``.

    Returns (the incremented values, the read values with 0 for absent).
    On Redis one round trip (one script: SET NX EX + INCR per counter,
    each INCR atomic, then GETs; a pipeline of the same commands where Redis
    refuses scripts); on other caches add + incr per key, then
    one get_many. With the cache unreachable, logs an error and returns zeros
    (the action is let through).
    """
    try:
        return _count_and_read_on_cache(increments, reads)
    except Exception:
        # The cache is down (Redis restarting): let the action through rather than answer 500;
        # the outage is logged and /healthz reports the broker.
        log.error("rate-limit counters unreachable; letting the request through", exc_info=True)
        return [0] * len(increments), [0] * len(reads)


def _count_and_read_on_cache(increments, reads):
    redis = _redis()
    if redis is not None:
        client, script = redis
        keys = [cache.make_key(k) for k, _ttl in increments] + [cache.make_key(k) for k in reads]
        ttls = [ttl for _k, ttl in increments]
        split = len(increments)
        if script is not None:
            try:
                out = script(keys=keys, args=[split, *ttls])
                return [int(v) for v in out[:split]], [int(v) for v in out[split:]]
            except (NoPermissionError, ResponseError) as exc:
                if not isinstance(exc, NoPermissionError) and "unknown command" not in str(exc).lower():
                    raise
                log.warning("Redis refuses scripts (%s); rate-limit counters go by pipeline", exc)
                caches["default"]._zy_redis = (client, None)
        pipe = client.pipeline(transaction=False)
        for key, ttl in zip(keys, ttls):
            pipe.set(key, 0, ex=ttl, nx=True)
            pipe.incr(key)
        for key in keys[split:]:
            pipe.get(key)
        out = pipe.execute()
        return [int(v) for v in out[1:2 * split:2]], [_int(v) for v in out[2 * split:]]
    values = []
    for cache_key, ttl in increments:
        cache.add(cache_key, 0, timeout=ttl)
        try:
            values.append(cache.incr(cache_key))
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=ttl)
            values.append(1)
    found = cache.get_many(reads) if reads else {}
    return values, [int(found.get(k) or 0) for k in reads]


def _int(value) -> int:
    # A read counter: absent (None) or not a number (never written by us) counts as 0.
    try:
        return int(value or 0)
    except ValueError:
        return 0


def admit(hits: list[tuple[str, str]] = (), checks: list[tuple[str, str]] = (), now: float | None = None) -> None:
    """``hit`` each ``(name, key)`` of ``hits``, then ``check`` each of ``checks``, in one cache round trip.

    Raises RateLimited for the first hit over its limit (every hit is
    counted all the same), else for the first full check; counts nothing
    for ``checks`` (pair with ``count`` after the action succeeded).
    """
    now = time.time() if now is None else now
    hit_windows = [(name, w) for name, key in hits for w in _windows(name, key, now)]
    check_windows = [(name, w) for name, key in checks for w in _windows(name, key, now)]
    counted, read = _count_and_read([(k, rule.period + 5) for _n, (rule, _s, k) in hit_windows],
                                    [k for _n, (_r, _s, k) in check_windows])
    for group, values, strict in ((hit_windows, counted, True), (check_windows, read, False)):
        retry: dict[str, int] = {}  # name → seconds until its fullest window resets, in hits/checks order
        for (name, (rule, start, _key)), value in zip(group, values):
            if value > rule.limit or (not strict and value == rule.limit):
                retry[name] = max(retry.get(name, 0), int(start + rule.period - now) + 1)
        if retry:
            name = next(iter(retry))
            raise RateLimited(name, retry[name])


def check(name: str, key: str, now: float | None = None) -> None:
    """Raise RateLimited if any window of ``name`` for ``key`` is full; counts nothing.

    Pair with ``count`` after the action succeeded, for limits that must
    count only accepted actions (filings per phone: a stranger's refused
    attempts must not use up a resident's quota).
    """
    admit(checks=[(name, key)], now=now)


def count(name: str, key: str, now: float | None = None) -> None:
    """Count one accepted action of ``name`` for ``key`` in every window (atomic increments)."""
    now = time.time() if now is None else now
    _count_and_read([(cache_key, rule.period + 5) for rule, _start, cache_key in _windows(name, key, now)], [])


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
