"""Run the deadline sweep once by hand (what beat runs every minute), then deliver."""

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from issues import notifications, sweep


class Command(BaseCommand):
    help = "Run the deadline sweep once (reminders, escalation, close-out) and deliver the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO datetime with offset to sweep as of (testing/replay)")
        parser.add_argument("--no-deliver", action="store_true", help="only write outbox rows")

    def handle(self, *args, now=None, no_deliver=False, **options):
        when = parse_datetime(now) if now else None
        if now and (when is None or when.tzinfo is None):
            self.stderr.write("--now needs an ISO datetime with an offset, e.g. 2026-11-30T09:00:00+08:00")
            raise SystemExit(2)
        processed = sweep.run(now=when)
        self.stdout.write(f"swept {processed} issue(s)")
        if not no_deliver:
            self.stdout.write(f"delivered {notifications.deliver_pending(now=when)}")
