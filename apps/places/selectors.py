"""Read queries of the geography tree; every list is public reference data for any signed-in user."""

from apps.places.models import Community, District, Grid, Street


def district_list():
    return District.objects.all()


def street_list():
    return Street.objects.select_related("district")


def community_list():
    return Community.objects.select_related("street__district")


def grid_list():
    return Grid.objects.select_related("community__street__district", "grid_worker")
