package dev.pipelinearchiver.lookup;

/** Ledger queries of {@link ArchivedRuns}; every value is a bind parameter. */
final class LookupSql {

    private LookupSql() {}

    /** Every batch the ledger has the run in, with the run's state there. Parameter: run id. */
    static final String BATCHES_OF_RUN = """
            SELECT r.batch_id, r.state, b.state, b.dt
            FROM archiver.batch_run r
            JOIN archiver.archive_batch b ON b.batch_id = r.batch_id
            WHERE r.run_id = ?
            ORDER BY r.batch_id""";

    /** A batch's files by table. Parameter: batch id. */
    static final String FILES =
            "SELECT table_name, path FROM archiver.archive_file WHERE batch_id = ? ORDER BY table_name";
}
