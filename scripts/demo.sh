#!/usr/bin/env bash
# Demo: a database of synthetic pipeline runs over the last 90 days, archived by the real job.
#   scripts/demo.sh                 20,000 runs in database pipeline_demo, archive under ./archive
#   DEMO_RUNS=200000 scripts/demo.sh
# The demo database is recreated from scratch each time; nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")/.."

DB="${DEMO_DATABASE:-pipeline_demo}"
RUNS="${DEMO_RUNS:-20000}"
ROOT="${ARCHIVER_OUTPUT_ROOT:-$PWD/archive}"
JAR=jobs/target/pipeline-archiver.jar
[[ "$DB" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { echo "demo: DEMO_DATABASE must be a plain lower-case name" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "demo: DEMO_RUNS must be a positive integer" >&2; exit 2; }

eval "$(scripts/postgres.sh)"

if [[ ! -f "$JAR" || -n "$(find jobs/src/main config schema/migration pom.xml jobs/pom.xml -newer "$JAR" -print -quit)" ]]; then
  echo "demo: building $JAR ..."
  mvn -B -q -ntp -DskipTests package
fi

echo "demo: creating database $DB with $RUNS synthetic runs over the last 90 days ..."
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
scripts/seed-source.sh "$DB" "$RUNS" >/dev/null
rm -rf "$ROOT"

q() { psql -X -At -d "$DB" -c "$1"; }
echo "demo: before: $(q "select count(*) from pipeline_runs") runs, $(q "select count(*) from pipeline_steps") steps, $(q "select count(*) from llm_calls") llm_calls"

# The JVM options of every launch of the job (cron, container, benchmark, tests): config/jvm.options,
# and MALLOC_ARENA_MAX=2 in its environment (fewer glibc malloc arenas: ~45 MiB less RSS, README "Performance").
# Run as the container image runs it: the jar unpacked (scripts/exploded.sh), started by Spring Boot's JarLauncher.
EXPLODED="$(scripts/exploded.sh "$JAR")"
echo "demo: MALLOC_ARENA_MAX=2 java @config/jvm.options -cp $EXPLODED org.springframework.boot.loader.launch.JarLauncher archive --older-than=30d   (options: $(scripts/jvm-options.sh))"
SPRING_DATASOURCE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" ARCHIVER_OUTPUT_ROOT="$ROOT" MALLOC_ARENA_MAX=2 \
  java @config/jvm.options -cp "$EXPLODED" org.springframework.boot.loader.launch.JarLauncher archive --older-than=30d

echo
echo "demo: after:  $(q "select count(*) from pipeline_runs") runs, $(q "select count(*) from pipeline_steps") steps, $(q "select count(*) from llm_calls") llm_calls left in PostgreSQL"
echo
echo "demo: archived, per dataset (from the ledger, schema archiver):"
psql -X -d "$DB" -c "select table_name as dataset, count(*) as files, sum(row_count) as rows,
                            pg_size_pretty(sum(byte_count)) as size
                     from archiver.archive_file group by 1 order by 1"
echo "demo: archive root $ROOT:"
find "$ROOT" -maxdepth 2 -type d | sort | head -n 8
echo "  ... $(find "$ROOT" -name '*.parquet' | wc -l) Parquet files, $(du -sh "$ROOT" | cut -f1) in all; manifest: $(ls "$ROOT"/_manifests)"
cat <<SQL

demo: an analyst's query over the archive (DuckDB):
  SELECT dt, step_name, count(*) AS steps,
         round(avg(duration_ms)) AS avg_ms,
         round(100.0 * count(*) FILTER (WHERE status = 'error') / count(*), 2) AS error_pct
  FROM read_parquet('$ROOT/pipeline_steps/*/*.parquet', hive_partitioning = true)
  GROUP BY ALL ORDER BY dt DESC, step_name LIMIT 10;
SQL
