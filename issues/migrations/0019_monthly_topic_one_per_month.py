# One 每月一题 per month. Two saves at the same moment could each create a row, and every later save of
# that month then failed (get() returned two): the newest row of each month is kept, then the constraint.

from django.conf import settings
from django.db import migrations, models


def keep_the_newest_of_each_month(apps, schema_editor):
    MonthlyTopic = apps.get_model("issues", "MonthlyTopic")
    seen = set()
    for topic in MonthlyTopic.objects.order_by("month", "-id"):
        if topic.month in seen:
            topic.delete()
        seen.add(topic.month)


class Migration(migrations.Migration):

    dependencies = [
        ('issues', '0018_monthly_topic_title_characters'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(keep_the_newest_of_each_month, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='monthlytopic',
            constraint=models.UniqueConstraint(fields=('month',), name='monthly_topic_one_per_month'),
        ),
    ]
