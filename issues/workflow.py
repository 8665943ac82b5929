"""Every status change of an issue: one guarded function per transition.

This module is the only writer of ``Issue.status``, the units and the
deadlines; web views, the API, admin actions and Celery tasks all call it.
Each function:

1. locks the issue row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
   the IMMEDIATE transaction mode set in settings serialises writers) inside
   the scope of the actor, and answers ``NotFound`` (404) outside it;
2. checks the actor's role and relation to the issue → ``Forbidden`` (403);
3. checks the issue's state → ``Conflict`` (409, also the loser of a race);
4. checks the input → ``Invalid`` (400, a message per field);
5. writes the change and exactly one IssueEvent in one transaction, and
   sends ``event_committed`` once the transaction commits (notifications
   listen to it).

The rules are DESIGN.md's "Statuses and transitions". Every function takes
keyword arguments, an ``actor`` (see ``Actor``) and an optional ``now``
(aware datetime, default the current time) and returns the updated Issue
(or the created object, where said).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Model, Q, Value
from django.db.models.functions import Cast, Concat
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.scope import visible_issues

from . import deadlines as dl
from . import measures, notifications, onestatement, reference
from .choices import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    AppealDecision,
    Channel,
    Decision,
    EventKind,
    RaterKind,
    Role,
    Satisfaction,
    Status,
    SupervisionLevel,
    WORKING_STATUSES,
)
from .models import (
    Appeal,
    ApiClient,
    Category,
    DailySequence,
    District,
    ExtensionRequest,
    Follower,
    Issue,
    IssueEvent,
    Notification,
    PlanProgress,
    Rating,
    RectificationPlan,
    SmsMessage,
    SupervisionOrder,
    Unit,
)
from .routing import route
from .validation import (FieldError, clean_community, clean_name, clean_text, is_blank, normalize_phone,
                         number_as_typed)

log = logging.getLogger(__name__)

# Sent after the transaction that wrote an IssueEvent commits; kwargs:
# ``event`` (IssueEvent). Notification code connects here.
event_committed = Signal()

DESCRIPTION_MAX = 2000
# Dates a person sets (extension, plan, supervision due time) lie within
# five years: anything later is a typo, and keeps deadline arithmetic sane.
MAX_HORIZON = timedelta(days=5 * 366)
HORIZON_MESSAGE = gettext_noop("日期不能晚于五年之后")  # translated where it is raised
NOTE_MAX = 1000
REASON_MAX = 500


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


# Notes the system writes (stored in Chinese, the record's language; ``shown_note`` gives them in the page's).
MERGED_NOTE = gettext_noop("与 %(code)s 为同一问题，已合并办理")  # a merge's reason when the dispatcher gives none
CLOSED_OUT_NOTE = gettext_noop("回访期内未评价，自动销号")
FOLLOWED_NOTE = gettext_noop("又一位居民反映了同一问题")
_MERGED_NOTE = re.compile(r"与 (ZY[0-9A-Z]+) 为同一问题，已合并办理")


def shown_note(text: str) -> str:
    """``text`` (an event's note or an issue's public reason, str) in the active language when the system
    wrote it (MERGED_NOTE, CLOSED_OUT_NOTE, FOLLOWED_NOTE); anything staff or residents wrote, unchanged."""
    if text in (CLOSED_OUT_NOTE, FOLLOWED_NOTE):
        return _(text)
    merged = _MERGED_NOTE.fullmatch(text)
    return _(MERGED_NOTE) % {"code": merged.group(1)} if merged else text


class WorkflowError(Exception):
    """Base of the domain errors; ``status_code`` is the HTTP answer."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(WorkflowError):
    """The issue does not exist or is outside the actor's scope (404)."""

    status_code = 404
    code = "not_found"


class Forbidden(WorkflowError):
    """The actor's role or unit may not take this action on this issue (403)."""

    status_code = 403
    code = "forbidden"


class Conflict(WorkflowError):
    """The issue's state does not allow the action, or another actor won (409)."""

    status_code = 409
    code = "conflict"


class Invalid(WorkflowError):
    """Bad input; ``fields`` maps each field to its messages (400)."""

    status_code = 400
    code = "invalid"


class KeyReused(Invalid):
    """An idempotency key its filer already used for a different filing (422).

    ``first`` is that filing (an Issue); ``differ`` names the fields in
    which this request differs from it. A key names one request, so a
    changed request with an old key is refused rather than answered with
    the first filing, which would silently lose it (a form sent again after
    the browser's Back and some edits). The rule and its status come from
    the IETF's Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-
    header, section 2.7: a reused key with a different payload gets 422).
    """

    status_code = 422
    code = "idempotency_key_reused"

    def __init__(self, first: Issue, differ: list[str], field: str = "idempotency_key"):
        message = _("这个幂等键已用于另一份内容不同的诉求（%(code)s），本次没有登记") % {"code": first.tracking_code}
        super().__init__(message, {field: [message]})
        self.first = first
        self.differ = differ


# --------------------------------------------------------------------------
# Actors
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, an API client, a resident (by phone) or the system.

    Build with ``Actor.of(user_or_client)``, ``Actor.resident(phone)`` or
    ``Actor.system(label)``.
    """

    user: object | None = None
    client: ApiClient | None = None
    resident_phone: str = ""
    label: str = ""

    @classmethod
    def of(cls, principal) -> "Actor":
        """Wrap an accounts.User or an ApiClient (an Actor is returned as is)."""
        if isinstance(principal, Actor):
            return principal
        if isinstance(principal, ApiClient):
            return cls(client=principal, label=principal.name)
        return cls(user=principal, label=getattr(principal, "username", ""))

    @classmethod
    def resident(cls, phone: str) -> "Actor":
        """A resident identified by their phone number (E.164 or raw)."""
        try:
            phone = normalize_phone(phone)
        except FieldError:
            pass
        return cls(resident_phone=phone, label=gettext_noop("居民"))

    @classmethod
    def system(cls, label: str = gettext_noop("系统")) -> "Actor":
        """The system itself: routing, the sweep, management commands."""
        return cls(label=label)

    @property
    def principal(self):
        """The user or client behind the actor (None for residents and the system)."""
        return self.user or self.client

    @property
    def is_system(self) -> bool:
        return self.user is None and self.client is None and not self.resident_phone

    @property
    def role(self) -> str:
        """The staff role; an API client bound to a unit acts as unit staff."""
        if self.user is not None:
            return self.user.role
        if self.client is not None and self.client.unit_id:
            return Role.UNIT_STAFF
        return ""

    @property
    def unit_id(self) -> int | None:
        if self.user is not None:
            return self.user.unit_id
        if self.client is not None:
            return self.client.unit_id
        return None


# --------------------------------------------------------------------------
# Shared steps
# --------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _lock(issue, actor: Actor) -> Issue:
    """Lock and return the issue if ``actor`` may see it; NotFound otherwise."""
    issue_id = issue.pk if isinstance(issue, Issue) else issue
    qs = Issue.objects.select_for_update(of=("self",))
    if actor.resident_phone:
        followed = Follower.objects.filter(phone=actor.resident_phone).values("issue_id")
        qs = qs.filter(Q(reporter_phone=actor.resident_phone) | Q(pk__in=followed))
    elif not actor.is_system:
        qs = visible_issues(actor.principal, qs)
    try:
        return qs.get(pk=issue_id)
    except (Issue.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("诉求不存在")) from None


def _lock_ids_in_order(*ids) -> None:
    # Lock the issues of ``ids`` (ints or None), lowest id first, so two transactions that each need
    # the same two rows queue instead of deadlocking. Locks rows whatever the scope: nothing is read.
    wanted = sorted({i for i in ids if i is not None and 0 < i < 2**63})
    if len(wanted) > 1:
        list(Issue.objects.select_for_update(of=("self",)).filter(pk__in=wanted).order_by("pk")
             .values_list("pk", flat=True))


def _require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden(_("您的角色不能执行此操作"))


def _require_lead(actor: Actor, issue: Issue) -> None:
    if actor.role != Role.UNIT_STAFF or actor.unit_id is None or actor.unit_id != issue.lead_unit_id:
        raise Forbidden(_("只有牵头单位可以执行此操作"))


def _require_person(actor: Actor) -> None:
    # Requests and appeals name the person who made them; a system cannot.
    if actor.user is None:
        raise Forbidden(_("此操作须由具体工作人员办理"))


def _require_status(issue: Issue, *statuses: str) -> None:
    if issue.status not in statuses:
        raise Conflict(_("诉求当前状态为“%(status)s”，不能执行此操作") % {"status": issue.get_status_display()})


def _field(errors: dict, name: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except FieldError as exc:
        errors.setdefault(name, []).append(str(exc))
        return None


def _raise_if(errors: dict) -> None:
    if errors:
        raise Invalid(_("输入有误，请按提示修改"), errors)


def refusal_first(call) -> None:
    """Run ``call`` (a workflow call made with input that is wrong) and roll everything it did back.

    For a caller that has found bad input before the workflow could judge it (a field of the wrong
    type, a decision without its yes/no): scope, role and state errors (NotFound 404, Forbidden 403,
    Conflict 409) still come first, as DESIGN.md orders them, so they are raised; whatever else
    happens is discarded, and the caller then answers 400. Returns None.
    """
    with transaction.atomic():
        try:
            call()
        except (NotFound, Forbidden, Conflict):
            raise
        except Exception:  # noqa: BLE001 - wrong input may fail anywhere; the answer is 400 anyway
            pass
        transaction.set_rollback(True)


def _pending_request(related, ref, *, missing: str, decided: str, pending: str):
    """Lock and return a request hanging off the issue (extension, plan, appeal) still awaiting a decision.

    ``related`` is the issue's related manager, ``ref`` an object or id.
    NotFound when it is not this issue's; Conflict when already decided.
    """
    try:
        obj = related.select_for_update().filter(pk=getattr(ref, "pk", ref)).first()
    except (TypeError, ValueError, OverflowError):
        obj = None
    if obj is None:
        raise NotFound(missing)
    if obj.decision == Decision.WITHDRAWN:
        raise Conflict(_("该申请已失效（诉求已退单、已办结或转入重办），无需审批；承办单位如仍需要，可按现在的办理情况重新申请"))
    if obj.decision != pending:
        raise Conflict(decided)
    return obj


def _withdraw_pending(issue: Issue, now: datetime, why: str) -> None:
    # Pending extension requests and plans lapse (Decision.WITHDRAWN) when the unit that made them
    # returns the issue, reports it fixed, or a new resolution round starts: they asked for that unit's,
    # that round's time. (Left pending at a fix, they stayed in the supervisors' queue for good, with no
    # way to decide them: breaker.)
    for related in (issue.extension_requests, issue.plans):
        related.filter(decision=Decision.PENDING).update(decision=Decision.WITHDRAWN, decided_at=now,
                                                         decision_note=why)


def _due_error(value, missing: str) -> str | None:
    # What is wrong with a deadline argument, or None when it is an aware datetime: ``missing`` when none was
    # given, else that it is no date and time (the staff forms pass on what was typed when it did not parse:
    # "请填写…" beside a typed value misled; breaker).
    if value is None or (isinstance(value, str) and not value.strip()):
        return missing
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return _("时间格式不正确，请按“2026-12-10 18:00”的格式填写")
    return None


def _stamp_decision(obj, decision: str, actor: Actor, now: datetime, note: str) -> None:
    """Record a supervisor's decision on a request row and save it."""
    obj.decision = decision
    obj.decided_by, obj.decided_at, obj.decision_note = actor.user, now, note
    obj.save()


def _deadlines_data(issue: Issue) -> dict:
    return {
        "dispatch_due": issue.dispatch_due.astimezone(dl.LOCAL_TZ).isoformat(),
        "response_due": issue.response_due.astimezone(dl.LOCAL_TZ).isoformat(),
        "resolution_due": issue.resolution_due.astimezone(dl.LOCAL_TZ).isoformat(),
        "resolution_extended": issue.resolution_extended,
        "provisional": issue.deadlines_provisional,
    }


def _new_event(issue: Issue, actor: Actor, kind: str, *, now: datetime, from_status: str | None = None,
               note: str = "", public: bool = True, data: dict | None = None) -> IssueEvent:
    """The unsaved IssueEvent of a transition (arguments as ``_record``); ``to_status`` is the issue's status now."""
    return IssueEvent(
        issue=issue,
        at=now,
        kind=kind,
        actor=actor.user,
        actor_client=actor.client,
        actor_label=actor.label,
        from_status=from_status or "",
        to_status=issue.status if from_status is not None else "",
        note=note,
        public=public,
        data={**(data or {}), "deadlines": _deadlines_data(issue)},
    )


def _record(
    issue: Issue,
    actor: Actor,
    kind: str,
    *,
    now: datetime,
    from_status: str | None = None,
    note: str = "",
    public: bool = True,
    data: dict | None = None,
) -> IssueEvent:
    """Write the transition's one IssueEvent and announce it after commit.

    ``from_status`` None: no status change (from/to left blank); "" for the
    filing (→ new); otherwise the status before the change.
    """
    event = _new_event(issue, actor, kind, now=now, from_status=from_status, note=note, public=public, data=data)
    event.save()
    # Outbox rows are written in this same transaction (they exist iff the
    # change committed); the sweep re-examines the issue at its next run.
    notifications.on_event(event)
    if issue.filed_at.astimezone(dl.LOCAL_TZ).date() < timezone.localtime(timezone.now(), dl.LOCAL_TZ).date():
        measures.refresh_after_commit()  # past days' rollups follow the write (filings touch only today)
    if issue.status in OPEN_STATUSES and issue.next_due_at != now:
        issue.next_due_at = now
        Issue.objects.filter(pk=issue.pk).update(next_due_at=now)
    transaction.on_commit(lambda: event_committed.send(sender=IssueEvent, event=event))
    return event


def _next_tracking_code(local_day, take_ids: list[tuple[type, int]] = ()) -> tuple[str, list[list[int]]]:
    """``ZY`` + YYYYMMDD + 6-digit daily sequence, and ``take_ids``' fresh primary keys.

    Returns ``(code, [[ids of the first model], …])``. Taken in its own
    short transaction before the filing's: the day's counter row is locked
    only for one upsert, not for the whole filing, so concurrent filings do
    not queue behind each other. On PostgreSQL the same statement takes
    ``n`` primary keys for each ``(model, n)`` of ``take_ids`` (so the
    filing's rows can be written in one statement); elsewhere ``take_ids``
    must be empty. A filing that then fails leaves a gap in the day's
    numbers and ids (harmless: codes are unique, not contiguous).
    """
    table = DailySequence._meta.db_table
    upsert = (f"INSERT INTO {table} (date, last) VALUES (%s, 1) "
              f"ON CONFLICT (date) DO UPDATE SET last = {table}.last + 1 RETURNING last")
    if take_ids:  # PostgreSQL: one prepared statement
        # Outside a caller's transaction this statement is its own, and its commit need not wait
        # for the disk (set_config(…, true) lasts until that commit): every issue that uses the
        # number commits durably afterwards, and flushing the log up to that commit flushes this
        # one too, so a crash can lose only numbers no issue kept (gaps, as for a failed filing).
        lazy = "" if connection.in_atomic_block else ", set_config('synchronous_commit', 'off', true)"
        row = onestatement.fetch_prepared(
            f"WITH c AS ({upsert}) SELECT c.last, {onestatement.next_ids_sql(take_ids)}{lazy} FROM c", [local_day])
        number, ids = row[0], list(row[1:1 + len(take_ids)])
    else:
        with connection.cursor() as cur:  # one statement, its own transaction in autocommit (SQLite ≥ 3.35)
            cur.execute(upsert, [local_day])
            number, ids = cur.fetchone()[0], []
    return f"ZY{local_day:%Y%m%d}{number:06d}", ids


def _start_rework(issue: Issue, now: datetime) -> None:
    _withdraw_pending(issue, now, gettext_noop("转入重办，申请失效"))
    issue.status = Status.IN_PROGRESS
    issue.rework_count += 1
    issue.resolution_round += 1
    issue.needs_decision = False
    issue.awaiting_rating_since = None
    issue.resolution_started_at = now
    due, provisional = dl.resolution_due_from(issue.priority, now)
    issue.resolution_due = due
    issue.resolution_extended = False
    issue.deadlines_provisional = provisional
    issue.escalation_level = 0


def _to_awaiting_rating(issue: Issue, now: datetime) -> None:
    issue.status = Status.AWAITING_RATING
    issue.awaiting_rating_since = now


def _close(issue: Issue, now: datetime) -> None:
    issue.status = Status.CLOSED
    issue.closed_at = now
    issue.needs_decision = False


# --------------------------------------------------------------------------
# Collected
# --------------------------------------------------------------------------


def issue_submit(
    *,
    actor: Actor,
    category,
    district,
    community: str,
    description: str,
    reporter_phone: str,
    reporter_name: str = "",
    building: str = "",
    unit_no: str = "",
    room: str = "",
    latitude=None,
    longitude=None,
    extra_answers: dict | None = None,
    channel: str | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    check_only: bool = False,
) -> Issue | None:
    """File a new issue (→ new; routing may assign it at once).

    ``category``/``district`` are model instances or ids. The channel
    defaults from the actor: resident → web, staff → hotline, client → api.
    Raises Forbidden for a staff role other than dispatcher, Invalid with
    per-field messages (a location outside settings.ZY_SERVICE_AREA among
    them). With an ``idempotency_key`` already used by the same filer,
    returns that first issue unchanged, with ``repeat`` True (found
    before a tracking number is taken for a dispatcher or an API client,
    when the insert hits the key's unique index, or when the repeat's data
    no longer passes), if this request files the same thing; raises
    KeyReused (422, an Invalid) when it differs.
    Categories, districts, deadline rules and routing rules come from the
    reference snapshot (issues.reference), and the routing rule is applied
    before the write (an auto-assigning rule writes the issue assigned, with
    its ASSIGNED event, when its unit has someone who can claim it,
    ``can_take_on``; otherwise the issue stays new for the dispatcher). The writes are the day's counter upsert (which on
    PostgreSQL also takes the new rows' ids), then the issue, its events and
    their outbox rows in one transaction: on PostgreSQL one statement
    (issues.onestatement), elsewhere the ORM's inserts.
    ``check_only``: judge the filing and write nothing; returns None when
    it would be filed (or would return a first filing), raises as it would
    otherwise — for a caller with costly work to do first (the form's photos).
    """
    now = _now(now)
    if actor.user is not None and actor.role != Role.DISPATCHER:
        raise Forbidden(_("只有分派员可以代群众登记诉求"))

    values, errors = _clean_filing(category, district, community, description, reporter_phone, reporter_name,
                                   building, unit_no, room, latitude, longitude, extra_answers)
    cat, dist, phone = values["category"], values["district"], values["reporter_phone"]
    if channel is None:
        channel = Channel.API if actor.client else (Channel.HOTLINE if actor.user else Channel.WEB)
    if channel not in _CHANNELS:
        errors.setdefault("channel", []).append(_("渠道无效"))
    if errors and idempotency_key:
        # A retry whose data no longer passes (its category retired since) still gets its first filing.
        existing = repeat_of(actor, idempotency_key)
        if existing is not None:
            existing = _as_repeat(existing, values, category, district, errors)
            return None if check_only else existing
    _raise_if(errors)
    if check_only:
        return None
    if idempotency_key and (actor.user is not None or actor.client is not None):
        # A dispatcher's or client's retry gets its first filing before a tracking number is taken (no
        # gap in the day's numbers). A resident's copy is met earlier, by the limits' once-key.
        existing = repeat_of(actor, idempotency_key)
        if existing is not None:
            return _as_repeat(existing, values, category, district, errors)

    clocks = dl.compute_deadlines(cat, now)
    found = route(cat, dist)
    # A rule that assigns at once, to a unit someone can claim for (else the dispatcher assigns it: breaker).
    auto = found if found is not None and found.auto_assign and can_take_on(found.unit) else None
    one_statement = onestatement.supported()
    take = [(Issue, 1), (IssueEvent, 2 if auto else 1)] if one_statement else []
    tracking_code, ids = _next_tracking_code(now.astimezone(dl.LOCAL_TZ).date(), take)
    issue = Issue(
        tracking_code=tracking_code,
        utility=cat.utility,
        category=cat,
        district=dist,
        community=values["community"],
        building=values["building"],
        unit_no=values["unit_no"],
        room=values["room"],
        latitude=values["latitude"],
        longitude=values["longitude"],
        description=values["description"],
        extra_answers=values["extra_answers"],
        reporter_name=values["reporter_name"],
        reporter_phone=phone,
        channel=channel,
        filed_by_client=actor.client,
        filed_by_user=actor.user,
        idempotency_key=scoped_idempotency_key(actor, idempotency_key) if idempotency_key else None,
        priority=clocks.priority,
        status=Status.NEW,
        filed_at=now,
        resolution_started_at=now,
        next_due_at=now,
        dispatch_due=clocks.dispatch_due,
        response_due=clocks.response_due,
        resolution_due=clocks.resolution_due,
        deadlines_provisional=clocks.provisional,
    )
    events = [_new_event(issue, actor, EventKind.SUBMITTED, now=now, from_status="",
                         data={"channel": channel, "priority": clocks.priority})]
    if auto is not None:  # a routing rule that assigns at once: the issue is written already assigned
        issue.status, issue.lead_unit, issue.first_assigned_at = Status.ASSIGNED, auto.unit, now
        events.append(_new_event(issue, Actor.system(gettext_noop("自动分派")), EventKind.ASSIGNED, now=now,
                                 from_status=Status.NEW,
                                 data={"lead_unit": auto.unit.pk, "co_units": [], "routing_rule": auto.rule_id}))
    try:
        if one_statement:
            # Issue, events and outbox in one statement: its own transaction, or a savepoint inside a caller's.
            issue.pk = ids[0][0]
            for event, pk in zip(events, ids[1]):
                event.pk = pk
            outbox = _outbox_rows(issue, events, now)
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                onestatement.insert([([issue], False), (events, False), (outbox, True)])
        else:
            with transaction.atomic():
                issue.save()
                for event in events:
                    event.save()
                outbox = _outbox_rows(issue, events, now)
                Notification.objects.bulk_create(outbox, ignore_conflicts=True)
    except IntegrityError:
        if idempotency_key:
            existing = repeat_of(actor, idempotency_key)
            if existing is not None:
                return _as_repeat(existing, values, category, district, errors)
        raise
    notifications.kick_after_commit(outbox)
    for event in events:
        transaction.on_commit(partial(event_committed.send, sender=IssueEvent, event=event))
    return issue


def _outbox_rows(issue: Issue, events: list[IssueEvent], now: datetime) -> list[Notification]:
    # The filing's unsaved outbox rows (issue and events must have their ids).
    return [row for e in events for row in notifications.outbox_rows(issue.pk, notifications.messages_for(e), now)]


def repeat_of(actor: Actor, idempotency_key: str, filing: dict | None = None) -> Issue | None:
    """The issue ``actor`` already filed with ``idempotency_key`` (str), or None (one query).

    What ``issue_submit`` returns for a repeat (there marked ``repeat``);
    for a caller that must answer a repeat without filing (one over a rate
    limit). ``filing``: this request's ``issue_submit`` keyword arguments;
    when given, the issue found is returned marked ``repeat`` only if the
    request files the same thing, and KeyReused (422) is raised when it
    differs (any stored field but the channel; photos are not compared).
    """
    first = Issue.objects.filter(idempotency_key=scoped_idempotency_key(actor, idempotency_key)).first()
    if first is None or filing is None:
        return first
    return _as_repeat_of(first, filing)


def files_the_same(first: Issue, filing: dict) -> bool:
    """Whether ``filing`` (``issue_submit``'s keyword arguments, a dict) holds what ``first`` (an Issue) stored.

    Compared as a repeat of an idempotency key is (``repeat_of``): category,
    district, address, description, name, phone, location and the
    category's answers; the channel and photos are not compared. One parse
    of the filing's fields; no query.
    """
    try:
        _as_repeat_of(first, filing)
    except KeyReused:
        return False
    return True


def _as_repeat_of(first: Issue, filing: dict) -> Issue:
    # ``first`` marked as a repeat of ``filing`` (issue_submit's keyword arguments); KeyReused when they differ.
    fields = {name: filing[name] for name in _FILING_FIELDS if name in filing}
    values, errors = _clean_filing(**fields)
    return _as_repeat(first, values, fields.get("category"), fields.get("district"), errors)


_FILING_FIELDS = ("category", "district", "community", "description", "reporter_phone", "reporter_name", "building",
                  "unit_no", "room", "latitude", "longitude", "extra_answers")
_COMPARED = ("community", "building", "unit_no", "room", "description", "reporter_name", "reporter_phone",
             "latitude", "longitude")


def _clean_filing(category, district, community, description, reporter_phone, reporter_name="", building="",
                  unit_no="", room="", latitude=None, longitude=None, extra_answers=None) -> tuple[dict, dict]:
    # A filing's input as issue_submit stores it, and the errors found: ({field: value or None}, {field: [msg]}).
    # Categories and districts come from the reference snapshot; a field that fails is None.
    errors: dict[str, list[str]] = {}
    snapshot = reference.current()
    cat = _resolve(Category, category, errors, "category", _("请选择问题类别"), snapshot.categories, active=True)
    dist = _resolve(District, district, errors, "district", _("请选择县区"), snapshot.districts)
    lat, lon = _clean_location(latitude, longitude, errors)
    values = {
        "category": cat,
        "district": dist,
        "community": _field(errors, "community", clean_community, community),
        "description": _field(errors, "description", clean_text, description, max_length=DESCRIPTION_MAX,
                              label="问题描述"),
        "reporter_name": _field(errors, "reporter_name", clean_name, reporter_name),
        "building": _field(errors, "building", clean_text, building, max_length=20, required=False, label="楼栋"),
        "unit_no": _field(errors, "unit_no", clean_text, unit_no, max_length=20, required=False, label="单元"),
        "room": _field(errors, "room", clean_text, room, max_length=20, required=False, label="户"),
        "reporter_phone": _field(errors, "reporter_phone", normalize_phone, reporter_phone),
        "latitude": lat,
        "longitude": lon,
    }
    values["extra_answers"] = _clean_answers(cat, extra_answers or {}, errors) if cat else {}
    return values, errors


def _as_repeat(first: Issue, values: dict, category, district, errors: dict) -> Issue:
    # ``first`` marked as a repeat of the request whose cleaned ``values`` (and raw category and district:
    # one retired since the first filing still compares equal) it holds; KeyReused when they differ. A
    # field that did not pass (``errors``) differs, even where its cleaned value (None) matches.
    differ = [name for name in _COMPARED if name in errors or values[name] != getattr(first, name)]
    for name, raw, stored in (("category", category, first.category_id), ("district", district, first.district_id)):
        if _raw_pk(raw) != stored:
            differ.append(name)
    if values["category"] is not None and _by_value(values["extra_answers"]) != _by_value(first.extra_answers or {}):
        differ.append("extra_answers")
    if differ:
        raise KeyReused(first, differ)
    first.repeat = True
    return first


def _by_value(value):
    # JSON for comparing, numbers by their value: PostgreSQL's jsonb gives 1e23 back as the integer 10**23.
    if isinstance(value, dict):
        return {k: _by_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_by_value(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value))
    return value


def _raw_pk(value) -> int | None:
    # The id a category or district argument names (a model instance, an id or its text), or None.
    if isinstance(value, Model):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


_CHANNELS = frozenset(Channel.values)  # built once: Choices.values makes a new list on every read


def scoped_idempotency_key(actor: Actor, key: str) -> str:
    """The idempotency key as stored: ``key`` (str) prefixed by its filer, at most 80 characters.

    Keys are per filer: two API clients may use the same key independently,
    and a resident's key is bound to their phone (as a keyed hash), so
    replaying someone else's key with another phone files anew instead of
    returning (and revealing) the first issue. A key too long to be stored
    whole is stored as its SHA-256 (``#`` and hex digits, cut to fit): never
    cut, so two keys that differ only at their end stay two filings.
    """
    if actor.client:
        owner = f"c{actor.client.pk}"
    elif actor.user:
        owner = f"u{actor.user.pk}"
    else:
        owner = "r" + hashlib.sha256(f"{settings.SECRET_KEY}:{actor.resident_phone}".encode()).hexdigest()[:16]
    key = str(key)
    scoped = f"{owner}:{key}"
    if len(scoped) > _KEY_ROOM:
        scoped = f"{owner}:#{hashlib.sha256(key.encode()).hexdigest()}"[:_KEY_ROOM]
    return scoped


_KEY_ROOM = Issue._meta.get_field("idempotency_key").max_length


def _resolve(model, value, errors, field, message, known: dict | None = None, **filters):
    # ``known``: the reference snapshot's {id: instance}, read instead of the database.
    if isinstance(value, model):
        obj = value
    else:
        try:
            if value in (None, ""):
                obj = None
            elif known is not None:
                obj = known.get(int(value))
            else:
                obj = model.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError, OverflowError):
            obj = None
    if obj is not None and any(getattr(obj, k) != v for k, v in filters.items()):
        obj = None
    if obj is None:
        errors.setdefault(field, []).append(message)
    return obj


def _clean_location(latitude, longitude, errors):
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat, lon = round(float(latitude), 6), round(float(longitude), 6)
    except (TypeError, ValueError, OverflowError):
        errors.setdefault("latitude", []).append(_("位置坐标无效"))
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        errors.setdefault("latitude", []).append(_("位置坐标超出范围"))
        return None, None
    south, west, north, east = settings.ZY_SERVICE_AREA
    if not (south <= lat <= north and west <= lon <= east):  # "use my location" pressed away from the city (breaker)
        errors.setdefault("latitude", []).append(_("这个位置不在张掖市范围内"))
        return None, None
    return Decimal(str(lat)), Decimal(str(lon))


_YES = ("true", "1", "yes", "y", "是", "on")
_NO = ("false", "0", "no", "n", "否", "off")


def _clean_answers(category: Category, answers: dict, errors) -> dict:
    """Check ``answers`` (dict: question code → value as sent) against the category's extra questions and
    return ``{code: clean value}``; each problem goes into ``errors["extra_answers.<code>"]``. Numbers are
    floats, typed with or without the unit the question asks in ("15度", "120㎡":
    ``validation.number_as_typed``), whole for a question marked ``"whole"``;
    yes/no are bools; choices one of the question's; text is cleaned as any text field (200 characters)."""
    if not isinstance(answers, dict):
        errors.setdefault("extra_answers", []).append(_("附加回答格式不正确"))
        return {}
    clean = {}
    for q in category.extra_questions or []:
        code, label, kind = q.get("code"), Category.question_label(q), q.get("type", "text")  # as the page shows it
        value = answers.get(code)
        if value is None or (isinstance(value, str) and is_blank(value)):  # nothing visible: not answered
            if q.get("required"):
                errors.setdefault(f"extra_answers.{code}", []).append(_("请回答：%(label)s") % {"label": label})
            continue
        if kind == "boolean":
            # Yes or no as a form, the API or Open311 may send it; anything else is refused, not read as no.
            if isinstance(value, bool) or (type(value) is int and value in (0, 1)):
                clean[code] = bool(value)
            elif isinstance(value, str) and value.strip().lower() in _YES + _NO:
                clean[code] = value.strip().lower() in _YES
            else:
                errors.setdefault(f"extra_answers.{code}", []).append(_("%(label)s：请选择是或否") % {"label": label})
        elif kind == "number":
            try:
                if isinstance(value, bool) or (isinstance(value, str) and "_" in value):  # true is not 1; nor 1_0 10
                    raise TypeError(value)
                number = float(number_as_typed(value, q) if isinstance(value, str) else value)
                if not math.isfinite(number):
                    raise ValueError(value)
            except (TypeError, ValueError, OverflowError):
                errors.setdefault(f"extra_answers.{code}", []).append(_("%(label)s应为数字") % {"label": label})
                continue
            low, high = _bound(q.get("min")), _bound(q.get("max"))  # the question's bounds (an indoor −300 ℃)
            if (low is not None and number < low) or (high is not None and number > high):
                words = {"label": label, "min": f"{low:g}" if low is not None else "",
                         "max": f"{high:g}" if high is not None else ""}
                if low is not None and high is not None:
                    message = _("%(label)s应在 %(min)s 到 %(max)s 之间") % words
                elif low is not None:
                    message = _("%(label)s不能小于 %(min)s") % words
                else:
                    message = _("%(label)s不能大于 %(max)s") % words
                errors.setdefault(f"extra_answers.{code}", []).append(message)
                continue
            if q.get("whole") is True and not number.is_integer():  # a floor is 5 or 6, not "5.5楼"
                errors.setdefault(f"extra_answers.{code}", []).append(_("%(label)s应为整数") % {"label": label})
                continue
            clean[code] = number + 0.0  # "-0" is 0
        elif kind == "choice":
            if value not in (q.get("choices") or []):
                errors.setdefault(f"extra_answers.{code}", []).append(_("%(label)s：请从选项中选择") % {"label": label})
            else:
                clean[code] = value
        else:
            try:
                clean[code] = clean_text(value, max_length=200, label=label)
            except FieldError as exc:
                errors.setdefault(f"extra_answers.{code}", []).append(str(exc))
    return clean


def _bound(value) -> float | None:
    # A number question's "min" or "max" as a float; None when absent or not a usable number (admin checks
    # bounds, but a row written otherwise must not turn every answer into a 500).
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def issue_assign(*, issue, actor: Actor, lead_unit, co_units=(), note: str = "", now: datetime | None = None) -> Issue:
    """交办: new → assigned, with a lead unit and optional co-handling units.

    Dispatchers only. ``lead_unit`` a Unit or id; ``co_units`` Units or ids
    (the lead is dropped from them). Invalid if a unit is unknown or inactive,
    or if the lead has no one who could claim it (``can_take_on``).
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.DISPATCHER)
        _require_status(issue, Status.NEW)
        errors: dict[str, list[str]] = {}
        lead = _resolve(Unit, lead_unit, errors, "lead_unit", _("请选择有效的牵头单位"), active=True)
        if lead is not None and not can_take_on(lead):
            errors["lead_unit"] = [_("%(unit)s没有可以认领诉求的工作人员或接口，请选择其他牵头单位") % {"unit": lead.name}]
        co = []
        for u in co_units or ():
            unit = _resolve(Unit, u, errors, "co_units", _("协办单位无效"), active=True)
            if unit is not None and lead is not None and unit.pk != lead.pk and unit not in co:
                co.append(unit)
        note = _field(errors, "note", clean_text, note, max_length=NOTE_MAX, required=False, label="交办意见")
        _raise_if(errors)
        issue.status = Status.ASSIGNED
        issue.lead_unit = lead
        issue.claimed_by = None
        if issue.first_assigned_at is None:
            issue.first_assigned_at = now
        issue.save(update_fields=["status", "lead_unit", "claimed_by", "first_assigned_at"])
        issue.co_units.set(co)
        _record(issue, actor, EventKind.ASSIGNED, now=now, from_status=Status.NEW, note=note,
                data={"lead_unit": lead.pk, "co_units": [u.pk for u in co]})
    return issue


def can_take_on(unit: Unit) -> bool:
    """Whether ``unit`` (a Unit) has someone who can claim an issue it leads: an active unit-staff user of
    it, or an active API client bound to it (the unit's own system). Assigned to any other unit (the
    supervisors' bureau, a company not yet given its logins), an issue waited for a claim nobody could
    make, and its unit could not return it either (breaker)."""
    return (unit.staff.filter(is_active=True, role=Role.UNIT_STAFF).exists()
            or ApiClient.objects.filter(unit=unit, active=True).exists())


def issue_reject(*, issue, actor: Actor, reason: str, now: datetime | None = None) -> Issue:
    """Reject as out of scope: new → rejected; the reason is shown to the resident."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.DISPATCHER)
        _require_status(issue, Status.NEW)
        errors: dict[str, list[str]] = {}
        reason = _field(errors, "reason", clean_text, reason, max_length=REASON_MAX, label="不予受理理由")
        _raise_if(errors)
        issue.status = Status.REJECTED
        issue.public_reason = reason
        issue.closed_at = now
        issue.save(update_fields=["status", "public_reason", "closed_at"])
        _record(issue, actor, EventKind.REJECTED, now=now, from_status=Status.NEW, note=reason)
    return issue


def issue_merge(*, issue, actor: Actor, original, note: str = "", now: datetime | None = None) -> Issue:
    """Merge a duplicate into a named open original: new → merged.

    The duplicate's reporter (and its followers) now follow the original.
    Invalid when the original is missing, the issue itself, or not open.
    Both rows are locked, the lower id first, before either is read: a
    concurrent change of the original (rejected, closed, merged elsewhere)
    is either seen here (Invalid) or made after this merge commits (and
    then tells the new followers), and two merges crossing each other
    (A into B, B into A) wait in turn instead of deadlocking.
    """
    now = _now(now)
    with transaction.atomic():
        _lock_ids_in_order(_raw_pk(issue), _raw_pk(original))
        issue = _lock(issue, actor)
        _require_role(actor, Role.DISPATCHER)
        _require_status(issue, Status.NEW)
        errors: dict[str, list[str]] = {}
        target = None
        try:
            target = visible_issues(actor.principal).filter(pk=getattr(original, "pk", original)).first()
        except (TypeError, ValueError, OverflowError):
            target = None
        if target is None:
            errors["original"] = [_("请选择要合并到的原诉求")]
        elif target.pk == issue.pk:
            errors["original"] = [_("不能合并到自身")]
        elif target.status == Status.MERGED and target.duplicate_of_id == issue.pk:  # a colleague, a moment ago
            errors["original"] = [_("原诉求刚被合并到本诉求，不能再把本诉求合并到它")]
        elif target.status == Status.MERGED and target.duplicate_of_id:
            errors["original"] = [_("原诉求已合并到 %(code)s，不能再合并到它") % {
                "code": target.duplicate_of.tracking_code}]
        elif target.status not in OPEN_STATUSES:
            errors["original"] = [_("原诉求已办结或关闭，不能合并")]
        note = _field(errors, "note", clean_text, note, max_length=REASON_MAX, required=False, label="说明")
        _raise_if(errors)
        issue.status = Status.MERGED
        issue.duplicate_of = target
        issue.closed_at = now
        issue.public_reason = note or MERGED_NOTE % {"code": target.tracking_code}
        issue.save(update_fields=["status", "duplicate_of", "closed_at", "public_reason"])
        phones = {issue.reporter_phone: issue.reporter_name}
        phones.update({f.phone: f.name for f in issue.followers.all()})
        for phone, name in phones.items():
            if phone != target.reporter_phone:
                Follower.objects.get_or_create(issue=target, phone=phone, defaults={"name": name, "created_at": now})
        _record(issue, actor, EventKind.MERGED, now=now, from_status=Status.NEW, note=issue.public_reason,
                data={"original": target.pk, "original_code": target.tracking_code})
    return issue


def follower_errors(phone, name) -> dict[str, list[str]]:
    """What ``issue_follow`` would refuse in ``phone`` and ``name`` (as sent), per field; {} when both pass.

    For a form that shows every mistake at once (the "me too" page checks
    its consent box itself). Writes nothing.
    """
    errors: dict[str, list[str]] = {}
    _clean_follower(phone, name, errors)
    return errors


def _clean_follower(phone, name, errors: dict) -> tuple[str | None, str | None]:
    return (_field(errors, "phone", normalize_phone, phone),
            _field(errors, "name", clean_name, name))


def issue_follow(*, issue, phone: str, name: str = "", now: datetime | None = None,
                 as_stranger: bool = False) -> Follower:
    """"Me too": a resident follows another resident's open issue.

    Returns the Follower (the existing one, with ``repeat`` True, when
    already following). Conflict if the issue is not open, or when
    ``phone`` is the reporter's; Invalid for a bad phone or name. Residents
    do not need to see the issue's details to follow it (public surfaces
    list it). ``as_stranger`` (the public "me too" page): the reporter's
    phone is answered as a new follower's would be — the same checks, the
    same writes, then taken back — returning an unsaved Follower with
    ``repeat`` False, so neither the answer nor its timing tells whoever
    tries numbers which phone filed.
    """
    now = _now(now)
    errors: dict[str, list[str]] = {}
    phone, name = _clean_follower(phone, name, errors)
    with transaction.atomic():
        issue = _lock(issue, Actor.system())
        if issue.status not in OPEN_STATUSES:
            raise Conflict(_("该诉求已关闭，不能关注"))
        _raise_if(errors)
        reporter = phone == issue.reporter_phone
        if reporter and not as_stranger:
            raise Conflict(_("您是该诉求的报告人，无需关注"))
        pressed = _SelfFollows(issue, phone) if reporter else None
        if pressed is not None and pressed.before():
            # Again, as a follower's repeat: the same read of its row, and ``repeat`` (the count given back).
            Follower.objects.filter(issue=issue, phone=phone).first()
            follower = Follower(issue=issue, phone=phone, name=name, created_at=now)
            follower.repeat = True
            return follower
        taken_back = transaction.savepoint() if reporter else None
        follower, created = Follower.objects.get_or_create(issue=issue, phone=phone,
                                                           defaults={"name": name, "created_at": now})
        follower.repeat = not created
        if created:
            _record(issue, Actor.resident(phone), EventKind.FOLLOWED, now=now, note=FOLLOWED_NOTE,
                    data={"follower": follower.pk})
        if taken_back is not None:  # nothing stays, nothing is sent (its on_commit hooks go with it)
            transaction.savepoint_rollback(taken_back)
            follower.pk, follower._state.adding = None, True
            pressed.remember()
    return follower


def already_follows(issue: Issue, phone: str) -> bool:
    """Whether ``phone`` (E.164) has pressed "me too" on ``issue`` (an Issue) and it counted.

    True for a Follower row, and for the reporter's own phone when
    ``issue_follow(as_stranger=True)`` remembers its press, as a follower's
    repeat would be (so the answer does not tell which phone filed). For
    the public "me too" page, to answer a repeat as the first press was
    answered; one query, and one cache read for the reporter's phone.
    """
    if Follower.objects.filter(issue=issue, phone=phone).exists():
        return True
    return phone == issue.reporter_phone and _SelfFollows(issue, phone).before()


class _SelfFollows:
    # Whether the reporter's phone already pressed "me too" on its own issue, kept in the cache for
    # FOLLOW_MEMORY seconds, so a second press answers as a follower's repeat does (count given back,
    # the same read). Keyed by a keyed hash, never the phone. A lost cache makes one press count again.
    FOLLOW_MEMORY = 30 * 86400

    def __init__(self, issue, phone: str):
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{phone}".encode()).hexdigest()[:24]
        self.key = f"zy-self-follow:{issue.pk}:{digest}"

    def before(self) -> bool:
        # The cache unreachable (Redis restarting) reads as "not before": the press goes on as a
        # stranger's first one does, the same answer, never a 500 that only the reporter's phone gets.
        try:
            return bool(cache.get(self.key))
        except Exception:
            log.warning("cache unreachable: a repeated \"me too\" by the reporter's phone counts again", exc_info=True)
            return False

    def remember(self) -> None:
        try:
            cache.set(self.key, 1, timeout=self.FOLLOW_MEMORY)
        except Exception:
            log.warning("cache unreachable: \"me too\" by the reporter's phone not remembered", exc_info=True)


# --------------------------------------------------------------------------
# Assigned
# --------------------------------------------------------------------------


def issue_claim(*, issue, actor: Actor, now: datetime | None = None) -> Issue:
    """认领: assigned → in_progress, by the lead unit's staff.

    Of two staff claiming at once, one wins; the other gets Conflict.
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_status(issue, Status.ASSIGNED)
        issue.status = Status.IN_PROGRESS
        issue.claimed_by = actor.user
        if issue.first_claimed_at is None:
            issue.first_claimed_at = now
        issue.save(update_fields=["status", "claimed_by", "first_claimed_at"])
        _record(issue, actor, EventKind.CLAIMED, now=now, from_status=Status.ASSIGNED)
    return issue


def issue_return(*, issue, actor: Actor, reason: str, now: datetime | None = None) -> Issue:
    """退单: assigned / in_progress → new, with a reason; the clocks keep running."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_status(issue, Status.ASSIGNED, Status.IN_PROGRESS)
        errors: dict[str, list[str]] = {}
        reason = _field(errors, "reason", clean_text, reason, max_length=REASON_MAX, label="退单理由")
        _raise_if(errors)
        before, unit = issue.status, issue.lead_unit_id
        issue.status = Status.NEW
        issue.lead_unit = None
        issue.claimed_by = None
        issue.save(update_fields=["status", "lead_unit", "claimed_by"])
        issue.co_units.clear()
        _withdraw_pending(issue, now, gettext_noop("承办单位已退单，申请失效"))
        _record(issue, actor, EventKind.RETURNED, now=now, from_status=before, note=reason, public=False,
                data={"returned_by_unit": unit})
    return issue


def issue_add_note(*, issue, actor: Actor, note: str, public: bool = False, now: datetime | None = None) -> IssueEvent:
    """A progress note by the lead or a co-handling unit; no status change. Returns the event."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        is_co = actor.unit_id is not None and issue.co_units.filter(pk=actor.unit_id).exists()
        if actor.role != Role.UNIT_STAFF or not (actor.unit_id == issue.lead_unit_id or is_co):
            raise Forbidden(_("只有牵头或协办单位可以填写进展"))
        _require_status(issue, *WORKING_STATUSES)
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=NOTE_MAX, label="进展说明")
        _raise_if(errors)
        return _record(issue, actor, EventKind.NOTE, now=now, note=note, public=bool(public),
                       data={"co_handler": is_co and actor.unit_id != issue.lead_unit_id})


def issue_request_extension(*, issue, actor: Actor, reason: str, requested_due, now: datetime | None = None) -> ExtensionRequest:
    """Ask to move the resolution deadline to ``requested_due`` (aware datetime).

    Lead unit; assigned / in_progress; one pending request at a time
    (Conflict). Invalid unless the date is after the current deadline and
    after now (an overdue issue's extension must reach into the future).
    A pending request lapses when the unit returns the issue or rework
    starts (Decision.WITHDRAWN).
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_person(actor)
        _require_status(issue, Status.ASSIGNED, Status.IN_PROGRESS)
        if issue.extension_requests.filter(decision=Decision.PENDING).exists():
            raise Conflict(_("已有待审批的延期申请"))
        errors: dict[str, list[str]] = {}
        reason = _field(errors, "reason", clean_text, reason, max_length=REASON_MAX, label="延期理由")
        if missing := _due_error(requested_due, _("请填写申请的办结时间")):
            errors["requested_due"] = [missing]
        elif requested_due <= issue.resolution_due:
            errors["requested_due"] = [_("申请时间必须晚于当前办结时限")]
        elif requested_due <= now:
            errors["requested_due"] = [_("申请时间必须晚于现在")]
        elif requested_due > now + MAX_HORIZON:
            errors["requested_due"] = [_(HORIZON_MESSAGE)]
        _raise_if(errors)
        req = ExtensionRequest.objects.create(issue=issue, reason=reason, requested_due=requested_due,
                                              requested_by=actor.user, requested_at=now)
        _record(issue, actor, EventKind.EXTENSION_REQUESTED, now=now, note=reason, public=False,
                data={"request": req.pk, "requested_due": requested_due.isoformat()})
    return req


def issue_file_plan(*, issue, actor: Actor, steps: str, target_due, now: datetime | None = None) -> RectificationPlan:
    """File a rectification plan (限期销号) for a problem that cannot be fixed at once.

    Lead unit; in_progress; one pending plan at a time. ``target_due`` aware
    datetime after now.
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_person(actor)
        _require_status(issue, Status.IN_PROGRESS)
        if issue.plans.filter(decision=Decision.PENDING).exists():
            raise Conflict(_("已有待审批的整改计划"))
        errors: dict[str, list[str]] = {}
        steps = _field(errors, "steps", clean_text, steps, max_length=DESCRIPTION_MAX, label="整改措施")
        if missing := _due_error(target_due, _("请填写整改完成时限")):
            errors["target_due"] = [missing]
        elif target_due <= now:
            errors["target_due"] = [_("整改完成时限必须晚于现在")]
        elif target_due > now + MAX_HORIZON:
            errors["target_due"] = [_(HORIZON_MESSAGE)]
        _raise_if(errors)
        plan = RectificationPlan.objects.create(issue=issue, steps=steps, target_due=target_due,
                                                filed_by=actor.user, filed_at=now)
        _record(issue, actor, EventKind.PLAN_FILED, now=now, note=steps, public=False,
                data={"plan": plan.pk, "target_due": target_due.isoformat()})
    return plan


def issue_decide_extension(*, issue, actor: Actor, request, approve: bool, note: str = "", now: datetime | None = None) -> Issue:
    """Supervisor approves or refuses a pending extension request.

    Approved → the resolution deadline becomes the requested date and the
    issue is marked extended. Conflict when the request is already decided
    or lapsed (the issue was returned or went back for rework since), the
    issue is no longer being worked on, or — for an approval — the
    requested date is no longer later than both the deadline in force and
    now (an "extension" must never shorten the time).
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.SUPERVISOR)
        req = _pending_request(issue.extension_requests, request, missing=_("延期申请不存在"), decided=_("该延期申请已审批"),
                               pending=Decision.PENDING)
        _require_status(issue, *WORKING_STATUSES)
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=REASON_MAX, required=not approve, label="审批意见")
        _raise_if(errors)
        if approve and (req.requested_due <= issue.resolution_due or req.requested_due <= now):
            raise Conflict(_("申请的时间已不晚于现行办结时限或已过，批准它不会延期；请拒绝，由承办单位重新申请"))
        _stamp_decision(req, Decision.APPROVED if approve else Decision.REFUSED, actor, now, note)
        if approve:
            issue.resolution_due = req.requested_due
            issue.resolution_extended = True
            issue.save(update_fields=["resolution_due", "resolution_extended"])
        _record(issue, actor, EventKind.EXTENSION_DECIDED, now=now, note=note, public=approve,
                data={"request": req.pk, "approved": approve})
    return issue


def issue_decide_plan(*, issue, actor: Actor, plan, approve: bool, note: str = "", now: datetime | None = None) -> Issue:
    """Supervisor approves (in_progress → planned, resolution deadline = plan date) or refuses a plan.

    Conflict when the plan is already decided or lapsed (the issue was
    returned or went back for rework since), the issue is not in progress,
    or — for an approval — its completion date has passed.
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.SUPERVISOR)
        p = _pending_request(issue.plans, plan, missing=_("整改计划不存在"), decided=_("该整改计划已审批"),
                             pending=Decision.PENDING)
        _require_status(issue, Status.IN_PROGRESS)
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=REASON_MAX, required=not approve, label="审批意见")
        _raise_if(errors)
        if approve and p.target_due <= now:
            raise Conflict(_("整改完成时限已过，不能批准；请拒绝，由承办单位重新提交"))
        _stamp_decision(p, Decision.APPROVED if approve else Decision.REFUSED, actor, now, note)
        before = issue.status
        if approve:
            issue.status = Status.PLANNED
            issue.resolution_due = p.target_due
            issue.resolution_extended = True
            issue.save(update_fields=["status", "resolution_due", "resolution_extended"])
        _record(issue, actor, EventKind.PLAN_DECIDED, now=now, from_status=before if approve else None, note=note,
                public=approve, data={"plan": p.pk, "approved": approve})
    return issue


def issue_report_plan_progress(*, issue, actor: Actor, note: str, percent: int, now: datetime | None = None) -> PlanProgress:
    """Progress on the approved plan of a planned issue; ``percent`` 0–100."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_person(actor)
        _require_status(issue, Status.PLANNED)
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=NOTE_MAX, label="进展说明")
        try:
            percent = int(percent)
            if not 0 <= percent <= 100:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            errors["percent"] = [_("完成比例应为 0–100 的整数")]
        _raise_if(errors)
        plan = issue.plans.filter(decision=Decision.APPROVED).order_by("-decided_at").first()
        report = PlanProgress.objects.create(plan=plan, note=note, percent=percent, reported_by=actor.user,
                                             reported_at=now)
        _record(issue, actor, EventKind.PLAN_PROGRESS, now=now, note=note, data={"percent": percent})
    return report


# --------------------------------------------------------------------------
# Supervised
# --------------------------------------------------------------------------


def issue_resolve(*, issue, actor: Actor, result: str, now: datetime | None = None) -> Issue:
    """办结: in_progress / planned → resolved (verification needed) or awaiting_rating.

    Verification is needed when the category requires it or the issue is
    under a supervision order. The unit's pending extension requests and
    plans lapse (withdrawn: the work they asked time for is reported done;
    sent back by verification, the unit asks anew). Returns the issue; the event's id is where
    photos attach (``issue.events.last()``).
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_status(issue, Status.IN_PROGRESS, Status.PLANNED)
        errors: dict[str, list[str]] = {}
        result = _field(errors, "result", clean_text, result, max_length=NOTE_MAX, label="办理结果")
        _raise_if(errors)
        before = issue.status
        _withdraw_pending(issue, now, gettext_noop("已办结，申请失效"))
        issue.resolved_at = now
        on_time = now <= issue.resolution_due
        if issue.category.needs_verification or issue.supervision_level:
            issue.status = Status.RESOLVED
        else:
            _to_awaiting_rating(issue, now)
        issue.save(update_fields=["status", "resolved_at", "awaiting_rating_since"])
        _record(issue, actor, EventKind.RESOLVED, now=now, from_status=before, note=result,
                data={"round": issue.resolution_round, "on_time": on_time})
    return issue


def issue_verify(*, issue, actor: Actor, approve: bool, note: str = "", now: datetime | None = None) -> Issue:
    """Supervisor verifies a fix: resolved → awaiting_rating, or sends it back → in_progress (note required)."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.SUPERVISOR)
        _require_status(issue, Status.RESOLVED)
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=REASON_MAX, required=not approve, label="核查意见")
        _raise_if(errors)
        if approve:
            _to_awaiting_rating(issue, now)
            kind = EventKind.VERIFIED
        else:
            issue.status = Status.IN_PROGRESS
            kind = EventKind.SENT_BACK
        issue.save(update_fields=["status", "awaiting_rating_since"])
        _record(issue, actor, kind, now=now, from_status=Status.RESOLVED, note=note, public=approve)
    return issue


def issue_supervise(*, issue, actor: Actor, level: str, instruction: str, due_at, now: datetime | None = None) -> SupervisionOrder:
    """督办: a yellow or red supervision order on an open issue (no status change).

    Supervisors and the mayor's office. The issue's level becomes the higher
    of its current and the new one; a red order escalates to level 2.
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.SUPERVISOR, Role.MAYOR)
        _require_status(issue, *OPEN_STATUSES)
        errors: dict[str, list[str]] = {}
        if level not in (SupervisionLevel.YELLOW, SupervisionLevel.RED):
            errors["level"] = [_("请选择黄牌或红牌督办")]
        instruction = _field(errors, "instruction", clean_text, instruction, max_length=NOTE_MAX, label="督办要求")
        if missing := _due_error(due_at, _("请填写要求完成时间")):
            errors["due_at"] = [missing]
        elif due_at <= now:
            errors["due_at"] = [_("要求完成时间必须晚于现在")]
        elif due_at > now + MAX_HORIZON:
            errors["due_at"] = [_(HORIZON_MESSAGE)]
        _raise_if(errors)
        order = SupervisionOrder.objects.create(issue=issue, level=level, instruction=instruction, due_at=due_at,
                                                issued_by=actor.user, issued_at=now)
        if level == SupervisionLevel.RED or not issue.supervision_level:
            issue.supervision_level = level
        if level == SupervisionLevel.RED:
            issue.escalation_level = 2
        issue.save(update_fields=["supervision_level", "escalation_level"])
        _record(issue, actor, EventKind.SUPERVISED, now=now, note=instruction, public=False,
                data={"order": order.pk, "level": level, "due_at": due_at.isoformat()})
    return order


def issue_escalate(*, issue, level: int, reason: str, now: datetime | None = None) -> Issue:
    """Raise the escalation level (1: supervisor told; 2: mayor's office). System only.

    No-op (returns the issue, no event) when the level is not higher.
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, Actor.system())
        if issue.status not in OPEN_STATUSES or level <= issue.escalation_level:
            return issue
        issue.escalation_level = level
        issue.save(update_fields=["escalation_level"])
        _record(issue, Actor.system(gettext_noop("时限监控")), EventKind.ESCALATED, now=now, note=reason, public=False,
                data={"escalation_level": level})
    return issue


# --------------------------------------------------------------------------
# Revisit-rated
# --------------------------------------------------------------------------


def reworks_left(issue: Issue) -> bool:
    """True while the reporter's "dissatisfied" sends ``issue`` back for rework (fewer than ZY_REWORK_LIMIT
    reworks so far, DESIGN.md: after the second rework it goes to the supervisor instead)."""
    return issue.rework_count < settings.ZY_REWORK_LIMIT


def issue_rate(
    *, issue, actor: Actor, resolved: bool, satisfaction: str, comment: str = "", now: datetime | None = None,
    round: int | None = None,
) -> Rating:
    """回访评价: the reporter (or a revisit agent for them) or a follower rates the round.

    Reporter / agent: satisfied or basically satisfied → closed; dissatisfied
    → rework (in_progress, new resolution window from now), or, once
    ``ZY_REWORK_LIMIT`` reworks are used, the issue stays awaiting_rating
    marked for the supervisor's decision; only the current round while the
    issue awaits rating (Conflict otherwise). A follower's rating is
    recorded only, for ``round`` (int, the resolution round their SMS link
    was sent for; default the current one) once that round's result is out
    (``round_resolved``), even after the reporter's rating closed the issue
    or began a rework: the follower was invited too (issue #4). One rating
    per person per round (Conflict on a second).
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        follower = None
        if actor.resident_phone:
            if actor.resident_phone == issue.reporter_phone:
                kind = RaterKind.REPORTER
            else:
                follower = issue.followers.filter(phone=actor.resident_phone).first()
                kind = RaterKind.FOLLOWER
        elif actor.role == Role.REVISIT_AGENT:
            kind = RaterKind.AGENT
        else:
            raise Forbidden(_("只有报告人、关注人或回访员可以评价"))
        rated_round = issue.resolution_round if round is None else round
        if kind != RaterKind.FOLLOWER or not round_resolved(issue, rated_round):
            _require_status(issue, Status.AWAITING_RATING)
            if rated_round != issue.resolution_round:
                raise Conflict(_("这一轮办理结果已不能再评价"))
        already = issue.ratings.filter(round=rated_round)
        already = already.filter(follower=follower) if follower else already.filter(follower__isnull=True)
        if already.exists():
            raise Conflict(_("本轮办理已评价"))
        errors: dict[str, list[str]] = {}
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = [_("请选择满意、基本满意或不满意")]
        if not isinstance(resolved, bool):
            errors["resolved"] = [_("请选择问题是否已解决")]
        comment = _field(errors, "comment", clean_text, comment, max_length=REASON_MAX, required=False, label="意见")
        _raise_if(errors)
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    issue=issue, round=rated_round, rater_kind=kind, follower=follower,
                    recorded_by=actor.user, resolved=resolved, satisfaction=satisfaction, comment=comment,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(_("本轮办理已评价")) from None
        data = {"rating": rating.pk, "rater": kind, "satisfaction": satisfaction, "resolved": resolved,
                "round": rated_round}
        if kind == RaterKind.FOLLOWER:
            _record(issue, actor, EventKind.RATED, now=now, note=comment, public=False, data=data)
            return rating
        before = issue.status
        if satisfaction != Satisfaction.DISSATISFIED:
            _close(issue, now)
        elif reworks_left(issue):
            _start_rework(issue, now)
            data["rework"] = True
        else:
            issue.needs_decision = True
            data["needs_decision"] = True
        issue.save()
        _record(issue, actor, EventKind.RATED, now=now, from_status=before, note=comment, data=data)
    return rating


def rating_outcome(rating: Rating) -> str:
    """What ``rating`` (a Rating) did to its issue, as ``issue_rate`` decided it: ``"recorded"`` for a
    follower's (it moves nothing), ``"closed"`` for the reporter's (or an agent's for them) satisfied or
    basically satisfied, ``"rework"`` for a dissatisfied one that began a rework, ``"decision"`` for one
    at the rework limit (the supervisor decides, DESIGN.md). Read from the RATED event the rating wrote,
    so it holds whatever happened to the issue since."""
    if rating.rater_kind == RaterKind.FOLLOWER:
        return "recorded"
    if rating.satisfaction != Satisfaction.DISSATISFIED:
        return "closed"
    data = (rating.issue.events.filter(kind=EventKind.RATED, data__rating=rating.pk)
            .values_list("data", flat=True).first())
    return "rework" if (data or {}).get("rework") else "decision"


def round_resolved(issue, round: int) -> bool:
    """Whether resolution round ``round`` (int) of ``issue`` has its result out: it is an earlier round than
    the current (a rework followed it), or the current one while the issue awaits rating or after it closed."""
    if round < issue.resolution_round:
        return round >= 1
    return round == issue.resolution_round and issue.status in (Status.AWAITING_RATING, Status.CLOSED)


def issue_decide_at_limit(*, issue, actor: Actor, close: bool, note: str, now: datetime | None = None) -> Issue:
    """Supervisor's decision after the rework limit: close with a note, or one more rework."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.SUPERVISOR)
        if issue.status != Status.AWAITING_RATING or not issue.needs_decision:
            raise Conflict(_("该诉求不在待裁定状态"))
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=REASON_MAX, label="裁定意见")
        _raise_if(errors)
        if close:
            _close(issue, now)
        else:
            _start_rework(issue, now)
        issue.save()
        _record(issue, actor, EventKind.LIMIT_DECIDED, now=now, from_status=Status.AWAITING_RATING, note=note,
                data={"close": close})
    return issue


def issue_appeal(*, issue, actor: Actor, rating, reason: str, now: datetime | None = None) -> Appeal:
    """The lead unit appeals a dissatisfied reporter rating as unreasonable."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_lead(actor, issue)
        _require_person(actor)
        r = issue.ratings.filter(pk=getattr(rating, "pk", rating)).first()
        if r is None:
            raise NotFound(_("评价不存在"))
        if not r.counts or r.satisfaction != Satisfaction.DISSATISFIED:
            raise Conflict(_("只能对报告人的不满意评价申诉"))
        if Appeal.objects.filter(rating=r).exists():
            raise Conflict(_("该评价已申诉"))
        errors: dict[str, list[str]] = {}
        reason = _field(errors, "reason", clean_text, reason, max_length=REASON_MAX, label="申诉理由")
        _raise_if(errors)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(rating=r, issue=issue, reason=reason, filed_by=actor.user, filed_at=now)
        except IntegrityError:
            raise Conflict(_("该评价已申诉")) from None
        _record(issue, actor, EventKind.APPEALED, now=now, note=reason, public=False,
                data={"appeal": appeal.pk, "rating": r.pk})
    return appeal


def issue_decide_appeal(*, issue, actor: Actor, appeal, exclude: bool, note: str = "", now: datetime | None = None) -> Appeal:
    """Supervisor decides an appeal: upheld (rating stands) or excluded from every measure."""
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_role(actor, Role.SUPERVISOR)
        a = _pending_request(issue.appeals, appeal, missing=_("申诉不存在"), decided=_("该申诉已裁定"),
                             pending=AppealDecision.PENDING)
        errors: dict[str, list[str]] = {}
        note = _field(errors, "note", clean_text, note, max_length=REASON_MAX, required=False, label="裁定意见")
        _raise_if(errors)
        _stamp_decision(a, AppealDecision.EXCLUDED if exclude else AppealDecision.UPHELD, actor, now, note)
        if exclude:
            Rating.objects.filter(pk=a.rating_id).update(excluded=True)
        _record(issue, actor, EventKind.APPEAL_DECIDED, now=now, note=note, public=False,
                data={"appeal": a.pk, "excluded": exclude})
    return a


def issue_close_out(*, issue, now: datetime | None = None) -> Issue:
    """销号 by the sweep: awaiting_rating → closed once the revisit window passed unrated.

    Conflict when not awaiting a rating, marked for decision, or the window
    (``ZY_REVISIT_WINDOW_DAYS``) has not passed.
    """
    now = _now(now)
    actor = Actor.system(gettext_noop("回访期满"))
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_status(issue, Status.AWAITING_RATING)
        if issue.needs_decision:
            raise Conflict(_("待督查裁定的诉求不自动销号"))
        window = timedelta(days=settings.ZY_REVISIT_WINDOW_DAYS)
        if issue.awaiting_rating_since is None or issue.awaiting_rating_since + window > now:
            raise Conflict(_("回访期未满"))
        _close(issue, now)
        issue.save(update_fields=["status", "closed_at", "needs_decision"])
        _record(issue, actor, EventKind.CLOSED_OUT, now=now, from_status=Status.AWAITING_RATING,
                note=CLOSED_OUT_NOTE)
    return issue


# --------------------------------------------------------------------------
# Audit and maintenance
# --------------------------------------------------------------------------


def issue_reveal_phone(*, issue, actor: Actor, reason: str, now: datetime | None = None) -> str:
    """"Show number": the reporter's full phone for the lead unit's staff or a revisit agent.

    Requires a reason and writes an internal audit event naming the person,
    so API clients (systems) are refused (Forbidden). Returns E.164.
    """
    now = _now(now)
    with transaction.atomic():
        issue = _lock(issue, actor)
        if actor.user is None:
            raise Forbidden(_("查看号码须由具体工作人员操作并留痕"))
        if actor.role != Role.REVISIT_AGENT:
            _require_lead(actor, issue)
        errors: dict[str, list[str]] = {}
        reason = _field(errors, "reason", clean_text, reason, max_length=REASON_MAX, label="查看理由")
        _raise_if(errors)
        _record(issue, actor, EventKind.PHONE_REVEALED, now=now, note=reason, public=False)
    return issue.reporter_phone


def issue_deidentify(*, issue, now: datetime | None = None) -> Issue:
    """Erase a closed issue's personal fields after the retention period (PIPL).

    Clears the reporter's name and phone, the building / unit / room and the
    location, and replaces followers' phones with a placeholder; category,
    district, 小区, description, dates and ratings stay for the measures.
    The issue's outbox rows (their texts quote codes, addresses and links)
    and the SMS records made from them lose their text, and residents'
    rows their number (``_erase_messages``). System only. Conflict when the
    issue is open or closed less than ``ZY_RETENTION_DAYS`` days ago; no-op
    (no event) when already done.
    """
    now = _now(now)
    actor = Actor.system("个人信息保护")
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_status(issue, *TERMINAL_STATUSES)
        if issue.closed_at is None or issue.closed_at + timedelta(days=settings.ZY_RETENTION_DAYS) > now:
            raise Conflict(_("未到个人信息保存期限"))
        _erase_messages(issue)  # also for an issue de-identified before messages were erased
        if not issue.reporter_phone and not issue.followers.exclude(phone__startswith="removed-").exists():
            return issue
        issue.reporter_name = issue.reporter_phone = issue.building = issue.unit_no = issue.room = ""
        issue.latitude = issue.longitude = None
        issue.save(update_fields=["reporter_name", "reporter_phone", "building", "unit_no", "room", "latitude",
                                  "longitude"])
        for follower in issue.followers.exclude(phone__startswith="removed-"):
            Follower.objects.filter(pk=follower.pk).update(phone=f"removed-{follower.pk}", name="")
        _record(issue, actor, EventKind.DEIDENTIFIED, now=now, public=False,
                note=f"销号满 {settings.ZY_RETENTION_DAYS} 天，个人信息已删除")
    return issue


ERASED = "（个人信息保存期满，内容已删除）"


def _erase_messages(issue: Issue) -> int:
    # The outbox rows of ``issue`` (and the "lost your code?" rows listing its code) lose their text (and
    # subject), residents' rows (kind "resident.…") their
    # number too (made unique per row: the dedupe constraint), and the SMS records made from them (keyed by
    # the row's id) lose number and text. Returns how many outbox rows still held text until now.
    # A "lost your code?" message is kept under the newest issue it lists: found by this issue's code too.
    rows = Notification.objects.filter(Q(issue=issue) | Q(kind="resident.codes", body__contains=issue.tracking_code))
    ids = [str(pk) for pk in rows.values_list("pk", flat=True)]
    rows.filter(kind__startswith="resident.").exclude(recipient__startswith="removed-").update(
        recipient=Concat(Value("removed-"), Cast("id", output_field=CharField())))
    erased = rows.exclude(body=ERASED).update(body=ERASED, subject="")
    if ids:
        SmsMessage.objects.filter(idempotency_key__in=ids).update(phone="removed", body=ERASED)
    return erased


def issue_recompute_deadlines(*, issue, calendar: dl.WorkCalendar | None = None, now: datetime | None = None) -> Issue:
    """Recompute a provisional issue's deadlines after a new official year is entered.

    Dispatch and response from filing; resolution from the current window's
    start unless an extension or plan fixed it. System only; open issues
    only (Conflict otherwise). Writes an event only when something changed.
    """
    now = _now(now)
    calendar = calendar or dl.WorkCalendar.load()
    actor = Actor.system("时限重算")
    with transaction.atomic():
        issue = _lock(issue, actor)
        _require_status(issue, *OPEN_STATUSES)
        windows = dl.rule_windows(issue.priority)
        old = _deadlines_data(issue)
        dispatch, p1 = calendar.add(issue.filed_at, *windows["dispatch"])
        response, p2 = calendar.add(issue.filed_at, *windows["response"])
        if issue.resolution_extended:
            resolution, p3 = issue.resolution_due, False
        else:
            resolution, p3 = calendar.add(issue.resolution_started_at, *windows["resolution"])
        issue.dispatch_due, issue.response_due, issue.resolution_due = dispatch, response, resolution
        issue.deadlines_provisional = p1 or p2 or p3
        if _deadlines_data(issue) == old:
            return issue
        issue.save(update_fields=["dispatch_due", "response_due", "resolution_due", "deadlines_provisional"])
        _record(issue, actor, EventKind.DEADLINES_RECOMPUTED, now=now, public=False, data={"before": old})
    return issue
