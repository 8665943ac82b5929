"""The notification outbox: what to tell whom, and delivering it at least once.

Writing: ``on_event(event)`` runs inside the workflow's transaction for every
IssueEvent and writes the outbox rows that event calls for (resident SMS,
emergency alerts, escalation notices), so a row exists if and only if the
change committed. The deadline sweep writes reminder rows the same way. Each
row has a dedupe key (issue, kind, reference, recipient) enforced by a unique
constraint; rows are inserted with ``ignore_conflicts`` so writing a key twice
keeps one row. After commit the sender task is kicked (``Kicker``: one task
published off the request thread, kicks coalesced to at most one task per
``KICK_INTERVAL`` per process); the beat runs it every minute as well, so a
lost kick (broker outage, a process exiting) only delays delivery.

Sending: ``deliver_pending()`` claims due rows one by one with a
compare-and-set (pending → sending with a lease), calls the backend with the
row id as idempotency key and marks the row sent. A worker killed mid-send
leaves the row "sending"; when its lease ends another run sends it again
with the same idempotency key, so the provider records it once. Errors are
retried with backoff up to ``ZY_OUTBOX_MAX_ATTEMPTS``, then the row is
"failed" (visible in admin).

Backends: ``settings.ZY_SMS_BACKEND`` (dotted path of an SmsBackend);
email goes through Django's EMAIL_BACKEND.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .choices import EventKind, Priority, Role, Satisfaction, Status
from .links import rating_url, tracking_url
from .models import Issue, Notification, Rating, SmsMessage
from .validation import is_mobile, user_length, user_prefix

log = logging.getLogger(__name__)

SIGNATURE = "【张掖城市生命线】"


# --------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------


class SmsBackend:
    """Interface of an SMS gateway.

    ``send(phone, body, idempotency_key)`` delivers one message to an E.164
    mobile number and returns the provider's message id (str). It must treat
    a repeated ``idempotency_key`` as the same message. Raises on failure.
    """

    def send(self, phone: str, body: str, idempotency_key: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class OutboxSmsBackend(SmsBackend):
    """Records what would be sent in the SmsMessage table and the log.

    The stand-in for the city's SMS gateway on machines without one: a real
    record of each delivery, deduplicated by idempotency key as a provider
    would (``times_received`` counts repeats).
    """

    def send(self, phone: str, body: str, idempotency_key: str) -> str:
        msg, created = SmsMessage.objects.get_or_create(
            idempotency_key=idempotency_key, defaults={"phone": phone, "body": body}
        )
        if not created:
            SmsMessage.objects.filter(pk=msg.pk).update(times_received=F("times_received") + 1)
        # The body is not logged: it may carry a signed tracking/rating link.
        log.info("SMS to %s****%s recorded (key %s, %d chars)", phone[3:6], phone[-4:], idempotency_key, len(body))
        return f"outbox-{msg.pk}"


def sms_backend() -> SmsBackend:
    """The configured SMS backend instance."""
    return import_string(settings.ZY_SMS_BACKEND)()


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One row to write: the dedupe key and the content."""

    kind: str
    reference: str
    recipient: str
    body: str
    channel: str = Notification.Channel.SMS
    subject: str = ""
    state: str = Notification.State.PENDING


def write(issue: Issue | None, messages: list[Message], now=None) -> None:
    """Insert outbox rows for one issue (or none: the digest), one per dedupe key.

    Call inside the transaction of the change that caused them. Kicks the
    sender after commit when a pending row was written.
    """
    write_many({issue.pk if issue else None: messages}, now=now)


def write_many(messages_by_issue: dict[int | None, list[Message]], now=None) -> None:
    """Insert outbox rows for several issues in one statement (``{issue_id: [Message]}``).

    Rows whose dedupe key exists already are dropped (ON CONFLICT DO NOTHING).
    """
    rows = [row for issue_id, messages in messages_by_issue.items() for row in outbox_rows(issue_id, messages, now)]
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    kick_after_commit(rows)


def outbox_rows(issue_id: int | None, messages: list[Message], now=None) -> list[Notification]:
    """Unsaved Notification rows for ``messages`` about issue ``issue_id``, due at ``now`` (default: now).

    For callers that insert them themselves (the filing's one-statement
    write); they must then call ``kick_after_commit(rows)``.
    """
    now = now or timezone.now()
    return [Notification(issue_id=issue_id, kind=m.kind, reference=m.reference, recipient=m.recipient, body=m.body,
                         channel=m.channel, subject=m.subject, state=m.state, created_at=now, next_attempt_at=now)
            for m in messages]


def kick_after_commit(rows: list[Notification]) -> None:
    """Kick the sender once the current transaction commits (at once outside one) if a row of ``rows`` is pending."""
    if any(r.state == Notification.State.PENDING for r in rows):
        _kick_once_after_commit()


def _kick_once_after_commit() -> None:
    # One kick per transaction, however many rows it wrote (a sweep touching
    # 500 issues enqueues one task, not 500).
    connection = transaction.get_connection()
    if any(getattr(entry[1], "__name__", "") == "kick_sender" for entry in connection.run_on_commit):
        return
    transaction.on_commit(kick_sender)


def kick_sender() -> None:
    """Ask a worker to deliver soon; returns at once (the publishing is the ``Kicker``'s thread's).

    Does nothing when settings.ZY_KICK_SENDER is off. Runs after the commit
    that wrote the rows (``kick_after_commit``), so the task it leads to is
    published after those rows are visible.
    """
    if settings.ZY_KICK_SENDER:
        _kicker.kick()


def _publish_send_notifications() -> bool:
    # True once published; False when the broker could not be reached (logged; the Kicker tries
    # again, and the beat runs the sender every minute anyway). One retry of the publish, not
    # Celery's three: with the broker's socket timeout, a frozen broker costs 20 s, not 50.
    try:
        from .tasks import send_notifications

        send_notifications.apply_async(retry_policy={"max_retries": 1})
        return True
    except Exception:  # broker down: a later try or the periodic run delivers
        log.warning("could not enqueue send_notifications; trying again shortly (and the beat runs it "
                    "every minute)", exc_info=True)
        return False


KICK_INTERVAL = 0.2  # seconds between two sender tasks published by one process, at most
KICK_STUCK_AFTER = 60.0  # seconds a publish may take before the next kick starts another thread
KICK_RETRY_AFTER = 5.0  # seconds before a failed publish (broker unreachable) is tried again
FLUSH_WAIT = 5.0  # seconds the exit's publish may take before the process exits anyway


class Kicker:
    """Coalesces kicks of the sender: one background thread per process publishes the tasks.

    ``kick()`` only sets a flag (a few microseconds; publishing a Celery
    task costs the caller's thread about half a millisecond of CPU, more than
    the rest of a filing's write). The thread, started at the first kick,
    publishes one task (``publish()``) when it sees the flag, then sleeps
    ``interval`` seconds (float) before looking again. A kick that arrives
    while it publishes or sleeps is served by one more task when the sleep
    ends, so every kick is followed by a task published after it, at most
    ``interval`` seconds later; a burst of filings costs one task per
    interval, not one each. A publish that fails (``publish()`` returns
    False: the broker unreachable) is tried again ``retry_after`` seconds
    later, so rows written during a broker outage leave once it is back,
    without waiting for another filing or the beat.

    A publish that hangs (a broker connection gone half-open, on a broker
    without a socket timeout: settings.ZY_BROKER_SOCKET_TIMEOUT bounds it on
    Redis) would leave every later kick unserved: a kick that finds the
    publish running for more than ``stuck_after`` seconds logs a warning and
    starts a new thread (the old one ends if its publish ever returns).

    At interpreter exit (atexit: a management command that files an issue
    and ends, a gunicorn worker recycled), ``flush()`` publishes once more
    if a kick is waiting or a publish is under way, waiting at most
    FLUSH_WAIT seconds; a kick lost with a killed process waits for the beat
    (a minute at most). A repeat task is harmless. A forked child (gunicorn
    and Celery workers) starts its own thread at its first kick.
    """

    def __init__(self, publish: Callable[[], bool | None], interval: float, stuck_after: float = KICK_STUCK_AFTER,
                 retry_after: float = KICK_RETRY_AFTER):
        self._publish = publish
        self._interval = interval
        self._stuck_after = stuck_after
        self._retry_after = retry_after
        self._reset()

    def _reset(self) -> None:
        self._wanted = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None
        self._busy_since: float | None = None  # time.monotonic() when the thread's publish began

    def kick(self) -> None:
        """Ask for a task at most ``interval`` seconds from now (never blocks on the broker)."""
        thread, busy_since = self._thread, self._busy_since
        if thread is None or (busy_since is not None and time.monotonic() - busy_since > self._stuck_after):
            with self._start:
                if self._thread is thread:  # no other kick replaced it meanwhile
                    if thread is not None:
                        log.warning("publishing the sender task has been blocked for over %.0f s (broker "
                                    "unreachable?); a new thread takes the kicks over", self._stuck_after)
                    self._busy_since = None
                    replacement = threading.Thread(target=self._run, name="zy-sender-kicker", daemon=True)
                    self._thread = replacement  # before start: the thread checks it is the current one
                    replacement.start()
        self._wanted.set()

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            self._wanted.wait()
            if self._thread is not me:
                return  # replaced while its publish hung: the new thread serves the kicks
            self._wanted.clear()  # kicks from here on get the next task
            self._busy_since = time.monotonic()
            try:
                published = self._publish() is not False
            except Exception:  # never let the thread die: later kicks would find no one
                log.exception("sender kick failed")
                published = False
            if self._thread is not me:
                return
            self._busy_since = None
            if published:
                time.sleep(self._interval)
            else:
                time.sleep(self._retry_after)
                self._wanted.set()  # this kick is still owed a task

    def flush(self) -> None:
        """Publish once more if a kick waits or a publish is under way (at exit; waits FLUSH_WAIT s at most)."""
        if self._wanted.is_set() or self._busy_since is not None:
            self._wanted.clear()
            helper = threading.Thread(target=self._publish, name="zy-sender-flush", daemon=True)
            helper.start()
            helper.join(FLUSH_WAIT)


_kicker = Kicker(_publish_send_notifications, KICK_INTERVAL)
os.register_at_fork(after_in_child=_kicker._reset)  # the parent's thread does not exist in a child
atexit.register(_kicker.flush)


def staff_messages(users, kind: str, reference: str, body: str, subject: str = "") -> list[Message]:
    """One message per staff user: SMS to their phone, else email, else none (logged)."""
    out = []
    for user in users:
        if user.phone:
            out.append(Message(kind, reference, user.phone, body, Notification.Channel.SMS, subject))
        elif user.email:
            out.append(Message(kind, reference, user.email, body, Notification.Channel.EMAIL, subject or body[:60]))
        else:
            log.warning("user %s has neither phone nor email: %s not delivered", user.username, kind)
    return out


def dispatchers():
    from accounts.models import User

    return User.objects.filter(is_active=True, role=Role.DISPATCHER)


def unit_staff(unit_id):
    from accounts.models import User

    return User.objects.filter(is_active=True, role=Role.UNIT_STAFF, unit_id=unit_id) if unit_id else []


def supervisors_of(utility: str):
    from accounts.models import User

    return [u for u in User.objects.filter(is_active=True, role=Role.SUPERVISOR)
            if utility in (u.regulated_utilities or [])]


def mayors_office():
    from accounts.models import User

    return User.objects.filter(is_active=True, role=Role.MAYOR)


def _resident_phones(issue: Issue) -> list[str]:
    phones = [issue.reporter_phone] + [f.phone for f in issue.followers.all()]
    return [p for p in dict.fromkeys(phones) if p and is_mobile(p)]


def _yours(issue: Issue, phone: str) -> str:
    # How a resident message names the issue: the reporter raised it, a follower only follows it.
    return "您反映的问题" if phone == issue.reporter_phone else "您关注的问题"


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y年%m月%d日%H:%M")


# --------------------------------------------------------------------------
# What each event calls for
# --------------------------------------------------------------------------


def on_event(event) -> None:
    """Write the outbox rows an IssueEvent calls for (``messages_for``); called by the workflow inside its transaction."""
    write(event.issue, messages_for(event), now=event.at)


def messages_for(event) -> list[Message]:
    """The messages an IssueEvent calls for (nothing written; ``event.pk`` and its issue's pk must be set).

    Resident messages follow DESIGN.md: tracking code on filing; rejection
    or merge with the reason; approved extension or plan with the new date;
    the fix with the rating link; the same to followers (and a follower's
    own confirmation with its tracking link, or with its rating link when
    the issue awaits its rating already; so for a merge into an original
    awaiting its rating). DESIGN.md is silent on the supervisor's decision
    at the rework limit; the reporter, whose last word was "dissatisfied",
    and the followers are told it too (closed, or worked again by a new
    date; not the decision's note, written for staff). A follower who rated the round
    "not solved" or dissatisfied is told when the issue closes anyway (on the
    reporter's rating or at the end of the rating window). Emergencies alert the routed unit's
    on-call contacts and the dispatchers at once.
    """
    issue = event.issue
    ref = f"event:{event.pk}"
    code = issue.tracking_code
    msgs: list[Message] = []
    kind = event.kind
    if kind == EventKind.SUBMITTED:
        if is_mobile(issue.reporter_phone):
            msgs.append(Message("resident.filed", ref, issue.reporter_phone,
                                f"{SIGNATURE}您反映的“{issue.category.name}”问题已受理，编号{code}，"
                                f"我们将在{_local(issue.resolution_due)}前办结。查询进度：{tracking_url(issue, issue.reporter_phone)}"))
        if issue.priority == Priority.EMERGENCY:
            msgs += emergency_messages(issue, ref)
    elif kind == EventKind.FOLLOWED:
        follower = issue.followers.filter(pk=event.data.get("follower")).first()
        if follower and is_mobile(follower.phone):
            if issue.asks_for_ratings:  # fixed already: the rating link the others got, now
                body = (f"{SIGNATURE}您已关注诉求{code}（{issue.category.name}），该问题已办结：{_result_words(issue)}。"
                        f"请您评价：{rating_url(issue, follower.phone)}")
            else:
                body = (f"{SIGNATURE}您已关注诉求{code}（{issue.category.name}），办结后将通知您并请您评价。"
                        f"查询进度：{tracking_url(issue, follower.phone)}")
            msgs.append(Message("resident.followed", ref, follower.phone, body))
    elif kind == EventKind.REJECTED:
        msgs += [Message("resident.rejected", ref, p, f"{SIGNATURE}{_yours(issue, p)}（编号{code}）未予受理：{issue.public_reason}")
                 for p in _resident_phones(issue)]
    elif kind == EventKind.MERGED:
        original = issue.duplicate_of
        # Fixed already: its fix and rating link went out before these phones followed it (breaker).
        said = _result_words(original) if original.asks_for_ratings else None
        for p in _resident_phones(issue):
            then = f"该问题已办结：{said}。请您评价：{rating_url(original, p)}" if said is not None else "进展将继续通知您。"
            msgs.append(Message("resident.merged", ref, p, f"{SIGNATURE}{_yours(issue, p)}（编号{code}）与"
                                                            f"{original.tracking_code}为同一问题，已合并办理，{then}"))
    elif kind == EventKind.EXTENSION_DECIDED and event.data.get("approved"):
        msgs += [Message("resident.extended", ref, p,
                         f"{SIGNATURE}{_yours(issue, p)}（编号{code}）办理时限经批准延长至{_local(issue.resolution_due)}。")
                 for p in _resident_phones(issue)]
    elif kind == EventKind.PLAN_DECIDED and event.data.get("approved"):
        msgs += [Message("resident.planned", ref, p,
                         f"{SIGNATURE}{_yours(issue, p)}（编号{code}）需限期整改，计划于{_local(issue.resolution_due)}前完成。")
                 for p in _resident_phones(issue)]
    elif kind == EventKind.LIMIT_DECIDED:
        # The supervisor's decision after the rework limit: the reporter's last word was "dissatisfied",
        # and without this they heard nothing more (the issue simply closed, or work began again).
        # The decision's note is for staff (the form does not say 群众可见): the decision only.
        if event.data.get("close"):
            said = "经督查部门裁定，予以办结销号。如有异议，请拨打12345热线。"
        else:
            said = f"经督查部门裁定再次办理，将在{_local(issue.resolution_due)}前办结。"
        msgs += [Message("resident.decided", ref, p, f"{SIGNATURE}{_yours(issue, p)}（编号{code}）{said}")
                 for p in _resident_phones(issue)]
    elif kind == EventKind.ESCALATED:
        level = event.data.get("escalation_level")
        body = f"{SIGNATURE}诉求{code}（{issue.category.name}，{issue.district.name}）已超时，升级为{level}级：{event.note}"
        users = supervisors_of(issue.utility) if level == 1 else mayors_office()
        msgs += staff_messages(users, f"escalation.{level}", ref, body)
    if event.to_status == Status.AWAITING_RATING and event.from_status != Status.AWAITING_RATING:
        said = _result_words(issue)
        msgs += [Message("resident.fixed", ref, p,
                         f"{SIGNATURE}{_yours(issue, p)}（编号{code}）已办结：{said}。请您评价：{rating_url(issue, p)}")
                 for p in _resident_phones(issue)]
    if kind in (EventKind.RATED, EventKind.CLOSED_OUT) and event.to_status == Status.CLOSED:
        # (A supervisor's close at the rework limit tells everyone already: LIMIT_DECIDED above.)
        msgs += _closed_over_followers(issue, ref)
    return msgs


def _closed_over_followers(issue: Issue, ref: str) -> list[Message]:
    # The issue closed on the reporter's rating or at the end of the rating window: each follower (mobile) who
    # said this round's fix did not solve it, or was dissatisfied, hears that it closed and what to do. Their
    # rating moves nothing (DESIGN.md), and nothing else told them (breaker).
    phones = (issue.ratings.filter(round=issue.resolution_round, follower__isnull=False)
              .filter(Q(resolved=False) | Q(satisfaction=Satisfaction.DISSATISFIED))
              .order_by("follower_id").values_list("follower__phone", flat=True).distinct())
    return [Message("resident.closed", ref, p, f"{SIGNATURE}{_yours(issue, p)}（编号{issue.tracking_code}）已办结销号。"
                                                f"问题仍然存在的，请重新提交诉求，或拨打12345热线。")
            for p in phones if is_mobile(p)]


def _result_words(issue: Issue) -> str:
    # The latest fix's result as an SMS quotes it (``_quoted``).
    result = issue.events.filter(kind=EventKind.RESOLVED).order_by("-at", "-id").values_list("note", flat=True).first()
    return _quoted(result)


def _quoted(text: str | None) -> str:
    # Staff's words as an SMS quotes them: the first 60 characters as seen, without a closing stop (the
    # sentence's own full stop follows); "…" where they were cut, so a cut quote does not read whole.
    text = (text or "").rstrip("。．.！!？?；;，,、 \n")
    if user_length(text) <= 60 and len(text) <= 120:
        return text
    # Never inside an emoji (breaker round 3), and at most 120 code points, so the SMS keeps its length
    # whatever a cluster holds (breaker round 4).
    return user_prefix(text, 59, max_code_points=120).rstrip("。．.！!？?；;，,、 \n") + "…"


def emergency_messages(issue: Issue, reference: str) -> list[Message]:
    """Alerts for an emergency filing: the routed unit's on-call contacts and every dispatcher."""
    from .routing import route

    unit = issue.lead_unit
    if unit is None:
        found = route(issue.category, issue.district)
        unit = found.unit if found else None
    body = (f"{SIGNATURE}紧急诉求{issue.tracking_code}：{issue.category.name}，{issue.district.name}{issue.address}。"
            f"请立即处置。")
    msgs = []
    for contact in (unit.oncall_contacts if unit else []) or []:
        phone = contact.get("phone") if isinstance(contact, dict) else None
        if phone:
            msgs.append(Message("emergency.alert", reference, phone, body))
    msgs += staff_messages(dispatchers(), "emergency.alert", reference, body)
    return msgs


def resend_codes(phone: str, request_id: str, now=None) -> int:
    """Send a phone's open tracking codes again ("lost your code?").

    ``phone``: E.164. The open issues it reported or follows (a followed
    one marked （关注）). ``request_id`` makes the reference of this request
    (a new request is a new message). Returns the number of open issues
    listed (0 sends nothing; the newest RESEND_MAX are listed). Each open
    issue awaiting a rating this phone has not given in the current round,
    listed or not, also gets its rating link again, one message each (at
    most RESEND_MAX, oldest first) (a resident who deleted the SMS could not rate,
    and the issue would be closed out at the window's end as if unanswered).
    Rate limits are applied by the caller (DESIGN.md: 3 an hour per phone).
    """
    mine = Issue.objects.open().filter(Q(reporter_phone=phone) | Q(followers__phone=phone)).distinct()
    # The newest RESEND_MAX by code (a code is the day and its sequence: filing order, where filed_at of
    # filings made in the same instant is not), listed oldest first; the text says when there are more.
    issues = list(mine.order_by("-tracking_code")[:RESEND_MAX])[::-1]
    if not issues or not is_mobile(phone):
        return 0
    codes = "、".join(i.tracking_code + ("" if i.reporter_phone == phone else "（关注）") for i in issues)
    total = len(issues) if len(issues) < RESEND_MAX else mine.count()
    more = f"（共{total}件，这里是最近的{len(issues)}件）" if total > len(issues) else ""
    with transaction.atomic():
        write(issues[-1], [Message("resident.codes", f"resend:{request_id}", phone,
                                   f"{SIGNATURE}您办理中和待评价的诉求编号：{codes}{more}。")], now=now)
        # Every one awaiting a rating, listed or not (the list holds the newest RESEND_MAX; an older fixed
        # one left out lost its link: breaker), oldest first, at most RESEND_MAX messages.
        awaiting = list(mine.filter(status=Status.AWAITING_RATING).order_by("tracking_code"))
        for issue in _unrated_by(awaiting, phone)[:RESEND_MAX]:
            write(issue, [Message("resident.rate_again", f"resend:{request_id}", phone,
                                  f"{SIGNATURE}{_yours(issue, phone)}（编号{issue.tracking_code}）已办结："
                                  f"{_result_words(issue)}。请您评价：{rating_url(issue, phone)}")], now=now)
    return len(issues)


def _unrated_by(issues: list[Issue], phone: str) -> list[Issue]:
    """Those of ``issues`` awaiting a rating that ``phone`` (the reporter or a follower) has not given this round."""
    out = []
    for issue in issues:
        if issue.status != Status.AWAITING_RATING:
            continue
        mine = Rating.objects.filter(issue=issue, round=issue.resolution_round)
        mine = mine.filter(follower__isnull=True) if phone == issue.reporter_phone else mine.filter(
            follower__phone=phone)
        if not mine.exists():
            out.append(issue)
    return out


RESEND_MAX = 10  # codes in one "lost your code?" message


# --------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------


def deliver_pending(limit: int = 200, now=None) -> dict[str, int]:
    """Deliver due outbox rows; returns counts ``{"sent": n, "retry": n, "failed": n}``.

    Safe to run from several workers at once: each row is claimed with a
    compare-and-set and only the claimer sends it.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    lease = timedelta(seconds=settings.ZY_OUTBOX_LEASE_SECONDS)
    backend = None
    for _ in range(limit):
        now_ = now or timezone.now()
        due = (
            Notification.objects.filter(
                Q(state=Notification.State.PENDING, next_attempt_at__lte=now_)
                | Q(state=Notification.State.SENDING, lease_until__lt=now_)
            ).order_by("next_attempt_at", "id").values_list("id", "state").first()
        )
        if due is None:
            break
        row_id, old_state = due
        claimed = Notification.objects.filter(
            Q(pk=row_id, state=old_state) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now_))
        ).update(state=Notification.State.SENDING, lease_until=now_ + lease, attempts=F("attempts") + 1)
        if claimed != 1:
            continue  # another worker took it
        row = Notification.objects.get(pk=row_id)
        try:
            if row.channel == Notification.Channel.SMS:
                backend = backend or sms_backend()
                provider_id = backend.send(row.recipient, row.body, str(row.pk))
            else:
                send_mail(row.subject or row.body[:60], row.body, None, [row.recipient])
                provider_id = ""
        except Exception as exc:
            failed = row.attempts >= settings.ZY_OUTBOX_MAX_ATTEMPTS
            Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING).update(
                state=Notification.State.FAILED if failed else Notification.State.PENDING,
                next_attempt_at=now_ + timedelta(minutes=2 ** min(row.attempts, 6)),
                lease_until=None,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            counts["failed" if failed else "retry"] += 1
            log.warning("notification %s attempt %s failed: %s", row.pk, row.attempts, exc)
            continue
        Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING).update(
            state=Notification.State.SENT, sent_at=timezone.now(), lease_until=None,
            provider_message_id=provider_id[:100], last_error="",
        )
        counts["sent"] += 1
    return counts
