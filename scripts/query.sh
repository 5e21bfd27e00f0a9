#!/usr/bin/env bash
# SQL over a local archive with nothing but Java and Maven: an embedded DuckDB (its JDBC driver,
# org.duckdb:duckdb_jdbc, fetched through Maven into the local repository on first use: ~80 MB, so the
# job's jar does not carry it) with the archive's datasets already defined as views (pipeline_runs,
# pipeline_steps, llm_calls, step_stats, and any other archived table), as `table-definitions` prints them.
#
#   scripts/query.sh "SELECT count(*) FROM pipeline_runs"
#   scripts/query.sh --root=/data/archive --format=csv "SELECT * FROM llm_calls WHERE dt = DATE '2026-09-14'"
#   scripts/query.sh < report.sql                 (statements ending with ';' at the end of a line)
#   scripts/query.sh --help
#
# The root: --root=DIR, else $ARCHIVER_OUTPUT_ROOT, else ./archive. Needs no database.
# PIPELINE_ARCHIVER_JAR=<jar> runs another build of the job's jar (default jobs/target/pipeline-archiver.jar,
# built when missing).
set -euo pipefail
# no cd: a relative --root (and the default ./archive) is the caller's
HERE="$(cd "$(dirname "$0")/.." && pwd)"

DUCKDB=org.duckdb:duckdb_jdbc:2.0.0.1
JAR="${PIPELINE_ARCHIVER_JAR:-$HERE/jobs/target/pipeline-archiver.jar}"

# Maven, quiet, without the colour codes Maven 3.8 writes even in batch mode: its output is kept and
# shown (plain) only when it fails.
quiet_mvn() {
  local log
  log="$(mktemp)"
  if ! mvn -B -q -ntp -Dstyle.color=never "$@" >"$log" 2>&1; then
    sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log" >&2
    rm -f "$log"
    echo "query.sh: mvn $* failed (output above)" >&2
    exit 1
  fi
  rm -f "$log"
}

command -v java >/dev/null || { echo "query.sh: Java 17 or later is required" >&2; exit 1; }
if [[ ! -f "$JAR" ]]; then
  [[ -z "${PIPELINE_ARCHIVER_JAR:-}" ]] || { echo "query.sh: $JAR does not exist" >&2; exit 2; }
  echo "query.sh: building $JAR ..." >&2
  quiet_mvn -f "$HERE/pom.xml" -DskipTests package
fi

IFS=: read -r group artifact version <<< "$DUCKDB"
REPO="${MAVEN_REPOSITORY:-$HOME/.m2/repository}"
DRIVER="$REPO/${group//.//}/$artifact/$version/$artifact-$version.jar"
if [[ ! -f "$DRIVER" ]]; then
  command -v mvn >/dev/null || { echo "query.sh: Maven (mvn) is required to fetch $DUCKDB" >&2; exit 1; }
  echo "query.sh: fetching $DUCKDB through Maven (once) ..." >&2
  quiet_mvn -N -f "$HERE/pom.xml" dependency:get -Dartifact="$DUCKDB" -Dtransitive=false
  [[ -f "$DRIVER" ]] || { echo "query.sh: Maven fetched $DUCKDB but it is not at $DRIVER (another local repository? set MAVEN_REPOSITORY)" >&2; exit 1; }
fi

exec java -jar "$JAR" query --duckdb-jar="$DRIVER" "$@"
