-- Restore (the `restore` command) puts archived runs back into PostgreSQL, then takes them out of the
-- archive's files. Between those two steps a run is 'restored': it is in PostgreSQL and still in a
-- file, so it must not be planned again (it is an open state, in the unique index), and a rerun of
-- restore after a crash finishes it. Once its files no longer hold it, it is 'released' and a later
-- archive launch may archive it again like any other run.
-- (V3 is reserved for the statistics tables.)

ALTER TABLE batch_run DROP CONSTRAINT batch_run_state_ck;
ALTER TABLE batch_run ADD CONSTRAINT batch_run_state_ck
    CHECK (state IN ('planned', 'exported', 'purged', 'changed', 'released', 'restored'));

-- A run is in at most one open batch, 'restored' included: no launch plans it while a restore holds it.
DROP INDEX batch_run_open_run_uk;
CREATE UNIQUE INDEX batch_run_open_run_uk ON batch_run (run_id) WHERE state IN ('planned', 'exported', 'changed', 'restored');
