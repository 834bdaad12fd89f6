"""Visits registered before the neutral place text named the household's address as their service's place: give each
the community's visit place instead (apps.households.services.visit_place), so that the address stays on the household
only. Irreversible in effect: going back leaves the neutral text (the addresses are not copied out again)."""

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext

# The same words as apps.households.services.VISIT_PLACE, frozen here as the migration ran.
VISIT_PLACE = "%(community)s paired household visit"


def neutral_places(apps, schema_editor):
    HouseholdVisit = apps.get_model("households", "HouseholdVisit")
    SelfService = apps.get_model("ledger", "SelfService")
    max_length = SelfService._meta.get_field("place").max_length
    visits = HouseholdVisit.objects.select_related("self_service", "pairing__household__community")
    with translation.override(settings.LANGUAGE_CODE):
        for visit in visits.iterator():
            household = visit.pairing.household
            place = gettext(VISIT_PLACE) % {"community": household.community.name}
            place = place[:max_length]
            if visit.self_service.place != place:
                SelfService.objects.filter(pk=visit.self_service_id).update(place=place)


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0001_initial"),
        ("ledger", "0009_service_team"),
    ]

    operations = [migrations.RunPython(neutral_places, migrations.RunPython.noop)]
