"""Residents served belong to the activity, not to a member's record: an activity whose residents were written on its
members' records (an amendment of one of them, the only way before) gets their total as its own figure. The records
stay as they are (approved history is never edited); the statistics read an activity's residents from the activity.
"""

from django.db import migrations
from django.db.models import Sum


def forwards(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    SignUp = apps.get_model("activities", "SignUp")
    ServiceRecord = apps.get_model("ledger", "ServiceRecord")
    totals = (
        ServiceRecord.objects.filter(source="activity", status="approved")
        .values("source_id")
        .annotate(n=Sum("residents_served"))
        .filter(n__gt=0)
    )
    per_signup = {row["source_id"]: row["n"] for row in totals}
    per_activity = {}
    for signup_id, activity_id in SignUp.objects.filter(pk__in=per_signup).values_list("pk", "activity_id"):
        per_activity[activity_id] = per_activity.get(activity_id, 0) + per_signup[signup_id]
    for activity in Activity.objects.filter(pk__in=per_activity, residents_served=0):
        activity.residents_served = per_activity[activity.pk]
        activity.save(update_fields=["residents_served"])


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_alter_activity_checkin_secret_and_more"),
        ("ledger", "0006_servicerecord_occasion"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
