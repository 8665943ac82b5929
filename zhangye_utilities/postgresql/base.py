"""Django's PostgreSQL backend, with a connection health check that needs no round trip.

With ``CONN_HEALTH_CHECKS`` (settings.py), Django checks a kept connection
before its first use in each request by sending ``SELECT 1``: a round trip
on every request. A connection PostgreSQL has dropped (restart, failover,
``pg_terminate_backend``, an idle timeout) is told so by the server, which
sends its reason and closes the socket; an idle connection is otherwise
never sent anything. So an idle connection whose socket has nothing to
read is taken as usable at no cost, and only one with something to read
(the server's goodbye, or a rare notice) or in a transaction gets the
``SELECT 1``. A connection cut without a word (a network partition) is
caught neither way: its first query fails after TCP's timeouts, as before.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    """``django.db.backends.postgresql`` with a cheaper ``is_usable``."""

    def is_usable(self) -> bool:
        """True when the connection can run a query: without a round trip when idle and quiet.

        Returns False for no connection, a closed or broken one; asks the
        server (``SELECT 1``, Django's own check) when the socket has data
        waiting or a transaction is open; else True.
        """
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status == TransactionStatus.IDLE:
            poller = select.poll()
            try:
                poller.register(conn.fileno(), select.POLLIN)
                waiting = poller.poll(0)
            except (OSError, ValueError):
                return False
            if not waiting:
                return True
        return super().is_usable()
