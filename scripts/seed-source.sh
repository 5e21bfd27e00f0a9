#!/usr/bin/env bash
# Create a source database like the backend's and fill it with synthetic runs, for demos
# and benchmarks:   scripts/seed-source.sh <database> [runs, default 20000]
# SEED=<n> changes the generator's seed (default 42: the same data every time).
# Connects with whatever scripts/postgres.sh finds (it starts PostgreSQL when needed).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: scripts/seed-source.sh <database> [runs]" >&2; exit 2; }
db="$1"
runs="${2:-20000}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "seed-source.sh: runs must be a positive integer" >&2; exit 2; }

eval "$("$here/postgres.sh")"
export PGDATABASE="$db"

# The name travels as a psql variable (:'db'), never spliced into SQL text.
if [[ -z "$(psql -X -Atq -d postgres -v db="$db" <<< "SELECT 1 FROM pg_database WHERE datname = :'db'")" ]]; then
  createdb -- "$db"
  echo "seed-source.sh: created database $db" >&2
fi
PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -f "$here/../schema/source/backend.sql"

# Refuse to append to data that is already there: benchmark inputs should be reproducible.
existing="$(psql -X -Atq -c 'SELECT count(*) FROM pipeline_runs')"
if [[ "$existing" != 0 ]]; then
  echo "seed-source.sh: $db already holds $existing runs; drop it first (dropdb $db) to regenerate." >&2
  exit 1
fi
psql -X -v ON_ERROR_STOP=1 -v runs="$runs" -v seed="${SEED:-42}" -f "$here/../schema/source/generate.sql"
echo "seed-source.sh: $db now holds $runs generated runs" >&2
