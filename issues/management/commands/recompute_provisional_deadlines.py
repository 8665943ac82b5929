"""Recompute open provisional deadlines once a new year's official schedule is entered.

Usage: after publishing of the State Council's holiday notice (each
November), an admin enters the year's WorkdayOverride rows (days off and 调休
working days the ``holidays`` library lacks) and a CalendarYear row, then
runs ``manage.py recompute_provisional_deadlines [--dry-run]``.
Each changed issue gets a DEADLINES_RECOMPUTED event through the workflow.
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from issues.choices import OPEN_STATUSES
from issues.deadlines import WorkCalendar
from issues.models import Issue
from issues.workflow import WorkflowError, issue_recompute_deadlines


class Command(BaseCommand):
    help = "Recompute the deadlines of open issues marked provisional (after entering a new CalendarYear)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count the issues without changing them")

    def handle(self, *args, dry_run=False, **options):
        ids = list(
            Issue.objects.filter(status__in=OPEN_STATUSES, deadlines_provisional=True)
            .order_by("id").values_list("id", flat=True)
        )
        calendar = WorkCalendar.load()
        self.stdout.write(f"{len(ids)} open issue(s) with provisional deadlines; last official year "
                          f"{calendar.last_official_year}")
        if dry_run:
            return
        changed = still = 0
        for issue_id in tqdm(ids, disable=not ids, desc="recompute"):
            try:
                issue = issue_recompute_deadlines(issue=issue_id, calendar=calendar)
            except WorkflowError as exc:  # closed meanwhile
                self.stderr.write(f"issue {issue_id}: {exc.message}")
                continue
            changed += 1
            still += issue.deadlines_provisional
        self.stdout.write(self.style.SUCCESS(f"recomputed {changed}; still provisional {still}"))
