package dev.pipelinearchiver.verify;

/** Ledger queries of {@code verify}; every value is a bind parameter. */
final class VerifySql {

    private VerifySql() {}

    /**
     * The files of written or purged batches in a dt range, optionally of one table, with whether a
     * restore of some of the batch's runs is unfinished. Parameters: from, to, table (or null), table.
     */
    static final String FILES = """
            SELECT f.batch_id, f.table_name, f.path, f.row_count, f.byte_count, f.sha256, b.dt,
                   EXISTS (SELECT 1 FROM archiver.batch_run r WHERE r.batch_id = f.batch_id AND r.state = 'restored') AS restore_pending
            FROM archiver.archive_file f
            JOIN archiver.archive_batch b ON b.batch_id = f.batch_id
            WHERE b.state IN ('WRITTEN', 'PURGED') AND b.dt BETWEEN ? AND ? AND (?::text IS NULL OR f.table_name = ?)
            ORDER BY b.dt, f.table_name, f.batch_id""";

    /** Every path the ledger knows, whatever the batch's state: anything else in a dataset is unknown. */
    static final String KNOWN_PATHS = "SELECT path FROM archiver.archive_file";

    static final String LEDGER_TABLES = "SELECT DISTINCT table_name FROM archiver.archive_file";

    static final String BATCH_STATE = "SELECT state FROM archiver.archive_batch WHERE batch_id = ?";
}
