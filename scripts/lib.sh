# Shared helpers for scripts/run, scripts/test and scripts/postgres.sh (sourced, not executed).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

# Colour only when a person is watching; CI logs stay plain.
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
  _c_bold=$'\033[1m' _c_red=$'\033[31m' _c_green=$'\033[32m' _c_yellow=$'\033[33m' _c_off=$'\033[0m'
else
  _c_bold='' _c_red='' _c_green='' _c_yellow='' _c_off=''
fi

log() { printf '%s==>%s %s\n' "$_c_bold" "$_c_off" "$*" >&2; }
ok() { printf '%s✔%s %s\n' "$_c_green" "$_c_off" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_c_yellow" "$_c_off" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$_c_red" "$_c_off" "$*" >&2
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# A value from the environment, else from the project's .env file (the same file the settings read), else a default.
# Only simple NAME=value lines are understood; quotes around the value are dropped.
config_value() {
  local name="$1" default="${2:-}" line value
  if [ -n "${!name:-}" ]; then
    printf '%s' "${!name}"
    return
  fi
  if [ -f "$ROOT/.env" ] && line="$(grep -E "^[[:space:]]*(export[[:space:]]+)?${name}=" "$ROOT/.env" | tail -n 1)" && [ -n "$line" ]; then
    value="${line#*=}"
    value="${value%\"}" value="${value#\"}" value="${value%\'}" value="${value#\'}"
    printf '%s' "$value"
    return
  fi
  printf '%s' "$default"
}

# ---------------------------------------------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------------------------------------------
_apt_updated=""

apt_update_once() {
  [ -n "$_apt_updated" ] && return 0
  log "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
  _apt_updated=1
}

apt_package_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# ensure_apt_packages pkg...: install the Debian packages that are missing. As root it runs apt-get (with one
# `apt-get update` first per script run); otherwise it prints the command to run and returns 1.
ensure_apt_packages() {
  local missing=() pkg
  command -v dpkg-query >/dev/null 2>&1 || {
    warn "not a Debian system: make sure these are installed: $*"
    return 1
  }
  for pkg in "$@"; do
    apt_package_installed "$pkg" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if ! is_root; then
    warn "missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
    return 1
  fi
  apt_update_once
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 </dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# GNU gettext: msgfmt for compilemessages, xgettext/msgmerge for makemessages.
ensure_gettext() {
  if command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 && command -v msgmerge >/dev/null 2>&1; then
    return 0
  fi
  ensure_apt_packages gettext ||
    die "GNU gettext (msgfmt, xgettext, msgmerge) is needed for translations: install the 'gettext' package"
}

# ---------------------------------------------------------------------------------------------------------------
# Python virtual environment
# ---------------------------------------------------------------------------------------------------------------

# The files a requirements file pulls in with -r, itself first, one per line.
_requirements_closure() {
  local file="$1" dir inc
  printf '%s\n' "$file"
  dir="$(dirname "$file")"
  while read -r inc; do
    [ -n "$inc" ] && _requirements_closure "$dir/$inc"
  done < <(sed -nE 's/^[[:space:]]*(-r|--requirement)[[:space:]=]+([^[:space:]#]+).*/\2/p' "$file")
}

_requirements_hash() {
  { "$PY" -c 'import sys; print(sys.version)'; _requirements_closure "$1" | xargs cat; } | sha256sum | cut -d' ' -f1
}

_stamp_path() { printf '%s/.installed-%s.sha256' "$VENV" "$(basename "$1")"; }

# ensure_venv requirements-file: create .venv if needed and install the file, skipping pip when the stamp
# (a hash of the file, the files it includes and the Python version) shows it is already installed.
ensure_venv() {
  local req="$ROOT/$1" hash inc python="${PYTHON:-python3}"
  [ -f "$req" ] || die "$1 not found"
  if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' >/dev/null 2>&1; then
    command -v "$python" >/dev/null 2>&1 || die "$python not found: install Python 3.11 or newer"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
      die "Python 3.11 or newer is needed ($python is $("$python" -V 2>&1)); set PYTHON=/path/to/python3.11"
    log "creating virtual environment $VENV"
    rm -rf "$VENV"
    "$python" -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  fi
  hash="$(_requirements_hash "$req")"
  if [ -f "$(_stamp_path "$req")" ] && [ "$(cat "$(_stamp_path "$req")")" = "$hash" ]; then
    return 0
  fi
  log "installing $1 into .venv"
  local out rc=0
  out="$(mktemp)"
  PIP_NO_INPUT=1 "$PY" -m pip install --disable-pip-version-check -q -r "$req" >"$out" 2>&1 || rc=$?
  # Some machines configure local package indexes that may be absent; pip warns about each one for every package.
  grep -vE "^WARNING: Location 'file://[^']*' is ignored" "$out" >&2 || true
  rm -f "$out"
  [ "$rc" -eq 0 ] || die "pip install -r $1 failed (exit $rc)"
  # What was just installed also satisfies every file it includes.
  while read -r inc; do
    _requirements_hash "$inc" >"$(_stamp_path "$inc")"
  done < <(_requirements_closure "$req")
  ok "$1 installed"
}

manage() { "$PY" "$ROOT/manage.py" "$@"; }

# True if manage.py knows the command (other parts of the project add commands over time).
has_manage_command() {
  manage help --commands 2>/dev/null | grep -qx "[[:space:]]*$1"
}

# Compile locale/**/*.po into .mo when a .mo is missing or older (the .mo files are not committed).
compile_translations_if_needed() {
  local po stale=""
  [ -d "$ROOT/locale" ] || return 0
  while IFS= read -r po; do
    if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
      stale=1
      break
    fi
  done < <(find "$ROOT/locale" -name '*.po')
  [ -n "$stale" ] || return 0
  ensure_gettext
  log "compiling translations"
  (cd "$ROOT" && manage compilemessages --ignore=.venv --ignore=node_modules >&2) || die "compilemessages failed"
}

# ---------------------------------------------------------------------------------------------------------------
# Network helpers
# ---------------------------------------------------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for_port host port seconds [pid]: wait until something listens; give up early if pid dies.
wait_for_port() {
  local host="$1" port="$2" seconds="$3" pid="${4:-}" i
  for ((i = 0; i < seconds * 5; i++)); do
    port_in_use "$host" "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.2
  done
  return 1
}
