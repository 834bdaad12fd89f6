"""Prints, as JSON, what a restore must bring back: the row count of every model, every sequence's position, and
the statistics of the city, of each organ and of each community (node_metrics) for this year and last year.

Run in a separate process against any database: `DATABASE_URL=... python -m tests.ops.dbsnapshot`.
"""

import json
import os
import sys


def snapshot():
    from django.apps import apps
    from django.db import connection
    from django.utils import timezone

    from apps.orgs.models import Organ
    from apps.places.models import Community
    from apps.stats.nodes import Level, Node
    from apps.stats.periods import year_period
    from apps.stats.selectors import node_metrics

    rows = {model._meta.label: model._base_manager.count() for model in apps.get_models()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        sequences = dict(cursor.fetchall())
    year = timezone.localdate().year
    nodes = [Node(Level.CITY)]
    nodes += [Node(Level.ORGAN, organ) for organ in Organ.objects.order_by("name")]
    nodes += [Node(Level.COMMUNITY, community) for community in Community.objects.order_by("name")]
    metrics = {
        f"{node.level}:{node.name}:{y}": node_metrics(node=node, period=year_period(y))
        for node in nodes
        for y in (year - 1, year)
    }
    return {"rows": rows, "sequences": sequences, "metrics": metrics}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings.test")
    import django

    django.setup()
    json.dump(snapshot(), sys.stdout, ensure_ascii=False, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
