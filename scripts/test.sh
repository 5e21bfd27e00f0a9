#!/usr/bin/env bash
# The test suite: unit and job tests (Surefire), then tests that run the packaged jar as a separate
# process (Failsafe, *IT), all against a real PostgreSQL made available by scripts/postgres.sh.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=ArchiveJobTest -Dit.test=none
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/postgres.sh)"
command -v mvn >/dev/null || { echo "test.sh: Maven (mvn) is required: apt-get install maven" >&2; exit 1; }

exec mvn -B -ntp verify "$@"
