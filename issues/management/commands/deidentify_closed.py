"""Erase personal fields of issues closed longer than ZY_RETENTION_DAYS ago (also run daily by beat)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from issues.retention import deidentify_closed, due_for_deidentification


class Command(BaseCommand):
    help = "De-identify closed issues past the retention period (PIPL)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count the issues due")
        parser.add_argument("--limit", type=int, default=100_000)

    def handle(self, *args, dry_run=False, limit=100_000, **options):
        now = timezone.now()
        total = min(due_for_deidentification(now).count(), limit)
        self.stdout.write(f"{total} closed issue(s) past the retention period")
        if dry_run or not total:
            return
        with tqdm(total=total, desc="de-identify") as bar:
            done = deidentify_closed(now, limit=limit, progress=lambda n: bar.update(1))
        self.stdout.write(self.style.SUCCESS(f"de-identified {done}"))
