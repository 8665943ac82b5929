"""The daily digest for the mayor's office: open issues escalated to level 2."""

from django.db import transaction
from django.utils import timezone

from . import notifications
from .models import Issue


def write_daily_digest(now) -> int:
    """Write one digest row per mayor's-office user for ``now``'s local date.

    Reference ``digest:YYYY-MM-DD``: a second run the same day writes
    nothing. Returns the number of escalated issues listed.
    """
    day = timezone.localtime(now).date()
    escalated = list(Issue.objects.open().filter(escalation_level__gte=2).order_by("filed_at")
                     .values_list("tracking_code", flat=True)[:20])
    total = Issue.objects.open().filter(escalation_level__gte=2).count()
    body = (f"{notifications.SIGNATURE}{day:%m月%d日}督办日报：二级升级未办结诉求 {total} 件"
            + (f"：{'、'.join(escalated)}" + ("等" if total > len(escalated) else "") if total else "。"))
    with transaction.atomic():
        msgs = notifications.staff_messages(notifications.mayors_office(), "digest.daily", f"digest:{day.isoformat()}",
                                            body, subject=f"{day:%m月%d日}督办日报")
        notifications.write(None, msgs, now=now)
    return total
