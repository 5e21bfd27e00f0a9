package dev.pipelinearchiver.interop;

import java.sql.SQLException;

/**
 * The backend data the interoperability tests archive: runs with steps and LLM calls as the jobs module's
 * SourceFixture builds them (payloads vary, so every row is distinct), steps with payloads large enough that
 * a day's pipeline_steps file holds several row groups at a small row-group size, and the all-types table of
 * the jobs module's ArchiveJobTest (step_artifacts, two cascades away from the runs), with NULLs and odd values.
 */
final class InteropData {

    private InteropData() {}

    static void load(SourceDatabase db) throws SQLException {
        runs(db, 400, "ok", "2026-05-20T00:00:00Z", 150, 6); // one day (dt=2026-05-20), one batch
        runs(db, 30, "error", "2026-05-21T00:00:00Z", 600, 3);
        runs(db, 3, "cancelled", "2026-05-22T00:00:00Z", 3_600, 3);
        // ~1 KB of distinct, poorly compressible text per step: several 1 MiB row groups in a day's file
        db.execute("""
                UPDATE pipeline_steps SET output_json = json_build_object('answer',
                    (SELECT string_agg(md5(id::text || '/' || g), ' ') FROM generate_series(1, 30) g))::text
                WHERE output_json IS NOT NULL""");
        allTypes(db);
    }

    /** As the jobs module's SourceFixture.runs: {@code count} runs finished from {@code first}, spaced. */
    private static void runs(SourceDatabase db, int count, String status, String first, long spacing, int steps)
            throws SQLException {
        String finished = "timestamptz '" + first + "' + (g * " + spacing + ") * interval '1 second'";
        db.execute("""
                WITH new_runs AS (
                    INSERT INTO pipeline_runs (pipeline, symbol, status, started_at, finished_at, error)
                    SELECT 'trading_analysis', (ARRAY['AAPL','MSFT','NVDA','BTC-USD'])[1 + g %% 4], '%1$s',
                           %2$s - interval '3 minutes', %2$s,
                           CASE WHEN '%1$s' = 'error' THEN 'run failed: step ' || g ELSE NULL END
                    FROM generate_series(0, %3$d - 1) g
                    RETURNING id
                ), new_steps AS (
                    INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, output_json, error, duration_ms)
                    SELECT r.id, s, (ARRAY['indicator_agent','trend_agent','risk_agent','report_agent'])[1 + s %% 4],
                           CASE WHEN (r.id + s) %% 11 = 0 THEN 'error' WHEN (r.id + s) %% 13 = 0 THEN 'skip' ELSE 'ok' END,
                           json_build_object('run', r.id, 'seq', s, 'prompt', repeat('analyse ' || r.id, 1 + s %% 5))::text,
                           CASE WHEN s %% 7 = 0 THEN NULL ELSE json_build_object('answer', md5(r.id::text || s))::text END,
                           CASE WHEN (r.id + s) %% 11 = 0 THEN 'TimeoutError: model timed out after ' || (r.id * 7 + s) || ' ms' END,
                           (r.id * 37 + s * 101) %% 5000
                    FROM new_runs r, generate_series(1, %4$d) s
                    RETURNING id, run_id, seq
                )
                INSERT INTO llm_calls (run_id, step_id, model, prompt_tokens, completion_tokens, latency_ms, cost_usd, status,
                                       request_json, response_json, created_at)
                SELECT st.run_id, st.id, 'gpt-x', st.seq * 10, st.seq * 3, st.seq * 100, round((st.id %% 1000) * 0.000137, 6), 'ok',
                       jsonb_build_object('messages', jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'step ' || st.id))),
                       CASE WHEN st.seq %% 3 = 0 THEN NULL ELSE jsonb_build_object('content', 'done ' || st.id) END,
                       timestamptz '2026-01-01T00:00:00Z' + st.id * interval '1 second'
                FROM new_steps st WHERE st.seq %% 2 = 1
                """.formatted(status, finished, count, steps));
    }

    /**
     * step_artifacts as in ArchiveJobTest (every column type the archive maps), plus an int[] column; per step
     * of seq 1 ordinary odd values, of seq 2 all NULLs, of seq 3 the types' extremes.
     */
    private static void allTypes(SourceDatabase db) throws SQLException {
        db.execute("""
                CREATE TYPE mood AS ENUM ('calm', 'nervous');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), ratio numeric, big numeric(50,10), ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], counts integer[], feeling mood, took interval, code char(5), rank positive_int,
                    "Odd Name" text);
                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, ratio, big, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, counts, feeling, took, code, rank, "Odd Name")
                SELECT s.id, -32768, 9223372036854775807, 1.5, 2.718281828459045, -1234567.891, 1.50,
                       12345678901234567890.0123456789, true, '1999-12-31', '2026-05-10 12:34:56.789012',
                       '2026-05-10T12:34:56.789012+02:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10',
                       '{"k": [1, {"n": null}]}', '{"keep":  "spacing"}', ARRAY['a', 'b c', NULL, '', 'NULL', 'q"uote'],
                       ARRAY[1, NULL, -7], 'nervous', '1 day 02:03:04', 'ab', 7, 'x' || s.run_id
                FROM pipeline_steps s WHERE s.seq = 1 AND s.run_id IN (SELECT id FROM pipeline_runs WHERE status <> 'ok');
                INSERT INTO step_artifacts (step_id)
                SELECT s.id FROM pipeline_steps s WHERE s.seq = 2 AND s.run_id IN (SELECT id FROM pipeline_runs WHERE status <> 'ok');
                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, ratio, big, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, counts, feeling, took, code, rank, "Odd Name")
                SELECT s.id, 32767, -9223372036854775808, -3.4e38, -1e-300, 9999999.999, -0.0000001,
                       -9999999999999999999999999999999999999999.9999999999, false, '0001-01-01', '9999-12-31 23:59:59.999999',
                       '1970-01-01T00:00:00Z', '00000000-0000-0000-0000-000000000000', '\\x', '{}', '[]', ARRAY[]::text[],
                       ARRAY[2147483647], 'calm', '-3 mons -00:00:01.5', 'éèñ', 2147483647, 'モデル 💥 ' || s.run_id
                FROM pipeline_steps s WHERE s.seq = 3 AND s.run_id IN (SELECT id FROM pipeline_runs WHERE status <> 'ok');
                """);
    }
}
