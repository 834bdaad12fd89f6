"""A confirmed registration always has its verification code (0005 filled the existing ones). A migration of its
own: PostgreSQL does not alter a table in the transaction that has just updated its rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0005_registration_verification_code"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "confirmed"), _negated=True) | models.Q(verification_code__isnull=False),
                name="confirmed_registration_has_verification_code",
            ),
        ),
    ]
