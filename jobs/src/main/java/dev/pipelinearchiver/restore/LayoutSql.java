package dev.pipelinearchiver.restore;

/** SQL of {@code rewrite-layout}: the ledger's files of settled batches, and their records moved. */
final class LayoutSql {

    private LayoutSql() {}

    /** The shards whose purged batches have files: each is rewritten holding that shard's archive lock. */
    static final String SHARDS = """
            SELECT DISTINCT b.shard
            FROM archiver.archive_batch b
            WHERE b.state = 'PURGED' AND EXISTS (SELECT 1 FROM archiver.archive_file f WHERE f.batch_id = b.batch_id)
            ORDER BY b.shard""";

    /** Files of one shard's purged batches (no job edits them any more): batch, table, path, rows, SHA-256. */
    static final String FILES = """
            SELECT f.batch_id, f.table_name, f.path, f.row_count, f.sha256
            FROM archiver.archive_file f
            JOIN archiver.archive_batch b ON b.batch_id = f.batch_id
            WHERE b.state = 'PURGED' AND b.shard = ?
            ORDER BY f.batch_id, f.table_name""";

    /** Moves a file's record, if it is still the one read; parameters: new path, rows, bytes, SHA-256, batch, table, old path, old SHA-256. */
    static final String MOVE_FILE = """
            UPDATE archiver.archive_file SET path = ?, row_count = ?, byte_count = ?, sha256 = ?, written_at = now()
            WHERE batch_id = ? AND table_name = ? AND path = ? AND sha256 = ?""";
}
