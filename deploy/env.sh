# Helpers shared by deploy/backup.sh and deploy/restore.sh (sourced, not executed).
# shellcheck shell=bash

note() { printf '%s\n' "$*" >&2; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# load_env_file FILE: export NAME=value lines of a systemd EnvironmentFile / .env for names not already set (real
# environment variables win, as in the platform's settings). Comments and blank lines are skipped; quotes dropped.
load_env_file() {
  local file="$1" line name value
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line#export }"
    [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    [ -n "${!name+x}" ] && continue
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    export "$name=$value"
  done <"$file"
}

# libpq_url URL: the platform's DATABASE_URL as libpq (pg_dump, psql) takes it. django-environ also accepts the
# schemes pgsql:// and postgis://, and options after "?" that are Django's, not libpq's: those are dropped.
libpq_url() {
  local url="$1"
  case "$url" in
    postgres://* | postgresql://* | pgsql://* | postgis://*) ;;
    *) fail "DATABASE_URL must be a PostgreSQL URL (postgres://...), not ${url%%:*}://..." ;;
  esac
  url="postgresql://${url#*://}"
  printf '%s' "${url%%\?*}"
}

# The URL without its password, for messages.
redacted_url() { printf '%s' "$1" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#'; }
