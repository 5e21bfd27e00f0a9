-- The backend's tables (owned and migrated by the backend with Alembic, NOT by the archiver).
-- This copy exists only for demos, tests and benchmarks. pipeline_steps is exactly the
-- backend's documented table; pipeline_runs and llm_calls are plausible stand-ins.
-- Unqualified names on purpose: objects land in the caller's search_path schema.
-- Idempotent-ish: re-running on an existing schema changes nothing.

CREATE TABLE IF NOT EXISTS pipeline_runs (
    id          serial       PRIMARY KEY,
    pipeline    varchar(50)  NOT NULL,
    symbol      varchar(20)  NOT NULL,
    status      varchar(10)  NOT NULL,           -- running | ok | error | cancelled
    started_at  timestamptz  NOT NULL DEFAULT now(),
    finished_at timestamptz  NULL,               -- NULL while running
    error       text         NULL
);
-- The archiver's plan query: finished statuses with finished_at < cutoff.
CREATE INDEX IF NOT EXISTS idx_pipeline_runs_status_finished
    ON pipeline_runs (status, finished_at);

-- Exactly as the backend's table doc: no CHECK on status (odd values exist in the wild),
-- payloads are text (not guaranteed valid JSON).
CREATE TABLE IF NOT EXISTS pipeline_steps (
    id          serial       PRIMARY KEY,
    run_id      integer      NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    seq         integer      NOT NULL,
    step_name   varchar(50)  NOT NULL,
    status      varchar(10)  NOT NULL,           -- ok | skip | error
    input_json  text         NULL,
    output_json text         NULL,
    error       text         NULL,
    duration_ms integer      NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_pipeline_steps_run ON pipeline_steps (run_id);

-- Second cascade path: deleting a run removes its calls both directly (run_id) and
-- through its steps (step_id); the archiver must archive this table before purging.
CREATE TABLE IF NOT EXISTS llm_calls (
    id                serial        PRIMARY KEY,
    run_id            integer       NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    step_id           integer       NULL     REFERENCES pipeline_steps (id) ON DELETE CASCADE,
    model             varchar(50)   NOT NULL,
    prompt_tokens     integer       NOT NULL DEFAULT 0,
    completion_tokens integer       NOT NULL DEFAULT 0,
    latency_ms        integer       NOT NULL DEFAULT 0,
    cost_usd          numeric(12,6) NOT NULL DEFAULT 0,
    status            varchar(10)   NOT NULL,
    error             text          NULL,
    request_json      jsonb         NULL,
    response_json     jsonb         NULL,
    created_at        timestamptz   NOT NULL DEFAULT now()
);
-- FK columns indexed so the cascade delete does not seq-scan llm_calls per run/step.
CREATE INDEX IF NOT EXISTS idx_llm_calls_run  ON llm_calls (run_id);
CREATE INDEX IF NOT EXISTS idx_llm_calls_step ON llm_calls (step_id);
