#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local runs: installs PostgreSQL if missing, starts one cluster on
# 127.0.0.1 and prints its DATABASE_URL on standard output (everything else goes to standard error).
#
#   scripts/postgres.sh [start]   start (or reuse the running cluster) and print DATABASE_URL
#   scripts/postgres.sh url       print DATABASE_URL of the running cluster (fails if it is not running)
#   scripts/postgres.sh status    exit 0 if the cluster runs
#   scripts/postgres.sh stop      stop it (the data stays for the next start)
#   scripts/postgres.sh destroy   stop it and delete its data
#
# Environment (or .env): PG_DIR (default /tmp/dual-reporting-pg; outside the project because a fresh clone may sit in a
# directory the postgres user cannot enter), PG_PORT (first port tried, default 54329), PG_USER / PG_DB
# (default dualreport), PG_MAX_CONNECTIONS (default 500: concurrency tests open 200 connections per pytest worker).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_DIR="$(config_value PG_DIR /tmp/dual-reporting-pg)"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/server.log"
PG_PORT="$(config_value PG_PORT 54329)"
PG_USER="$(config_value PG_USER dualreport)"
PG_DB="$(config_value PG_DB dualreport)"
PG_MAX_CONNECTIONS="$(config_value PG_MAX_CONNECTIONS 500)"
PG_BIN=""

find_pg_bin() {
  local d
  # Debian keeps the server binaries out of PATH, one directory per major version; take the newest.
  for d in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -t/ -k4 -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      PG_BIN="$d"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN="$(dirname "$(command -v pg_ctl)")"
    return 0
  fi
  return 1
}

ensure_postgres_installed() {
  find_pg_bin && return 0
  log "PostgreSQL server not found: installing Debian's postgresql"
  ensure_apt_packages postgresql || die "PostgreSQL is not installed and cannot be installed without root"
  find_pg_bin || die "postgresql installed but initdb/pg_ctl not found under /usr/lib/postgresql/*/bin"
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' system user.
as_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ensure_owner_user() {
  is_root || return 0
  getent passwd postgres >/dev/null ||
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash --user-group postgres
}

pg_ctl_() { as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

is_running() {
  [ -f "$PG_DATA/postmaster.pid" ] && [ -n "$PG_BIN" ] && pg_ctl_ status >/dev/null 2>&1
}

# The port of the running server, from the 4th line of postmaster.pid.
running_port() { sed -n 4p "$PG_DATA/postmaster.pid"; }

database_url() { printf 'postgres://%s@127.0.0.1:%s/%s\n' "$PG_USER" "$(running_port)" "$PG_DB"; }

psql_() { as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$(running_port)" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtX "$@"; }

init_cluster() {
  log "creating PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_DIR"
  is_root && chown postgres: "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
    die "initdb failed: see $PG_DIR/initdb.log"
  # Throwaway data: durability off for speed; enough connections for the 200-request concurrency tests.
  as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- scripts/postgres.sh (throwaway test cluster) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = $PG_MAX_CONNECTIONS
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
EOF
}

start() {
  ensure_postgres_installed
  ensure_owner_user
  if is_running; then
    log "reusing the PostgreSQL cluster running in $PG_DATA on port $(running_port)"
  else
    [ -f "$PG_DATA/PG_VERSION" ] || init_cluster
    # The first port from PG_PORT that nothing listens on and that the server can bind: a port can be taken without
    # a listener (the local end of some client's connection, since these ports lie in Linux's ephemeral range), so
    # a start that fails to bind moves on to the next port instead of failing.
    local port="$PG_PORT" started=""
    is_root && touch "$PG_LOG" && chown postgres: "$PG_LOG"
    while [ -z "$started" ]; do
      [ "$port" -gt $((PG_PORT + 50)) ] && die "no free port in $PG_PORT..$((PG_PORT + 50))"
      if port_in_use 127.0.0.1 "$port"; then
        port=$((port + 1))
        continue
      fi
      log "starting PostgreSQL on 127.0.0.1:$port (log: $PG_LOG)"
      local mark
      mark=$(wc -l <"$PG_LOG" 2>/dev/null || echo 0)
      if pg_ctl_ start -w -t 60 -l "$PG_LOG" -o "-p $port" >/dev/null; then
        started=1
      elif tail -n +"$((mark + 1))" "$PG_LOG" | grep -q "could not bind"; then
        warn "port $port is taken (not by a listener); trying the next one"
        port=$((port + 1))
      else
        tail -n 20 "$PG_LOG" >&2 || true
        die "PostgreSQL did not start"
      fi
    done
  fi
  local i
  for ((i = 0; i < 60; i++)); do
    as_owner "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(running_port)" && break
    sleep 0.5
  done
  as_owner "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(running_port)" || die "PostgreSQL is not accepting connections"
  # The role creates the test databases (pytest-django) and may add extensions, so it is a superuser here.
  if [ "$(psql_ -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
    psql_ -c "CREATE ROLE \"$PG_USER\" LOGIN SUPERUSER"
  fi
  if [ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    psql_ -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
  fi
  ok "PostgreSQL ready: $(database_url)"
  database_url
}

stop() {
  find_pg_bin || return 0
  if is_running; then
    log "stopping PostgreSQL in $PG_DATA"
    pg_ctl_ stop -m fast -w >/dev/null
  fi
}

case "${1:-start}" in
  start) start ;;
  url)
    find_pg_bin && is_running || die "the PostgreSQL cluster in $PG_DATA is not running (scripts/postgres.sh start)"
    database_url
    ;;
  status) find_pg_bin && is_running ;;
  stop) stop ;;
  destroy)
    stop
    rm -rf "$PG_DIR"
    ;;
  *) die "usage: scripts/postgres.sh [start|url|status|stop|destroy]" ;;
esac
