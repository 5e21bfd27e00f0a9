-- Synthetic data for the backend tables of backend.sql (demo, tests, benchmarks).
--
--   psql -v runs=200000 [-v seed=42] -f schema/source/generate.sql
--
-- Benchmark shape (keep it): runs uniform over the last 90 days, 95 % finished
-- (ok 88 %, error 5 %, cancelled 2 %), 5 % running (mostly started in the last day);
-- 5..11 steps per run (mean 8); ~0.49 llm_calls per step; JSON payloads of 200..800 bytes.
--
-- Set-based only: one INSERT ... SELECT per table. Building each payload from random words
-- (string_agg per row) would cost ~80 random() calls per payload and minutes in total, so a
-- "prose pool" of random tokens is built once: per statement it becomes one in-memory bytea
-- plus an int[] of token offsets, and every payload is a random token-aligned slice of it.
-- bytea substring and int[] subscripts are O(1); text substr in UTF-8 is O(offset), and a
-- pool stored in a table would be TOASTed and sliced from disk -- hence the CTE per statement.
-- Appends to non-empty tables too: only runs created by this script get steps and calls.
-- Deterministic for a given seed (random() is never run in parallel, row order is fixed);
-- timestamps are relative to now().

\set ON_ERROR_STOP on
\if :{?runs}
\else
  -- an error (not \quit) so that callers using ON_ERROR_STOP see a non-zero exit code
  DO $$ BEGIN RAISE EXCEPTION 'generate.sql: set the number of runs: psql -v runs=200000 -f generate.sql'; END $$;
\endif
\if :{?seed}
\else
  \set seed 42
\endif
\timing on
-- Tokens in the prose pool (~7 bytes each): large enough that two payloads rarely share a
-- slice inside one Parquet page, so archived payloads do not compress absurdly well;
-- smaller for small runs counts, where building it would dominate (tests).
SELECT least(2000000, greatest(100000, (:runs)::bigint * 10)) AS pool_tokens \gset

-- setseed wants [-1, 1]; map any integer seed into it.
SELECT setseed(((:seed)::bigint % 1000003) / 1000003.0);
SELECT coalesce(max(id), 0) AS run_id0 FROM pipeline_runs \gset
SELECT coalesce(max(id), 0) AS step_id0 FROM pipeline_steps \gset

SELECT rolsuper AS is_superuser FROM pg_roles WHERE rolname = current_user \gset

BEGIN;
-- The prose pool (~30 MB with its offsets) and its sort must stay in memory.
SET LOCAL work_mem = '256MB';
\if :is_superuser
  -- The rows are consistent by construction; skipping the per-row FK checks (3.9 M trigger
  -- queries at 200k runs) saves ~30 % of the time. Superuser-only, reverts at COMMIT.
  SET LOCAL session_replication_role = replica;
\endif

-- Vocabulary: market-analysis words, some non-ASCII (payloads must round-trip Unicode),
-- plus random numbers and sentence ends so that the prose has realistic entropy.
CREATE TEMP TABLE gen_tok ON COMMIT DROP AS
SELECT i, convert_to(CASE WHEN u < 0.10 THEN to_char(u2 * 1000, 'FM9990.00')
                          WHEN u < 0.14 THEN initcap(v[1 + floor(u2 * cardinality(v))::int]) || '.'
                          ELSE v[1 + floor(u2 * cardinality(v))::int] END || ' ', 'UTF8') AS b
FROM (SELECT i, random() AS u, random() AS u2 FROM generate_series(1, :pool_tokens) i OFFSET 0) g,
     (SELECT string_to_array(
        'the a of to and in on for with by from at as is are was be has have not no but or if '
        'than then while after before since over under above below between across during price '
        'prices close open high low volume trend trends momentum signal signals bullish bearish '
        'neutral breakout support resistance moving average rsi macd bollinger band bands '
        'volatility implied realized drawdown exposure position positions hedge risk reward ratio '
        'sharpe beta alpha correlation sector index futures options yield yields curve spread '
        'spreads rate rates inflation cpi payrolls guidance earnings revenue margin margins '
        'outlook estimate consensus analyst analysts upgrade downgrade target valuation multiple '
        'cash flow debt buyback dividend quarter quarterly annual fiscal growth slowdown recovery '
        'rally selloff rebound pullback correction consolidation liquidity demand supply shipment '
        'chips datacenter cloud advertising consumer retail energy oil gas gold bitcoin ether '
        'stablecoin regulator fed ecb tariff headline headlines report reports article sources '
        'according said says expects expected remains remained suggests suggest indicates '
        'indicate confirms confirm weakens strengthens holds holding crossed crosses short-term '
        'long-term intraday weekly daily session premarket after-hours gap gaps fill filled spike '
        'divergence overbought oversold accumulation distribution score confidence weight weights '
        'allocation rebalance reduce increase maintain overweight underweight stop loss take '
        'profit entry exit scenario base bull bear case probability uncertainty model view '
        'summary rationale evidence because however therefore moreover meanwhile overall likely '
        'unlikely modest strong weak sharp mild steady elevated muted robust fragile naïve café '
        'Zürich São Paulo Tōkyō €uro déjà vu', ' ') AS v) vocab;

-- Runs, inserted in started_at order so that ids grow with time as in the real backend.
INSERT INTO pipeline_runs (pipeline, symbol, status, started_at, finished_at, error)
SELECT pipeline, symbol, status, started_at,
       CASE WHEN status <> 'running' THEN started_at + make_interval(secs => 5 + u_len * 595) END,
       CASE status
         WHEN 'error' THEN format('PipelineError: step %s failed after %s attempts: %s',
              (ARRAY['indicator_agent','trend_agent','sentiment_agent','news_agent','risk_agent',
                     'portfolio_agent','critic_agent'])[1 + floor(u_err * 7)::int],
              1 + floor(u_err * 1000)::int % 3,
              (ARRAY['TimeoutError: upstream model timed out',
                     'RateLimitError: provider returned 429 Too Many Requests',
                     'ValidationError: model output is not valid JSON',
                     'ConnectionError: connection reset by peer'])[1 + floor(u_err * 10000)::int % 4])
         WHEN 'cancelled' THEN CASE WHEN u_err < 0.5 THEN 'CancelledError: run cancelled by operator'
                                    ELSE 'CancelledError: worker shutdown (SIGTERM)' END
       END
FROM (
    SELECT (ARRAY['trading_analysis','news_digest','risk_report','portfolio_rebalance',
                  'earnings_preview'])[1 + floor(random() * 5)::int] AS pipeline,
           (ARRAY['AAPL','MSFT','NVDA','AMZN','GOOGL','META','TSLA','AMD','NFLX','JPM','V','XOM',
                  'BRK-B','SPY','QQQ','BTC-USD','ETH-USD','SOL-USD','EURUSD=X','GC=F'])
               [1 + floor(random() * 20)::int] AS symbol,
           status,
           CASE WHEN status = 'running' AND u_run < 0.8
                THEN now() - u_start * interval '1 day'                         -- in flight
                ELSE now() - interval '10 minutes' - u_start * interval '90 days' -- (or stuck)
           END AS started_at,
           u_len, u_err
    FROM (SELECT CASE WHEN u < 0.88 THEN 'ok' WHEN u < 0.93 THEN 'error'
                      WHEN u < 0.95 THEN 'cancelled' ELSE 'running' END AS status,
                 random() AS u_run, random() AS u_start, random() AS u_len, random() AS u_err
          FROM (SELECT random() AS u FROM generate_series(1, :runs) OFFSET 0) x OFFSET 0) s
) r
ORDER BY started_at;

-- Steps: k = 5..11 per run via a lateral generate_series; the last step is report_agent,
-- so core agents appear in every run and the optional ones less often (skewed stats).
INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, output_json, error, duration_ms)
WITH pool AS MATERIALIZED (
    -- offs[i] = 1-based byte offset of token i; tokens p..p+n-1 are
    -- substring(blob FROM offs[p] FOR offs[p+n] - offs[p] - 1) (minus the trailing space).
    SELECT string_agg(b, ''::bytea ORDER BY i) AS blob, array_agg(1 + o ORDER BY i) AS offs
    FROM (SELECT i, b, (coalesce(sum(octet_length(b)) OVER (ORDER BY i) - octet_length(b), 0))::int AS o
          FROM gen_tok) t
)
SELECT run_id, seq, step_name, status,
       -- Valid JSON objects: the prose has no quotes or backslashes, plain format() suffices.
       format('{"run_id": %s, "symbol": "%s", "agent": "%s", "window": %s, "context": "%s"}',
              run_id, symbol, step_name, 5 + floor(u_dur * 1000)::int % 60,
              convert_from(substring((SELECT blob FROM pool) FROM (SELECT offs FROM pool)[p1]
                  FOR (SELECT offs FROM pool)[p1 + n1] - (SELECT offs FROM pool)[p1] - 1), 'UTF8')),
       CASE WHEN status = 'ok' THEN
       format('{"signal": "%s", "confidence": %s, "summary": "%s"}',
              (ARRAY['buy','sell','hold','neutral'])[1 + floor(u_dur * 1000)::int % 4],
              round(u_d2::numeric, 3),
              convert_from(substring((SELECT blob FROM pool) FROM (SELECT offs FROM pool)[p2]
                  FOR (SELECT offs FROM pool)[p2 + n2] - (SELECT offs FROM pool)[p2] - 1), 'UTF8'))
       END,
       CASE WHEN status = 'error' THEN
       CASE floor(u_err * 5)::int
         WHEN 0 THEN format('TimeoutError: upstream model timed out after %s ms (request %s)',
                            (ARRAY[30000, 60000, 120000])[1 + floor(u_err * 1000)::int % 3],
                            substr(md5(u_err::text), 1, 12))
         WHEN 1 THEN format('RateLimitError: 429 Too Many Requests (retry after %s s, request %s)',
                            1 + floor(u_err * 100000)::int % 60, substr(md5(u_err::text), 1, 12))
         WHEN 2 THEN 'ValidationError: model output is not valid JSON'
         WHEN 3 THEN format('KeyError: ''%s''', (ARRAY['close','volume','signal','headlines'])
                            [1 + floor(u_err * 1000)::int % 4])
         ELSE 'ConnectionError: connection reset by peer'
       END END,
       CASE WHEN status = 'skip' THEN floor(u_dur * 5)::int
            -- log-normal-ish 50..20000 ms (median ~1 s): exp of a mean of 3 uniforms
            ELSE round(exp(ln(50) + ln(400) * (u_dur + u_d2 + u_d3) / 3))::int END
FROM (
    SELECT r.id AS run_id, r.symbol, g.seq,
           CASE WHEN g.seq = r.k THEN 'report_agent'
                ELSE (ARRAY['indicator_agent','trend_agent','sentiment_agent','news_agent',
                            'risk_agent','fundamentals_agent','macro_agent','volatility_agent',
                            'portfolio_agent','critic_agent'])[g.seq] END AS step_name,
           CASE WHEN u < 0.93 THEN 'ok' WHEN u < 0.96 THEN 'skip' ELSE 'error' END AS status,
           u_err, u_dur, u_d2, u_d3, p1, n1, p2, n2
    FROM (SELECT id, symbol, 5 + floor(random() * 7)::int AS k
          FROM pipeline_runs WHERE id > :run_id0 ORDER BY id OFFSET 0) r
    CROSS JOIN LATERAL (
        SELECT seq, random() AS u, random() AS u_err, random() AS u_dur, random() AS u_d2,
               random() AS u_d3,
               -- slice start and length in tokens: ~25..85 tokens -> 200..800 bytes of JSON
               1 + floor(random() * (:pool_tokens - 100))::int AS p1, 25 + floor(random() * 60)::int AS n1,
               1 + floor(random() * (:pool_tokens - 100))::int AS p2, 27 + floor(random() * 63)::int AS n2
        FROM generate_series(1, r.k) seq
    ) g
    OFFSET 0
) s;

-- LLM calls: 0, 1 or 2 per non-skipped step (mean 0.505 -> ~0.49 per step overall),
-- created during their run, cost = tokens x the model's (input, output) price per 1M tokens.
INSERT INTO llm_calls (run_id, step_id, model, prompt_tokens, completion_tokens, latency_ms,
                       cost_usd, status, error, request_json, response_json, created_at)
WITH pool AS MATERIALIZED (
    SELECT string_agg(b, ''::bytea ORDER BY i) AS blob, array_agg(1 + o ORDER BY i) AS offs
    FROM (SELECT i, b, (coalesce(sum(octet_length(b)) OVER (ORDER BY i) - octet_length(b), 0))::int AS o
          FROM gen_tok) t
)
SELECT run_id, step_id, model, prompt_tokens, completion_tokens,
       CASE WHEN status = 'ok' THEN 100 + completion_tokens * (2 + floor(u_lat * 10)::int)
            ELSE 500 + floor(u_lat * 30000)::int END,
       round(prompt_tokens * (ARRAY[2.5, 0.15, 3.0, 0.8, 0.88, 2.0])[m] / 1e6
             + completion_tokens * (ARRAY[10.0, 0.6, 15.0, 4.0, 0.88, 6.0])[m] / 1e6, 6),
       status,
       CASE WHEN status = 'error' THEN
         CASE WHEN u_lat < 0.5 THEN format('TimeoutError: upstream model timed out after %s ms (request %s)',
                                           (ARRAY[30000, 60000, 120000])[1 + floor(u_lat * 1000)::int % 3], rid)
              WHEN u_lat < 0.8 THEN format('RateLimitError: 429 Too Many Requests (retry after %s s, request %s)',
                                           1 + floor(u_lat * 100000)::int % 60, rid)
              ELSE format('APIError: 503 Service Unavailable (request %s)', rid) END
       END,
       format('{"model": "%s", "temperature": %s, "max_tokens": %s, "messages": [{"role": "system", '
              '"content": "You are the %s of a trading desk."}, {"role": "user", "content": "%s"}]}',
              model, round((u_lat * 10)::numeric % 1, 1), (ARRAY[512, 1024, 2048, 4096])[1 + floor(u_lat * 100)::int % 4],
              step_name,
              convert_from(substring((SELECT blob FROM pool) FROM (SELECT offs FROM pool)[p1]
                  FOR (SELECT offs FROM pool)[p1 + n1] - (SELECT offs FROM pool)[p1] - 1), 'UTF8'))::jsonb,
       CASE WHEN status = 'ok' THEN
       format('{"id": "chatcmpl-%s", "object": "chat.completion", "choices": [{"index": 0, '
              '"finish_reason": "stop", "message": {"role": "assistant", "content": "%s"}}], '
              '"usage": {"prompt_tokens": %s, "completion_tokens": %s}}',
              rid, convert_from(substring((SELECT blob FROM pool) FROM (SELECT offs FROM pool)[p2]
                  FOR (SELECT offs FROM pool)[p2 + n2] - (SELECT offs FROM pool)[p2] - 1), 'UTF8'),
              prompt_tokens, completion_tokens)::jsonb
       END,
       started_at + (fin - started_at) * least(1.0, (seq - 1 + u_at) / 11.0)
FROM (
    SELECT c.*, (ARRAY['gpt-4o','gpt-4o-mini','claude-3-5-sonnet','claude-3-5-haiku',
                       'llama-3.1-70b-instruct','mistral-large'])[m] AS model,
           CASE WHEN status = 'ok' THEN 20 + floor(u_tok * u_tok * 1500)::int ELSE 0 END AS completion_tokens
    FROM (
        SELECT s.id AS step_id, s.run_id, s.seq, s.step_name, s.started_at, s.fin,
               CASE WHEN u_st < 0.05 OR (s.status = 'error' AND u_st < 0.5) THEN 'error' ELSE 'ok' END AS status,
               1 + floor(u_m * 6)::int AS m, 200 + floor(u_pt * u_pt * 6000)::int AS prompt_tokens,
               u_tok, u_lat, u_at, substr(md5(u_lat::text), 1, 24) AS rid, p1, n1, p2, n2
        FROM (SELECT s0.id, s0.run_id, s0.seq, s0.step_name, s0.status, r.started_at,
                     coalesce(r.finished_at, now()) AS fin,
                     CASE WHEN s0.status = 'skip' OR u < 0.57 THEN 0 WHEN u < 0.925 THEN 1 ELSE 2 END AS ncalls
              FROM (SELECT id, run_id, seq, step_name, status, random() AS u
                    FROM pipeline_steps WHERE id > :step_id0 ORDER BY id OFFSET 0) s0
              JOIN pipeline_runs r ON r.id = s0.run_id
              ORDER BY s0.id   -- pins the order random() is drawn in below, whatever the join
              OFFSET 0) s
        CROSS JOIN LATERAL (
            SELECT random() AS u_st, random() AS u_m, random() AS u_pt, random() AS u_tok,
                   random() AS u_lat, random() AS u_at,
                   1 + floor(random() * (:pool_tokens - 100))::int AS p1, 15 + floor(random() * 57)::int AS n1,
                   1 + floor(random() * (:pool_tokens - 100))::int AS p2, 10 + floor(random() * 57)::int AS n2
            FROM generate_series(1, s.ncalls)
        ) g
        OFFSET 0
    ) c
    OFFSET 0
) x;

COMMIT;
ANALYZE pipeline_runs;
ANALYZE pipeline_steps;
ANALYZE llm_calls;
