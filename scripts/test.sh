#!/usr/bin/env bash
# The test suite: the docs' check, then unit and job tests (Surefire), then tests that run the packaged jar
# as a separate process (Failsafe, *IT), all against a real PostgreSQL made available by scripts/postgres.sh.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=ArchiveJobTest -Dit.test=none
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/check-docs.sh   # the manual and docs/: size, links, the JVM options they name (seconds)
eval "$(scripts/postgres.sh)"
command -v mvn >/dev/null || { echo "test.sh: Maven (mvn) is required: apt-get install maven" >&2; exit 1; }

# Maven 3.8 writes colour-reset codes even in batch mode: they are taken out of the log (sed reads to the
# end, so the pipeline cannot fail by SIGPIPE; pipefail keeps Maven's exit code).
mvn -B -ntp -Dstyle.color=never verify "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g'
