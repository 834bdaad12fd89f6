#!/usr/bin/env bash
# Back up the platform: the PostgreSQL database (pg_dump, custom format) and the uploaded media (tar), into
# BACKUP_DIR, then delete backups older than BACKUP_KEEP_DAYS. Prints the paths of the two new files.
#
#   deploy/backup.sh
#
# Environment (real variables win; the rest is read from ENV_FILE, default: the project's .env):
#   DATABASE_URL       postgres://user:password@host:port/name (the platform's own setting)
#   MEDIA_ROOT         uploaded photos (the platform's own setting; default <project>/media)
#   BACKUP_DIR         where backups go (default /var/backups/dual-reporting)
#   BACKUP_KEEP_DAYS   backups older than this many days are deleted after a successful backup (default 14; 0 keeps all)
#
# Restore with deploy/restore.sh. docs/deployment.md explains the schedule and how to test a restore.
set -euo pipefail
umask 077  # the dump holds personal data: readable by the backup user only

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/env.sh
. "$PROJECT/deploy/env.sh"
load_env_file "${ENV_FILE:-$PROJECT/.env}"

[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set"
DB_URL="$(libpq_url "$DATABASE_URL")"
MEDIA_ROOT="${MEDIA_ROOT:-$PROJECT/media}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/dual-reporting}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"

mkdir -p "$BACKUP_DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
db_file="$BACKUP_DIR/db-$stamp.dump"
media_file="$BACKUP_DIR/media-$stamp.tar.gz"
trap 'rm -f "$db_file.partial" "$media_file.partial"' EXIT

# 1. The database first: one consistent snapshot (pg_dump reads in one repeatable-read transaction while the site
#    keeps running). Custom format: compressed, and pg_restore can restore it selectively or in parallel.
pg_dump --dbname="$DB_URL" --format=custom --compress=6 --no-password --file="$db_file.partial"
# A dump pg_restore cannot read is no backup: check its table of contents before keeping it.
pg_restore --list "$db_file.partial" >/dev/null
mv "$db_file.partial" "$db_file"

# 2. Then the media: photos are written before the row that names them commits and are never deleted by the
#    platform, so a media copy taken after the dump holds every file the dump refers to.
if [ -d "$MEDIA_ROOT" ]; then
  tar -czf "$media_file.partial" -C "$MEDIA_ROOT" .
else
  note "MEDIA_ROOT $MEDIA_ROOT does not exist: an empty media archive is written"
  tar -czf "$media_file.partial" -T /dev/null
fi
mv "$media_file.partial" "$media_file"

# 3. Retention, only after this backup succeeded (a failing backup never deletes the last good ones).
if [ "$BACKUP_KEEP_DAYS" -gt 0 ]; then
  find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'db-*.dump' -o -name 'media-*.tar.gz' \) \
    -mtime +"$((BACKUP_KEEP_DAYS - 1))" ! -name "*-$stamp.*" -print -delete | sed 's/^/deleted old backup: /' >&2
fi

note "backup written: $(du -h "$db_file" | cut -f1) database, $(du -h "$media_file" | cut -f1) media"
printf '%s\n%s\n' "$db_file" "$media_file"
