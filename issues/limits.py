"""Rate limits on public actions (DESIGN.md, Access and answers).

Defaults (settings.ZY_RATE_LIMITS, editable per deployment): per phone 5
filings an hour and 20 a day; per IP 60 filings an hour; tracking lookups 10
a minute per IP; code resends 3 an hour per phone. Counters live in the
Django cache (Redis in production, the database cache on the embedded
default), in fixed windows. Pages answer a friendly page, the API 429.

Every counter is incremented before the action it limits, atomically, so
concurrent requests cannot overshoot a limit. Limits on accepted actions
only (filings per phone: a stranger's refused attempts must not use up a
resident's quota) are reserved that way and given back when the action
fails or repeats an earlier one (``admit(reserve=…)``, Reservation).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
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
    """The configured rules: ``{"file_phone": [Rule(5, 3600), Rule(20, 86400)], ...}``.

    Built once per value of settings.ZY_RATE_LIMITS (a setting replaced, as
    tests do, is read anew; it is never changed in place).
    """
    global _rules
    spec = settings.ZY_RATE_LIMITS
    if _rules[0] is not spec:
        _rules = (spec, {name: [Rule(int(limit), int(period)) for limit, period in windows]
                         for name, windows in spec.items()})
    return _rules[1]


_rules: tuple[object, dict[str, list[Rule]]] = (None, {})


def _windows(name: str, key: str, now: float):
    digest = hashlib.sha256(f"{name}:{key}".encode()).hexdigest()[:24]
    for rule in rules().get(name, []):
        start = int(now // rule.period) * rule.period
        yield rule, start, f"zy-rl:{name}:{rule.period}:{start}:{digest}"


# Adds ARGV[1] to each of KEYS (each created at 0 with the TTL in ARGV[i + 1] seconds first, so the
# change is atomic and the window expires); returns the new values. One command instead of a pipeline
# of SET NX EX + INCRBY per counter: the same effect, less work for the client.
_ADD = """
local out = {}
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i + 1], 'NX')
  out[i] = redis.call('INCRBY', KEYS[i], ARGV[1])
end
return out
"""


def _redis(backend):
    """``(client, script)`` for ``backend`` (the default cache) when it is Django's RedisCache, else None.

    ``client`` is its redis-py client, ``script`` the counting script
    (``_ADD``) bound to it, or None once Redis refused to run scripts (an
    ACL without ``@scripting``, a service without EVAL): the counters then
    go by a pipeline of the same commands. Kept on the (per-thread) cache
    backend: Django's own calls build a new client object each time.
    redis-py sends the script by its SHA and loads it again after a Redis
    restart (NOSCRIPT).
    """
    if not isinstance(backend, RedisCache):
        return None
    found = getattr(backend, "_zy_redis", None)
    if found is None:
        client = backend._cache.get_client(write=True)
        found = backend._zy_redis = (client, client.register_script(_ADD))
    return found


def _add(counters: list[tuple[str, int]], delta: int) -> list[int]:
    """Add ``delta`` (1 to count, -1 to give back) to each ``(cache_key, ttl_seconds)`` counter; their new values.

    A counter is created at 0 with its TTL first, so it always expires with
    its window. On Redis one round trip (one script: SET NX EX + INCRBY per
    counter, each atomic; a pipeline of the same commands where Redis
    refuses scripts); on other caches add + incr + touch (keeping the TTL)
    per key. With the cache unreachable, logs an error and returns zeros
    (the action is let through).
    """
    if not counters:
        return []
    try:
        return _add_on_cache(counters, delta)
    except Exception:
        # The cache is down (Redis restarting): let the action through rather than answer 500;
        # the outage is logged and /healthz reports the broker.
        log.error("rate-limit counters unreachable; letting the request through", exc_info=True)
        return [0] * len(counters)


def _add_on_cache(counters, delta):
    backend = caches["default"]  # once: each ``cache.x`` looks the backend up anew
    redis = _redis(backend)
    if redis is not None:
        client, script = redis
        keys = [backend.make_key(k) for k, _ttl in counters]
        ttls = [ttl for _k, ttl in counters]
        if script is not None:
            try:
                return [int(v) for v in script(keys=keys, args=[delta, *ttls])]
            except (NoPermissionError, ResponseError) as exc:
                if not isinstance(exc, NoPermissionError) and "unknown command" not in str(exc).lower():
                    raise
                log.warning("Redis refuses scripts (%s); rate-limit counters go by pipeline", exc)
                backend._zy_redis = (client, None)
        pipe = client.pipeline(transaction=False)
        for key, ttl in zip(keys, ttls):
            pipe.set(key, 0, ex=ttl, nx=True)
            pipe.incrby(key, delta)
        return [int(v) for v in pipe.execute()[1::2]]
    values = []
    for cache_key, ttl in counters:
        backend.add(cache_key, 0, timeout=ttl)
        try:
            values.append(backend.incr(cache_key, delta))
        except ValueError:  # expired between add and incr
            backend.add(cache_key, delta, timeout=ttl)
            values.append(delta)
        else:
            # Django's generic incr (the database cache's) stores the sum with the cache's default
            # timeout (5 minutes), which would end the window early: give the counter its TTL back.
            backend.touch(cache_key, ttl)
    return values


class Reservation:
    """Counters ``admit`` took ahead of an action, to give back if the action does not happen.

    ``release()`` takes one off each (once; later calls do nothing). Used
    as a context manager it releases when the block raises, and lets the
    exception through. Limits that count only accepted actions (filings per
    phone) are reserved this way: counted before the action, so concurrent
    requests cannot all slip under the limit, and given back when the
    action is refused or turns out to repeat an earlier one.
    """

    def __init__(self, counters: list[tuple[str, int]] = ()):
        self._counters = list(counters)

    def release(self) -> None:
        """Give the reserved counts back (nothing when already released or nothing was reserved)."""
        counters, self._counters = self._counters, []
        _add(counters, -1)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.release()
        return False


def admit(hits: list[tuple[str, str]] = (), reserve: list[tuple[str, str]] = (),
          now: float | None = None) -> Reservation:
    """Count each ``(name, key)`` of ``hits`` and ``reserve`` in every window of its rule, in one round trip.

    ``hits`` stay counted whatever happens (tracking lookups per IP, filings
    per IP). ``reserve`` is for limits on accepted actions only (filings per
    phone): returns a Reservation to ``release()`` if the action then fails.
    Raises RateLimited, naming the first rule over its limit (hits first)
    and the seconds until that rule's fullest window resets; the reserved
    counts are given back first (one more round trip), the hits stay.
    Counting comes first and each increment is atomic (on Redis and the
    local-memory cache; the database cache's incr is not), so N concurrent
    requests against a limit of L let exactly L through.
    """
    now = time.time() if now is None else now
    hit_windows = [(name, w) for name, key in hits for w in _windows(name, key, now)]
    reserve_windows = [(name, w) for name, key in reserve for w in _windows(name, key, now)]
    windows = hit_windows + reserve_windows
    values = _add([(key, rule.period + 5) for _n, (rule, _s, key) in windows], 1)
    reservation = Reservation([(key, rule.period + 5) for _n, (rule, _s, key) in reserve_windows])
    retry: dict[str, int] = {}  # name → seconds until its fullest window resets, in hits-then-reserve order
    for (name, (rule, start, _key)), value in zip(windows, values):
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
