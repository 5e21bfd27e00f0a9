#!/usr/bin/env bash
# Regenerates this fixture: an archive of layout version 1 (decimals as Avro bytes, arrays as text) written by
# the archiver at commit a3dc74e, with the ledger rows that describe it and a digest of every archived row.
#   git archive a3dc74e | tar -x -C /tmp/old && (cd /tmp/old && mvn -q package -DskipTests)
#   eval "$(scripts/postgres.sh)"; jobs/src/test/resources/layout-v1/generate.sh /tmp/old/jobs/target/pipeline-archiver.jar
# LayoutV1FixtureTest loads it (paths under @ROOT@) and checks it verifies, restores exactly, and rewrites.
set -euo pipefail
jar="$1"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../../.." && pwd)"
db="layout_v1_gen_$$"
root="$(mktemp -d)"
trap 'psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$root"' EXIT
psql -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
run() { psql -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
run -f "$repo/schema/source/backend.sql"
run <<'SQL'
WITH new_runs AS (
    INSERT INTO pipeline_runs (pipeline, symbol, status, started_at, finished_at)
    SELECT 'trading_analysis', (ARRAY['AAPL','MSFT','NVDA'])[1 + g], 'ok',
           timestamptz '2026-05-10T00:00:00Z' + g * interval '1 hour' - interval '3 minutes',
           timestamptz '2026-05-10T00:00:00Z' + g * interval '1 hour'
    FROM generate_series(0, 2) g RETURNING id
), new_steps AS (
    INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, output_json, duration_ms)
    SELECT r.id, s, 'agent_' || s, 'ok', json_build_object('run', r.id, 'seq', s)::text, NULL, r.id * 37 + s
    FROM new_runs r, generate_series(1, 2) s RETURNING id, run_id, seq
)
INSERT INTO llm_calls (run_id, step_id, model, cost_usd, status, request_json, created_at)
SELECT st.run_id, st.id, 'gpt-x', CASE st.id % 3 WHEN 0 THEN -0.000001 WHEN 1 THEN 123456.654321 ELSE 0 END, 'ok',
       jsonb_build_object('step', st.id), timestamptz '2026-05-09T00:00:00Z' + st.id * interval '1 second'
FROM new_steps st;
SQL
run -f "$here/all-types.sql"
run -At -c "COPY (SELECT 'pipeline_runs', id, md5(t::text) FROM pipeline_runs t UNION ALL
                  SELECT 'pipeline_steps', id, md5(t::text) FROM pipeline_steps t UNION ALL
                  SELECT 'llm_calls', id, md5(t::text) FROM llm_calls t UNION ALL
                  SELECT 'step_artifacts', id, md5(t::text) FROM step_artifacts t ORDER BY 1, 2) TO STDOUT" > "$here/rows.tsv"
SPRING_DATASOURCE_URL="jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$db" \
SPRING_DATASOURCE_USERNAME="${PGUSER:-postgres}" SPRING_DATASOURCE_PASSWORD="${PGPASSWORD:-}" \
ARCHIVER_OUTPUT_ROOT="file://$root" java -jar "$jar" archive --cutoff=2026-06-01T00:00:00Z
pg_dump --data-only --column-inserts --no-owner -d "$db" \
    -t archiver.archive_batch -t archiver.batch_run -t archiver.archive_file -t archiver.batch_stamps \
    -t archiver.batch_step_stats -t archiver.step_stats -t archiver.step_error_stats \
  | grep -v '^SET \|^SELECT pg_catalog.set_config\|^--\|^\\' | sed "s#file:$root#@ROOT@#g" | grep -v '^$' > "$here/ledger.sql"
rm -rf "$here/root" && cp -r "$root" "$here/root" && rm -rf "$here/root/_manifests"
