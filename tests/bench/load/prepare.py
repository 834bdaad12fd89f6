"""Migrate the database of DATABASE_URL, build the load data there and print it as JSON on standard output.

    DJANGO_SETTINGS_MODULE=server.settings.bench DATABASE_URL=... SECRET_KEY=... ALLOWED_HOSTS=127.0.0.1 \\
        .venv/bin/python -m tests.bench.load.prepare --members 8 --wishes 600

What tests/faults/test_db_restart.py runs against its own PostgreSQL cluster before starting gunicorn there.
"""

import argparse
import json
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load.prepare", description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=8, help="members with a session (default: %(default)s)")
    parser.add_argument("--organs", type=int, default=1, help="organs (default: %(default)s)")
    parser.add_argument("--wishes", type=int, default=0, help="claimable wishes in the main grid (default: 0)")
    parser.add_argument("--records-per-member", type=int, default=0, help="approved records each (default: 0)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings.bench")
    import django

    django.setup()
    from django.core.management import call_command

    from tests.bench.load.data import build

    call_command("migrate", verbosity=0)
    data = build(
        members=args.members,
        organs=args.organs,
        wishes=0,
        activities=0,
        records_per_member=args.records_per_member,
        claimable_wishes=args.wishes,
    )
    json.dump(data.as_dict(), sys.stdout)


if __name__ == "__main__":
    main()
