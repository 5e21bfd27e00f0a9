#!/usr/bin/env bash
# The test suite: the docs' check, then unit and job tests (Surefire), then tests that run the packaged jar
# as a separate process (Failsafe, *IT), all against a real PostgreSQL made available by scripts/postgres.sh.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=ArchiveJobTest -Dit.test=none
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/check-docs.sh   # the manual and docs/: size, links, the JVM options they name (seconds)
eval "$(scripts/postgres.sh)"
command -v mvn >/dev/null || { echo "test.sh: Maven (mvn) is required: apt-get install maven" >&2; exit 1; }

# Tools the statistics and monitoring tests drive (HtmlReportBrowserTest, MonitoringConfigTest): Debian's
# chromium, promtool (package prometheus) and npm, installed here when missing and we are root.
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium fonts-liberation)
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v npm >/dev/null || missing+=(npm)
  if (( ${#missing[@]} > 0 )); then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"; } >/dev/null || echo "test.sh: could not install ${missing[*]}" >&2
  fi
fi

# Maven 3.8 writes colour-reset codes even in batch mode: they are taken out of the log (sed reads to the
# end, so the pipeline cannot fail by SIGPIPE; pipefail keeps Maven's exit code).
mvn -B -ntp -Dstyle.color=never verify "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g'
