"""zhangye_utilities.postgresql: Django's PostgreSQL backend with a health check that needs no round trip."""

import selectors

import psycopg
import pytest
from django.db import connection, transaction
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asked(monkeypatch):
    """The times Django's own check (SELECT 1) was asked for."""
    calls = []
    original = DjangoWrapper.is_usable

    def is_usable(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(DjangoWrapper, "is_usable", is_usable)
    return calls


def _connected():
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return connection.connection


def test_an_idle_quiet_connection_is_usable_without_asking_the_server(asked):
    _connected()
    assert connection.is_usable() is True
    assert asked == []


def test_a_connection_the_server_dropped_is_not_usable(asked):
    conn = _connected()
    try:
        with psycopg.connect(conn.info.dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        # The server's goodbye reaches the socket: wait until it is readable (at most 10 s on a loaded machine).
        # (selectors, not select(): a long run may have more than 1,024 descriptors open, which select() refuses.)
        with selectors.DefaultSelector() as waiting:
            waiting.register(conn.pgconn.socket, selectors.EVENT_READ)
            assert waiting.select(10), "the server's goodbye never arrived"
        assert connection.is_usable() is False
        assert asked == ["default"]  # something to read: Django's SELECT 1 decided
    finally:
        connection.close()  # as close_old_connections() then does; the next use reconnects


def test_inside_a_transaction_the_server_is_asked(asked):
    _connected()
    with transaction.atomic():
        connection.cursor().execute("SELECT 1")
        assert connection.is_usable() is True
    assert asked == ["default"]


def test_no_connection_is_not_usable():
    connection.close()
    assert connection.is_usable() is False
