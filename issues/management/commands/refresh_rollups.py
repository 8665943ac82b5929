"""Bring the dashboard's rollups up to date once (what beat runs every minute)."""

import time

from django.core.management.base import BaseCommand

from issues import measures


class Command(BaseCommand):
    help = ("Bring the dashboard rollups up to date (after migrating, the first run rebuilds every day: "
            "about a minute at 1M issues, five at 5M). --full rebuilds every day in any case.")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute every day since the first filing")

    def handle(self, *args, full=False, **options):
        """Run ``measures.refresh``; prints the days recomputed, the rows written and the seconds taken."""
        self.stdout.write("refreshing rollups" + (" (full rebuild)" if full else "") + "…")
        self.stdout.flush()
        started = time.monotonic()
        result = measures.refresh(full=full)
        self.stdout.write(f"rollups: {result['days']} day(s) recomputed, {result['rows']} row(s) written "
                          f"in {time.monotonic() - started:.1f} s")
