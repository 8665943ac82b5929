"""API client tokens are kept as their SHA-256 only (and their first 6 characters to recognise them).

Existing tokens keep working: each is hashed here, then the plain column is dropped.
"""

import hashlib

from django.db import migrations, models


def refuse_to_go_back(apps, schema_editor):
    if apps.get_model("issues", "ApiClient").objects.exists():
        raise RuntimeError("API client tokens cannot be read back from their hashes: delete the clients "
                           "(and give their systems new tokens afterwards) before unapplying this migration")


def hash_tokens(apps, schema_editor):
    ApiClient = apps.get_model("issues", "ApiClient")
    for client in ApiClient.objects.all():
        client.token_hash = hashlib.sha256(client.token.encode("utf-8", "surrogatepass")).hexdigest()
        client.token_hint = client.token[:6]
        client.save(update_fields=["token_hash", "token_hint"])


class Migration(migrations.Migration):

    dependencies = [
        ("issues", "0009_user_text_code_point_capacity"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="令牌摘要"),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="token_hint",
            field=models.CharField(default="", editable=False, max_length=8, verbose_name="令牌开头"),
        ),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="apiclient",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name="令牌摘要"),
        ),
        migrations.RemoveField(model_name="apiclient", name="token"),
        # Unapplied first when going back: a token cannot be read back from its hash.
        migrations.RunPython(migrations.RunPython.noop, refuse_to_go_back, elidable=False),
    ]
