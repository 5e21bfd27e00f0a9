#!/usr/bin/env bash
# Make a local PostgreSQL available (demo, tests, benchmarks) and print how to connect.
#
#   eval "$(scripts/postgres.sh)"   exports PGHOST PGPORT PGUSER [PGPASSWORD] PGDATABASE=postgres
#                                   and SPRING_DATASOURCE_USERNAME / SPRING_DATASOURCE_PASSWORD
#   scripts/postgres.sh --check     only reports what works (starts nothing, changes nothing)
#
# stdout carries only the export lines (so eval is safe); every message goes to stderr,
# and the password never does. Credentials are tried in this order:
#   1. the caller's PGUSER/PGPASSWORD (or ~/.pgpass), if they already connect;
#   2. the role saved in ~/.config/pipeline-archiver/pg.env by an earlier run;
#   3. user postgres without a password (machines whose host auth is `trust`);
#   4. as root: create/alter role archiver_dev (SUPERUSER, like postgres in case 3, because
#      tests create and drop databases) with a fresh random password, over the local socket
#      as the postgres OS user (always allowed on Debian), and save it for next time.
set -euo pipefail

ROLE=archiver_dev
ENV_FILE="${XDG_CONFIG_HOME:-$HOME/.config}/pipeline-archiver/pg.env"
HOST="${PGHOST:-127.0.0.1}"   # TCP by default: the JVM (JDBC) cannot use the Unix socket
PORT="${PGPORT:-5432}"
WAIT_SECONDS=30

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

case "${1:-}" in
  "") CHECK=false ;;
  --check) CHECK=true ;;
  *) echo "usage: eval \"\$($0)\"  |  $0 --check" >&2; exit 2 ;;
esac

if ! command -v psql >/dev/null || ! command -v pg_isready >/dev/null; then
  die "psql/pg_isready not found: install the PostgreSQL client (Debian: postgresql-client)."
fi

is_local() { [[ "$HOST" == 127.0.0.1 || "$HOST" == localhost || "$HOST" == ::1 || "$HOST" == /* ]]; }
ready() { pg_isready -q -t 2 -h "$HOST" -p "$PORT"; }

# connects USER [PASSWORD]: can we log in? -w: never prompt; an empty password means
# "none given" (libpq may still find one in ~/.pgpass).
connects() {
  local pw="${2-}"
  if [[ -n "$pw" ]]; then
    PGPASSWORD="$pw" PGCONNECT_TIMEOUT=5 psql -X -w -Atq -h "$HOST" -p "$PORT" -U "$1" -d postgres \
      -c 'select 1' >/dev/null 2>&1
  else
    env -u PGPASSWORD PGCONNECT_TIMEOUT=5 psql -X -w -Atq -h "$HOST" -p "$PORT" -U "$1" -d postgres \
      -c 'select 1' >/dev/null 2>&1
  fi
}

# The local cluster serving $PORT, as "version name status" (pg_lsclusters, else /etc/postgresql).
find_cluster() {
  if command -v pg_lsclusters >/dev/null; then
    # awk reads to the end (no early exit): under pipefail a reader that stops early can kill the writer (SIGPIPE)
    pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" '$3 == p && !found { print $1, $2, $4; found = 1 }'
  else
    local conf
    for conf in /etc/postgresql/*/*/postgresql.conf; do
      [[ -e "$conf" ]] || continue
      local dir="${conf%/postgresql.conf}"
      echo "$(basename "$(dirname "$dir")") $(basename "$dir") unknown"
    done | sort -V | tail -n 1
  fi
}

# --- 1. a server that answers ----------------------------------------------------------
if ! ready; then
  is_local || die "No PostgreSQL answers at $HOST:$PORT (a remote host: start it there, or unset PGHOST)."
  read -r ver name status < <(find_cluster || true) || true
  [[ -n "${ver:-}" ]] || die "No PostgreSQL answers at $HOST:$PORT and no local cluster uses port $PORT (pg_lsclusters, /etc/postgresql): install postgresql or set PGHOST/PGPORT."
  if $CHECK; then
    log "cluster $ver/$name is $status and nothing answers at $HOST:$PORT; run $0 (without --check) to start it."
    exit 1
  fi
  if [[ "$status" != online ]]; then
    [[ $EUID -eq 0 || "$(id -un)" == postgres ]] \
      || die "PostgreSQL cluster $ver/$name is $status; start it as root: pg_ctlcluster --skip-systemctl-redirect $ver $name start"
    log "starting PostgreSQL cluster $ver/$name"
    # --skip-systemctl-redirect: there is no systemd on these machines (containers, CI).
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 \
      || die "Could not start PostgreSQL cluster $ver/$name (see /var/log/postgresql/postgresql-$ver-$name.log)."
  fi
  deadline=$((SECONDS + WAIT_SECONDS))
  until ready; do
    ((SECONDS < deadline)) \
      || die "PostgreSQL cluster $ver/$name did not accept connections at $HOST:$PORT within ${WAIT_SECONDS}s."
    sleep 1
  done
fi

# --- 2. credentials ---------------------------------------------------------------------
USER_=""; PASS=""; HOW=""
saved_user=""; saved_pass=""
if [[ -r "$ENV_FILE" ]]; then   # parsed, not sourced: it is data, not code
  while IFS='=' read -r k v; do
    case "$k" in PGUSER) saved_user="$v" ;; PGPASSWORD) saved_pass="$v" ;; esac
  done < "$ENV_FILE"
fi

if [[ -n "${PGUSER:-}" ]] && connects "$PGUSER" "${PGPASSWORD:-}"; then
  USER_="$PGUSER"; PASS="${PGPASSWORD:-}"; HOW="the caller's PGUSER/PGPASSWORD"
elif [[ -n "$saved_user" ]] && connects "$saved_user" "$saved_pass"; then
  USER_="$saved_user"; PASS="$saved_pass"; HOW="the role saved in $ENV_FILE"
elif connects postgres; then
  USER_=postgres; PASS=""; HOW="user postgres without a password (trust authentication)"
fi
[[ -n "${PGUSER:-}" && "$HOW" != "the caller's"* ]] \
  && log "the caller's PGUSER=$PGUSER${PGPASSWORD:+ (with PGPASSWORD)} cannot connect to $HOST:$PORT; not using it."

if [[ -z "$USER_" ]]; then
  $CHECK && { log "server at $HOST:$PORT is up but no known credentials connect; run $0 as root to create role $ROLE."; exit 1; }
  if ! is_local || [[ $EUID -ne 0 ]]; then
    die "PostgreSQL at $HOST:$PORT wants a password: export PGUSER/PGPASSWORD, or run this script once as root to create role $ROLE."
  fi
  # Reuse the saved password if there is one (other shells may hold it), else a fresh one;
  # only [A-Za-z0-9] ever goes into the SQL below.
  PASS="$saved_pass"
  if [[ "$saved_user" != "$ROLE" || ! "$PASS" =~ ^[A-Za-z0-9]{16,}$ ]]; then
    PASS="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"; PASS="${PASS:0:32}"
  fi
  log "creating/updating role $ROLE (local socket, as OS user postgres)"
  # SQL on stdin, not -c: the password must not appear in the process list; and the
  # session turns statement logging off so it cannot reach the server log either.
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres >/dev/null) <<SQL \
    || die "Could not create role $ROLE through the local socket as OS user postgres."
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = panic;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN CREATE ROLE $ROLE; END IF;
END \$\$;
ALTER ROLE $ROLE WITH LOGIN SUPERUSER PASSWORD '$PASS';
SQL
  (umask 077 && mkdir -p "$(dirname "$ENV_FILE")" \
     && printf '# local dev/test role written by pipeline-archiver scripts/postgres.sh\nPGUSER=%s\nPGPASSWORD=%s\n' \
          "$ROLE" "$PASS" > "$ENV_FILE")
  chmod 600 "$ENV_FILE"
  connects "$ROLE" "$PASS" || die "Role $ROLE was set up but still cannot log in at $HOST:$PORT (check pg_hba.conf)."
  USER_="$ROLE"; HOW="role $ROLE (password saved in $ENV_FILE)"
fi

log "PostgreSQL at $HOST:$PORT, connecting as $USER_ via $HOW."
$CHECK && exit 0

# --- 3. the environment, for eval --------------------------------------------------------
printf 'export PGHOST=%q PGPORT=%q PGUSER=%q PGDATABASE=postgres\n' "$HOST" "$PORT" "$USER_"
[[ -n "$PASS" ]] && printf 'export PGPASSWORD=%q\n' "$PASS"
printf 'export SPRING_DATASOURCE_USERNAME=%q SPRING_DATASOURCE_PASSWORD=%q\n' "$USER_" "$PASS"
