"""Every number the dashboard, the ledger, the API and the exports show (DESIGN.md, Measures).

One module, one definition per measure. A measure is computed for a
``Period`` (Asia/Shanghai calendar days, ``start_day`` … ``end_day``
inclusive) and returns a ``Measure``: its value, the count it rests on, and
the ledger parameters that select exactly the issues behind it
(``issue_filter(key, period, now)`` is the same definition as a ``Q`` over
``Issue``; the ledger and exports use it, the tests count it).

Definitions (merged issues are left out of every one):

- ``received``: filed in the period (``filed_at``).
- ``closed``: reached ``closed`` in the period (``closed_at``, status closed).
- ``dispatch_due`` / ``dispatch_on_time``: dispatch deadline fell in the
  period (and before now); on time = first assigned by it (routing at filing
  included) or rejected by it.
- ``response_due`` / ``response_on_time``: response deadline fell in the
  period (and before now), leaving out issues rejected without ever being
  claimed (no unit was ever asked to respond); on time = first claimed by it.
- ``resolved`` / ``resolved_on_time``: latest resolution (``resolved_at``) in
  the period; on time = by the resolution deadline in force at that moment,
  as the workflow recorded it on the RESOLVED event (``data.on_time``).
- ``rated`` / ``rated_resolved`` / ``rated_satisfied`` / ``rated_reworked``:
  the issue's rating is its latest reporter rating (own or recorded by a
  revisit agent; followers' ratings never count), ratings excluded on appeal
  left out first; counted in the period its rating was given. Resolved =
  rated "problem solved"; satisfied = satisfied or basically satisfied;
  reworked = reopened by a dissatisfied rating at least once
  (``rework_count`` > 0; a fix sent back by a supervisor is not rework).
- now (no period): ``open`` (new … awaiting_rating), ``overdue`` (open and
  past a deadline in force, as ``Issue.objects.overdue``), ``supervised``
  (open with a supervision order), ``escalated`` (open, level 2).

Speed: past days come from the rollups — ``MonthlyRollup`` for the whole
months of a period that have ended, ``DailyRollup`` (one row per day and
utility/district/lead unit/category) for the days at its edges, and
``DailyTotal`` (per day and utility) for the trend — today is computed live
with indexed range queries, the now-measures over open issues only.
``refresh`` keeps the rollups current: it recomputes every past day touched
by an issue that has new events since the watermark (an indexed read of the
new events; only the touched issues' utility/district/category rows are
recomputed, and only rows that changed are written), and is called when a
write on an issue filed before today commits (``refresh_after_commit``, from
the workflow: the writer pays, so the next read finds nothing new), before
every read (dashboard, ledger drill-down, API) and by a Celery job every
minute; a day that has just ended is written at its first refresh, a month
once its last day is. So a number and its drill-down list agree right after
any write, without running a job by hand.
"""

from __future__ import annotations

import hashlib
import json
import logging
import operator
import secrets
from dataclasses import dataclass, field
from functools import reduce
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATUSES, EventKind, RaterKind, Satisfaction, Status, WORKING_STATUSES
from .models import DailyRollup, DailyTotal, Issue, IssueEvent, MonthlyRollup, Rating, RollupState

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)
# Issue fields the rollups are grouped by, and their DailyRollup names.
DIMS = ("utility", "district_id", "lead_unit_id", "category_id")
ROLLUP_DIMS = ("utility", "district_id", "unit_id", "category_id")
PERIOD_COUNTS = (
    "received", "closed", "dispatch_due", "dispatch_on_time", "response_due", "response_on_time",
    "resolved", "resolved_on_time", "rated", "rated_resolved", "rated_satisfied", "rated_reworked",
)
NOW_COUNTS = ("open", "overdue", "supervised", "escalated")
# A unit enters the ranking (红黑榜) with at least this many rated issues in the period.
RANKING_MIN_RATED = 10
# Periods longer than this are drawn as a weekly trend.
DAILY_TREND_MAX_DAYS = 62


# --------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------


def local_day(dt: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return dt.astimezone(LOCAL_TZ).date()


def day_start(d: date) -> datetime:
    """00:00 Asia/Shanghai of ``d`` (aware)."""
    return datetime.combine(d, time.min, tzinfo=LOCAL_TZ)


# The days any period may cover (ValueError outside): the API, the dashboard and the ledger read them.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


@dataclass(frozen=True)
class Period:
    """Calendar days ``start_day`` … ``end_day`` (inclusive), Asia/Shanghai.

    ``kind`` is "today", "week" (Monday–Sunday), "month" or "custom".
    ``start``/``end`` are the aware bounds ``[start, end)``.
    """

    start_day: date
    end_day: date
    kind: str = "custom"

    def __post_init__(self):
        # Far dates (year 1, 9999) would overflow date arithmetic in the reads: refuse them here, once.
        if not (FIRST_DAY <= self.start_day and self.end_day <= LAST_DAY):
            raise ValueError(f"period outside {FIRST_DAY} … {LAST_DAY}")

    @property
    def start(self) -> datetime:
        return day_start(self.start_day)

    @property
    def end(self) -> datetime:
        return day_start(self.end_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end_day - self.start_day).days + 1

    @classmethod
    def of(cls, kind: str, now: datetime, start: date | None = None, end: date | None = None) -> "Period":
        """The period named ``kind`` around ``now``; "custom" needs ``start`` ≤ ``end``, at most ten years,
        within FIRST_DAY … LAST_DAY (ValueError otherwise)."""
        today = local_day(now)
        if kind == "today":
            return cls(today, today, "today")
        if kind == "week":
            monday = today - timedelta(days=today.weekday())
            return cls(monday, monday + timedelta(days=6), "week")
        if kind == "month":
            first = today.replace(day=1)
            nxt = (first + timedelta(days=32)).replace(day=1)
            return cls(first, nxt - timedelta(days=1), "month")
        if kind == "custom":
            if start is None or end is None or start > end:
                raise ValueError("custom period needs start <= end")
            if (end - start).days > 366 * 10:
                raise ValueError("custom period longer than ten years")
            return cls(start, end, "custom")
        raise ValueError(f"unknown period {kind!r}")

    def as_params(self) -> dict:
        """Ledger GET parameters selecting this period: ``{"start": iso, "end": iso}``."""
        return {"start": self.start_day.isoformat(), "end": self.end_day.isoformat()}


# --------------------------------------------------------------------------
# Definitions as filters over Issue (the drill-down and the live counts)
# --------------------------------------------------------------------------


def _counted_ratings():
    """Reporter ratings (own or agent-recorded) not excluded on appeal."""
    return Rating.objects.filter(rater_kind__in=[RaterKind.REPORTER, RaterKind.AGENT], excluded=False)


def latest_ratings(start: datetime, end: datetime):
    """Ratings in ``[start, end)`` that are their issue's latest counted rating (Rating queryset)."""
    return _latest_ratings_in([(start, end)])


def _latest_ratings_in(ranges: list[tuple[datetime, datetime]]):
    """``latest_ratings`` over the union of ``[start, end)`` ranges."""
    counted = _counted_ratings()
    later = counted.filter(issue=OuterRef("issue")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    in_ranges = reduce(operator.or_, (Q(created_at__gte=s, created_at__lt=e) for s, e in ranges))
    return counted.filter(in_ranges).filter(~Exists(later)).exclude(issue__status=Status.MERGED)


def _on_time_resolution():
    return Exists(IssueEvent.objects.filter(issue=OuterRef("pk"), kind=EventKind.RESOLVED, at=OuterRef("resolved_at"),
                                            data__on_time=True))


def overdue_q(now: datetime) -> Q:
    """Open and past a deadline in force at ``now``; the same rule as ``Issue.objects.overdue``."""
    return (
        Q(status=Status.NEW, dispatch_due__lt=now)
        | Q(status=Status.ASSIGNED, response_due__lt=now)
        | Q(status__in=sorted(WORKING_STATUSES), resolution_due__lt=now)
    )


NOT_MERGED = ~Q(status=Status.MERGED)


def _period_q(key: str, start: datetime, end: datetime, now: datetime) -> Q:
    """The Q of period measure ``key`` for ``[start, end)``; deadlines only up to ``now``."""
    due_end = min(end, now)
    if key == "received":
        return Q(filed_at__gte=start, filed_at__lt=end) & NOT_MERGED
    if key == "closed":
        return Q(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    if key in ("dispatch_due", "dispatch_on_time"):
        q = Q(dispatch_due__gte=start, dispatch_due__lt=due_end) & NOT_MERGED
        if key == "dispatch_on_time":
            q &= Q(first_assigned_at__lte=F("dispatch_due")) | Q(status=Status.REJECTED,
                                                                  closed_at__lte=F("dispatch_due"))
        return q
    if key in ("response_due", "response_on_time"):
        q = (Q(response_due__gte=start, response_due__lt=due_end) & NOT_MERGED
             & ~Q(status=Status.REJECTED, first_claimed_at__isnull=True))
        if key == "response_on_time":
            q &= Q(first_claimed_at__lte=F("response_due"))
        return q
    if key in ("resolved", "resolved_on_time"):
        q = Q(resolved_at__gte=start, resolved_at__lt=end) & NOT_MERGED
        if key == "resolved_on_time":
            q &= _on_time_resolution()
        return q
    if key in ("rated", "rated_resolved", "rated_satisfied", "rated_reworked"):
        ratings = latest_ratings(start, end)
        if key == "rated_resolved":
            ratings = ratings.filter(resolved=True)
        elif key == "rated_satisfied":
            ratings = ratings.filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])
        q = Q(pk__in=ratings.values("issue_id"))
        if key == "rated_reworked":
            q &= Q(rework_count__gt=0)
        return q
    raise KeyError(key)


def _now_q(key: str, now: datetime) -> Q:
    open_q = Q(status__in=sorted(OPEN_STATUSES))
    if key == "open":
        return open_q
    if key == "overdue":
        return open_q & overdue_q(now)
    if key == "supervised":
        return open_q & ~Q(supervision_level="")
    if key == "escalated":
        return open_q & Q(escalation_level__gte=2)
    raise KeyError(key)


ALL_KEYS = PERIOD_COUNTS + NOW_COUNTS


def issue_filter(key: str, period: Period | None, now: datetime | None = None) -> Q:
    """The Q over Issue selecting exactly the issues behind count ``key`` (KeyError if unknown).

    ``period`` is required for period counts and ignored for now-counts.
    """
    now = now or timezone.now()
    if key in NOW_COUNTS:
        return _now_q(key, now)
    if period is None:
        raise ValueError(f"{key} needs a period")
    return _period_q(key, period.start, period.end, now)


# --------------------------------------------------------------------------
# Grouped counts: the live computation and the rollup job share it
# --------------------------------------------------------------------------


_ZEROS = dict.fromkeys(PERIOD_COUNTS, 0)


def _bucket(counts: dict, rows, names: tuple) -> None:
    """Add grouped rows ``(day, utility, district, unit, category, *values)`` to ``counts`` under ``names``."""
    for row in rows:
        key = row[:5]
        slot = counts.get(key)
        if slot is None:
            slot = counts[key] = _ZEROS.copy()
        for name, value in zip(names, row[5:]):
            if value:
                slot[name] += value


def counts_between(start: datetime, end: datetime, now: datetime) -> dict:
    """Period counts for ``[start, end)`` grouped by local day and DIMS.

    Returns ``{(day, utility, district_id, lead_unit_id, category_id): {count: n}}``.
    Seven indexed range queries, whatever the size of the archive.
    """
    return _counts_in([(start, end)], now)


def _counts_in(ranges: list[tuple[datetime, datetime]], now: datetime, groups=None, parts=("events", "due")) -> dict:
    """``counts_between`` over the union of disjoint ``[start, end)`` ranges: still seven queries.

    ``groups``: only issues of these (utility, district_id, category_id) groups (None: all).
    ``parts``: "events" (received, closed, resolved, rated…: they change only
    with a write) and/or "due" (the dispatch and response deadlines: they also
    change as deadlines fall before ``now``).
    """
    counts: dict = {}

    def any_of(key, spans=ranges):
        return reduce(operator.or_, (_period_q(key, s, e, now) for s, e in spans))

    def grouped(qs, field_name, **aggs):
        # Tuples, not dicts: a refresh of a few busy days reads tens of thousands of groups.
        return (qs.annotate(d=TruncDate(field_name, tzinfo=LOCAL_TZ)).values("d", *DIMS)
                .annotate(**aggs).order_by().values_list("d", *DIMS, *aggs))

    issues = Issue.objects.all()
    ratings = _latest_ratings_in(ranges)
    if groups is not None:
        issues = issues.filter(_group_q(groups))
        ratings = ratings.filter(_group_q(groups, "issue__"))
    due = [(s, e) for s, e in ranges if min(e, now) > s]  # deadlines count only once fallen
    if due and "due" in parts:
        _bucket(counts, grouped(issues.filter(any_of("dispatch_due", due)), "dispatch_due",
                                n=Count("id"), ok=Count("id", filter=any_of("dispatch_on_time", due))),
                ("dispatch_due", "dispatch_on_time"))
        _bucket(counts, grouped(issues.filter(any_of("response_due", due)), "response_due",
                                n=Count("id"), ok=Count("id", filter=any_of("response_on_time", due))),
                ("response_due", "response_on_time"))
    if "events" not in parts:
        return counts
    _bucket(counts, grouped(issues.filter(any_of("received")), "filed_at", n=Count("id")), ("received",))
    _bucket(counts, grouped(issues.filter(any_of("closed")), "closed_at", n=Count("id")), ("closed",))
    _bucket(counts, grouped(issues.filter(any_of("resolved")), "resolved_at",
                            n=Count("id"), ok=Count("id", filter=Q(_on_time_resolution()))),
            ("resolved", "resolved_on_time"))
    rating_dims = [f"i_{d}" for d in DIMS]
    rows = (ratings.annotate(d=TruncDate("created_at", tzinfo=LOCAL_TZ), **{
        f"i_{d}": F(f"issue__{d}") for d in DIMS})
        .values("d", *rating_dims)
        .annotate(n=Count("id"), res=Count("id", filter=Q(resolved=True)),
                  sat=Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
                  rew=Count("id", filter=Q(issue__rework_count__gt=0)))
        .order_by().values_list("d", *rating_dims, "n", "res", "sat", "rew"))
    _bucket(counts, rows, ("rated", "rated_resolved", "rated_satisfied", "rated_reworked"))
    return counts


def now_counts(base=None, now: datetime | None = None):
    """The now-measures over open issues, grouped by DIMS: a list of dicts (one query)."""
    now = now or timezone.now()
    qs = (base if base is not None else Issue.objects.all()).filter(status__in=sorted(OPEN_STATUSES))
    # COUNT(status) (not COUNT(id)) so that the partial covering index
    # issue_open_measures answers it alone (an index-only scan).
    return list(qs.values(*DIMS).annotate(
        open=Count("status"),
        overdue=Count("status", filter=overdue_q(now)),
        supervised=Count("status", filter=~Q(supervision_level="")),
        escalated=Count("status", filter=Q(escalation_level__gte=2)),
    ).order_by())


# --------------------------------------------------------------------------
# Keeping the rollups current
# --------------------------------------------------------------------------


# Days recomputed per set of range queries: bounds the memory of a full rebuild.
WRITE_CHUNK_DAYS = 31
_ROW_COLUMNS = ("day", "utility", "district_id", "unit_id", "category_id") + PERIOD_COUNTS


def _runs(days: list[date]) -> list[tuple[datetime, datetime]]:
    """The sorted ``days`` as contiguous ``[start, end)`` ranges of aware datetimes."""
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return [(day_start(r[0]), day_start(r[-1] + timedelta(days=1))) for r in runs]


def _next_month(d: date) -> date:
    return (d.replace(day=1) + timedelta(days=32)).replace(day=1)


def _write_days(days, now: datetime, fresh=frozenset(), groups=None) -> int:
    """Recompute the DailyRollup rows of ``days`` (all before today) and write the rows that changed.

    ``groups``: only the rows of these (utility, district_id, category_id)
    groups are recomputed (None: all rows).

    Then rewrites the sums derived from them (``DailyTotal`` of each changed
    or ``fresh`` day; ``MonthlyRollup`` of each such day's month once the
    month has ended) and, when anything was written, gives the cached past
    sums a new version. ``fresh``: days written for the first time (their
    sums are written even when no daily row changed). Returns the number of
    daily rows deleted plus inserted.
    """
    today = local_day(now)
    days = sorted(set(days))
    changed: set[date] = set()
    written = 0
    for i in range(0, len(days), WRITE_CHUNK_DAYS):
        chunk = days[i:i + WRITE_CHUNK_DAYS]
        written += _store_days(chunk, _counts_in(_runs(chunk), now, groups), changed, groups)
    sums_of = changed | {d for d in fresh if d < today}
    if sums_of:
        _write_sums(sorted(sums_of), today)
        # Readers cache sums of past days under the version: a new one now (for
        # readers in this transaction) and again once these rows are visible to
        # all (a reader in between may have cached the old sums under the first).
        _bump_version()
        transaction.on_commit(_bump_version)
    return written


def _store_days(chunk: list[date], counts: dict, changed: set, groups=None) -> int:
    """Make the DailyRollup rows of ``chunk`` (within ``groups``, None = all) equal ``counts``, touching only
    rows that differ.

    Adds the days whose rows changed to ``changed``; returns rows deleted plus inserted.
    """
    old: dict = {}
    stored = DailyRollup.objects.filter(day__in=chunk)
    if groups is not None:
        stored = stored.filter(_group_q(groups))
    for r in stored.values_list("id", *_ROW_COLUMNS):
        old[tuple(r[1:6])] = (r[0], tuple(r[6:]))
    new = {k: tuple(v[c] for c in PERIOD_COUNTS) for k, v in counts.items() if any(v.values())}
    stale = [(k, rid) for k, (rid, values) in old.items() if new.get(k) != values]
    inserts = [k + v for k, v in new.items() if k not in old or old[k][1] != v]
    changed.update(k[0] for k, _rid in stale)
    changed.update(r[0] for r in inserts)
    ids = [rid for _k, rid in stale]
    for i in range(0, len(ids), 1000):
        DailyRollup.objects.filter(id__in=ids[i:i + 1000]).delete()
    if inserts:
        # Plain executemany: a full rebuild writes millions of rows, where
        # bulk_create spends most of its time building SQL in Python.
        table = DailyRollup._meta.db_table
        sql = (f"INSERT INTO {table} ({', '.join(_ROW_COLUMNS)}) "
               f"VALUES ({', '.join(['%s'] * len(_ROW_COLUMNS))})")
        with connection.cursor() as cur:
            for i in range(0, len(inserts), 5000):
                cur.executemany(sql, inserts[i:i + 5000])
    return len(ids) + len(inserts)


def _write_sums(days: list[date], today: date) -> None:
    """Rewrite ``DailyTotal`` of ``days`` and ``MonthlyRollup`` of their months that ended before ``today``.

    Both are sums of the DailyRollup rows (SQL ``INSERT … SELECT SUM``), so
    every grain gives the same numbers.
    """
    daily, total, monthly = DailyRollup._meta.db_table, DailyTotal._meta.db_table, MonthlyRollup._meta.db_table
    cols = ", ".join(PERIOD_COUNTS)
    sums = ", ".join(f"SUM({c})" for c in PERIOD_COUNTS)
    dims = "utility, district_id, unit_id, category_id"
    with connection.cursor() as cur:
        for i in range(0, len(days), 500):
            chunk = days[i:i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM {total} WHERE day IN ({marks})", chunk)
            cur.execute(f"INSERT INTO {total} (day, utility, {cols}) SELECT day, utility, {sums} FROM {daily} "
                        f"WHERE day IN ({marks}) GROUP BY day, utility", chunk)
        for month in sorted({d.replace(day=1) for d in days}):
            nxt = _next_month(month)
            if nxt > today:
                continue  # not ended: its days are read from DailyRollup
            cur.execute(f"DELETE FROM {monthly} WHERE month = %s", [month])
            cur.execute(f"INSERT INTO {monthly} (month, {dims}, {cols}) SELECT %s, {dims}, {sums} FROM {daily} "
                        f"WHERE day >= %s AND day < %s GROUP BY {dims}", [month, month, nxt])


ROLLUP_VERSION_KEY = "zy:measures:rollup-version"
ROLLUP_CACHE_SECONDS = 6 * 3600


def _cache(operation: str, *args):
    """``cache.<operation>(*args)``, or None when the cache (Redis) cannot be reached: the measures are then
    computed from the database, not lost (the dashboard and /stats/ answered 500: breaker)."""
    try:
        return getattr(cache, operation)(*args)
    except Exception:  # noqa: BLE001 - any cache failure
        log.warning("measures: cache %s failed; computing without it", operation, exc_info=True)
        return None


def _rollup_version() -> str:
    version = _cache("get", ROLLUP_VERSION_KEY)
    if version is None:
        version = secrets.token_hex(8)
        _cache("add", ROLLUP_VERSION_KEY, version, None)
        version = _cache("get", ROLLUP_VERSION_KEY) or version
    return version


def _bump_version() -> None:
    _cache("set", ROLLUP_VERSION_KEY, secrets.token_hex(8), None)


# A refresh of touched days recomputes only the rows of the touched issues'
# (utility, district, category) groups, up to this many groups (all rows beyond).
# Those three never change after filing (issue_submit sets them; the admin is
# read-only), so an issue's rows never leave its group; the lead unit may.
MAX_TOUCHED_GROUPS = 50


def _days_touched(issue_ids: list[int]) -> tuple[set[date], set[tuple]]:
    """Every local day an issue's measures may have been counted on (its events and deadlines, past and
    present), and the issues' (utility, district_id, category_id) groups."""
    days: set[date] = set()
    groups: set[tuple] = set()
    for i in range(0, len(issue_ids), 500):
        chunk = issue_ids[i:i + 500]
        for at, data in IssueEvent.objects.filter(issue_id__in=chunk).values_list("at", "data"):
            days.add(local_day(at))
            for block in ((data or {}).get("deadlines") or {}, (data or {}).get("before") or {}):
                for name in ("dispatch_due", "response_due"):
                    raw = block.get(name) if isinstance(block, dict) else None
                    if raw:
                        try:
                            days.add(local_day(datetime.fromisoformat(raw)))
                        except (TypeError, ValueError):
                            pass
        for row in Issue.objects.filter(pk__in=chunk).values_list(
                "filed_at", "closed_at", "resolved_at", "dispatch_due", "response_due",
                "utility", "district_id", "category_id"):
            days.update(local_day(v) for v in row[:5] if v is not None)
            groups.add(row[5:])
    return days, groups


def _group_q(groups, prefix: str = "") -> Q | None:
    """The Q selecting rows of the (utility, district_id, category_id) ``groups`` (None = every row).

    ``prefix``: "issue__" when filtering ratings.
    """
    if groups is None:
        return None
    return reduce(operator.or_, (Q(**{f"{prefix}utility": u, f"{prefix}district_id": d, f"{prefix}category_id": c})
                                 for u, d, c in sorted(groups, key=str)), Q(pk__in=[]))


def refresh(now: datetime | None = None, *, full: bool = False, wait: bool = True) -> dict:
    """Bring the rollups up to date at ``now``; returns ``{"days": n, "rows": n}``.

    Writes every day before today not yet written (the day just ended, or the
    whole history on the first run, or with ``full``), and recomputes the
    past days touched by issues with events newer than the watermark, writing
    only the rows whose counts changed (``rows``: daily rows deleted plus
    inserted). With no new event since the last refresh today it returns at
    once without writing. Safe to run concurrently: the watermark row is
    locked for the duration.

    ``wait`` False (the refresh after a write): return at once, writing
    nothing, when another refresh holds the lock or the rollups were never
    built (the first build is left to the job, the command or the dashboard).

    Known limit: an event whose transaction commits after a later-numbered
    event was already processed is caught by the nightly ``refresh(full=…)``
    of recent days (``rebuild_recent``), not at once.
    """
    now = now or timezone.now()
    today = local_day(now)
    with transaction.atomic():
        if wait:
            state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        else:
            state = (RollupState.objects.select_for_update(skip_locked=True)
                     .filter(pk=1, refreshed_at__isnull=False).first())
            if state is None:
                return {"days": 0, "rows": 0}
        max_event = IssueEvent.objects.aggregate(m=Max("id"))["m"] or 0
        if (not full and state.refreshed_at is not None and max_event <= state.last_event_id
                and local_day(state.refreshed_at) == today):
            return {"days": 0, "rows": 0}  # nothing new since the last refresh today: no write at all
        fresh: set[date] = set()
        touched: set[date] = set()
        groups: set[tuple] = set()
        if full or state.refreshed_at is None:
            first = Issue.objects.aggregate(m=Min("filed_at"))["m"]
            if first is not None:
                d = local_day(first)
                fresh.update(d + timedelta(days=i) for i in range((today - d).days))
        else:
            # Every day before the last refresh's day was written then.
            complete = local_day(state.refreshed_at)
            fresh.update(complete + timedelta(days=i) for i in range(max(0, (today - complete).days)))
            if max_event > state.last_event_id:
                ids = list(IssueEvent.objects.filter(id__gt=state.last_event_id, id__lte=max_event)
                           .values_list("issue_id", flat=True).distinct())
                touched, groups = _days_touched(ids)
        fresh = {d for d in fresh if d < today}
        touched = {d for d in touched if d < today} - fresh
        days = fresh | touched
        rows = _write_days(sorted(fresh), now, fresh=fresh) if fresh else 0
        if touched:
            rows += _write_days(sorted(touched), now,
                                groups=groups if len(groups) <= MAX_TOUCHED_GROUPS else None)
        state.last_event_id = max_event
        state.refreshed_at = now
        state.save()
    return {"days": len(days), "rows": rows}


def refresh_after_commit() -> None:
    """Run ``refresh`` once when the current transaction commits (however often it is asked to).

    Called by the workflow for every event on an issue filed before today
    (its measures may fall on past days, whose rollups must then change): the
    writer's request brings the rollups up to date, so the next dashboard
    render finds nothing new to recompute. Issues filed today touch only
    today's numbers, which are computed live: a filing schedules nothing.
    It never waits: when another refresh is running (or the rollups were
    never built) it does nothing, and the dashboard's own refresh and the
    beat job catch up. A failing refresh is logged, never raised (the write
    has committed).
    """
    conn = transaction.get_connection()
    if any(getattr(entry[1], "__name__", "") == "_refresh_committed" for entry in conn.run_on_commit):
        return
    transaction.on_commit(_refresh_committed)


def _refresh_committed() -> None:
    try:
        refresh(wait=False)
    except Exception:
        log.exception("rollup refresh after a write failed; the dashboard and the beat job will catch up")


def rebuild_recent(days: int = 7, now: datetime | None = None) -> int:
    """Recompute the last ``days`` days (the nightly safety net); returns rows written."""
    now = now or timezone.now()
    today = local_day(now)
    with transaction.atomic():
        RollupState.objects.select_for_update().get_or_create(pk=1)
        recent = [today - timedelta(days=i) for i in range(1, days + 1)]
        return _write_days(recent, now, fresh=set(recent))


# --------------------------------------------------------------------------
# Reading a period: totals, breakdowns, trend
# --------------------------------------------------------------------------


def _scoped(model, day_field: str, first: date, last: date, utilities, filters: dict):
    """Rows of a rollup ``model`` with ``day_field`` in ``[first, last]``, within the scope and filters."""
    qs = model.objects.filter(**{f"{day_field}__gte": first, f"{day_field}__lte": last})
    if utilities is not None:
        qs = qs.filter(utility__in=list(utilities))
    for name, value in (filters or {}).items():
        qs = qs.filter(**{{"unit": "unit_id", "district": "district_id", "category": "category_id"}.get(name, name):
                          value})
    return qs


def _whole_months(first: date, last: date) -> tuple[date, date] | None:
    """The first days of the first and last calendar months lying wholly inside ``[first, last]``, or None."""
    start = first if first.day == 1 else _next_month(first)
    after = _next_month(last) if (last + timedelta(days=1)).day == 1 else last.replace(day=1)
    if start >= after:
        return None
    return start, (after - timedelta(days=1)).replace(day=1)


def _matches(key: tuple, utilities, filters: dict) -> bool:
    """Does a live row's (utility, district, unit, category) pass the scope and filters?"""
    utility, district, unit, category = key
    if utilities is not None and utility not in utilities:
        return False
    want = {"utility": utility, "district": district, "unit": unit, "category": category}
    return all(want[k] == v for k, v in (filters or {}).items())


@dataclass
class Measure:
    """One number on the dashboard.

    ``value``: an int (counts) or a float 0–1 (rates; None when nothing to
    rate). ``basis``: the count it rests on. ``numerator``: the counted part
    of a rate. ``key``: the ledger's ``measure`` parameter of the numerator
    (counts: the issues counted); ``basis_key`` that of the basis.
    """

    key: str
    label: str
    definition: str
    value: float | int | None
    basis: int
    numerator: int | None = None
    basis_key: str | None = None
    is_rate: bool = False
    now: bool = False

    @property
    def percent(self) -> str:
        """The rate as "87.5%", or "—" when there is nothing to rate; counts as they are."""
        if not self.is_rate:
            return str(self.value)
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


# (key, numerator, basis, label, definition) of each card, in display order.
CARDS = [
    ("received", "received", None, _("受理量"), _("本期提交的诉求（不含合并件）")),
    ("closed", "closed", None, _("销号量"), _("本期办结销号的诉求")),
    ("open", "open", None, _("在办"), _("当前未关闭的诉求（待分派至待回访）")),
    ("overdue", "overdue", None, _("超时"), _("当前在办且已超过所处环节时限的诉求")),
    ("supervised", "supervised", None, _("督办中"), _("当前在办且有督办单的诉求")),
    ("escalated", "escalated", None, _("升级至市长办"), _("当前在办且升级到二级的诉求")),
    ("dispatch_rate", "dispatch_on_time", "dispatch_due", _("按时分派率"),
     _("分派时限落在本期的诉求中，按时交办（含自动分派）或不予受理的比例")),
    ("response_rate", "response_on_time", "response_due", _("按时响应率"),
     _("响应时限落在本期的诉求中，按时被认领的比例（退单不重置时钟）")),
    ("resolution_rate", "resolved_on_time", "resolved", _("按时办结率"),
     _("本期最近一次办结的诉求中，在当时有效的办结时限内办结的比例")),
    ("solved_rate", "rated_resolved", "rated", _("解决率"), _("本期评价的诉求中，评价为已解决的比例")),
    ("satisfaction_rate", "rated_satisfied", "rated", _("满意率"),
     _("本期评价的诉求中，满意或基本满意的比例（以报告人最近一次评价为准，申诉成立的评价不计）")),
    ("rework_rate", "rated_reworked", "rated", _("重办率"),
     _("本期评价的诉求中，曾因不满意评价重办的比例（核查退回不算重办）")),
]


def measures_from(totals: dict) -> list[Measure]:
    """The dashboard cards from summed counts (period counts and now-counts in one dict)."""
    out = []
    for key, num, basis, label, definition in CARDS:
        if basis is None:
            v = int(totals.get(num, 0))
            out.append(Measure(key=num, label=str(label), definition=str(definition), value=v, basis=v,
                               now=num in NOW_COUNTS))
        else:
            n, b = int(totals.get(num, 0)), int(totals.get(basis, 0))
            out.append(Measure(key=num, label=str(label), definition=str(definition),
                               value=(n / b) if b else None, basis=b, numerator=n, basis_key=basis, is_rate=True))
    return out


def rate(num: int, den: int) -> float | None:
    """``num / den``, or None when ``den`` is 0."""
    return num / den if den else None


@dataclass
class Summary:
    """Everything the dashboard shows for one period and scope.

    ``totals``: counts by name. ``by``: ``{"utility"|"district"|"unit"|"category": {id: counts}}``.
    ``trend``: ``[(label, first_day, last_day, counts)]``. ``cards``: Measures.
    """

    period: Period
    totals: dict
    by: dict
    trend: list
    cards: list[Measure] = field(default_factory=list)


def summarize(period: Period, *, utilities=None, filters: dict | None = None, now: datetime | None = None,
              with_now: bool = True, with_trend: bool = True, do_refresh: bool = True) -> Summary:
    """Compute the period's measures for a scope.

    ``utilities``: a list of Utility values the viewer may see (None = all).
    ``filters``: optional ``{"utility"|"district"|"unit"|"category": id}``.
    Refreshes the rollups first (``refresh``), reads past days from them and
    today live; now-counts over open issues. A handful of queries.
    """
    now = now or timezone.now()
    if do_refresh:
        refresh(now)
    today = local_day(now)
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    rows, trend_rows = _past_days(period, utilities, filters, today, with_trend)
    if period.start_day <= today <= period.end_day:
        live = _today_counts(today, now)
        per_day_today = dict.fromkeys(PERIOD_COUNTS, 0)
        for key, v in live.items():
            if not _matches(key[1:], utilities, filters):
                continue
            rows.append({"utility": key[1], "district_id": key[2], "unit_id": key[3], "category_id": key[4], **v})
            for c in PERIOD_COUNTS:
                per_day_today[c] += v[c]
        if with_trend:
            trend_rows.append({"day": today, **per_day_today})
    if with_now:
        base = Issue.objects.all()
        if utilities is not None:
            base = base.filter(utility__in=list(utilities))
        for name, value in filters.items():
            base = base.filter(**{{"unit": "lead_unit_id", "district": "district_id",
                                   "category": "category_id"}.get(name, name): value})
        for r in now_counts(base, now):
            rows.append({"utility": r["utility"], "district_id": r["district_id"], "unit_id": r["lead_unit_id"],
                         "category_id": r["category_id"], **{c: r[c] for c in NOW_COUNTS}})
    # Merge into one row per combination first, then sum by dimension; counts
    # are lists in ALL_KEYS order, added with map() (a few thousand rows a view).
    combos: dict = {}
    for r in rows:
        key = (r["utility"], r["district_id"], r["unit_id"], r["category_id"])
        values = [r.get(c) or 0 for c in ALL_KEYS]
        slot = combos.get(key)
        combos[key] = values if slot is None else list(map(operator.add, slot, values))
    total = [0] * len(ALL_KEYS)
    sums: dict = {"utility": {}, "district": {}, "unit": {}, "category": {}}
    for key, values in combos.items():
        total = list(map(operator.add, total, values))
        for dim, value in zip(("utility", "district", "unit", "category"), key):
            slot = sums[dim].get(value)
            sums[dim][value] = values if slot is None else list(map(operator.add, slot, values))
    totals = dict(zip(ALL_KEYS, total))
    by = {dim: {value: dict(zip(ALL_KEYS, values)) for value, values in group.items()}
          for dim, group in sums.items()}
    trend = _trend(period, trend_rows) if with_trend else []
    return Summary(period=period, totals=totals, by=by, trend=trend, cards=measures_from(totals))


def _event_mark() -> str:
    """A fingerprint of the events written so far: the newest id and how many of the last 1000 ids exist.

    Every write to an issue appends an event in its transaction, so a new
    mark means new data; the count also notices a transaction that commits
    after a later-numbered one (its id is below the newest).
    """
    newest = IssueEvent.objects.aggregate(m=Max("id"))["m"] or 0
    recent = IssueEvent.objects.filter(id__gt=newest - 1000).count()
    return f"{newest}:{recent}"


def _today_counts(today: date, now: datetime) -> dict:
    """``counts_between`` for today: the counts that change only with a write are cached under
    ``_event_mark()``; the deadline counts (which change as deadlines fall) are computed live."""
    start, end = day_start(today), day_start(today + timedelta(days=1))
    key = f"zy:measures:today:{today.isoformat()}:{_event_mark()}"
    counts = _cache("get", key)
    if counts is None:
        counts = _counts_in([(start, end)], now, parts=("events",))
        _cache("set", key, counts, ROLLUP_CACHE_SECONDS)
    counts = {k: dict(v) for k, v in counts.items()}
    for k, v in _counts_in([(start, end)], now, parts=("due",)).items():
        slot = counts.setdefault(k, _ZEROS.copy())
        for c in ("dispatch_due", "dispatch_on_time", "response_due", "response_on_time"):
            slot[c] += v[c]
    return counts


def _past_days(period: Period, utilities, filters: dict, today: date, with_trend: bool) -> tuple[list, list]:
    """Sums of the stored days of the period (before today) by dimension and by day.

    Cached under the rollups' version (a new version whenever a day is
    rewritten), so repeated views of a period read two small cache entries
    instead of summing thousands of rollup rows.
    """
    key = "zy:measures:past:" + hashlib.sha1(json.dumps(
        [_rollup_version(), period.start_day.isoformat(), period.end_day.isoformat(), today.isoformat(),
         sorted(utilities) if utilities is not None else None, sorted((filters or {}).items()), with_trend],
        default=str).encode()).hexdigest()
    hit = _cache("get", key)
    if hit is not None:
        return [dict(r) for r in hit[0]], [dict(r) for r in hit[1]]
    rows, trend_rows = _past_rows(period, utilities, filters, today, with_trend)
    _cache("set", key, (rows, trend_rows), ROLLUP_CACHE_SECONDS)
    return [dict(r) for r in rows], [dict(r) for r in trend_rows]


def _past_rows(period: Period, utilities, filters: dict, today: date, with_trend: bool) -> tuple[list, list]:
    """``_past_days`` uncached: whole months from MonthlyRollup, the days at the edges from DailyRollup,
    the trend from DailyTotal (from DailyRollup when filtered by more than utility)."""
    last = min(period.end_day, today - timedelta(days=1))
    if last < period.start_day:
        return [], []
    sums = {c: Sum(c) for c in PERIOD_COUNTS}
    months = _whole_months(period.start_day, last)
    if months is None:
        day_spans = [(period.start_day, last)]
    else:
        day_spans = [(a, b) for a, b in ((period.start_day, months[0] - timedelta(days=1)),
                                          (_next_month(months[1]), last)) if a <= b]
    rows = []
    if months is not None:
        rows += _scoped(MonthlyRollup, "month", months[0], months[1], utilities, filters).values(
            *ROLLUP_DIMS).annotate(**sums).order_by()
    for a, b in day_spans:
        rows += _scoped(DailyRollup, "day", a, b, utilities, filters).values(*ROLLUP_DIMS).annotate(
            **sums).order_by()
    trend_rows = []
    if with_trend:
        by_day = [k for k in (filters or {}) if k != "utility"]
        source = (DailyRollup, "day") if by_day else (DailyTotal, "day")
        trend_rows = list(_scoped(source[0], source[1], period.start_day, last, utilities, filters)
                          .values("day").annotate(**sums).order_by("day"))
    return [dict(r) for r in rows], [dict(r) for r in trend_rows]


def _trend(period: Period, rows: list[dict]) -> list:
    by_day = {r["day"]: r for r in rows}
    weekly = period.days > DAILY_TREND_MAX_DAYS
    out = []
    d = period.start_day
    while d <= period.end_day:
        last = min(period.end_day, d + timedelta(days=6 - d.weekday())) if weekly else d
        counts = dict.fromkeys(PERIOD_COUNTS, 0)
        x = d
        while x <= last:
            for c in PERIOD_COUNTS:
                counts[c] += (by_day.get(x) or {}).get(c) or 0
            x += timedelta(days=1)
        label = f"{d:%m-%d}" if not weekly else f"{d:%Y-%m-%d}"
        out.append((label, d, last, counts))
        d = last + timedelta(days=1)
    return out


def ranking(summary: Summary, min_rated: int = RANKING_MIN_RATED) -> list[dict]:
    """Units with at least ``min_rated`` rated issues in the period, best satisfaction first.

    Each row: ``{"unit_id", "rated", "satisfied", "satisfaction", "solved", "resolved_on_time", "resolved", ...}``.
    """
    out = []
    for unit_id, c in summary.by["unit"].items():
        if unit_id is None or c.get("rated", 0) < min_rated:
            continue
        out.append({"unit_id": unit_id, "rated": c["rated"], "satisfied": c["rated_satisfied"],
                    "satisfaction": rate(c["rated_satisfied"], c["rated"]),
                    "solved": rate(c["rated_resolved"], c["rated"]), "rated_resolved": c["rated_resolved"],
                    "resolved": c["resolved"], "resolved_on_time": c["resolved_on_time"],
                    "on_time": rate(c["resolved_on_time"], c["resolved"])})
    out.sort(key=lambda r: (-(r["satisfaction"] or 0), -(r["solved"] or 0), -r["rated"], r["unit_id"]))
    return out
