"""SMS backends for tests: one that fails, one that blocks until the worker is killed."""

import os
import time
from pathlib import Path

from issues.notifications import SmsBackend


class FailingSmsBackend(SmsBackend):
    """Always raises, as a gateway outage would."""

    def send(self, phone, body, idempotency_key):
        raise ConnectionError("gateway unreachable")


class BlockingSmsBackend(SmsBackend):
    """Writes ZY_TEST_MARKER (the row id) and then blocks, so a test can SIGKILL the worker mid-send."""

    def send(self, phone, body, idempotency_key):
        Path(os.environ["ZY_TEST_MARKER"]).write_text(idempotency_key)
        time.sleep(600)
        raise RuntimeError("should have been killed")
