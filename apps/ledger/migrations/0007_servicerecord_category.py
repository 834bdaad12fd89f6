"""Every service record carries a category: its wish's or activity's, "other" for the manual entries written before
staff chose one; an amendment takes its original's."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

CATEGORIES = [
    ("clean_up", "Environment clean-up"),
    ("night_patrol", "Night patrol"),
    ("care_visit", "Care visits"),
    ("policy_talk", "Policy talks"),
    ("civility", "Civilization drive"),
    ("study", "Study support"),
    ("elderly", "Elderly care"),
    ("disability", "Disability support"),
    ("daily", "Daily needs"),
    ("other", "Other"),
]


def fill_categories(apps, schema_editor):
    ServiceRecord = apps.get_model("ledger", "ServiceRecord")
    Wish = apps.get_model("wishes", "Wish")
    SignUp = apps.get_model("activities", "SignUp")
    originals = ServiceRecord.objects.filter(amends__isnull=True)
    # A wish record's source_id is the wish; an activity record's is the member's sign-up.
    wish = Wish.objects.filter(pk=OuterRef("source_id")).values("category")[:1]
    originals.filter(source="wish").update(category=Coalesce(Subquery(wish), Value("other")))
    activity = SignUp.objects.filter(pk=OuterRef("source_id")).values("activity__category")[:1]
    originals.filter(source="activity").update(category=Coalesce(Subquery(activity), Value("other")))
    amendments = ServiceRecord.objects.filter(amends__isnull=False)
    for category, _label in CATEGORIES:
        amendments.filter(amends__category=category).update(category=category)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_servicerecord_occasion"),
        ("activities", "0003_alter_activity_checkin_secret_and_more"),
        ("wishes", "0003_alter_wishparticipant_options_alter_wish_community_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerecord",
            name="category",
            field=models.CharField(choices=CATEGORIES, default="other", max_length=16, verbose_name="category"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_categories, migrations.RunPython.noop),
    ]
