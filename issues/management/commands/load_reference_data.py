"""``manage.py load_reference_data``: districts, categories, deadline rules, calendar years.

The reference data of DESIGN.md ("Reference data", "Deadlines"), defined in
``issues.reference_data``. Safe to run
in production and as often as wanted:

- every row is found by its natural key (district code, category service
  code, deadline-rule priority, calendar year) and created, updated only
  where a value differs, or left alone — a second run writes nothing;
- nothing is ever deleted;
- a category's ``active`` flag is never touched (an admin may have switched
  a category off), and a category last saved in Django admin (its newest
  history record is not this command's) is left as the admin saved it: the
  command says where it differs from the shipped data;
- DeadlineRule rows are created when missing but an existing row is never
  overwritten: admins may have edited the windows; the command says which
  rows differ from DESIGN.md's defaults;
- a CalendarYear is recorded only when the ``holidays`` library carries that
  year's official schedule (its 调休 make-up working days), because the
  library silently estimates later years.

Options: ``--dry-run`` (roll back at the end), ``--no-update`` (create missing
rows only, leave every existing one as it is).
"""

from __future__ import annotations

import holidays
from django.core.management.base import BaseCommand
from django.db import transaction

from issues.choices import Priority
from issues.management.upsert import CREATED, KEPT, Tally, upsert
from issues.models import CalendarYear, Category, DeadlineRule, District
from issues.reference_data import (
    CALENDAR_YEARS,
    CATEGORIES,
    DISTRICTS,
    category_values,
    library_has_official_year,
    rule_values,
)

REASON = "load_reference_data"


class Command(BaseCommand):
    """Load or refresh the reference data; prints created/updated counts per model."""

    help = "Load Zhangye's districts, categories, default deadline rules and official calendar years (idempotent)."

    def add_arguments(self, parser):
        """``--dry-run`` rolls back at the end; ``--no-update`` only creates missing rows."""
        parser.add_argument("--dry-run", action="store_true", help="show what would change, then roll back")
        parser.add_argument("--no-update", action="store_true",
                            help="create missing rows only; never change an existing row")

    def handle(self, *args, dry_run=False, no_update=False, **options):
        """Run the load in one transaction and print the summary."""
        self.verbosity = options.get("verbosity", 1)  # _categories names what changed at 2 and up
        tally = Tally()
        notes: list[str] = []
        update = not no_update
        with transaction.atomic():
            self._districts(tally, update)
            self._categories(tally, update, notes)
            self._deadline_rules(tally, notes)
            self._calendar_years(tally, update, notes)
            if dry_run:
                transaction.set_rollback(True)

        self.stdout.write("Reference data" + (" (dry run, rolled back)" if dry_run else "") + ":")
        for line in tally.lines():
            self.stdout.write(line)
        for note in notes:
            self.stdout.write(f"  note: {note}")
        verdict = "nothing changed" if tally.changed() == 0 else f"{tally.changed()} row(s) created or updated"
        self.stdout.write(self.style.SUCCESS(f"Done: {verdict}."))

    def _districts(self, tally: Tally, update: bool) -> None:
        for code, name, name_en in DISTRICTS:
            _, outcome, _ = upsert(District, {"code": code}, {"name": name, "name_en": name_en},
                                   update=update, reason=REASON)
            tally.add("District", outcome)

    def _categories(self, tally: Tally, update: bool, notes: list[str]) -> None:
        for spec in CATEGORIES:
            found = Category.objects.filter(service_code=spec["service_code"]).first()
            edited = found is not None and _edited_in_admin(found)
            _, outcome, diff = upsert(Category, {"service_code": spec["service_code"]}, category_values(spec),
                                      update=update and not edited, reason=REASON)
            tally.add("Category", outcome)
            if diff and edited:  # said at every verbosity: the shipped values did not replace the admin's
                notes.append(f"category {spec['service_code']}: kept as edited in admin "
                             f"(differs from the shipped data in {', '.join(diff)})")
            elif diff and self.verbosity >= 2:
                notes.append(f"category {spec['service_code']}: {', '.join(diff)} {outcome}")

    def _deadline_rules(self, tally: Tally, notes: list[str]) -> None:
        # Never overwrite: admins may have edited the windows.
        for priority in (Priority.EMERGENCY, Priority.URGENT, Priority.NORMAL):
            _, outcome, diff = upsert(DeadlineRule, {"priority": str(priority)}, rule_values(priority),
                                      update=False, reason=REASON)
            tally.add("DeadlineRule", outcome)
            if outcome == KEPT:
                fields = ", ".join(f"{k}={cur} (default {want})" for k, (cur, want) in diff.items())
                notes.append(f"DeadlineRule {priority} differs from the default and was kept as edited: {fields}")
        notes.append("existing DeadlineRule rows are never overwritten (admins may have edited them)")

    def _calendar_years(self, tally: Tally, update: bool, notes: list[str]) -> None:
        for year, source in CALENDAR_YEARS:
            if not library_has_official_year(year):
                notes.append(f"calendar {year}: the holidays library (v{holidays.__version__}) has no official "
                             f"schedule for it; not recorded — upgrade the library or add WorkdayOverride rows")
                continue
            _, outcome, _ = upsert(CalendarYear, {"year": year}, {"source": source}, update=update, reason=REASON)
            tally.add("CalendarYear", outcome)
            if outcome == CREATED:
                notes.append(f"calendar {year} recorded as official; open issues with provisional deadlines "
                             f"need recomputing (workflow.issue_recompute_deadlines)")


def _edited_in_admin(category: Category) -> bool:
    """True when the newest history record of ``category`` was written by someone other than this command."""
    newest = category.history.order_by("-history_date", "-history_id").first()
    return newest is not None and newest.history_change_reason != REASON
