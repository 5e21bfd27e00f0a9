package dev.pipelinearchiver.archive;

/**
 * SQL over Spring Batch's metadata tables and the archive ledger for the operators' commands. {@code %1$s}
 * is the validated table prefix ({@code spring.batch.jdbc.table-prefix}, e.g. {@code archiver.BATCH_}),
 * left unquoted like Spring Batch's own SQL; every value is a bind parameter.
 */
final class MetadataSql {

    private MetadataSql() {}

    /** Recent executions of a job with their cutoff and the counts of its main steps; parameters: job name, limit. */
    static final String RECENT_EXECUTIONS = """
            SELECT e.JOB_EXECUTION_ID, e.JOB_INSTANCE_ID, e.STATUS, e.START_TIME, e.END_TIME,
                   (SELECT p.PARAMETER_VALUE FROM %1$sJOB_EXECUTION_PARAMS p
                    WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'cutoff') AS CUTOFF,
                   (SELECT p.PARAMETER_VALUE FROM %1$sJOB_EXECUTION_PARAMS p
                    WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'shard') AS SHARD,
                   coalesce(sum(s.WRITE_COUNT) FILTER (WHERE s.STEP_NAME = 'planStep'), 0) AS PLANNED,
                   coalesce(sum(s.WRITE_COUNT) FILTER (WHERE s.STEP_NAME LIKE 'exportBatchStep:%%'), 0) AS EXPORTED,
                   coalesce(sum(s.WRITE_COUNT) FILTER (WHERE s.STEP_NAME = 'purgeStep'), 0) AS PURGED
            FROM %1$sJOB_EXECUTION e
            JOIN %1$sJOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
            LEFT JOIN %1$sSTEP_EXECUTION s ON s.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
            WHERE i.JOB_NAME = ?
            GROUP BY e.JOB_EXECUTION_ID
            ORDER BY e.JOB_EXECUTION_ID DESC
            LIMIT ?""";

    /**
     * The latest execution of each job instance of a cutoff that is neither completed nor abandoned, with its
     * shard parameter (null for a launch with one shard); parameters: job name, cutoff.
     */
    static final String UNFINISHED_OF_CUTOFF = """
            SELECT e.JOB_EXECUTION_ID,
                   (SELECT p.PARAMETER_VALUE FROM %1$sJOB_EXECUTION_PARAMS p
                    WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'shard') AS SHARD
            FROM %1$sJOB_EXECUTION e
            JOIN %1$sJOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
            WHERE i.JOB_NAME = ?
              AND e.JOB_EXECUTION_ID = (SELECT max(x.JOB_EXECUTION_ID) FROM %1$sJOB_EXECUTION x
                                        WHERE x.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID)
              AND e.STATUS NOT IN ('COMPLETED', 'ABANDONED')
              AND EXISTS (SELECT 1 FROM %1$sJOB_EXECUTION_PARAMS c WHERE c.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
                          AND c.PARAMETER_NAME = 'cutoff' AND c.PARAMETER_VALUE = ?)
            ORDER BY e.JOB_EXECUTION_ID""";

    /**
     * Asks a running execution to stop: STOPPING plus a new version, which the process running it reads at
     * its next commit (SimpleJobRepository synchronizes the status when versions differ) and then stops.
     * Conditional, so that it never overwrites an execution that has just ended. Parameters: now, id.
     */
    static final String MARK_STOPPING = """
            UPDATE %1$sJOB_EXECUTION SET STATUS = 'STOPPING', VERSION = VERSION + 1, LAST_UPDATED = ?
            WHERE JOB_EXECUTION_ID = ? AND STATUS IN ('STARTING', 'STARTED')""";

    /**
     * Job instances that are over and old: one execution COMPLETED or ABANDONED (Spring Batch will never
     * restart it), none running, all ended before the threshold. Parameter: threshold.
     */
    static final String PRUNABLE_INSTANCES = """
            SELECT i.JOB_INSTANCE_ID FROM %1$sJOB_INSTANCE i
            WHERE EXISTS (SELECT 1 FROM %1$sJOB_EXECUTION e
                          WHERE e.JOB_INSTANCE_ID = i.JOB_INSTANCE_ID AND e.STATUS IN ('COMPLETED', 'ABANDONED'))
              AND NOT EXISTS (SELECT 1 FROM %1$sJOB_EXECUTION e
                              WHERE e.JOB_INSTANCE_ID = i.JOB_INSTANCE_ID
                                AND (e.END_TIME IS NULL OR e.END_TIME >= ? OR e.STATUS IN ('STARTING', 'STARTED', 'STOPPING', 'UNKNOWN')))
            ORDER BY i.JOB_INSTANCE_ID""";

    /**
     * Ledger batches that are over and old: PURGED before the threshold, and not planned by a job instance
     * that may still be restarted (its restart reads the batches of its partitions). Parameter: threshold.
     */
    static final String PRUNABLE_BATCHES = """
            SELECT b.batch_id FROM archiver.archive_batch b
            WHERE b.state = 'PURGED' AND b.purged_at < ?
              AND NOT EXISTS (SELECT 1 FROM %1$sJOB_INSTANCE i
                              WHERE i.JOB_INSTANCE_ID = b.job_instance_id
                                AND NOT EXISTS (SELECT 1 FROM %1$sJOB_EXECUTION e
                                                WHERE e.JOB_INSTANCE_ID = i.JOB_INSTANCE_ID AND e.STATUS IN ('COMPLETED', 'ABANDONED')))
            ORDER BY b.batch_id""";

    static final String EXECUTIONS_OF_INSTANCES =
            "SELECT JOB_EXECUTION_ID FROM %1$sJOB_EXECUTION WHERE JOB_INSTANCE_ID = ANY (?)";

    static final String STEPS_OF_INSTANCES = """
            SELECT s.STEP_EXECUTION_ID FROM %1$sSTEP_EXECUTION s JOIN %1$sJOB_EXECUTION e ON e.JOB_EXECUTION_ID = s.JOB_EXECUTION_ID
            WHERE e.JOB_INSTANCE_ID = ANY (?)""";

    /** Deletes of the metadata of whole job instances, children first; parameter: instance ids. */
    static final String[] DELETE_INSTANCES = {
        "DELETE FROM %1$sSTEP_EXECUTION_CONTEXT WHERE STEP_EXECUTION_ID IN (" + STEPS_OF_INSTANCES + ")",
        "DELETE FROM %1$sSTEP_EXECUTION WHERE JOB_EXECUTION_ID IN (" + EXECUTIONS_OF_INSTANCES + ")",
        "DELETE FROM %1$sJOB_EXECUTION_CONTEXT WHERE JOB_EXECUTION_ID IN (" + EXECUTIONS_OF_INSTANCES + ")",
        "DELETE FROM %1$sJOB_EXECUTION_PARAMS WHERE JOB_EXECUTION_ID IN (" + EXECUTIONS_OF_INSTANCES + ")",
        "DELETE FROM %1$sJOB_EXECUTION WHERE JOB_INSTANCE_ID = ANY (?)",
        "DELETE FROM %1$sJOB_INSTANCE WHERE JOB_INSTANCE_ID = ANY (?)"
    };

    static final String COUNT_BATCH_RUNS = "SELECT count(*) FROM archiver.batch_run WHERE batch_id = ANY (?)";

    static final String COUNT_BATCH_FILES = "SELECT count(*) FROM archiver.archive_file WHERE batch_id = ANY (?)";

    static final String DELETE_BATCH_FILES = "DELETE FROM archiver.archive_file WHERE batch_id = ANY (?)";

    static final String DELETE_BATCH_STEP_STATS = "DELETE FROM archiver.batch_step_stats WHERE batch_id = ANY (?)";

    static final String DELETE_BATCH_RUNS = "DELETE FROM archiver.batch_run WHERE batch_id = ANY (?)";

    static final String DELETE_BATCH_STAMPS = "DELETE FROM archiver.batch_stamps WHERE batch_id = ANY (?)";

    /** Re-checks the state: a batch is deleted only if it is still PURGED. */
    static final String DELETE_BATCHES =
            "DELETE FROM archiver.archive_batch WHERE batch_id = ANY (?) AND state = 'PURGED'";

    /**
     * The end of this shard's last COMPLETED archive execution. Parameters: job name, the shard parameter's name,
     * the shard index (with one shard the parameter is absent: index 0).
     */
    static final String LAST_SUCCESS = """
            SELECT max(e.END_TIME) FROM %1$sJOB_EXECUTION e
            JOIN %1$sJOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
            WHERE i.JOB_NAME = ? AND e.STATUS = 'COMPLETED'
              AND coalesce((SELECT split_part(p.PARAMETER_VALUE, '/', 1) FROM %1$sJOB_EXECUTION_PARAMS p
                            WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = ?), '0') = ?""";
}
