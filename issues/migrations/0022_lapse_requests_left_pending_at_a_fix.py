"""Withdraw the extension requests and plans left pending on issues no longer worked on.

Before this release a fix (办结) left the unit's pending requests pending: they
stayed in the supervisors' queue for good and could not be decided (the
workflow decides them only while the issue is assigned, in progress or
planned). ``issue_resolve`` now withdraws them; this does the same, once, for
the rows it left behind, stamped with the time of the migration.
"""

from django.db import migrations
from django.utils import timezone

WORKING = ("assigned", "in_progress", "planned")


def lapse(apps, schema_editor):
    now = timezone.now()
    for name in ("ExtensionRequest", "RectificationPlan"):
        model = apps.get_model("issues", name)
        model.objects.filter(decision="pending").exclude(issue__status__in=WORKING).update(
            decision="withdrawn", decided_at=now, decision_note="已办结，申请失效")


class Migration(migrations.Migration):
    dependencies = [("issues", "0021_rejected_label")]

    operations = [migrations.RunPython(lapse, migrations.RunPython.noop)]
