"""Rate limits: fixed windows per key; hits always count, reservations only when kept."""

import pytest
from django.test import RequestFactory

from issues.limits import RateLimited, admit, client_ip, client_network, hit


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "limits-test"}}
    from django.core.cache import cache

    cache.clear()


def test_five_filings_an_hour_per_phone():
    t = 1_800_000_000.0  # an hour boundary is at a multiple of 3600
    for _ in range(5):
        hit("file_phone", "+8613800000000", now=t)
    with pytest.raises(RateLimited) as exc:
        hit("file_phone", "+8613800000000", now=t + 10)
    assert exc.value.retry_after == 3591  # 1_800_000_000 is 500,000 hours exactly: 3600 - 10 + 1
    hit("file_phone", "+8613900000000", now=t + 10)  # another phone is not affected
    hit("file_phone", "+8613800000000", now=t + 3600)  # the next hour


def test_twenty_a_day_per_phone():
    day = 86400 * 20833  # a day boundary
    for hour in range(4):
        for _ in range(5):
            hit("file_phone", "p", now=day + hour * 3600)
    with pytest.raises(RateLimited):
        hit("file_phone", "p", now=day + 5 * 3600)


def test_client_ip_behind_one_proxy(settings):
    settings.ZY_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "203.0.113.9"  # a spoofed first hop is ignored
    settings.ZY_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"


@pytest.mark.parametrize("remote, counted", [
    ("2409:8a00:1c20:5a1::1", "2409:8a00:1c20:5a1::/64"),
    ("2409:8a00:1c20:5a1:ffff:ffff:ffff:fffe", "2409:8a00:1c20:5a1::/64"),
    ("2409:8a00:1c20:5a2::1", "2409:8a00:1c20:5a2::/64"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("203.0.113.9", "203.0.113.9"),
    ("not-an-address", "not-an-address"),
])
def test_an_ipv6_client_counts_as_its_64_network(settings, remote, counted):
    settings.ZY_TRUSTED_PROXY_COUNT = 0
    assert client_network(RequestFactory().get("/", REMOTE_ADDR=remote)) == counted


@pytest.mark.parametrize("hop, address, counted", [
    ("203.0.113.9:51234", "203.0.113.9", "203.0.113.9"),
    ("[2409:8a00:1c20:5a1::7]", "2409:8a00:1c20:5a1::7", "2409:8a00:1c20:5a1::/64"),
    ("[2409:8a00:1c20:5a1::7]:443", "2409:8a00:1c20:5a1::7", "2409:8a00:1c20:5a1::/64"),
    ("fe80::1%eth0", "fe80::1", "fe80::/64"),
    ("::ffff:203.0.113.9", "203.0.113.9", "203.0.113.9"),
    ("garbage", "10.0.0.2", "10.0.0.2"),  # not an address: the proxy's own
])
def test_what_a_proxy_writes_is_read_as_one_address(settings, hop, address, counted):
    # Ports, brackets and zones do not make a new client (they let lookups past the limit).
    settings.ZY_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=hop, REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == address
    assert client_network(request) == counted


def test_tracking_lookups_from_one_ipv6_64_share_one_limit(client, world, settings, frozen):
    # A phone may use any address of its /64: 25 addresses there are one client (limit 10 a minute).
    # (Time stands still: the 12 lookups once straddled a minute's boundary and two windows took them.)
    settings.ZY_TRUSTED_PROXY_COUNT = 0
    codes = [client.post("/track/", {"code": "ZY20261130999999", "phone": "13800000000"},
                         REMOTE_ADDR=f"2409:8a00:1c20:5a1::{n:x}").status_code for n in range(1, 13)]
    assert codes == [404] * 10 + [429] * 2
    other = client.post("/track/", {"code": "ZY20261130999999", "phone": "13800000000"}, REMOTE_ADDR="2409:8a00:1c20:5a2::1")
    assert other.status_code == 404


def test_reserved_counts_are_given_back_when_the_action_fails():
    t = 1_800_000_000.0
    for _ in range(10):
        admit(reserve=[("file_phone", "victim")], now=t).release()  # refused attempts leave nothing counted
    kept = [admit(reserve=[("file_phone", "victim")], now=t) for _ in range(5)]
    with pytest.raises(RateLimited) as exc:
        admit(reserve=[("file_phone", "victim")], now=t + 10)
    assert (exc.value.rule, exc.value.retry_after) == ("file_phone", 3591)
    kept[0].release()
    kept[0].release()  # a second release gives nothing more back
    admit(reserve=[("file_phone", "victim")], now=t + 20)  # the one given back is free again
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "victim")], now=t + 30)


def test_a_reservation_refused_by_another_limit_is_given_back(settings):
    settings.ZY_RATE_LIMITS = {**settings.ZY_RATE_LIMITS, "file_ip": [(1, 3600)]}
    t = 1_800_000_000.0
    admit(hits=[("file_ip", "203.0.113.9")], reserve=[("file_phone", "p")], now=t)
    with pytest.raises(RateLimited) as exc:  # the IP's second filing: refused, the phone's reservation given back
        admit(hits=[("file_ip", "203.0.113.9")], reserve=[("file_phone", "p")], now=t)
    assert exc.value.rule == "file_ip"
    for n in range(4):  # so the phone has 4 of its 5 left
        admit(hits=[("file_ip", f"198.51.100.{n}")], reserve=[("file_phone", "p")], now=t)
    with pytest.raises(RateLimited) as exc:
        admit(hits=[("file_ip", "198.51.100.99")], reserve=[("file_phone", "p")], now=t)
    assert exc.value.rule == "file_phone"


def test_a_reservation_is_given_back_when_its_block_raises():
    t = 1_800_000_000.0
    for _ in range(5):
        with pytest.raises(ValueError), admit(reserve=[("file_phone", "p")], now=t):
            raise ValueError("the filing failed")
    for _ in range(5):
        with admit(reserve=[("file_phone", "p")], now=t):
            pass  # kept
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], now=t)


def test_an_action_admitted_again_under_the_same_once_key_reserves_nothing():
    t = 1_800_000_000.0
    for _ in range(4):
        admit(reserve=[("file_phone", "p")], once=None, now=t)
    first = admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # the 5th of 5
    admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # a double click: not refused, not counted
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], once="file:other", now=t)  # a new filing is over the limit
    first.release()  # the first failed after all: its count and its key are free again
    second = admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # reserves again (5 of 5)
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], once="file:other", now=t)
    second.release()


def test_a_copy_of_a_done_action_gets_its_result_and_counts_nothing():
    from issues.limits import admit_once

    t = 1_800_000_000.0
    first, found = admit_once([], [("file_phone", "p")], "file:k", first=lambda: None, now=t)
    assert found is None  # the first copy acts
    copy, found = admit_once([], [("file_phone", "p")], "file:k", first=lambda: "ZY1", now=t)
    assert found == "ZY1" and not copy.repeat  # the copy gets the first's filing
    for _ in range(4):  # the phone used 1 of 5
        admit(reserve=[("file_phone", "p")], now=t)
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], now=t)


def test_a_copy_waits_for_the_first_and_acts_against_the_limit_only_if_the_first_fails(monkeypatch):
    """The race behind a pair of one invalid and one valid copy: the valid copy must not file uncounted."""
    import threading

    from issues import limits

    monkeypatch.setattr(limits, "ONCE_POLL", 0.01)
    t = 1_800_000_000.0
    for _ in range(4):
        admit(reserve=[("file_phone", "p")], now=t)
    first = admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # 5 of 5, in flight
    outcome = []
    copy = threading.Thread(target=lambda: outcome.append(
        _admit_or_refusal(lambda: limits.admit_once([], [("file_phone", "p")], "file:k", first=lambda: None, now=t))))
    copy.start()
    with pytest.raises(RateLimited):  # meanwhile another filing is refused: the slot is the first's
        admit(reserve=[("file_phone", "p")], once="file:other", now=t)
    first.release()  # the first failed: its slot is free, and the waiting copy takes it, against the limit
    copy.join(timeout=5)
    assert outcome == ["admitted"]
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], once="file:third", now=t)


def test_a_copy_whose_first_never_ends_is_told_to_try_again(monkeypatch):
    from issues import limits

    monkeypatch.setattr(limits, "ONCE_WAIT", 0.1)
    monkeypatch.setattr(limits, "ONCE_POLL", 0.01)
    t = 1_800_000_000.0
    admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # its request died holding the key
    with pytest.raises(RateLimited) as exc:
        limits.admit_once([], [("file_phone", "p")], "file:k", first=lambda: None, now=t)
    assert (exc.value.rule, exc.value.retry_after) == ("once", 29)  # the key is surely free 30 s after it was taken


def _admit_or_refusal(call) -> str:
    try:
        reservation, found = call()
    except RateLimited:
        return "refused"
    return "admitted" if found is None and not reservation.repeat else f"found {found}"


def test_a_refused_action_does_not_take_its_once_key():
    t = 1_800_000_000.0
    for _ in range(5):
        admit(reserve=[("file_phone", "p")], now=t)
    for _ in range(2):  # both refused: the first refusal left the key free
        with pytest.raises(RateLimited):
            admit(reserve=[("file_phone", "p")], once="file:k", now=t)


def test_giving_back_never_goes_below_zero_nor_makes_a_counter():
    from django.core.cache import cache

    from issues.limits import _windows

    t = 1_800_000_000.0
    reservation = admit(reserve=[("file_phone", "p")], now=t)
    cache.clear()  # the cache lost its data (a Redis restart) before the filing failed
    reservation.release()
    keys = [k for _rule, _start, k in _windows("file_phone", "p", t)]
    assert [cache.get(k) for k in keys] == [None, None]
    for _ in range(5):  # the phone has its whole quota, no more
        admit(reserve=[("file_phone", "p")], now=t)
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], now=t)


@pytest.mark.django_db
def test_on_the_database_cache_a_window_lasts_its_whole_period(settings):
    """The embedded default's cache: its incr would store the count for 5 minutes only."""
    import time_machine

    from django.core.management import call_command

    from zhangye_utilities.settings import DATABASE_CACHE

    settings.CACHES = {"default": DATABASE_CACHE}

    call_command("createcachetable", verbosity=0)
    start = 1_800_000_000.0  # an hour boundary
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            admit(reserve=[("file_phone", "p")])
        clock.shift(50 * 60)  # 50 minutes on: the same hour, long past the cache's default 300 s
        with pytest.raises(RateLimited) as exc:
            admit(reserve=[("file_phone", "p")])
        assert exc.value.retry_after == 601
        clock.shift(10 * 60)  # the next hour
        admit(reserve=[("file_phone", "p")])


@pytest.mark.django_db
def test_on_the_database_cache_many_residents_do_not_push_counters_out(settings):
    """Django's default of 300 entries would cull a third of them, by key, whenever it is full."""
    from django.core.management import call_command

    from zhangye_utilities.settings import DATABASE_CACHE

    settings.CACHES = {"default": DATABASE_CACHE}
    call_command("createcachetable", verbosity=0)
    t = 1_800_000_000.0
    for _ in range(5):
        admit(reserve=[("file_phone", "+8613800000000")], now=t)
    for n in range(200):  # 400 more counters: 200 phones, each with an hour and a day
        admit(reserve=[("file_phone", f"+86139{n:08d}")], now=t)
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "+8613800000000")], now=t)


@pytest.mark.parametrize("backend", ["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def test_concurrent_hits_never_exceed_the_limit(backend, request):
    import threading

    if backend == "redis":
        request.getfixturevalue("redis_cache")

    t = 1_800_000_000.0
    outcomes = []
    barrier = threading.Barrier(10)

    def go(n):
        barrier.wait()
        try:
            if n % 2:
                hit("file_phone", "same-phone", now=t)
            else:  # a reservation (filings per phone) is just as strict
                admit(reserve=[("file_phone", "same-phone")], now=t)
            outcomes.append("ok")
        except RateLimited:
            outcomes.append("limited")

    threads = [threading.Thread(target=go, args=(n,)) for n in range(10)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    assert outcomes.count("ok") == 5 and outcomes.count("limited") == 5




@pytest.mark.redis
def test_on_redis_one_round_trip_counts_hits_and_reserves(redis_cache):
    t = 1_800_000_000.0
    for _ in range(60):
        admit(hits=[("file_ip", "203.0.113.9")], reserve=[("file_phone", "+8613800000000")], now=t).release()
    with pytest.raises(RateLimited) as exc:  # the 61st filing from that IP in the hour
        admit(hits=[("file_ip", "203.0.113.9")], reserve=[("file_phone", "+8613800000000")], now=t + 100)
    assert (exc.value.rule, exc.value.retry_after) == ("file_ip", 3501)
    for _ in range(5):
        admit(reserve=[("file_phone", "+8613800000000")], now=t)  # kept
    with pytest.raises(RateLimited) as exc:  # a fresh IP, but the phone's hour is used up
        admit(hits=[("file_ip", "198.51.100.7")], reserve=[("file_phone", "+8613800000000")], now=t + 100)
    assert (exc.value.rule, exc.value.retry_after) == ("file_phone", 3501)
    from issues.limits import _windows

    hour = next(k for rule, _start, k in _windows("file_phone", "+8613800000000", t) if rule.period == 3600)
    assert redis_cache.get(hour) == 5  # Django's own cache API reads the script's counters; refusals given back
    client = redis_cache._cache.get_client(write=True)
    ttls = sorted(client.ttl(k) for k in client.scan_iter("*zy-rl:*") if k.decode().startswith(redis_cache.key_prefix))
    assert len(ttls) == 4  # two IPs (hour), the phone (hour, day)
    assert all(0 < ttl <= 86405 for ttl in ttls) and sum(ttl <= 3605 for ttl in ttls) == 3


@pytest.mark.redis
def test_on_redis_once_keys_and_giving_back_after_data_loss(redis_cache):
    from issues.limits import _windows

    t = 1_800_000_000.0
    hour = next(k for rule, _start, k in _windows("file_phone", "p", t) if rule.period == 3600)
    for _ in range(4):
        admit(reserve=[("file_phone", "p")], now=t)
    first = admit(reserve=[("file_phone", "p")], once="file:k", now=t)
    copy = admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # a double click: not refused, not counted
    assert copy.repeat and redis_cache.get(hour) == 5
    with pytest.raises(RateLimited):
        admit(reserve=[("file_phone", "p")], once="file:other", now=t)
    assert redis_cache.get(hour) == 5  # the refused one was taken back in the same step
    first.release()  # the first failed: the key and the slot are free for the copy, which must admit anew
    assert redis_cache.get(hour) == 4
    again = admit(reserve=[("file_phone", "p")], once="file:k", now=t)
    assert not again.repeat and redis_cache.get(hour) == 5
    lost = admit(reserve=[("file_phone", "q")], now=t)
    redis_cache.clear()  # Redis lost its data before the filing failed
    lost.release()
    assert [redis_cache.get(k) for _r, _s, k in _windows("file_phone", "q", t)] == [None, None]  # nothing below 0


@pytest.mark.redis
def test_where_redis_refuses_scripts_the_limits_still_count(settings, caplog):
    """A Redis user without @scripting (an ACL, or a service without EVAL): same limits, by pipeline."""
    import os
    import uuid
    from urllib.parse import urlsplit

    import redis as redis_py
    from django.core.cache import caches

    url = urlsplit(os.environ["REDIS_URL"])
    admin = redis_py.Redis.from_url(os.environ["REDIS_URL"])
    user, password = f"zy-noscript-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    admin.acl_setuser(user, enabled=True, passwords=[f"+{password}"], keys=["*"], channels=["*"],
                      commands=["+@all", "-@scripting"])
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://{user}:{password}@{url.hostname}:{url.port or 6379}{url.path}",
                                   "KEY_PREFIX": prefix}}
    try:
        t = 1_800_000_000.0
        for _ in range(60):
            admit(hits=[("file_ip", "203.0.113.9")], now=t)
        with pytest.raises(RateLimited) as exc:  # the 61st from that IP in the hour: refused, not let through
            admit(hits=[("file_ip", "203.0.113.9")], now=t + 100)
        assert (exc.value.rule, exc.value.retry_after) == ("file_ip", 3501)
        for _ in range(3):
            admit(reserve=[("file_phone", "p")], now=t).release()  # given back through the pipeline too
        for _ in range(4):
            admit(reserve=[("file_phone", "p")], now=t)
        admit(reserve=[("file_phone", "p")], once="file:k", now=t)
        admit(reserve=[("file_phone", "p")], once="file:k", now=t)  # a repeat reserves nothing here too
        with pytest.raises(RateLimited) as exc:
            admit(reserve=[("file_phone", "p")], now=t)
        assert exc.value.rule == "file_phone"
        assert "Redis refuses scripts" in caplog.text
        assert "unreachable" not in caplog.text
    finally:
        for key in admin.scan_iter(f"{prefix}:*"):
            admin.delete(key)
        admin.acl_deluser(user)
        caches["default"].close()


@pytest.mark.redis
def test_a_hung_redis_holds_a_filing_about_a_second_not_five(settings, caplog):
    """A Redis that accepts connections and never answers (a stopped process, a partition) held every
    filing and staff action for redis-py's default 5 s; the settings give it up after 1 s."""
    import socket
    import time

    from django.core.cache import caches

    from zhangye_utilities import settings as project

    options = project.CACHES["default"]["OPTIONS"]  # the project's, as REDIS_URL set them (this module uses locmem)
    assert options == {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    silent = socket.create_server(("127.0.0.1", 0))  # listens (the kernel accepts), never reads or answers
    try:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                                       "OPTIONS": options}}
        started = time.monotonic()
        reservation = admit(hits=[("file_ip", "203.0.113.9")], reserve=[("file_phone", "+8613800000000")])
        waited = time.monotonic() - started
    finally:
        caches["default"].close()
        silent.close()
    assert reservation.repeat is False  # let through, unguarded, as a Redis that is down does
    assert 0.9 <= waited < 3.0, waited
    assert "rate-limit counters unreachable" in caplog.text
