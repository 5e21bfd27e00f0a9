#!/usr/bin/env bash
# Records which classes a real launch of the job loads, for the application class-data-sharing (CDS)
# archive that scripts/exploded.sh and config/Dockerfile build from it: a training launch of `archive`
# on a small generated database with -XX:DumpLoadedClassList, written to config/cds/classes.lst.
#
#   scripts/cds-classlist.sh        (needs PostgreSQL: scripts/postgres.sh; builds the jar if missing)
#
# The list is committed so that building the archive needs no database (a Docker build has none).
# Rerun it after changing dependencies or the job's code paths: a stale list only shares fewer classes
# (a slower start, never a different job), and CdsArchiveIT fails when the export's own classes are no
# longer shared. Lines the JDK's static dump cannot take are left out: '@lambda-proxy' lines crash
# OpenJDK 17.0.15's dump (SystemDictionaryShared::adjust_lambda_proxy_class_dictionary), and classes
# generated at run time have no class file to load.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=jobs/target/pipeline-archiver.jar
DB=pipeline_cds_training
LIST=config/cds/classes.lst

eval "$(scripts/postgres.sh)"
[[ -f "$JAR" ]] || mvn -B -q -ntp -DskipTests package
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
scripts/seed-source.sh "$DB" 3000 >/dev/null 2>&1
# the layout the archive is used with: the jar extracted, its libraries beside it (no launcher)
java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/app" >/dev/null
SPRING_DATASOURCE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" ARCHIVER_OUTPUT_ROOT="file://$WORK/archive" MALLOC_ARENA_MAX=2 \
  java @config/jvm.options -Xshare:off -XX:DumpLoadedClassList="$WORK/classes.lst" -jar "$WORK/app/pipeline-archiver.jar" \
  archive --older-than=30d >"$WORK/training.log" 2>&1 || { tail -n 20 "$WORK/training.log" >&2; echo "cds-classlist: the training launch failed" >&2; exit 1; }
grep -q ": COMPLETED" "$WORK/training.log" || { tail -n 5 "$WORK/training.log" >&2; echo "cds-classlist: the training launch did not complete" >&2; exit 1; }
{
  echo "# Classes loaded by a training launch of 'archive' (scripts/cds-classlist.sh, $(java -version 2>&1 | head -n 1))."
  echo "# Generated: rerun the script after changing dependencies; read by scripts/exploded.sh and config/Dockerfile."
  # classes generated at run time (proxies, JFR handlers, CGLIB subclasses) cannot be preloaded
  grep -v -e '^#' -e '@lambda-proxy' -e '\$Proxy[0-9]' -e '^jdk/jfr/internal/handlers/' -e '\$\$SpringCGLIB\$\$' "$WORK/classes.lst"
} >"$LIST"
echo "cds-classlist: $LIST: $(grep -vc '^#' "$LIST") classes"
