package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.support.AbstractSqlTypeValue;

/**
 * SQL of the archive job. Ledger statements are constants; statements over the backend's tables are
 * built from catalog identifiers (quoted by {@link SourceTable#quote}) and never from job parameters,
 * which are always bound.
 */
final class ArchiveSql {

    private ArchiveSql() {}

    /** The source role's privileges (SourcePrivileges). Parameter: schema. */
    static final String SCHEMA_USAGE = "SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = ?";

    /** Parameters: schema, table, privilege. */
    static final String TABLE_PRIVILEGE = "SELECT has_table_privilege(quote_ident(?) || '.' || quote_ident(?), ?)";

    /** The tables, of those given as qualified names, the role may not delete from: one round trip per purge transaction. */
    static final String TABLES_WITHOUT_DELETE = """
            SELECT coalesce(array_agg(t ORDER BY t), '{}') FROM unnest(?::text[]) t WHERE NOT has_table_privilege(t, 'DELETE')""";

    /** Row locks (SELECT ... FOR UPDATE, taken by the purge) need UPDATE on at least one column. */
    static final String ANY_COLUMN_UPDATE =
            "SELECT has_any_column_privilege(quote_ident(?) || '.' || quote_ident(?), 'UPDATE')";

    static final String CURRENT_USER = "SELECT current_user";

    /** The database's clock (launch metrics: what a launch touched is what is stamped since). */
    static final String DATABASE_NOW = "SELECT now()";

    /**
     * What this launch wrote, from the ledger: bytes of the data files it wrote, and runs released by the batches it
     * touched (as its manifest counts them). Parameters: shard, since, shard, since, since.
     */
    static final String LAUNCH_LEDGER_FIGURES = """
            SELECT (SELECT coalesce(sum(f.byte_count), 0) FROM archiver.archive_file f
                    JOIN archiver.archive_batch b ON b.batch_id = f.batch_id
                    WHERE b.shard = ? AND f.written_at >= ?),
                   (SELECT count(*) FROM archiver.batch_run r JOIN archiver.archive_batch b ON b.batch_id = r.batch_id
                    WHERE b.shard = ? AND r.state = 'released' AND (b.written_at >= ? OR b.purged_at >= ?))""";

    /** Takes the archive lock if free (the launch's session holds it). Parameters: lock class, shard. */
    static final String TRY_ARCHIVE_LOCK = "SELECT pg_try_advisory_lock(?, ?)";

    /** Releases the archive lock. Parameters: lock class, shard. */
    static final String RELEASE_ARCHIVE_LOCK = "SELECT pg_advisory_unlock(?, ?)";

    /**
     * Whether any session holds the archive lock: the two-key form of pg_advisory_lock shows as objsubid 2,
     * with the keys in classid and objid. Parameters: lock class, shard.
     */
    static final String ARCHIVE_LOCK_HELD = """
            SELECT EXISTS (SELECT 1 FROM pg_locks
                           WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = ? AND objid::bigint = ?
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))""";

    /**
     * A job execution's status from Spring Batch's table, under its table prefix, which the caller has checked
     * to be [schema.]PREFIX_ (letters, digits and _ only). Parameter: job execution id.
     */
    static String jobExecutionStatus(String tablePrefix) {
        return "SELECT status FROM " + tablePrefix + "JOB_EXECUTION WHERE job_execution_id = ?";
    }

    /** The files of a shard's written (not yet purged) batches: batch id, path, table. Parameter: shard. */
    static final String WRITTEN_FILES_OF_SHARD = """
            SELECT f.batch_id, f.path, f.table_name
            FROM archiver.archive_file f JOIN archiver.archive_batch b ON b.batch_id = f.batch_id
            WHERE b.state = 'WRITTEN' AND b.shard = ?
            ORDER BY f.batch_id""";

    /**
     * The eligible runs of this shard with their day: finished status, finished before the cutoff.
     * Named parameters: those {@link #eligibleRunsParameters} gives.
     */
    private static String eligibleRuns(ArchiveSources sources, String extraCondition) {
        var s = sources.settings();
        String id = "r." + SourceTable.quote(s.idColumn());
        String finishedAt = "r." + SourceTable.quote(s.finishedAtColumn());
        return """
                eligible AS (
                    SELECT %1$s AS run_id, (%2$s AT TIME ZONE 'UTC')::date AS dt
                    FROM %3$s r
                    WHERE r.%4$s::text = ANY (:finishedStatuses) AND %2$s < :cutoff AND mod(%1$s, :shardCount) = :shardIndex %5$s
                )""".formatted(
                        id,
                        finishedAt,
                        sources.runs().qualifiedName(),
                        SourceTable.quote(s.statusColumn()),
                        extraCondition.replace("{run_id}", id));
    }

    /** The named parameters of {@link #eligibleRuns}: finishedStatuses (text[]), cutoff, shardCount, shardIndex. */
    static MapSqlParameterSource eligibleRunsParameters(
            ArchiveSources sources, Instant cutoff, int shardCount, int shardIndex) {
        return new MapSqlParameterSource()
                .addValue("finishedStatuses", textArray(sources.settings().finishedStatuses()))
                .addValue("cutoff", cutoff.atOffset(ZoneOffset.UTC))
                .addValue("shardCount", shardCount)
                .addValue("shardIndex", shardIndex);
    }

    /** A text[] parameter, made on the statement's own connection. */
    static SqlTypeValue textArray(Collection<String> values) {
        return new AbstractSqlTypeValue() {
            @Override
            protected Object createTypeValue(Connection connection, int sqlType, String typeName) throws SQLException {
                return connection.createArrayOf("text", values.toArray());
            }
        };
    }

    /**
     * Freezes the eligible runs of this shard that no open batch holds into new batches of at most
     * {@code batchSize} runs, each within one UTC day. Named parameters: those of {@link #eligibleRuns}, and
     * batchSize, jobInstanceId, tables (text[]).
     */
    static String plan(ArchiveSources sources) {
        String notInOpenBatch = """
                AND NOT EXISTS (SELECT 1 FROM archiver.batch_run b
                                WHERE b.run_id = {run_id} AND b.state IN ('planned', 'changed', 'restored'))""";
        return "WITH " + eligibleRuns(sources, notInOpenBatch) + """
                , numbered AS (
                    SELECT run_id, dt, (row_number() OVER (PARTITION BY dt ORDER BY run_id) - 1) / :batchSize AS bucket
                    FROM eligible
                ), batches AS MATERIALIZED (
                    SELECT dt, bucket, nextval('archiver.archive_batch_batch_id_seq') AS batch_id
                    FROM (SELECT DISTINCT dt, bucket FROM numbered ORDER BY dt, bucket) g
                ), new_batches AS (
                    INSERT INTO archiver.archive_batch (batch_id, job_instance_id, shard, dt, cutoff, state, tables)
                    SELECT batch_id, :jobInstanceId, :shardIndex, dt, :cutoff, 'PLANNED', :tables FROM batches
                )
                INSERT INTO archiver.batch_run (batch_id, run_id, state)
                SELECT b.batch_id, n.run_id, 'planned' FROM numbered n JOIN batches b USING (dt, bucket)
                """;
    }

    /**
     * Dry run: per day, the rows of one table that archiving up to the cutoff would take, and their size
     * in PostgreSQL. Named parameters: those of {@link #eligibleRuns}.
     */
    static String dryRun(ArchiveSources sources, SourceTable table) {
        return "WITH " + eligibleRuns(sources, "") + """

                SELECT e.dt, count(*), coalesce(sum(pg_column_size(t0.*)), 0)
                FROM %s JOIN eligible e ON %s = e.run_id
                GROUP BY e.dt ORDER BY e.dt
                """.formatted(table.fromClause(), sources.runKey(table));
    }

    /**
     * A purge transaction's settings (VerifiedDelete says why), in one round trip; the timeout is a number, never
     * text. {@code SET TRANSACTION} fails (25001) once the transaction has run a query: its snapshot must start with
     * the run lock.
     */
    static String purgeTransactionSettings(long lockTimeoutMs) {
        return "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL lock_timeout = " + lockTimeoutMs
                + "; SET LOCAL synchronous_commit = off";
    }

    /** Locks the given runs that are still eligible; parameters: run ids, finished statuses, cutoff. */
    static String lockEligibleRuns(ArchiveSources sources) {
        var s = sources.settings();
        String id = SourceTable.quote(s.idColumn());
        return "SELECT " + id + " FROM " + sources.runs().qualifiedName() + " WHERE " + id + " = ANY (?) AND "
                + SourceTable.quote(s.statusColumn()) + "::text = ANY (?) AND "
                + SourceTable.quote(s.finishedAtColumn())
                + " < ? ORDER BY " + id + " FOR UPDATE";
    }

    /** Deletes runs by explicit id list; the foreign keys cascade to their rows elsewhere. */
    static String deleteRuns(ArchiveSources sources) {
        return "DELETE FROM " + sources.runs().qualifiedName() + " WHERE "
                + SourceTable.quote(sources.settings().idColumn()) + " = ANY (?)";
    }

    static final String OPEN_BATCHES = """
            SELECT batch_id FROM archiver.archive_batch WHERE shard = ? AND state = ? ORDER BY batch_id""";

    /**
     * The oldest WRITTEN batch of a shard that no other purger holds (the columns of {@link #BATCH}), locked
     * until the caller's transaction ends, with the shard's oldest PLANNED batch (null if none) in the same
     * round trip.
     */
    static final String CLAIM_WRITTEN_BATCH = """
            SELECT batch_id, dt, cutoff, state, tables,
                   (SELECT min(p.batch_id) FROM archiver.archive_batch p WHERE p.shard = ? AND p.state = 'PLANNED')
            FROM archiver.archive_batch WHERE shard = ? AND state = 'WRITTEN'
            ORDER BY batch_id LIMIT 1 FOR UPDATE SKIP LOCKED""";

    static final String BATCH = """
            SELECT batch_id, dt, cutoff, state, tables FROM archiver.archive_batch WHERE batch_id = ?""";

    static final String RUNS_IN_STATE = """
            SELECT run_id FROM archiver.batch_run WHERE batch_id = ? AND state = ? ORDER BY run_id LIMIT ?""";

    /** Parameters: batch id, tables per run, run ids (int8[], ascending), row counts (int4[], run-major), fingerprints (int8[]). */
    static final String RECORD_BATCH_STAMPS = """
            INSERT INTO archiver.batch_stamps (batch_id, table_count, run_ids, row_counts, fingerprints) VALUES (?, ?, ?, ?, ?)""";

    static final String ANALYZE_LEDGER = "ANALYZE archiver.batch_run, archiver.archive_batch";

    static final String RECORD_FILE = """
            INSERT INTO archiver.archive_file (batch_id, table_name, path, row_count, byte_count, sha256)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (batch_id, table_name) DO UPDATE
            SET path = excluded.path, row_count = excluded.row_count, byte_count = excluded.byte_count,
                sha256 = excluded.sha256, written_at = now()""";

    static final String FILES = """
            SELECT table_name, path, row_count, byte_count, sha256 FROM archiver.archive_file WHERE batch_id = ?""";

    static final String MARK_BATCH_WRITTEN = """
            UPDATE archiver.archive_batch SET state = 'WRITTEN', tables = ?, written_at = now()
            WHERE batch_id = ? AND state = 'PLANNED'""";

    static final String MARK_BATCH_PURGED = """
            UPDATE archiver.archive_batch SET state = 'PURGED', purged_at = now() WHERE batch_id = ? AND state = 'WRITTEN'""";

    static final String MARK_RUNS = """
            UPDATE archiver.batch_run SET state = ? WHERE batch_id = ? AND run_id = ANY (?) AND state = ?""";

    /** Batches this shard wrote or purged since a point in time, for the manifest. */
    static final String BATCHES_TOUCHED_SINCE = """
            SELECT b.batch_id, b.dt, b.state,
                   (SELECT count(*) FROM archiver.batch_run r WHERE r.batch_id = b.batch_id AND r.state = 'purged') AS purged,
                   (SELECT count(*) FROM archiver.batch_run r WHERE r.batch_id = b.batch_id AND r.state = 'released') AS released
            FROM archiver.archive_batch b
            WHERE b.shard = ? AND (b.written_at >= ? OR b.purged_at >= ?)
            ORDER BY b.batch_id""";
}
