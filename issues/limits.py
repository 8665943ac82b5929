"""Rate limits on public actions (DESIGN.md, Access and answers).

Defaults (settings.ZY_RATE_LIMITS, editable per deployment): per phone 5
filings an hour and 20 a day; per IP 60 filings an hour; tracking lookups 10
a minute per IP; code resends 3 an hour per phone. Counters live in the
Django cache (Redis in production, the database cache on the embedded
default), in fixed windows. Pages answer a friendly page, the API 429.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


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


def check(name: str, key: str, now: float | None = None) -> None:
    """Raise RateLimited if any window of ``name`` for ``key`` is full; counts nothing.

    Pair with ``count`` after the action succeeded, for limits that must
    count only accepted actions (filings per phone: a stranger's refused
    attempts must not use up a resident's quota).
    """
    now = time.time() if now is None else now
    for rule, start, cache_key in _windows(name, key, now):
        if cache.get(cache_key, 0) >= rule.limit:
            raise RateLimited(name, int(start + rule.period - now) + 1)


def count(name: str, key: str, now: float | None = None) -> None:
    """Count one accepted action of ``name`` for ``key`` in every window (atomic increments)."""
    now = time.time() if now is None else now
    for rule, _start, cache_key in _windows(name, key, now):
        cache.add(cache_key, 0, timeout=rule.period + 5)
        try:
            cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=rule.period + 5)


def hit(name: str, key: str, now: float | None = None) -> None:
    """Count one action of kind ``name`` (e.g. "track_ip") for ``key`` (a phone, an IP), refusing over the limit.

    The increment comes first and is atomic (Redis INCR), so concurrent
    requests cannot all slip under the limit; a refused request stays
    counted. Raises RateLimited with the seconds until the fullest window
    resets. Keys are hashed, so phone numbers never appear in the cache.
    """
    now = time.time() if now is None else now
    over = None
    for rule, start, cache_key in _windows(name, key, now):
        cache.add(cache_key, 0, timeout=rule.period + 5)
        try:
            value = cache.incr(cache_key)
        except ValueError:
            cache.add(cache_key, 1, timeout=rule.period + 5)
            value = 1
        if value > rule.limit:
            retry = int(start + rule.period - now) + 1
            over = max(over or 0, retry)
    if over is not None:
        raise RateLimited(name, over)


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
