"""API client tokens are kept as their SHA-256 only (and their first 6 characters to recognise them).

Existing tokens keep working: each is hashed here, then the plain column is dropped. Going
back gives every client a new random token (a hash cannot be read back).
"""

import hashlib
import secrets

from django.db import migrations, models


def give_new_tokens(apps, schema_editor):
    # Going back: a token cannot be read back from its hash, so each client gets a new random one
    # (the admin before this migration shows it; its system must be given it).
    ApiClient = apps.get_model("issues", "ApiClient")
    for client in ApiClient.objects.filter(token__isnull=True):
        client.token = secrets.token_urlsafe(32)
        client.save(update_fields=["token"])


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
        # Nullable before it goes, so that going back can add it again to a table with rows and fill it.
        migrations.AlterField(
            model_name="apiclient",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True, verbose_name="令牌"),
        ),
        migrations.RunPython(migrations.RunPython.noop, give_new_tokens, elidable=False),
        migrations.RemoveField(model_name="apiclient", name="token"),
    ]
