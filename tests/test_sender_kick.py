"""The sender kick (notifications.Kicker): off the caller's thread, bursts coalesced, none lost.

The end-to-end proof that a kick reaches a real worker is test_worker_e2e
(no beat runs there: the tracking-code SMS goes out only because of it).
"""

import os
import threading
import time
from pathlib import Path

from issues import notifications
from issues.notifications import Kicker

INTERVAL = 0.2


class Recorder:
    """A publish() that records each call (time, thread name, thread id); ``hold``: the first call
    (``hold="first"``) or every call (True) waits until ``release`` is set."""

    def __init__(self, hold=False):
        self.calls: list[tuple[float, str, int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.hold = hold
        if not hold:
            self.release.set()

    def __call__(self):
        self.calls.append((time.monotonic(), threading.current_thread().name, threading.get_ident()))
        self.started.set()
        if self.hold is True or (self.hold == "first" and len(self.calls) == 1):
            assert self.release.wait(10), "the test never released publish()"


def wait_until(test, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_kick_returns_at_once_and_the_task_is_published_from_the_kickers_thread():
    publish = Recorder(hold=True)  # a broker that never answers
    kicker = Kicker(publish, INTERVAL)
    kicker.kick()  # would never return if it published on this thread
    assert publish.started.wait(5)
    assert publish.calls[0][1] == "zy-sender-kicker"
    publish.release.set()


def test_a_burst_of_kicks_costs_one_task_then_one_more_after_the_interval():
    publish = Recorder(hold=True)
    kicker = Kicker(publish, INTERVAL)
    kicker.kick()
    assert publish.started.wait(5)  # the first task is being published
    for _ in range(49):  # 49 more filings commit meanwhile
        kicker.kick()
    released = time.monotonic()
    publish.release.set()
    wait_until(lambda: len(publish.calls) == 2)
    assert publish.calls[1][0] - released >= INTERVAL * 0.9  # not before the interval is over
    time.sleep(INTERVAL * 3)
    assert len(publish.calls) == 2  # the 49 kicks were served by that one task
    kicker.kick()  # a quiet process: the next kick gets its own task
    wait_until(lambda: len(publish.calls) == 3)


def test_a_failing_publish_does_not_stop_later_kicks(caplog):
    calls = []

    def publish():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("broker gone")

    kicker = Kicker(publish, 0.01, retry_after=0.05)
    kicker.kick()
    wait_until(lambda: len(calls) == 2)  # the failed kick is tried again by itself
    assert "sender kick failed" in caplog.text
    kicker.kick()
    wait_until(lambda: len(calls) == 3)


def test_a_kick_whose_broker_was_down_is_published_once_it_is_back():
    # Rows filed during a broker outage stayed pending until another filing or the beat (breaker round 3).
    answers = [False, False, None]  # _publish_send_notifications returns False when the broker is unreachable
    calls = []

    def publish():
        calls.append(time.monotonic())
        return answers[len(calls) - 1] if len(calls) <= len(answers) else None

    kicker = Kicker(publish, 0.01, retry_after=0.1)
    kicker.kick()
    wait_until(lambda: len(calls) == 3)
    assert calls[1] - calls[0] >= 0.09 and calls[2] - calls[1] >= 0.09  # tried again after retry_after
    time.sleep(0.3)
    assert len(calls) == 3  # published: no more tries


def test_flush_publishes_a_kick_the_thread_has_not_served_yet():
    publish = Recorder(hold="first")
    kicker = Kicker(publish, INTERVAL)
    kicker.flush()
    assert publish.calls == []  # nothing waiting: nothing to publish
    kicker.kick()
    assert publish.started.wait(5)  # the thread is busy with the first kick
    kicker.kick()  # a second filing commits; the process then exits
    kicker.flush()
    assert [name for _t, name, _i in publish.calls] == ["zy-sender-kicker", "zy-sender-flush"]
    publish.release.set()
    time.sleep(INTERVAL * 2)
    assert len(publish.calls) == 2  # the flushed kick is not published a second time


def test_flush_publishes_when_the_threads_publish_is_still_under_way():
    # The process exited between the thread taking the kick and its task reaching the broker: the
    # task was lost (breaker: a recycled gunicorn worker's last filing waited for the beat).
    publish = Recorder(hold="first")
    kicker = Kicker(publish, INTERVAL)
    kicker.kick()
    assert publish.started.wait(5)
    kicker.flush()
    assert [name for _t, name, _i in publish.calls] == ["zy-sender-kicker", "zy-sender-flush"]
    publish.release.set()


def test_a_hung_publish_does_not_leave_later_kicks_unserved(caplog):
    # A broker connection gone half-open blocked the thread in its publish for ever, and every later
    # kick of the process went unserved, silently (breaker).
    publish = Recorder(hold="first")
    kicker = Kicker(publish, 0.01, stuck_after=0.3)
    kicker.kick()
    assert publish.started.wait(5)
    kicker.kick()  # still within stuck_after: the hung thread is given its time
    time.sleep(0.1)
    assert len(publish.calls) == 1
    time.sleep(0.3)
    kicker.kick()
    wait_until(lambda: len(publish.calls) == 2)
    assert publish.calls[1][2] != publish.calls[0][2]  # a new thread published
    assert "a new thread takes the kicks over" in caplog.text
    publish.release.set()  # the old publish returns at last: that thread ends, the new one stays
    time.sleep(0.1)
    served = len(publish.calls)  # 2 or 3: a kick that came as the new thread started gets its own task
    kicker.kick()
    wait_until(lambda: len(publish.calls) == served + 1)
    time.sleep(0.1)
    assert len(publish.calls) == served + 1  # one task for one kick: only one thread serves them now
    assert {ident for _t, _n, ident in publish.calls[1:]} == {publish.calls[1][2]}


def test_kick_sender_follows_the_setting(settings, monkeypatch):
    publish = Recorder()
    monkeypatch.setattr(notifications._kicker, "_publish", publish)
    settings.ZY_KICK_SENDER = False
    notifications.kick_sender()
    time.sleep(INTERVAL * 2)
    assert publish.calls == []
    settings.ZY_KICK_SENDER = True
    notifications.kick_sender()
    wait_until(lambda: len(publish.calls) == 1)


def test_a_forked_worker_starts_its_own_kicker_thread(monkeypatch):
    read_end, write_end = os.pipe()

    def publish():
        os.write(write_end, f"{os.getpid()}\n".encode())

    monkeypatch.setattr(notifications._kicker, "_publish", publish)
    notifications._kicker.kick()  # the parent's thread exists now
    time.sleep(INTERVAL * 2)
    pid = os.fork()
    if pid == 0:  # the child: as a gunicorn worker forked from a master that had kicked
        try:
            notifications._kicker.kick()
            time.sleep(1)
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as out:
        pids = [int(line) for line in out.read().split()]
    assert pids == [os.getpid(), pid]


def test_a_publish_to_a_broker_that_never_answers_gives_up(tmp_path):
    # A half-open broker connection blocked the kicker's publish for ever, and with it, once the
    # producer pool's ten connections were each stuck so, every later kick (breaker round 2).
    import socket
    import subprocess
    import sys

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # accepts connections in the kernel, never answers: a frozen broker
    port = listener.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="zhangye_utilities.settings", DATA_DIR=str(tmp_path),
               CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0", ZY_BROKER_SOCKET_TIMEOUT="0.5")
    code = ("import django, time; django.setup()\n"
            "from issues.tasks import send_notifications\n"
            "t = time.monotonic()\n"
            "try:\n    send_notifications.delay()\nexcept Exception as exc:\n"
            "    print(type(exc).__name__, round(time.monotonic() - t))\n")
    try:
        out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, env=env,
                             capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    assert out.returncode == 0, out.stderr
    name, seconds = out.stdout.split()
    assert name in ("OperationalError", "TimeoutError", "ConnectionError") and int(seconds) < 30, out.stdout
