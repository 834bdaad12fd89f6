"""Lists that join a community or grid leave its boundary polygon unread: only geocoding needs it, and a real one is
large (tests of the lists themselves are in each app)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.activities.selectors import activity_list
from apps.ledger.selectors import record_list
from apps.wishes.selectors import wish_list


def test_wish_activity_and_record_lists_do_not_read_boundaries(world):
    for name, queryset in (
        ("wishes", wish_list(user=world.superuser)),
        ("activities", activity_list(user=world.superuser)),
        ("records", record_list(user=world.superuser)),
    ):
        with CaptureQueriesContext(connection) as queries:
            list(queryset)
        main = queries.captured_queries[0]["sql"]
        assert "places_community" in main, name
        assert "polygon" not in main, name
