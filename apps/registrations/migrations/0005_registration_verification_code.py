"""Registrations get the unguessable code of their public validity page (what the printed certificate's QR code
opens); every registration that already has a receipt (confirmed, or confirmed and then closed by a move) gets one."""

import secrets

from django.db import migrations, models


def fill_verification_codes(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    rows = Registration.objects.filter(receipt_number__isnull=False, verification_code__isnull=True).only("pk")
    for registration in rows.iterator():
        # 96 random bits: a collision with another row is practically impossible (the unique index would say so).
        registration.verification_code = secrets.token_urlsafe(12)
        registration.save(update_fields=["verification_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0004_alter_evaluation_community_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="verification_code",
            field=models.CharField(
                blank=True, editable=False, max_length=32, null=True, unique=True, verbose_name="verification code"
            ),
        ),
        migrations.RunPython(fill_verification_codes, migrations.RunPython.noop),
    ]
