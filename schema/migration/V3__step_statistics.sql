-- Per-step statistics that outlive the raw rows (issue: statistics per day and step_name).
-- A batch's contribution is saved at export and merged into the daily figures exactly once: in the
-- transaction that marks the batch PURGED. Histograms (HdrHistogram, compressed) are kept beside
-- the figures so that later launches, reruns and shards merge into the same percentiles.

ALTER TABLE archive_batch ADD COLUMN stats_written_at TIMESTAMPTZ;  -- its day's step_stats file rewritten

CREATE TABLE batch_step_stats (
    batch_id          BIGINT       NOT NULL REFERENCES archive_batch (batch_id),
    step_name         VARCHAR(200) NOT NULL,
    calls             BIGINT       NOT NULL,
    ok                BIGINT       NOT NULL,
    skipped           BIGINT       NOT NULL,
    errors            BIGINT       NOT NULL,
    other_status      BIGINT       NOT NULL,   -- statuses other than ok | skip | error
    invalid_durations BIGINT       NOT NULL,   -- negative or over a day: counted, kept out of the histogram
    duration_total    BIGINT       NOT NULL,
    duration_min      BIGINT,                  -- exact, over valid durations (NULL: none)
    duration_max      BIGINT,
    histogram         BYTEA        NOT NULL,
    error_patterns    JSONB        NOT NULL,   -- [{"pattern", "count", "example"}]
    PRIMARY KEY (batch_id, step_name)
);

CREATE TABLE step_stats (
    dt                 DATE             NOT NULL,   -- the runs' finished date (UTC)
    step_name          VARCHAR(200)     NOT NULL,
    calls              BIGINT           NOT NULL,
    ok                 BIGINT           NOT NULL,
    skipped            BIGINT           NOT NULL,
    errors             BIGINT           NOT NULL,
    other_status       BIGINT           NOT NULL,
    error_rate         DOUBLE PRECISION NOT NULL,   -- errors / calls
    duration_ms_min    BIGINT,
    duration_ms_mean   DOUBLE PRECISION,
    duration_ms_max    BIGINT,
    duration_ms_p50    BIGINT,
    duration_ms_p90    BIGINT,
    duration_ms_p95    BIGINT,
    duration_ms_p99    BIGINT,
    duration_ms_total  BIGINT           NOT NULL,
    invalid_durations  BIGINT           NOT NULL,
    histogram          BYTEA            NOT NULL,
    updated_at         TIMESTAMPTZ      NOT NULL DEFAULT now(),
    PRIMARY KEY (dt, step_name)
);
CREATE INDEX step_stats_step_idx ON step_stats (step_name, dt);

CREATE TABLE step_error_stats (
    dt        DATE         NOT NULL,
    step_name VARCHAR(200) NOT NULL,
    pattern   TEXT         NOT NULL,   -- the message with numbers, ids, UUIDs and timestamps masked
    count     BIGINT       NOT NULL,
    example   TEXT         NOT NULL,   -- one original message (the lexicographically first: independent of merge order)
    PRIMARY KEY (dt, step_name, pattern)
);
