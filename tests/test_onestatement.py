"""The filing's one-statement write on PostgreSQL (issues.onestatement) against the ORM's own inserts."""

import time
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict

from issues import onestatement
from issues.choices import EventKind, Status
from issues.models import Issue, IssueEvent, Notification, RoutingRule

from .conftest import local

pytestmark = pytest.mark.postgres


def _file(world, file_issue, **kw):
    return file_issue(category=world.gas_leak, description="楼道里有很浓的燃气味", latitude="38.9321456",
                      longitude="100.4498765", now=local(2026, 11, 30, 9, 0, 0, 123456), **kw)


def _rows(issue):
    """Everything the filing wrote, without ids and what is unique per filing."""
    unique = {"id", "tracking_code", "idempotency_key", "issue"}
    events = [{k: v for k, v in model_to_dict(e).items() if k not in unique} for e in issue.events.order_by("id")]
    notes = [{k: v for k, v in model_to_dict(n).items() if k not in unique | {"reference", "body"}}
             for n in Notification.objects.filter(issue=issue).order_by("id")]
    fields = {k: v for k, v in model_to_dict(Issue.objects.get(pk=issue.pk)).items() if k not in unique}
    return fields, events, notes


def _statements(monkeypatch):
    """Count the statements sent through a server-binding cursor (the one-statement write's)."""
    sent = []
    original = psycopg.Cursor.execute

    def execute(self, query, params=None, **kw):
        if type(self) is psycopg.Cursor:
            sent.append(query)
        return original(self, query, params, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    return sent


def test_one_statement_writes_what_the_orm_writes(world, file_issue, monkeypatch):
    RoutingRule.objects.create(category=world.gas_leak, utility="gas", district=world.ganzhou,
                               unit=world.gas_gz, auto_assign=True)
    sent = _statements(monkeypatch)
    fast = _file(world, file_issue, idempotency_key="k-fast")
    # Two statements: the day's counter (with the new ids), then every row.
    assert len(sent) == 2 and sent[0].startswith("WITH c AS (INSERT INTO issues_dailysequence")
    assert sent[1].startswith("WITH w0 AS (INSERT INTO \"issues_issue\"")
    # Both are prepared on the server (parsed once per connection, not per filing).
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cur.fetchall()]
    assert any(q.startswith("WITH c AS (INSERT INTO issues_dailysequence") for q in prepared)
    assert any(q.startswith("WITH w0 AS (INSERT INTO \"issues_issue\"") for q in prepared)
    monkeypatch.setattr(onestatement, "supported", lambda: False)
    orm = _file(world, file_issue, idempotency_key="k-orm")
    assert len(sent) == 2  # the ORM path does not use them

    assert _rows(fast) == _rows(orm)
    issue = Issue.objects.get(pk=fast.pk)
    # Hand-written expectations, so that both paths cannot be wrong together.
    assert issue.filed_at == local(2026, 11, 30, 9, 0, 0, 123456)  # microseconds kept
    assert (issue.latitude, issue.longitude) == (Decimal("38.932146"), Decimal("100.449877"))
    assert (issue.status, issue.lead_unit, issue.first_assigned_at) == (Status.ASSIGNED, world.gas_gz, issue.filed_at)
    events = list(issue.events.order_by("id"))
    assert [(e.kind, e.from_status, e.to_status, e.actor_label) for e in events] == [
        (EventKind.SUBMITTED, "", Status.NEW, "居民"), (EventKind.ASSIGNED, Status.NEW, Status.ASSIGNED, "自动分派")]
    assert events[0].data["deadlines"]["dispatch_due"] == issue.dispatch_due.astimezone(
        local(2026, 1, 1).tzinfo).isoformat()
    assert events[1].data["lead_unit"] == world.gas_gz.pk
    sms = Notification.objects.get(issue=issue, kind="resident.filed")
    assert sms.reference == f"event:{events[0].pk}" and sms.recipient == "+8613800000000"
    assert f"编号{issue.tracking_code}" in sms.body
    # The saved instance behaves as one loaded from the database.
    fast.community = "新小区"
    fast.save(update_fields=["community"])
    assert Issue.objects.get(pk=fast.pk).community == "新小区"


def test_a_conflict_writes_nothing_of_the_statement(world, file_issue):
    first = file_issue(idempotency_key="same")
    issue = Issue(**{f.attname: getattr(first, f.attname) for f in Issue._meta.concrete_fields if not f.primary_key})
    issue.pk = first.pk + 1000
    issue.tracking_code = "ZY20990101000001"  # new, but the idempotency key is taken
    event = IssueEvent(issue=issue, kind=EventKind.SUBMITTED, actor_label="居民")
    event.pk = 987654
    before = (Issue.objects.count(), IssueEvent.objects.count())
    with pytest.raises(IntegrityError), transaction.atomic():  # a savepoint: the test runs inside a transaction
        onestatement.insert([([issue], False), ([event], False)])
    assert (Issue.objects.count(), IssueEvent.objects.count()) == before
    assert not IssueEvent.objects.filter(pk=987654).exists()


def test_ignored_conflicts_drop_only_the_duplicate_row(world, file_issue):
    issue = file_issue()
    row = Notification.objects.get(issue=issue)
    twin = Notification(issue=issue, kind=row.kind, reference=row.reference, recipient=row.recipient, body="again")
    other = Notification(issue=issue, kind="resident.codes", reference="resend:1", recipient=row.recipient, body="x")
    onestatement.insert([([twin, other], True)])
    assert sorted(Notification.objects.filter(issue=issue).values_list("kind", "body")) == [
        ("resident.codes", "x"), ("resident.filed", row.body)]


def test_mixed_rows_in_one_group_are_refused(world, file_issue):
    issue = file_issue()
    with_pk = Notification(issue=issue, kind="a", reference="r", recipient="x", body="b")
    with_pk.pk = 5555
    without = Notification(issue=issue, kind="a", reference="s", recipient="x", body="b")
    with pytest.raises(ValueError):
        onestatement.insert([([with_pk, without], True)])
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_the_counter_commits_without_waiting_for_the_disk_only_outside_a_transaction(monkeypatch):
    from datetime import date

    from issues.workflow import _next_tracking_code

    sent = _statements(monkeypatch)
    code, ids = _next_tracking_code(date(2026, 11, 30), [(Issue, 1), (IssueEvent, 2)])
    assert code == "ZY20261130000001" and [len(i) for i in ids] == [1, 2] and ids[1][1] == ids[1][0] + 1
    assert "set_config('synchronous_commit', 'off', true)" in sent[0]
    with connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")  # local to the counter's own transaction: back on after it
        assert cur.fetchone()[0] == "on"
    with transaction.atomic():  # inside a caller's transaction it must not touch the caller's commit
        assert _next_tracking_code(date(2026, 11, 30), [(Issue, 1)])[0] == "ZY20261130000002"
        assert "set_config" not in sent[1]


@pytest.mark.django_db(transaction=True)
def test_a_filing_after_the_database_dropped_the_connection_reconnects(world, file_issue):
    """PostgreSQL restarted (or a proxy cut idle connections) while gunicorn kept its
    connection (CONN_MAX_AGE): the next request's filing reconnects, no 500."""
    from django.db import close_old_connections

    first = file_issue()
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    time.sleep(0.1)  # the server's goodbye reaches the socket (zhangye_utilities.postgresql looks for it)
    close_old_connections()  # what every request starts with
    second = file_issue(phone="13900000000")
    assert second.tracking_code == first.tracking_code[:-6] + "000002"
    assert Issue.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_filing_after_a_migration_changed_a_returned_column_type_prepares_again(world, file_issue):
    """A migration changed the counter's column type while gunicorn kept its connection and
    prepared statements: PostgreSQL refuses the old plan ("cached plan must not change result
    type"); the filing drops the stale statements and goes through."""
    first = file_issue()
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as admin:
        admin.execute("ALTER TABLE issues_dailysequence ALTER COLUMN last TYPE bigint")
        try:
            second = file_issue(phone="13900000000")
        finally:
            admin.execute("ALTER TABLE issues_dailysequence ALTER COLUMN last TYPE integer")
    assert second.tracking_code == first.tracking_code[:-6] + "000002"
    assert Issue.objects.count() == 2
    connection.close()  # its prepared statements name a column type that changed back
