"""deploy/backup.sh and deploy/restore.sh round-trip the platform's data: after a backup, the database dropped and
the backup restored into a new one, every table, sequence and statistic is as it was, and so are the uploaded files.

The data is a small world with a little of everything, written through the services (tests/ops/small_city.py), and
with OPS_DEMO_CITY=1 also the whole demo city (manage.py load_demo: 1.5 to 4 minutes on PostgreSQL, so not by
default).
"""

import json
import os
import sys

import pytest

from tests.ops.conftest import ROOT, run

pytestmark = pytest.mark.postgres

BACKUP = str(ROOT / "deploy" / "backup.sh")
RESTORE = str(ROOT / "deploy" / "restore.sh")


def snapshot(db):
    done = run([sys.executable, "-m", "tests.ops.dbsnapshot"], env=db.env())
    return json.loads(done.stdout)


DEMO = pytest.param(
    "demo",
    marks=pytest.mark.skipif(
        os.environ.get("OPS_DEMO_CITY") != "1", reason="the demo city takes minutes: OPS_DEMO_CITY=1"
    ),
)


@pytest.fixture(params=["small", DEMO])
def populated_db(request, throwaway_db):
    """The throwaway database, migrated, with the small world or the demo city (the project's own command)."""
    throwaway_db.manage("migrate", "--noinput", "-v", "0")
    if request.param == "demo":
        throwaway_db.manage("load_demo", "-v", "0")
    else:
        run([sys.executable, "-m", "tests.ops.small_city"], env=throwaway_db.env())
    throwaway_db.kind = request.param
    return throwaway_db


def test_backup_then_restore_gives_back_every_row_sequence_statistic_and_photo(populated_db, tmp_path):
    demo_db = populated_db
    media = tmp_path / "media"
    photo = media / "wishes" / "2026" / "05" / "rice.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\x89PNG\r\n\x1a\n demo photo")
    backups = tmp_path / "backups"
    before = snapshot(demo_db)
    rows = before["rows"]
    # Really a populated database, not an empty schema.
    assert rows["ledger.ServiceRecord"] > (500 if demo_db.kind == "demo" else 3)  # the demo: a year of services
    for label in (
        "wishes.WishClaim",
        "activities.SignUp",
        "ledger.AuditEntry",
        "stats.MemberDayTotal",
        "registrations.Evaluation",
        "registrations.PostClaim",
    ):
        assert rows[label] > 0, label
    assert before["metrics"]  # the city, its organs and communities

    env = demo_db.env(MEDIA_ROOT=str(media), BACKUP_DIR=str(backups))
    db_file, media_file = run([BACKUP], env=env).stdout.split()
    assert db_file.endswith(".dump") and media_file.endswith(".tar.gz")
    assert not list(backups.glob("*.partial"))

    # The disaster: the database and the uploads are gone. A new, empty database is made for the restore.
    demo_db.drop()
    demo_db.create()
    for path in sorted(media.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    media.rmdir()

    refused = run([RESTORE, db_file, media_file], env=env, check=False)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert not media.exists()

    run([RESTORE, "--yes", db_file, media_file], env=env)

    after = snapshot(demo_db)
    assert after["rows"] == before["rows"]
    assert after["sequences"] == before["sequences"]  # new rows after a restore do not collide with old ones
    assert after["metrics"] == before["metrics"]
    assert photo.read_bytes() == b"\x89PNG\r\n\x1a\n demo photo"
    # The restored database is the platform's: its migrations are all applied, nothing is left to do.
    plan = demo_db.manage("migrate", "--plan").stdout
    assert "No planned migration operations." in plan


def test_restore_of_a_broken_dump_leaves_the_database_as_it_was(throwaway_db, tmp_path):
    throwaway_db.manage("migrate", "--noinput", "-v", "0")
    before = snapshot(throwaway_db)
    env = throwaway_db.env(MEDIA_ROOT=str(tmp_path / "media"), BACKUP_DIR=str(tmp_path / "backups"))
    db_file, _ = run([BACKUP], env=env).stdout.split()
    broken = tmp_path / "broken.dump"
    data = open(db_file, "rb").read()
    broken.write_bytes(data[: len(data) // 2])

    failed = run([RESTORE, "--yes", str(broken)], env=env, check=False)

    assert failed.returncode != 0
    assert snapshot(throwaway_db) == before
