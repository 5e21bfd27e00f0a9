-- The archive ledger: what was frozen into which batch, what was written where, what was purged.
-- It is the source of truth for restarts: Spring Batch says which step to resume, the ledger says
-- which batch and which run is in which state. Batches are keyed by shard so that N shards of one
-- launch (DESIGN.md "Scale") never share a batch, a run or a file name.

CREATE TABLE archive_batch (
    batch_id        BIGSERIAL PRIMARY KEY,
    job_instance_id BIGINT      NOT NULL,           -- the launch that planned it (later launches may finish it)
    shard           INTEGER     NOT NULL DEFAULT 0,
    dt              DATE        NOT NULL,           -- partition: the runs' finished date (UTC)
    cutoff          TIMESTAMPTZ NOT NULL,           -- eligibility re-checked at purge time
    state           VARCHAR(10) NOT NULL,           -- PLANNED -> WRITTEN -> PURGED
    tables          TEXT[],                         -- archived tables, in the order of batch_run.row_counts
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    written_at      TIMESTAMPTZ,
    purged_at       TIMESTAMPTZ,
    CONSTRAINT archive_batch_state_ck CHECK (state IN ('PLANNED', 'WRITTEN', 'PURGED'))
);
CREATE INDEX archive_batch_open_idx ON archive_batch (shard, state) WHERE state <> 'PURGED';

CREATE TABLE batch_run (
    batch_id    BIGINT      NOT NULL REFERENCES archive_batch (batch_id),
    run_id      BIGINT      NOT NULL,
    state       VARCHAR(10) NOT NULL,   -- planned -> exported -> purged | changed -> released
    row_counts  INTEGER[],              -- rows per archived table at export (same order as archive_batch.tables)
    fingerprint BIGINT,                 -- sum of the rows' xmin at export: any insert, update or delete changes it
    PRIMARY KEY (batch_id, run_id),
    CONSTRAINT batch_run_state_ck CHECK (state IN ('planned', 'exported', 'purged', 'changed', 'released'))
);
-- A run is in at most one open batch: no launch, shard or restart can archive it twice.
CREATE UNIQUE INDEX batch_run_open_run_uk ON batch_run (run_id) WHERE state IN ('planned', 'exported', 'changed');

CREATE TABLE archive_file (
    batch_id    BIGINT       NOT NULL REFERENCES archive_batch (batch_id),
    table_name  VARCHAR(128) NOT NULL,
    path        TEXT         NOT NULL,
    row_count   BIGINT       NOT NULL,
    byte_count  BIGINT       NOT NULL,
    sha256      CHAR(64)     NOT NULL,
    written_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_id, table_name)
);
