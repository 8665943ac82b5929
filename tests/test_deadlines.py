"""Deadlines and the working-time calendar, with expected values worked out by hand.

The 2026 schedule (国办发明电〔2025〕7号): National Day + Mid-Autumn 1–7 Oct
off, Sunday 20 Sep and Saturday 10 Oct worked; office hours 08:30–12:00 and
14:30–18:00.
"""

from datetime import date, timedelta

import chinese_calendar  # the independent oracle, pinned in requirements-dev.txt
import pytest
from django.core.management import call_command

from issues.choices import ClockUnit, Priority
from issues.deadlines import WorkCalendar, compute_deadlines, in_heating_season
from issues.models import CalendarYear, DeadlineRule, Issue, WorkdayOverride

from .conftest import local

CAL = WorkCalendar(last_official_year=2026, office_hours=["08:30-12:00", "14:30-18:00"])


class TestWorkingDays:
    def test_national_day_2026_one_working_day(self):
        # Wed 30 Sep 10:00 + 1 working day: 1–7 Oct off → Thu 8 Oct 10:00.
        assert CAL.add_working_days(local(2026, 9, 30, 10, 0), 1) == local(2026, 10, 8, 10, 0)

    def test_national_day_2026_five_working_days_cross_make_up_saturday(self):
        # 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, 调休 worked), 12 Oct (Mon), 13 Oct (Tue).
        assert CAL.add_working_days(local(2026, 9, 30, 10, 0), 5) == local(2026, 10, 13, 10, 0)

    def test_make_up_sunday_counts_as_a_working_day(self):
        # Sat 19 Sep 10:00: next opening is Sun 20 Sep 08:30 (调休); + 2 working hours.
        assert CAL.add_working_minutes(local(2026, 9, 19, 10, 0), 120) == local(2026, 9, 20, 10, 30)
        assert CAL.is_workday(date(2026, 9, 20)) is True
        assert CAL.is_workday(date(2026, 10, 10)) is True
        assert CAL.is_workday(date(2026, 10, 11)) is False  # ordinary Sunday

    def test_friday_evening_one_working_day_is_tuesday_opening(self):
        # DESIGN.md's own example: filed Friday 19:00 → Tuesday 08:30.
        assert CAL.add_working_days(local(2026, 11, 27, 19, 0), 1) == local(2026, 12, 1, 8, 30)

    def test_filing_at_lunch_counts_from_afternoon_opening(self):
        assert CAL.add_working_days(local(2026, 11, 30, 12, 30), 1) == local(2026, 12, 1, 14, 30)

    def test_spring_festival_2026(self):
        # Fri 13 Feb 10:00 + 1 working day: Sat 14 Feb is a 调休 working day.
        assert CAL.add_working_days(local(2026, 2, 13, 10, 0), 1) == local(2026, 2, 14, 10, 0)
        # Sat 14 Feb + 1: 15–23 Feb off → Tue 24 Feb.
        assert CAL.add_working_days(local(2026, 2, 14, 10, 0), 1) == local(2026, 2, 24, 10, 0)


class TestWorkingHours:
    def test_across_lunch_break(self):
        # Mon 11:00 + 2 h: 1 h to 12:00, 1 h from 14:30 → 15:30.
        assert CAL.add_working_minutes(local(2026, 11, 30, 11, 0), 120) == local(2026, 11, 30, 15, 30)

    def test_across_a_night(self):
        # Mon 17:30 + 2 h: 30 min to 18:00, 90 min from Tue 08:30 → 10:00.
        assert CAL.add_working_minutes(local(2026, 11, 30, 17, 30), 120) == local(2026, 12, 1, 10, 0)

    def test_ending_exactly_at_closing_time_stays_that_day(self):
        assert CAL.add_working_minutes(local(2026, 11, 30, 16, 0), 120) == local(2026, 11, 30, 18, 0)

    def test_across_weekend(self):
        # Fri 17:00 + 2 h: 1 h Friday, 1 h Monday from 08:30 → Mon 09:30.
        assert CAL.add_working_minutes(local(2026, 11, 27, 17, 0), 120) == local(2026, 11, 30, 9, 30)

    def test_calendar_minutes_ignore_office_hours(self):
        due, provisional = CAL.add(local(2026, 10, 1, 23, 50), 30, ClockUnit.CALENDAR_MINUTES)
        assert due == local(2026, 10, 2, 0, 20) and provisional is False


class TestOfficialCalendarAgainstIndependentOracle:
    def test_every_day_of_2026_matches_chinesecalendar(self):
        """Compare with the independent ``chinesecalendar`` package, day by day."""
        day, mismatches = date(2026, 1, 1), []
        while day.year == 2026:
            if CAL.is_workday(day) != chinese_calendar.is_workday(day):
                mismatches.append(day)
            day += timedelta(days=1)
        assert mismatches == []

    def test_2026_has_the_published_number_of_working_days(self):
        # 365 days − 104 weekend days − 19 weekday days off (1–2 Jan, 16–20 and 23 Feb,
        # 6 Apr, 1, 4, 5 May, 19 Jun, 25 Sep, 1, 2, 5, 6, 7 Oct) + 6 weekend workdays
        # (4 Jan, 14 and 28 Feb, 9 May, 20 Sep, 10 Oct) = 248.
        # Counted by hand from the State Council notice.
        day, count = date(2026, 1, 1), 0
        while day.year == 2026:
            count += CAL.is_workday(day)
            day += timedelta(days=1)
        assert count == 248


@pytest.mark.django_db
class TestOverridesAndRules:
    def test_override_beats_the_library(self):
        WorkdayOverride.objects.create(date=date(2026, 12, 1), is_workday=False, note="本地停工")
        CalendarYear.objects.create(year=2026)
        cal = WorkCalendar.load()
        assert cal.add_working_days(local(2026, 11, 30, 10, 0), 1) == local(2026, 12, 2, 10, 0)

    def test_rule_edited_in_admin_is_used(self, world):
        DeadlineRule.objects.create(
            priority=Priority.EMERGENCY,
            dispatch_value=10, dispatch_unit=ClockUnit.CALENDAR_MINUTES,
            response_value=20, response_unit=ClockUnit.CALENDAR_MINUTES,
            resolution_value=600, resolution_unit=ClockUnit.CALENDAR_MINUTES,
        )
        d = compute_deadlines(world.gas_leak, local(2026, 11, 30, 9, 0))
        assert (d.dispatch_due, d.response_due, d.resolution_due) == (
            local(2026, 11, 30, 9, 10), local(2026, 11, 30, 9, 20), local(2026, 11, 30, 19, 0))

    def test_defaults_for_each_priority(self, world):
        filed = local(2026, 11, 30, 9, 0)  # Monday, heating season
        gas = compute_deadlines(world.gas_leak, filed)
        assert (gas.priority, gas.dispatch_due, gas.response_due, gas.resolution_due) == (
            Priority.EMERGENCY, local(2026, 11, 30, 9, 15), local(2026, 11, 30, 9, 30), local(2026, 12, 1, 9, 0))
        heat = compute_deadlines(world.heat_cold, filed)  # urgent in season
        assert (heat.priority, heat.dispatch_due, heat.response_due, heat.resolution_due) == (
            Priority.URGENT, local(2026, 11, 30, 10, 0), local(2026, 11, 30, 11, 0), local(2026, 12, 2, 9, 0))
        water = compute_deadlines(world.water_pressure, filed)  # normal: working time
        assert (water.priority, water.dispatch_due, water.response_due, water.resolution_due) == (
            Priority.NORMAL, local(2026, 11, 30, 11, 0), local(2026, 12, 1, 9, 0), local(2026, 12, 7, 9, 0))
        assert not (gas.provisional or heat.provisional or water.provisional)

    def test_heating_category_is_normal_outside_the_season(self, world):
        d = compute_deadlines(world.heat_cold, local(2026, 6, 1, 9, 0))  # Monday in June
        assert d.priority == Priority.NORMAL
        assert d.resolution_due == local(2026, 6, 8, 9, 0)

    def test_heating_season_bounds_inclusive(self, settings):
        assert in_heating_season(local(2026, 10, 15, 0, 0)) is True
        assert in_heating_season(local(2026, 10, 14, 23, 59)) is False
        assert in_heating_season(local(2027, 4, 15, 23, 0)) is True
        assert in_heating_season(local(2027, 4, 16, 0, 0)) is False


@pytest.mark.django_db
class TestProvisional:
    def test_2027_deadline_is_provisional(self, world):
        # Mon 28 Dec 2026 10:00, normal, 5 working days: 29, 30, 31 Dec, then
        # 1 Jan 2027 is New Year's Day by rule (Friday), 4 Jan, 5 Jan → 5 Jan 10:00.
        d = compute_deadlines(world.water_pressure, local(2026, 12, 28, 10, 0))
        assert d.resolution_due == local(2027, 1, 5, 10, 0)
        assert d.response_due == local(2026, 12, 29, 10, 0)
        assert d.provisional is True

    def test_statutory_rule_beyond_official_years_ignores_moved_days(self):
        # By rule 2027's National Day is 1–3 Oct (statutory days only): Mon 4 Oct
        # counts as a working day until the official schedule is entered.
        assert CAL.is_workday(date(2027, 10, 4)) is True
        assert CAL.is_workday(date(2027, 10, 1)) is False

    def test_recompute_after_new_year_is_entered(self, world, file_issue, time_machine):
        time_machine.move_to(local(2026, 12, 28, 10, 0), tick=False)
        issue = file_issue(category=world.water_pressure)
        assert issue.deadlines_provisional is True
        assert issue.resolution_due == local(2027, 1, 5, 10, 0)
        # The 2027 schedule arrives: suppose 4 Jan 2027 is a day off.
        WorkdayOverride.objects.create(date=date(2027, 1, 4), is_workday=False, note="2027年元旦调休")
        CalendarYear.objects.create(year=2027)
        call_command("recompute_provisional_deadlines")
        issue.refresh_from_db()
        # 29, 30, 31 Dec, 5 Jan, 6 Jan → Wed 6 Jan 10:00, no longer provisional.
        assert issue.resolution_due == local(2027, 1, 6, 10, 0)
        assert issue.deadlines_provisional is False
        event = issue.events.get(kind="deadlines_recomputed")
        assert event.data["before"]["resolution_due"] == "2027-01-05T10:00:00+08:00"
        # Running it again changes nothing and writes no event.
        call_command("recompute_provisional_deadlines")
        assert issue.events.filter(kind="deadlines_recomputed").count() == 1
        assert Issue.objects.filter(deadlines_provisional=True).count() == 0


class TestWindowPoints:
    """The sweep's reminder points (50 %, 80 %, the breach, twice the window), worked out by hand."""

    def test_the_breach_is_the_due_not_the_office_close_before_it(self):
        # Filed Mon 30 Nov 19:00: "1 working day" runs from Tue 08:30 and is due Wed 2 Dec 08:30. Counted in
        # office time alone the breach was Tue 18:00, 14.5 hours before the due it quoted (breaker).
        start, due = local(2026, 11, 30, 19, 0), local(2026, 12, 2, 8, 30)
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 1.0) == due
        # Half of Tuesday's 420 office minutes: 210, Tue 08:30 → 12:00; 80 %: 336, → 16:36 after the lunch break.
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 0.5) == local(2026, 12, 1, 12, 0)
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 0.8) == local(2026, 12, 1, 16, 36)
        # Twice: 840 office minutes, Tuesday's and Wednesday's → Wed 18:00.
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 2.0) == local(2026, 12, 2, 18, 0)

    def test_a_weekend_before_the_due(self):
        # Filed Fri 4 Dec 19:00: 5 working days from Mon 7 Dec 08:30 → Mon 14 Dec 08:30; the office time ends
        # Fri 11 Dec 18:00, where the breach was put, 62.5 hours early (breaker).
        start, due = local(2026, 12, 4, 19, 0), local(2026, 12, 14, 8, 30)
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 1.0) == due

    def test_an_approved_date_outside_office_hours(self):
        # An extension approved to Fri 4 Dec 20:00: breached at 20:00, not at 18:00; every earlier point before
        # it (the last office minute is 18:00), every later one after it.
        start, due = local(2026, 11, 30, 9, 0), local(2026, 12, 4, 20, 0)
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 1.0) == due
        # Mon 09:00 → Fri 18:00 holds 5 × 420 − 30 = 2070 office minutes; 80 % = 1656 = Monday's 390 and
        # Tue–Thu's 1260, then 6 more: Fri 4 Dec 08:36.
        assert CAL.window_point(start, due, ClockUnit.WORKING_DAYS, 0.8) == local(2026, 12, 4, 8, 36)
        # No office time left between Fri 19:00 and a due at 20:00: the 50 % point is not after the due.
        late = CAL.window_point(local(2026, 12, 4, 19, 0), due, ClockUnit.WORKING_MINUTES, 0.5)
        assert late == due
        # Twice no office time is the next office minute, Mon 7 Dec 08:30: not at once with the breach.
        twice = CAL.window_point(local(2026, 12, 4, 19, 0), due, ClockUnit.WORKING_MINUTES, 2.0)
        assert twice == local(2026, 12, 7, 8, 30)

    def test_calendar_windows(self):
        start, due = local(2026, 11, 30, 9, 0), local(2026, 12, 1, 9, 0)
        assert CAL.window_point(start, due, ClockUnit.CALENDAR_MINUTES, 0.5) == local(2026, 11, 30, 21, 0)
        assert CAL.window_point(start, due, ClockUnit.CALENDAR_MINUTES, 1.0) == due
        assert CAL.window_point(start, due, ClockUnit.CALENDAR_MINUTES, 2.0) == local(2026, 12, 2, 9, 0)
