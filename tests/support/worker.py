"""Start a real Celery worker process against the test database and broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """DATABASE_URL of the database pytest-django created for this run (PostgreSQL)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(predicate, timeout: float = 40, interval: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until truthy; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def manage_env(**extra) -> dict:
    """Environment for a child process that must use the test database and broker."""
    env = os.environ.copy()
    env.update(DATABASE_URL=test_database_url(), ZY_KICK_SENDER="true", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@contextmanager
def celery_worker(log_dir: Path, queues: str = "", **extra_env):
    """A ``celery worker --pool=solo`` child process (on ``queues``, e.g. "exports"; default: the default
    queue, as scripts/run.sh's jobs worker); yields the Popen, stops it after."""
    log_path = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "zhangye_utilities", "worker", "--pool=solo", "--loglevel=INFO",
         "-n", f"test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
         *(["-Q", queues] if queues else [])],
        cwd=ROOT, env=manage_env(**extra_env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(lambda: "ready." in log_path.read_text() or proc.poll() is not None, timeout=60,
                 what="the worker to start")
        if proc.poll() is not None:
            raise AssertionError(f"worker exited: {log_path.read_text()[-3000:]}")
        proc.log_path = log_path
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
