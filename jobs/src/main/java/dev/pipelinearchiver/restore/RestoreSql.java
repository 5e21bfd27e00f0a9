package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceTable;

/**
 * SQL of {@code restore}. Ledger and catalog statements are constants with bind parameters; statements
 * over the backend's tables are built from catalog identifiers only, quoted by {@link SourceTable#quote}.
 */
final class RestoreSql {

    private RestoreSql() {}

    /** First key of the per-batch advisory lock ("rstr"); the second is the batch id. */
    static final int LOCK_CLASS = 0x72737472;

    static final String LOCK_BATCH = "SELECT pg_advisory_xact_lock(?, ?)";

    private static final String ARCHIVED_RUNS = """
            SELECT r.run_id, r.batch_id, b.state, b.dt
            FROM archiver.batch_run r
            JOIN archiver.archive_batch b ON b.batch_id = r.batch_id
            WHERE r.state = 'purged' AND %s
            ORDER BY r.batch_id, r.run_id""";

    /** Archived (purged) copies of the given runs; parameter: run ids. */
    static final String ARCHIVED_RUNS_BY_ID = ARCHIVED_RUNS.formatted("r.run_id = ANY (?)");

    /** Archived (purged) runs of a day; parameter: dt. */
    static final String ARCHIVED_RUNS_BY_DT = ARCHIVED_RUNS.formatted("b.dt = ?");

    static final String BATCHES_WITH_RESTORED_RUNS = """
            SELECT DISTINCT batch_id FROM archiver.batch_run WHERE state = 'restored' ORDER BY batch_id""";

    static final String RUNS_IN_STATE = """
            SELECT run_id FROM archiver.batch_run WHERE batch_id = ? AND state = ? ORDER BY run_id""";

    static final String MARK_RUNS = """
            UPDATE archiver.batch_run SET state = ? WHERE batch_id = ? AND run_id = ANY (?) AND state = ?""";

    static final String BATCH_TABLES = "SELECT tables FROM archiver.archive_batch WHERE batch_id = ?";

    static final String FILES = "SELECT table_name, path FROM archiver.archive_file WHERE batch_id = ?";

    /** The given runs that exist in the runs table; parameter: run ids. */
    static String existingRuns(ArchiveSources sources) {
        String id = SourceTable.quote(sources.settings().idColumn());
        return "SELECT " + id + " FROM " + sources.runs().qualifiedName() + " WHERE " + id + " = ANY (?) ORDER BY "
                + id;
    }

    // -- catalog of the tables rows go back into

    static final String TABLE_OID = "SELECT to_regclass(?)::oid::bigint";

    /** Columns with the type to cast to, whether they can be written, and their serial/identity sequence. */
    static final String COLUMNS = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated = 's', a.attidentity = 'a',
                   pg_get_serial_sequence(?, a.attname), a.attnotnull,
                   a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
                       OR (t.typtype = 'd' AND t.typdefault IS NOT NULL)
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = ?::bigint::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    /** Foreign keys between two different tables of a set (by oid): child, parent. */
    static final String FOREIGN_KEYS = """
            SELECT conrelid::bigint, confrelid::bigint FROM pg_constraint
            WHERE contype = 'f' AND conrelid <> confrelid AND conrelid::bigint = ANY (?) AND confrelid::bigint = ANY (?)""";

    /** An ascending sequence's start and the last value it handed out (null when none yet). */
    static final String SEQUENCE_STATE = """
            SELECT s.seqincrement > 0, s.seqstart, pg_sequence_last_value(s.seqrelid)
            FROM pg_sequence s WHERE s.seqrelid = to_regclass(?)""";

    static final String ADVANCE_SEQUENCE = "SELECT setval(to_regclass(?), ?, true)";
}
