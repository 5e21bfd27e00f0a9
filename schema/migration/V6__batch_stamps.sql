-- Run stamps are recorded per batch, in one row, instead of in each run's batch_run row. The export of a
-- batch used to update every run's row (state 'exported', row counts, xmin sum): 126,943 row updates,
-- each a new row version and index entries, 1.2 s of PostgreSQL's CPU per 200k-run launch (README
-- "Performance", seventh round). One insert per batch now; a run stays 'planned' until the purge deletes it
-- ('purged') or finds it changed ('changed'): a 'planned' run of a WRITTEN batch is what 'exported' meant.

CREATE TABLE batch_stamps (
    batch_id     BIGINT   PRIMARY KEY REFERENCES archive_batch (batch_id),
    table_count  INTEGER  NOT NULL,   -- tables per run: archive_batch.tables, in that order
    run_ids      BIGINT[] NOT NULL,   -- the runs exported, ascending
    row_counts   INTEGER[] NOT NULL,  -- rows per run and table: run i's count of table t at (i - 1) * table_count + t
    fingerprints BIGINT[] NOT NULL,   -- per run (same order): the sum of its rows' xmin at export
    CONSTRAINT batch_stamps_shape_ck CHECK (
        cardinality(row_counts) = cardinality(run_ids) * table_count AND cardinality(fingerprints) = cardinality(run_ids))
);

-- batches exported before this version: their stamps move here, their 'exported' runs become 'planned'
INSERT INTO batch_stamps (batch_id, table_count, run_ids, row_counts, fingerprints)
SELECT r.batch_id, max(cardinality(r.row_counts)), array_agg(r.run_id ORDER BY r.run_id),
       array(SELECT c FROM batch_run s CROSS JOIN LATERAL unnest(s.row_counts) WITH ORDINALITY AS x(c, k)
             WHERE s.batch_id = r.batch_id AND s.row_counts IS NOT NULL ORDER BY s.run_id, k),
       array_agg(r.fingerprint ORDER BY r.run_id)
FROM batch_run r
WHERE r.row_counts IS NOT NULL
GROUP BY r.batch_id;

UPDATE batch_run SET state = 'planned' WHERE state = 'exported';

DROP INDEX batch_run_open_run_uk;
ALTER TABLE batch_run DROP CONSTRAINT batch_run_state_ck;
ALTER TABLE batch_run DROP COLUMN row_counts, DROP COLUMN fingerprint;
-- planned -> purged | changed -> released; purged -> restored -> released (restore)
ALTER TABLE batch_run ADD CONSTRAINT batch_run_state_ck
    CHECK (state IN ('planned', 'purged', 'changed', 'released', 'restored'));
-- A run is in at most one open batch: no launch, shard, restart or restore can archive it twice.
CREATE UNIQUE INDEX batch_run_open_run_uk ON batch_run (run_id) WHERE state IN ('planned', 'changed', 'restored');
