#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: the database from a pg_dump custom-format file, and the media from its
# tar archive. It REPLACES the current data, so it asks for --yes. Stop the web application and the scheduler first
# (systemctl stop dual-reporting-gunicorn dual-reporting-scheduler): they hold locks the restore must take.
#
#   deploy/restore.sh --yes DB_DUMP [MEDIA_TAR]
#
# Environment (real variables win; the rest is read from ENV_FILE, default: the project's .env):
#   DATABASE_URL   the database restored into: an empty database, or the platform's, whose tables are replaced
#   MEDIA_ROOT     the media directory replaced by the archive (the old one is kept beside it as MEDIA_ROOT.before-*)
#
# The restore runs in one transaction: if anything fails, the database is left as it was.
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/env.sh
. "$PROJECT/deploy/env.sh"

usage() { fail "usage: deploy/restore.sh --yes DB_DUMP [MEDIA_TAR]"; }
confirmed=""
args=()
for arg in "$@"; do
  case "$arg" in
    --yes) confirmed=1 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage ;;
    *) args+=("$arg") ;;
  esac
done
[ "${#args[@]}" -ge 1 ] && [ "${#args[@]}" -le 2 ] || usage
db_file="${args[0]}"
media_file="${args[1]:-}"
[ -f "$db_file" ] || fail "no such dump: $db_file"
[ -z "$media_file" ] || [ -f "$media_file" ] || fail "no such media archive: $media_file"

load_env_file "${ENV_FILE:-$PROJECT/.env}"
[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set"
DB_URL="$(libpq_url "$DATABASE_URL")"
MEDIA_ROOT="${MEDIA_ROOT:-$PROJECT/media}"

pg_restore --list "$db_file" >/dev/null || fail "$db_file is not a pg_dump custom-format file"
[ -z "$media_file" ] || tar -tzf "$media_file" >/dev/null || fail "$media_file is not a readable tar.gz archive"
[ -n "$confirmed" ] || fail "this replaces the data of $(redacted_url "$DB_URL")${media_file:+ and $MEDIA_ROOT}: run again with --yes"

# --clean --if-exists drops each object before re-creating it (and is harmless on an empty database); --no-owner:
# everything belongs to the role restoring, which is the platform's role; --single-transaction: all or nothing.
note "restoring $db_file into $(redacted_url "$DB_URL")"
pg_restore --dbname="$DB_URL" --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --no-password "$db_file"

if [ -n "$media_file" ]; then
  note "restoring media from $media_file into $MEDIA_ROOT"
  parent="$(dirname "$MEDIA_ROOT")"
  mkdir -p "$parent"
  staging="$(mktemp -d "$parent/.media-restore.XXXXXX")"
  tar -xzf "$media_file" -C "$staging"
  chmod 755 "$staging"
  # Swap directories, so the site never sees a half-extracted media tree; the old one is kept for inspection.
  if [ -e "$MEDIA_ROOT" ]; then
    mv "$MEDIA_ROOT" "$MEDIA_ROOT.before-$(date -u +%Y%m%dT%H%M%SZ)"
  fi
  mv "$staging" "$MEDIA_ROOT"
fi
note "restore finished: run 'manage.py migrate' if the code is newer than the backup, then start the services"
