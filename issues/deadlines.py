"""The three clocks (dispatch, response, resolution) and the working-time calendar.

Rules come from DESIGN.md, "Deadlines (时限)":

- Each priority has a DeadlineRule with three windows, each counted in
  calendar minutes, working minutes (office time only) or working days.
- Office hours on working days come from ``settings.ZY_OFFICE_HOURS``
  (default 08:30–12:00 and 14:30–18:00, Asia/Shanghai).
- "N working days" ends at the same office time on the Nth following working
  day; a start outside office hours first moves to the next opening (filed
  Friday 19:00 + 1 working day → Tuesday 08:30 when Monday is a working day).
- Working days: WorkdayOverride rows first; then, for years up to the last
  CalendarYear, China's official schedule from the ``holidays`` library
  (statutory days, days off moved by 调休, and the weekend days made working
  days); after it, only the statutory holidays by rule plus ordinary weekends,
  and every working-time deadline that ends there is *provisional*.
- A category may have a different priority in the heating season
  (``settings.ZY_HEATING_SEASON_START``/``_END``, "MM-DD", default 10-15 to
  04-15 inclusive).

All functions take and return timezone-aware datetimes; results are in
Asia/Shanghai.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from .choices import ClockUnit, Priority

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# DESIGN.md's default table; load_reference_data writes these rows and
# DeadlineRule rows edited in admin override them.
DEFAULT_RULES: dict[str, dict[str, tuple[int, str]]] = {
    Priority.EMERGENCY: {
        "dispatch": (15, ClockUnit.CALENDAR_MINUTES),
        "response": (30, ClockUnit.CALENDAR_MINUTES),
        "resolution": (24 * 60, ClockUnit.CALENDAR_MINUTES),
    },
    Priority.URGENT: {
        "dispatch": (60, ClockUnit.CALENDAR_MINUTES),
        "response": (120, ClockUnit.CALENDAR_MINUTES),
        "resolution": (48 * 60, ClockUnit.CALENDAR_MINUTES),
    },
    Priority.NORMAL: {
        "dispatch": (120, ClockUnit.WORKING_MINUTES),
        "response": (1, ClockUnit.WORKING_DAYS),
        "resolution": (5, ClockUnit.WORKING_DAYS),
    },
}

# Names the ``holidays`` library gives to days that are not statutory
# holidays but moved days off; beyond the official years they are dropped.
_NON_STATUTORY_MARKERS = ("observed", "substituted", "day off")


@lru_cache(maxsize=64)
def _library_year(year: int) -> tuple[frozenset[date], frozenset[date], frozenset[date]]:
    """(days off, weekend working days, statutory-by-rule days) for ``year``."""
    cn = holidays.China(years=year, language="en_US")
    days_off = frozenset(d for d in cn if d.year == year)
    statutory = frozenset(
        d for d, name in cn.items()
        if d.year == year and not any(m in name.lower() for m in _NON_STATUTORY_MARKERS)
    )
    workdays = frozenset(d for d in getattr(cn, "weekend_workdays", ()) if d.year == year)
    return days_off, workdays, statutory


def _parse_hours(spec: list[str]) -> tuple[tuple[time, time], ...]:
    out = []
    for item in spec:
        start, end = (time.fromisoformat(p.strip()) for p in item.split("-"))
        if end <= start:
            raise ValueError(f"office hours {item!r}: end must be after start")
        out.append((start, end))
    return tuple(sorted(out))


class WorkCalendar:
    """Working days and office hours.

    ``overrides`` maps a date to True (working) / False (day off);
    ``last_official_year`` is the last year whose official schedule is
    loaded (None = none at all); ``office_hours`` a list of "HH:MM-HH:MM".
    """

    def __init__(self, overrides=None, last_official_year=None, office_hours=None):
        self.overrides: dict[date, bool] = dict(overrides or {})
        self.last_official_year = last_official_year
        self.hours = _parse_hours(office_hours or settings.ZY_OFFICE_HOURS)

    @classmethod
    def load(cls) -> "WorkCalendar":
        """Build the calendar from the WorkdayOverride and CalendarYear tables."""
        from .models import CalendarYear, WorkdayOverride

        overrides = dict(WorkdayOverride.objects.values_list("date", "is_workday"))
        last = CalendarYear.objects.order_by("-year").values_list("year", flat=True).first()
        return cls(overrides=overrides, last_official_year=last)

    def is_official(self, day: date) -> bool:
        """True when ``day`` falls in a year whose official schedule is loaded."""
        return self.last_official_year is not None and day.year <= self.last_official_year

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day (override > official > rule)."""
        if day in self.overrides:
            return self.overrides[day]
        days_off, weekend_workdays, statutory = _library_year(day.year)
        if self.is_official(day):
            if day in weekend_workdays:
                return True
            if day in days_off:
                return False
        elif day in statutory:
            return False
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        for _ in range(366):
            if self.is_workday(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within a year")  # only a broken override table

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` if inside office hours, else the start of the next office period."""
        local = moment.astimezone(LOCAL_TZ)
        day, t = local.date(), local.timetz().replace(tzinfo=None)
        for _ in range(367):
            if self.is_workday(day):
                for start, end in self.hours:
                    if t < end:
                        return datetime.combine(day, max(t, start), LOCAL_TZ)
            day += timedelta(days=1)
            t = time.min
        raise ValueError("no office time within a year")

    def _period_end(self, moment: datetime) -> datetime:
        t = moment.timetz().replace(tzinfo=None)
        for start, end in self.hours:
            if start <= t < end:
                return datetime.combine(moment.date(), end, LOCAL_TZ)
        raise AssertionError("moment is not inside office hours")

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment when ``minutes`` of office time have passed since ``start``."""
        current = self.next_opening(start)
        remaining = timedelta(minutes=minutes)
        while True:
            end = self._period_end(current)
            if remaining <= end - current:
                return current + remaining
            remaining -= end - current
            current = self.next_opening(end)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Same office time on the ``days``-th following working day."""
        opening = self.next_opening(start)
        day = opening.date()
        for _ in range(days):
            day = self.next_workday(day)
        return datetime.combine(day, opening.timetz().replace(tzinfo=None), LOCAL_TZ)

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Office minutes between two moments (0 when ``end`` is not after ``start``)."""
        total = timedelta()
        current = self.next_opening(start)
        end = end.astimezone(LOCAL_TZ)
        while current < end:
            period_end = self._period_end(current)
            total += min(period_end, end) - current
            current = self.next_opening(period_end)
        return total.total_seconds() / 60

    def window_point(self, start: datetime, due: datetime, unit: str, fraction: float) -> datetime:
        """The moment ``fraction`` of the window start→due has passed, in the window's own clock.

        Calendar windows count elapsed time; working windows count office
        time only (50 % of "1 working day" is half the office minutes of that
        day). ``fraction`` may exceed 1 (2.0 = "past twice the window").

        The whole window (1.0) ends at ``due`` itself, and no earlier point
        lies after it nor later one before it. In office time a due is one of
        several equal instants: "1 working day" from Monday 08:30 is due
        Tuesday 08:30, which holds as much office time as Monday 18:00, the
        instant ``add_working_minutes`` names; and an approved new date may
        lie outside office hours (20:00, on a Sunday). Counted in office time
        alone, the breach came at 18:00 the evening (or the Friday) before
        the due it quoted, and reminded, escalated and texted "已超时" early
        (breaker).
        """
        if fraction == 1:
            return due.astimezone(LOCAL_TZ)
        if unit == ClockUnit.CALENDAR_MINUTES:
            return (start + (due - start) * fraction).astimezone(LOCAL_TZ)
        total = self.working_minutes_between(start, due)
        point = self.add_working_minutes(start, total * fraction)
        return min(point, due.astimezone(LOCAL_TZ)) if fraction < 1 else max(point, due.astimezone(LOCAL_TZ))

    def add(self, start: datetime, value: int, unit: str) -> tuple[datetime, bool]:
        """End of a window of ``value`` ``unit`` (a ClockUnit) from ``start``.

        Returns ``(due, provisional)``; provisional when a working-time window
        ends in a year without an official schedule.
        """
        if unit == ClockUnit.CALENDAR_MINUTES:
            return (start + timedelta(minutes=value)).astimezone(LOCAL_TZ), False
        if unit == ClockUnit.WORKING_MINUTES:
            due = self.add_working_minutes(start, value)
        elif unit == ClockUnit.WORKING_DAYS:
            due = self.add_working_days(start, value)
        else:
            raise ValueError(f"unknown clock unit {unit!r}")
        provisional = not self.is_official(due.date())
        if provisional:
            log.warning(
                "deadline %s lies after the last official calendar year (%s): provisional",
                due.isoformat(), self.last_official_year,
            )
        return due, provisional


def in_heating_season(moment: datetime) -> bool:
    """Whether ``moment`` (aware) falls in the heating season, local date, inclusive."""
    d = moment.astimezone(LOCAL_TZ).date()
    start = tuple(int(x) for x in settings.ZY_HEATING_SEASON_START.split("-"))
    end = tuple(int(x) for x in settings.ZY_HEATING_SEASON_END.split("-"))
    md = (d.month, d.day)
    if start <= end:
        return start <= md <= end
    return md >= start or md <= end


def priority_for(category, moment: datetime) -> str:
    """The category's priority at ``moment``: its heating-season priority when set and in season."""
    if category.heating_season_priority and in_heating_season(moment):
        return category.heating_season_priority
    return category.priority


def current_calendar() -> WorkCalendar:
    """The work calendar of the reference snapshot (``WorkCalendar.load`` once per version)."""
    from . import reference

    return reference.current().calendar


def rule_windows(priority: str) -> dict[str, tuple[int, str]]:
    """``{"dispatch"|"response"|"resolution": (value, ClockUnit)}`` for a priority.

    Reads the DeadlineRule row (through the reference snapshot), falling
    back to DESIGN.md's defaults. Raises ValueError for an unknown priority.
    """
    from . import reference

    rules = reference.current().deadline_rules
    return rules[priority] if priority in rules else DEFAULT_RULES[Priority(priority)]


@dataclass(frozen=True)
class Deadlines:
    """The three deadlines of an issue (aware, Asia/Shanghai) and the provisional mark."""

    priority: str
    dispatch_due: datetime
    response_due: datetime
    resolution_due: datetime
    provisional: bool


def compute_deadlines(category, filed_at: datetime, calendar: WorkCalendar | None = None) -> Deadlines:
    """The deadlines for an issue of ``category`` filed at ``filed_at``.

    All three clocks start at filing. Raises ValueError on a bad rule unit.
    """
    calendar = calendar or current_calendar()
    priority = priority_for(category, filed_at)
    windows = rule_windows(priority)
    results = {name: calendar.add(filed_at, *windows[name]) for name in ("dispatch", "response", "resolution")}
    return Deadlines(
        priority=priority,
        dispatch_due=results["dispatch"][0],
        response_due=results["response"][0],
        resolution_due=results["resolution"][0],
        provisional=any(p for _, p in results.values()),
    )


def resolution_due_from(priority: str, start: datetime, calendar: WorkCalendar | None = None) -> tuple[datetime, bool]:
    """A new resolution window for ``priority`` starting at ``start`` (rework).

    Returns ``(due, provisional)``.
    """
    calendar = calendar or current_calendar()
    return calendar.add(start, *rule_windows(priority)["resolution"])
