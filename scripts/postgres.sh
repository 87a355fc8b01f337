#!/usr/bin/env bash
# Make sure the PostgreSQL server of DATABASE_URL is reachable (starting the
# local Debian/Ubuntu cluster if needed) and create the test database.
#
#   scripts/postgres.sh
#   eval "$(scripts/postgres.sh)"        # sets TEST_DATABASE_URL
#
# Environment:
#   DATABASE_URL        admin connection (default postgres://postgres@127.0.0.1:5432/postgres)
#   TEST_DATABASE       database to create (default imagematching_router_test)
#   PG_START_TIMEOUT    seconds to wait for a started cluster (default 30)
#
# Progress goes to stderr; stdout is exactly one line,
# TEST_DATABASE_URL=postgres://.../<TEST_DATABASE>, single-quoted only if the
# URL contains characters that are special to the shell.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
TEST_DATABASE="${TEST_DATABASE:-imagematching_router_test}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-30}"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { printf 'postgres.sh: error: %s\n' "$*" >&2; exit 1; }

for tool in pg_isready psql; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "'$tool' not found on PATH (install the PostgreSQL client, e.g. apt-get install postgresql-client)"
done

[[ "$TEST_DATABASE" =~ ^[A-Za-z0-9_-]+$ ]] \
  || die "TEST_DATABASE='$TEST_DATABASE' must match [A-Za-z0-9_-]+"

# ------------------------------------------------------------------ URL parts
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) die "DATABASE_URL must start with postgres:// or postgresql:// (got '$DATABASE_URL')" ;;
esac
scheme="${DATABASE_URL%%://*}"
rest="${DATABASE_URL#*://}"
authority="${rest%%[/?]*}"          # [user[:password]@]host[:port]
after="${rest:${#authority}}"       # /dbname?query
path="${after%%\?*}"
query="${after:${#path}}"           # ?query or empty
hostport="${authority##*@}"
if [[ "$hostport" == \[* ]]; then   # [ipv6]:port
  host="${hostport%%]*}"; host="${host#[}"
  port_part="${hostport#*]}"; port="${port_part#:}"
elif [[ "$hostport" == *:* ]]; then
  host="${hostport%%:*}"; port="${hostport##*:}"
else
  host="$hostport"; port=""
fi
port="${port:-5432}"
[[ "$port" =~ ^[0-9]+$ ]] || die "cannot parse the port of DATABASE_URL (got '$port')"

is_local_host() {
  case "$host" in
    ""|127.0.0.1|localhost|::1|%2F*|%2f*|/*) return 0 ;;
    *) return 1 ;;
  esac
}

# Everything except the password, for messages.
redact() { sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#' <<<"$1"; }
SHOWN_URL="$(redact "$DATABASE_URL")"

ready() { pg_isready -q -d "$DATABASE_URL" -t 3 >/dev/null 2>&1; }

# ----------------------------------------------------- start the local cluster
start_local_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  # pg_lsclusters -h: Ver Cluster Port Status Owner Datadir Logfile
  local ver cluster cport status started=0
  while read -r ver cluster cport status _; do
    [[ -n "${ver:-}" && "$cport" == "$port" ]] || continue
    if [[ "$status" == online* ]]; then
      log "cluster $ver/$cluster on port $port is already online; waiting for it"
      started=1
      continue
    fi
    log "starting local PostgreSQL cluster $ver/$cluster (port $port)"
    if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start >&2; then
      die "'pg_ctlcluster --skip-systemctl-redirect $ver $cluster start' failed (are you root or the cluster owner? see /var/log/postgresql/)"
    fi
    started=1
  done < <(pg_lsclusters -h 2>/dev/null)
  if (( started == 0 )); then
    log "no local cluster is configured for port $port (pg_lsclusters):"
    pg_lsclusters >&2 2>/dev/null || true
    return 1
  fi
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until ready; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}

if ! ready; then
  if is_local_host; then
    log "PostgreSQL at $SHOWN_URL is not reachable"
    start_local_cluster \
      || die "PostgreSQL at $SHOWN_URL is unreachable and no matching local cluster became ready within ${PG_START_TIMEOUT}s (see above)"
  else
    pg_isready -d "$DATABASE_URL" -t 3 >&2 || true
    die "PostgreSQL at $SHOWN_URL is unreachable (remote host '$host'; not starting anything)"
  fi
fi
log "PostgreSQL at $SHOWN_URL is ready"

# ------------------------------------------------------ create the test database
run_psql() { # sql on stdin
  psql -X -q -v ON_ERROR_STOP=1 -v db="$TEST_DATABASE" -At -d "$DATABASE_URL" "$@"
}

db_exists() {
  [[ "$(run_psql <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" == 1 ]]
}

if db_exists; then
  log "database $TEST_DATABASE already exists"
else
  # Tolerate a concurrent creator: if CREATE fails, re-check existence.
  if create_err="$(run_psql <<<'CREATE DATABASE :"db";' 2>&1)"; then
    log "created database $TEST_DATABASE"
  elif db_exists; then
    log "database $TEST_DATABASE already exists"
  else
    printf '%s\n' "$create_err" >&2
    die "could not create database $TEST_DATABASE on $SHOWN_URL"
  fi
fi

TEST_DATABASE_URL="$scheme://$authority/$TEST_DATABASE$query"
if [[ "$TEST_DATABASE_URL" =~ ^[A-Za-z0-9_.:/@%+=,-]+$ ]]; then
  printf 'TEST_DATABASE_URL=%s\n' "$TEST_DATABASE_URL"
else
  printf "TEST_DATABASE_URL='%s'\n" "${TEST_DATABASE_URL//\'/\'\\\'\'}"
fi
