-- batch_run.batch_id must name an archive_batch: the same rule as the foreign key it replaces, checked
-- once per statement instead of once per row. The plan inserts all of a launch's runs in one statement
-- (126,943 rows at 200k runs): the foreign key's per-row check (a query and a row lock on the batch for
-- every run) took 0.6 s of the plan's 1.2 s, while the whole job waits for the plan (README
-- "Performance", seventh round). A set-wise check of the inserted rows takes a few milliseconds.
--
-- What the foreign key also did, kept: a batch that runs still name cannot be deleted, and a batch id
-- cannot be changed under its runs (nothing in the archiver changes one). What it did that is not kept: the
-- row lock that orders an insert against a concurrent delete of the same batch. The archiver never
-- needs it: a launch inserts runs only into the batches it creates in the same statement, and
-- prune-metadata deletes only PURGED batches, after their runs.

ALTER TABLE batch_run DROP CONSTRAINT batch_run_batch_id_fkey;

CREATE FUNCTION batch_run_batches_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing BIGINT;
BEGIN
    SELECT n.batch_id INTO missing FROM (SELECT DISTINCT batch_id FROM batch_run_inserted) n
    WHERE NOT EXISTS (SELECT 1 FROM archiver.archive_batch b WHERE b.batch_id = n.batch_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'batch_run names batch %, which archive_batch does not hold', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER batch_run_batch_exists AFTER INSERT ON batch_run
    REFERENCING NEW TABLE AS batch_run_inserted FOR EACH STATEMENT EXECUTE FUNCTION batch_run_batches_exist();

CREATE FUNCTION archive_batch_without_runs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held BIGINT;
BEGIN
    SELECT d.batch_id INTO held FROM archive_batch_deleted d
    WHERE EXISTS (SELECT 1 FROM archiver.batch_run r WHERE r.batch_id = d.batch_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'batch % still has runs in batch_run: delete them first', held
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_batch_no_runs_left AFTER DELETE ON archive_batch
    REFERENCING OLD TABLE AS archive_batch_deleted FOR EACH STATEMENT EXECUTE FUNCTION archive_batch_without_runs();

-- a batch id never changes, on either side (row triggers on that column only: other updates never fire them)
CREATE FUNCTION batch_id_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.batch_id IS DISTINCT FROM OLD.batch_id THEN
        RAISE EXCEPTION 'the batch id of % rows never changes', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER batch_run_batch_id_fixed BEFORE UPDATE OF batch_id ON batch_run
    FOR EACH ROW EXECUTE FUNCTION batch_id_is_fixed();
CREATE TRIGGER archive_batch_batch_id_fixed BEFORE UPDATE OF batch_id ON archive_batch
    FOR EACH ROW EXECUTE FUNCTION batch_id_is_fixed();
