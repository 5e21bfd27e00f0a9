package dev.pipelinearchiver.support;

import java.time.Instant;

/**
 * Builds backend data for tests with set-based SQL: runs with steps and LLM calls whose payloads vary,
 * so that every row is distinct.
 */
public final class SourceFixture {

    private final TestDatabase db;

    public SourceFixture(TestDatabase db) {
        this.db = db;
    }

    /**
     * Inserts {@code count} runs with the given status, finished at {@code firstFinished} + i × spacing
     * (or unfinished when {@code firstFinished} is null), each with {@code steps} steps and one LLM call
     * per step with an odd seq.
     */
    public void runs(int count, String status, Instant firstFinished, long spacingSeconds, int steps) {
        String finished = firstFinished == null
                ? "NULL"
                : "timestamptz '" + firstFinished + "' + (g * " + spacingSeconds + ") * interval '1 second'";
        db.execute("""
                WITH new_runs AS (
                    INSERT INTO pipeline_runs (pipeline, symbol, status, started_at, finished_at, error)
                    SELECT 'trading_analysis', (ARRAY['AAPL','MSFT','NVDA','BTC-USD'])[1 + g %% 4], '%1$s',
                           coalesce(%2$s, now()) - interval '3 minutes', %2$s,
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
}
