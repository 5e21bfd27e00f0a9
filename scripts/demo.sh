#!/usr/bin/env bash
# Demo: a database of synthetic pipeline runs over the last 90 days, archived by the real job.
#   scripts/demo.sh                 20,000 runs in database pipeline_demo, archive under ./archive
#   DEMO_RUNS=200000 scripts/demo.sh
#   DEMO_DATABASE=other ARCHIVER_OUTPUT_ROOT=/tmp/archive scripts/demo.sh
#   PIPELINE_ARCHIVER_JAR=<jar> scripts/demo.sh    that jar, never a build (the tests' DemoIT)
#   scripts/demo.sh --s3            the archive in a bucket of a local S3 server (s3proxy on 127.0.0.1 with
#                                   the demo's public keys), left running so that the printed commands work
# The demo database and the archive root are recreated from scratch each time; nothing else is touched.
# It ends by printing where the archive is and two commands that query it (scripts/check-demo.sh runs them).
#
# No pipeline here may end early under pipefail (a reader that stops reading, like head or grep -q, kills
# its writer with SIGPIPE and fails the demo at random): every reader reads its input to the end.
set -euo pipefail
cd "$(dirname "$0")/.."

S3=false
case "${1:-}" in
  "") ;;
  --s3) S3=true ;;
  *) echo "usage: scripts/demo.sh [--s3]" >&2; exit 2 ;;
esac

DB="${DEMO_DATABASE:-pipeline_demo}"
RUNS="${DEMO_RUNS:-20000}"
ROOT="${ARCHIVER_OUTPUT_ROOT:-$PWD/archive}"
JAR="${PIPELINE_ARCHIVER_JAR:-jobs/target/pipeline-archiver.jar}"
[[ "$DB" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { echo "demo: DEMO_DATABASE must be a plain lower-case name" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "demo: DEMO_RUNS must be a positive integer" >&2; exit 2; }
[[ "$ROOT" != *"'"* && "$ROOT" != *'"'* ]] || { echo "demo: the archive root may not contain quotes" >&2; exit 2; }
[[ "$ROOT" == /* ]] || ROOT="$PWD/$ROOT"

eval "$(scripts/postgres.sh)"

# Quiet, and without the colour codes Maven 3.8 writes even in batch mode: its output is kept in a file
# and shown (plain) only when the build fails.
build() {
  local log
  log="$(mktemp)"
  if ! mvn -B -q -ntp -Dstyle.color=never -DskipTests package >"$log" 2>&1; then
    sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log" >&2
    rm -f "$log"
    echo "demo: the build failed (output above)" >&2
    exit 1
  fi
  rm -f "$log"
}
if [[ -n "${PIPELINE_ARCHIVER_JAR:-}" ]]; then
  [[ -f "$JAR" ]] || { echo "demo: $JAR does not exist" >&2; exit 2; }
elif [[ ! -f "$JAR" || -n "$(find jobs/src/main config schema/migration pom.xml jobs/pom.xml -newer "$JAR" -print -quit)" ]]; then
  echo "demo: building $JAR ..."
  build
fi

# --s3: a real S3-protocol server on 127.0.0.1 (s3proxy, the one the tests use; its file-system backend
# keeps each object as a plain file under $S3_DIR/<bucket>/), and the job told about it only through the
# AWS SDK's standard variables, as in production. Its keys are the demo's, public like MinIO's defaults:
# it listens on the loopback interface only.
LOCAL_VIEW="$ROOT"
S3_ENV=""
if $S3; then
  S3_JAR=jobs/target/s3proxy/s3proxy.jar
  if [[ ! -f "$S3_JAR" ]]; then
    mvn -B -q -ntp dependency:copy -Dartifact=org.gaul:s3proxy:2.6.0:jar:jar-with-dependencies \
      -DoutputDirectory=jobs/target/s3proxy >/dev/null 2>&1 || true
    mv -f jobs/target/s3proxy/s3proxy-2.6.0-jar-with-dependencies.jar "$S3_JAR" 2>/dev/null || true
    [[ -f "$S3_JAR" ]] || { echo "demo: cannot get s3proxy (org.gaul:s3proxy:2.6.0) through Maven" >&2; exit 1; }
  fi
  S3_DIR="$PWD/archive-s3"
  rm -rf "$S3_DIR"
  mkdir -p "$S3_DIR/demo-archive"
  S3_PORT=18091
  while (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null; do S3_PORT=$((S3_PORT + 1)); done
  export AWS_ACCESS_KEY_ID=demo-access AWS_SECRET_ACCESS_KEY=demo-secret
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$S3_PORT" AWS_REGION=us-east-1
  S3_ENV="AWS_ACCESS_KEY_ID=demo-access AWS_SECRET_ACCESS_KEY=demo-secret AWS_ENDPOINT_URL_S3=$AWS_ENDPOINT_URL_S3 AWS_REGION=us-east-1 "
  cat >"$S3_DIR.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem-nio2
jclouds.identity=$AWS_ACCESS_KEY_ID
jclouds.credential=$AWS_SECRET_ACCESS_KEY
jclouds.filesystem.basedir=$S3_DIR
PROPS
  java -Xmx256m -jar "$S3_JAR" --properties "$S3_DIR.properties" >"$S3_DIR.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null; then break; fi
    kill -0 "$S3_PID" 2>/dev/null || { echo "demo: s3proxy did not start (see $S3_DIR.log)" >&2; exit 1; }
    sleep 0.1
  done
  ROOT="s3://demo-archive/pipelines"
  LOCAL_VIEW="$S3_DIR/demo-archive/pipelines"
  echo "demo: S3 server (s3proxy) at $AWS_ENDPOINT_URL_S3, pid $S3_PID; archive root $ROOT"
fi

echo "demo: creating database $DB with $RUNS synthetic runs over the last 90 days ..."
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
scripts/seed-source.sh "$DB" "$RUNS" >/dev/null
$S3 || rm -rf "$ROOT"

q() { psql -X -At -d "$DB" -c "$1"; }
echo "demo: before: $(q "select count(*) from pipeline_runs") runs, $(q "select count(*) from pipeline_steps") steps, $(q "select count(*) from llm_calls") llm_calls"

# The run the demo shows at the end: an old finished run with a failed step and LLM calls, if there is one.
CUTOFF_SQL="date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '30 days'"
SHOWN="$(q "select r.id from pipeline_runs r
            where r.status in ('ok','error','cancelled') and r.finished_at < $CUTOFF_SQL
              and exists (select 1 from pipeline_steps s where s.run_id = r.id and s.status = 'error')
              and exists (select 1 from llm_calls c where c.run_id = r.id)
            order by r.id limit 1")"

# The JVM options of every launch of the job (cron, container, benchmark, tests): config/jvm.options,
# and MALLOC_ARENA_MAX=2 in its environment (fewer glibc malloc arenas: less RSS, docs/decisions/0011-jvm-options.md).
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

if [[ -z "$SHOWN" || "$(q "select count(*) from archiver.batch_run where run_id = $SHOWN and state = 'purged'")" != 1 ]]; then
  SHOWN="$(q "select coalesce(min(run_id), 0) from archiver.batch_run where state = 'purged'")"
fi
DATASETS=()
for dir in "$LOCAL_VIEW"/*/; do
  name="$(basename "$dir")"
  [[ "$name" == _* ]] || DATASETS+=("$name")
done
FILES="$(find "$LOCAL_VIEW" -name '*.parquet' -type f | wc -l)"
SIZE="$(du -sh "$LOCAL_VIEW" | cut -f1)"
MANIFESTS=("$LOCAL_VIEW"/_manifests/*.json)

cat <<EOF
demo: the archive is $ROOT
        datasets: ${DATASETS[*]} (Hive-partitioned: <dataset>/dt=YYYY-MM-DD/*.parquet)
        $FILES Parquet files, $SIZE in all; manifest: ${MANIFESTS[*]#"$LOCAL_VIEW/"}

demo: query it with nothing but Java (README, "Querying the archive"):
  one archived run ($SHOWN), its steps and LLM calls, found through the ledger:
    eval "\$(scripts/postgres.sh)" && ${S3_ENV}ARCHIVER_OUTPUT_ROOT='$ROOT' SPRING_DATASOURCE_URL=jdbc:postgresql://$PGHOST:$PGPORT/$DB java -jar $JAR show-run $SHOWN
  SQL over the archive in an embedded DuckDB (fetched through Maven on first use), views already defined:
    scripts/query.sh --root='$LOCAL_VIEW' "SELECT step_name, count(*) AS steps, round(avg(duration_ms)) AS avg_ms, round(100.0 * count(*) FILTER (WHERE status = 'error') / count(*), 2) AS error_pct FROM pipeline_steps GROUP BY ALL ORDER BY step_name"
EOF

if $S3; then
  cat <<EOF

demo: the objects are in the bucket s3://demo-archive of the S3 server above; its files are under
  $LOCAL_VIEW (what the SQL above reads). DuckDB's httpfs, Athena, Spark and
  ClickHouse over a bucket: docs/object-storage.md. The server keeps running for show-run; stop it
  with: kill $S3_PID
EOF
fi
