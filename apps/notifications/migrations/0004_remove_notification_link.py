"""The stored link gives way to the subject (0003 copied what it named)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_notification_subject"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="notification",
            name="link",
        ),
    ]
