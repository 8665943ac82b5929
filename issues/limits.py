"""Rate limits on public actions (DESIGN.md, Access and answers).

Defaults (settings.ZY_RATE_LIMITS, editable per deployment): per phone 5
filings an hour and 20 a day; per IP 60 filings an hour; tracking lookups 10
a minute per IP; code resends 3 an hour per phone. Counters live in the
Django cache (Redis in production, the database cache on the embedded
default), in fixed windows. Pages answer a friendly page, the API 429.

Every counter is incremented before the action it limits, atomically, so
concurrent requests cannot overshoot a limit (on Redis). Limits on
accepted actions only (filings per phone: a stranger's refused attempts
must not use up a resident's quota) are reserved that way and given back
when the action fails or repeats an earlier one; a repeat of an action
still in flight (a double click) reserves nothing (``admit(reserve=…,
once=…)``, Reservation).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoPermissionError, ResponseError


log = logging.getLogger(__name__)
T = TypeVar("T")


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


# Seconds an admitted action's ``once`` key stays taken: as long as gunicorn lets a request run (its
# default timeout), so the key of a request that died is soon free. Should a request outlive it, a
# copy is admitted on its own and counted, and gives its count back as the repeat it is: still right.
ONCE_TTL = 30

# Admission, atomically. Counts the hits; unless the ``once`` marker (KEYS' last, when ARGV[3] is 1)
# is taken already, counts the reservations, and then, if any counter is over its limit, takes the
# reservations back, else takes the marker. KEYS: the hit counters, the reservation counters, the
# marker. ARGV: number of hits, number of reservations, 1/0 for a marker, its TTL, then for each
# counter its TTL and its limit. A counter is created at 0 with its TTL first, so it always expires.
# Returns each counter's value (0 for reservations not counted), then 1 when the marker was taken
# already (a repeat), else 0. _admit_by_commands does the same with single commands.
_ADMIT = """
local nh, nr, once = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local out, over = {}, false
local function count(i)
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[3 + 2 * i], 'NX')
  out[i] = redis.call('INCR', KEYS[i])
  if out[i] > tonumber(ARGV[4 + 2 * i]) then over = true end
end
for i = 1, nh do count(i) end
local repeated = once and redis.call('EXISTS', KEYS[nh + nr + 1]) == 1
for i = nh + 1, nh + nr do
  if repeated then out[i] = 0 else count(i) end
end
if not repeated and nr > 0 then
  if over then
    for i = nh + 1, nh + nr do redis.call('DECR', KEYS[i]) end
  elseif once then
    redis.call('SET', KEYS[nh + nr + 1], 1, 'EX', ARGV[4])
  end
end
out[nh + nr + 1] = repeated and 1 or 0
return out
"""

# Giving a reservation back: takes one off each of KEYS but the last ARGV[1] (only where the
# counter exists and is above 0: after Redis lost its data there is nothing to give back), then
# deletes those last ones (the marker). _give_back_by_commands does the same with single commands.
_GIVE_BACK = """
local n = #KEYS - tonumber(ARGV[1])
for i = 1, n do
  if (tonumber(redis.call('GET', KEYS[i]) or '0') or 0) > 0 then redis.call('DECR', KEYS[i]) end
end
for i = n + 1, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
"""


def _redis(backend):
    """``(client, scripts)`` for ``backend`` (the default cache) when it is Django's RedisCache, else None.

    ``client`` is its redis-py client, ``scripts`` the pair (``_ADMIT``,
    ``_GIVE_BACK``) bound to it, or None once Redis refused to run scripts
    (an ACL without ``@scripting``, a service without EVAL): the counters
    then go by single commands. Kept on the (per-thread) cache backend:
    Django's own calls build a new client object each time. redis-py sends
    a script by its SHA and loads it again after a Redis restart (NOSCRIPT).
    """
    if not isinstance(backend, RedisCache):
        return None
    found = getattr(backend, "_zy_redis", None)
    if found is None:
        client = backend._cache.get_client(write=True)
        found = backend._zy_redis = (client, (client.register_script(_ADMIT), client.register_script(_GIVE_BACK)))
    return found


def _run_script(backend, which: int, keys: list[str], args: list):
    """Run script ``which`` (0 admit, 1 give back) on Redis; None where the cache is not Redis or refuses scripts."""
    redis = _redis(backend)
    if redis is None or redis[1] is None:
        return None
    client, scripts = redis
    try:
        return scripts[which](keys=[backend.make_key(k) for k in keys], args=args)
    except (NoPermissionError, ResponseError) as exc:
        if not isinstance(exc, NoPermissionError) and "unknown command" not in str(exc).lower():
            raise
        log.warning("Redis refuses scripts (%s); rate-limit counters go by single commands", exc)
        backend._zy_redis = (client, None)
        return None


class _Commands:
    """The counter operations as single commands: on Redis without scripts, or on any Django cache."""

    def __init__(self, backend):
        self.backend = backend
        redis = _redis(backend)
        self.client = redis[0] if redis else None

    def count(self, key: str, ttl: int) -> int:
        if self.client is not None:
            pipe = self.client.pipeline(transaction=False)
            real = self.backend.make_key(key)
            pipe.set(real, 0, ex=ttl, nx=True)
            pipe.incr(real)
            return int(pipe.execute()[1])
        self.backend.add(key, 0, timeout=ttl)
        try:
            value = self.backend.incr(key)
        except ValueError:  # expired between add and incr
            self.backend.add(key, 1, timeout=ttl)
            return 1
        # Django's generic incr (the database cache's) stores the sum with the cache's default
        # timeout (5 minutes), which would end the window early: give the counter its TTL back.
        self.backend.touch(key, ttl)
        return value

    def give_back(self, key: str, ttl: int) -> None:
        if self.client is not None:
            real = self.backend.make_key(key)
            if int(self.client.get(real) or 0) > 0:
                self.client.decr(real)
            return
        if (self.backend.get(key) or 0) > 0:
            self.backend.decr(key)
            self.backend.touch(key, ttl)

    def taken(self, key: str) -> bool:
        return self.backend.get(key) is not None

    def take(self, key: str, ttl: int) -> None:
        self.backend.set(key, 1, timeout=ttl)

    def drop(self, key: str) -> None:
        self.backend.delete(key)


def _admit_by_commands(backend, hits, reserves, once):
    # _ADMIT's steps as single commands (not atomic as a whole: each increment still is on Redis).
    ops = _Commands(backend)
    values = [ops.count(key, ttl) for key, ttl, _limit in hits]
    over = any(v > limit for v, (_k, _t, limit) in zip(values, hits))
    repeated = once is not None and ops.taken(once)
    if repeated:
        return values + [0] * len(reserves) + [1]
    counted = [ops.count(key, ttl) for key, ttl, _limit in reserves]
    if reserves:
        if over or any(v > limit for v, (_k, _t, limit) in zip(counted, reserves)):
            for key, ttl, _limit in reserves:
                ops.give_back(key, ttl)
        elif once is not None:
            ops.take(once, ONCE_TTL)
    return values + counted + [0]


def _give_back_by_commands(backend, counters, once):
    ops = _Commands(backend)
    for key, ttl in counters:
        ops.give_back(key, ttl)
    if once is not None:
        ops.drop(once)


class Reservation:
    """Counters ``admit`` reserved ahead of an action, to give back if the action does not happen.

    ``release()`` takes one off each and frees the action's ``once`` key
    (once; later calls do nothing); used as a context manager the
    reservation is released when the block raises, and the exception goes
    on. Limits that count only accepted actions (filings per phone) are
    reserved this way: counted before the action, so concurrent requests
    cannot all slip under the limit, and given back when the action is
    refused or turns out to repeat an earlier one.

    ``repeat`` is True when admission found the action's ``once`` key taken
    (a copy of an action in flight): nothing was reserved, and the caller
    must not act on it (``admit_once`` waits for the first copy instead).
    """

    def __init__(self, counters: list[tuple[str, int]] = (), once: str | None = None, *, repeat: bool = False):
        self.repeat = repeat
        self._counters = list(counters)
        self._once = once

    def release(self) -> None:
        """Give the reserved counts back (nothing when already released or nothing was reserved).

        A counter is only taken down while above 0 (after Redis lost its data
        there is nothing to give back). With the cache unreachable, logs an
        error (the counts then expire with their windows).
        """
        counters, once, self._counters, self._once = self._counters, self._once, [], None
        if not counters and once is None:
            return
        backend = caches["default"]
        try:
            if _run_script(backend, 1, [k for k, _t in counters] + ([once] if once else []),
                           [1 if once else 0]) is None:
                _give_back_by_commands(backend, counters, once)
        except Exception:
            log.error("rate-limit counters unreachable; a reservation was not given back", exc_info=True)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.release()
        return False


def admit(hits: list[tuple[str, str]] = (), reserve: list[tuple[str, str]] = (), once: str | None = None,
          now: float | None = None) -> Reservation:
    """Count each ``(name, key)`` of ``hits`` and ``reserve`` in every window of its rule, in one round trip.

    ``hits`` stay counted whatever happens (tracking lookups per IP, filings
    per IP). ``reserve`` is for limits on accepted actions only (filings per
    phone): returns a Reservation to ``release`` if the action fails or
    repeats. ``once`` (str, optional) names the action, e.g. a filing's
    idempotency key scoped to its filer: while an admitted action holds it
    (up to ONCE_TTL seconds, or until released), admitting the same
    ``once`` again reserves nothing and returns a Reservation with
    ``repeat`` True: a copy of an action already counted (a double click),
    which must wait for the first (``admit_once``) — its hits still count.
    Raises RateLimited, naming the first rule over its limit (hits first)
    and the seconds until that rule's fullest window resets; the
    reservations are then taken back in the same step, the hits stay. Each
    increment is atomic and comes first (on Redis all of admission is one
    atomic script), so N concurrent requests against a limit of L let
    exactly L through; the database cache's incr is not atomic, so there a
    burst may overshoot. With the cache unreachable, logs an error and
    lets the action through.
    """
    now = time.time() if now is None else now
    hit_windows = [(name, w) for name, key in hits for w in _windows(name, key, now)]
    reserve_windows = [(name, w) for name, key in reserve for w in _windows(name, key, now)]
    windows = hit_windows + reserve_windows
    marker = _once_key(once) if once is not None else None
    triples = [(key, rule.period + 5, rule.limit) for _n, (rule, _s, key) in windows]
    nh = len(hit_windows)
    backend = caches["default"]  # once: each ``cache.x`` would look the backend up anew
    try:
        out = _run_script(backend, 0, [k for k, _t, _l in triples] + ([marker] if marker else []),
                          [nh, len(triples) - nh, 1 if marker else 0, ONCE_TTL,
                           *[x for _k, ttl, limit in triples for x in (ttl, limit)]])
        if out is None:
            out = _admit_by_commands(backend, triples[:nh], triples[nh:], marker)
    except Exception:
        # The cache is down (Redis restarting): let the action through rather than answer 500;
        # the outage is logged and /healthz reports the broker.
        log.error("rate-limit counters unreachable; letting the request through", exc_info=True)
        return Reservation()
    values, repeated = [int(v) for v in out[:-1]], int(out[-1]) == 1
    retry: dict[str, int] = {}  # name → seconds until its fullest window resets, in hits-then-reserve order
    for (name, (rule, start, _key)), value in zip(windows, values):
        if value > rule.limit:
            retry[name] = max(retry.get(name, 0), int(start + rule.period - now) + 1)
    if retry:
        name = next(iter(retry))
        raise RateLimited(name, retry[name])
    if repeated:
        return Reservation(repeat=True)
    reserved = [(k, t) for k, t, _l in triples[nh:]]
    return Reservation(reserved, marker if reserved else None)


def _once_key(once: str) -> str:
    return f"zy-rl:once:{hashlib.sha256(once.encode()).hexdigest()[:32]}"


ONCE_WAIT = 3.0  # seconds a copy waits for the first copy of its action before answering "try again"
ONCE_POLL = 0.05


def admit_once(hits: list[tuple[str, str]], reserve: list[tuple[str, str]], once: str,
               first: Callable[[], T | None], now: float | None = None) -> tuple[Reservation, T | None]:
    """``admit`` for an action named ``once`` (a filing's scoped idempotency key), waiting out a copy in flight.

    ``first()`` returns what the first copy of the action produced (the
    filed issue), or None while there is none. Returns ``(reservation,
    None)`` when this request is to act (its counts reserved, as
    ``admit``), or ``(an empty Reservation, result)`` when another copy
    acted: a copy that finds the key taken polls ``first()`` every
    ONCE_POLL s until the first copy's result appears, or until the key is
    freed (the first copy failed or was refused) and this one is admitted
    on its own, against the limits. So a copy never acts uncounted, and a
    double click gets the first filing. Raises RateLimited as ``admit``
    does, or with rule "once" when the first copy holds the key for
    ONCE_WAIT s without a result (slow, or it died mid-request), with the
    seconds until the key has surely expired (ONCE_TTL − ONCE_WAIT).
    """
    deadline = time.monotonic() + ONCE_WAIT
    marker = _once_key(once)
    backend = caches["default"]
    counted_hits = hits
    while True:
        reservation = admit(hits=counted_hits, reserve=reserve, once=once, now=now)
        if not reservation.repeat:
            return reservation, None
        counted_hits = []  # a request's hits count once, however long it waits
        while True:
            found = first()
            if found is not None:
                return Reservation(), found
            try:
                taken = backend.get(marker) is not None
            except Exception:
                taken = False  # the cache is down: admit() lets the action through
            if not taken:
                break  # the first copy gave up: admit this one on its own
            if time.monotonic() > deadline:
                raise RateLimited("once", int(ONCE_TTL - ONCE_WAIT))
            time.sleep(ONCE_POLL)
        if time.monotonic() > deadline:  # other copies kept taking the key and giving it up
            raise RateLimited("once", int(ONCE_TTL - ONCE_WAIT))


def hit(name: str, key: str, now: float | None = None) -> None:
    """Count one action of kind ``name`` (e.g. "track_ip") for ``key`` (a phone, an IP), refusing over the limit.

    The increment comes first and is atomic (Redis INCR), so concurrent
    requests cannot all slip under the limit; a refused request stays
    counted. Raises RateLimited with the seconds until the fullest window
    resets. Keys are hashed, so phone numbers never appear in the cache.
    """
    admit(hits=[(name, key)], now=now)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    # An address as proxies write it: bare, "[v6]", "[v6]:port", "v4:port" or "v6%zone"; None if it is none.
    text = text.strip()
    if text.startswith("["):
        text = text[1:text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return (ip.ipv4_mapped or ip) if ip.version == 6 else ip


def client_ip(request) -> str:
    """The client's IP address (str): REMOTE_ADDR, or the last hop our reverse proxy added.

    With ``settings.ZY_TRUSTED_PROXY_COUNT`` = N > 0 (N proxies of ours in
    front), the Nth address from the right of X-Forwarded-For is the client,
    with any port, brackets or zone taken off and an IPv4-mapped IPv6
    address given as IPv4. When that hop is missing or not an address,
    REMOTE_ADDR (the proxy). Always one address, never a network: django-axes
    stores it (AXES_CLIENT_IP_CALLABLE). The per-IP limits count
    ``client_network``.
    """
    n = settings.ZY_TRUSTED_PROXY_COUNT
    if n > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= n:
            ip = _address(hops[-n])
            if ip is not None:
                return str(ip)
    return request.META.get("REMOTE_ADDR", "")


def client_network(request) -> str:
    """The client as the per-IP limits count it (str): ``client_ip``, and an IPv6 address by its /64.

    A phone on a Chinese mobile network holds a whole /64 (``"2409:8a00:1:2::/64"``)
    and may use any address in it. IPv4 stays the dotted address.
    """
    return _limited_unit(client_ip(request))


@lru_cache(maxsize=4096)
def _limited_unit(address: str) -> str:
    ip = _address(address)
    if ip is None:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
