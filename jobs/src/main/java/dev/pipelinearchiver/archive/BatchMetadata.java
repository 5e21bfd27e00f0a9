package dev.pipelinearchiver.archive;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.batch.core.BatchStatus;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the operators' commands read and change in Spring Batch's metadata tables and the ledger beyond
 * the JobRepository API: recent executions in one query, a race-free stop mark, and pruning.
 */
public final class BatchMetadata {

    /** Pruning deletes this many job instances or ledger batches per transaction. */
    private static final int PRUNE_CHUNK = 50;

    private static final Pattern TABLE_PREFIX = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*");

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final String prefix;

    private BatchMetadata(JdbcTemplate jdbc, TransactionTemplate transactions, String prefix) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.prefix = prefix;
    }

    public static BatchMetadata of(ApplicationContext context) {
        String prefix = context.getEnvironment().getProperty("spring.batch.jdbc.table-prefix", "BATCH_");
        if (!TABLE_PREFIX.matcher(prefix).matches()) {
            throw new InvalidConfigurationPropertyValueException(
                    "spring.batch.jdbc.table-prefix",
                    prefix,
                    "it must be [schema.]PREFIX_ made of letters, digits and _");
        }
        return new BatchMetadata(
                context.getBean(JdbcTemplate.class),
                new TransactionTemplate(context.getBean(PlatformTransactionManager.class)),
                prefix);
    }

    /** A template of {@link MetadataSql} (or another class) with this validated table prefix. */
    public String sql(String template) {
        return template.formatted(prefix);
    }

    /** One line of {@code executions}: rows are the write counts of planStep, exportStep and purgeStep. */
    public record ExecutionRow(
            long id,
            long instanceId,
            String cutoff,
            String shard,
            String status,
            LocalDateTime start,
            LocalDateTime end,
            long runsPlanned,
            long rowsExported,
            long runsPurged) {

        public boolean running() {
            return BatchStatus.valueOf(status).isRunning();
        }
    }

    public List<ExecutionRow> recentExecutions(String jobName, int limit) {
        return jdbc.query(
                sql(MetadataSql.RECENT_EXECUTIONS),
                (rs, i) -> new ExecutionRow(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getString(6),
                        ArchiveParameters.shardLabel(rs.getString(7)),
                        rs.getString(3),
                        rs.getObject(4, LocalDateTime.class),
                        rs.getObject(5, LocalDateTime.class),
                        rs.getLong(8),
                        rs.getLong(9),
                        rs.getLong(10)),
                jobName,
                limit);
    }

    /** An unfinished job instance of a cutoff: its latest execution and its shard ({@code index/count}). */
    public record UnfinishedShard(long executionId, String shard) {}

    public List<UnfinishedShard> unfinishedOfCutoff(String jobName, String cutoff) {
        return jdbc.query(
                sql(MetadataSql.UNFINISHED_OF_CUTOFF),
                (rs, i) -> new UnfinishedShard(rs.getLong(1), ArchiveParameters.shardLabel(rs.getString(2))),
                jobName,
                cutoff);
    }

    /** Marks a running execution STOPPING; false when it was not STARTING or STARTED any more. */
    public boolean markStopping(long executionId) {
        return jdbc.update(sql(MetadataSql.MARK_STOPPING), Timestamp.valueOf(LocalDateTime.now()), executionId) == 1;
    }

    public record Pruned(
            long jobInstances, long jobExecutions, long stepExecutions, long batches, long batchRuns, long files) {}

    /**
     * Deletes the metadata of job instances over before {@code executionsBefore} and the ledger of batches
     * purged before {@code batchesBefore} (see {@link MetadataSql#PRUNABLE_INSTANCES} and
     * {@link MetadataSql#PRUNABLE_BATCHES}), in short transactions; with {@code dryRun} only counts them.
     */
    public Pruned prune(LocalDateTime executionsBefore, Instant batchesBefore, boolean dryRun) {
        // both selections first: the batches' rule reads the job instances that the first part deletes
        List<Long> instances =
                jdbc.queryForList(sql(MetadataSql.PRUNABLE_INSTANCES), Long.class, Timestamp.valueOf(executionsBefore));
        List<Long> batches =
                jdbc.queryForList(sql(MetadataSql.PRUNABLE_BATCHES), Long.class, Timestamp.from(batchesBefore));
        long executions = count("SELECT count(*) FROM (" + MetadataSql.EXECUTIONS_OF_INSTANCES + ") x", instances);
        long steps = count("SELECT count(*) FROM (" + MetadataSql.STEPS_OF_INSTANCES + ") x", instances);
        long runs = count(MetadataSql.COUNT_BATCH_RUNS, batches);
        long files = count(MetadataSql.COUNT_BATCH_FILES, batches);
        if (!dryRun) {
            for (List<Long> chunk : chunks(instances)) {
                transactions.executeWithoutResult(status -> {
                    for (String delete : MetadataSql.DELETE_INSTANCES) {
                        update(delete, chunk);
                    }
                });
            }
            for (List<Long> chunk : chunks(batches)) {
                transactions.executeWithoutResult(status -> {
                    update(MetadataSql.DELETE_BATCH_FILES, chunk);
                    update(MetadataSql.DELETE_BATCH_STEP_STATS, chunk); // merged into the daily figures, which stay
                    update(MetadataSql.DELETE_BATCH_RUNS, chunk);
                    update(MetadataSql.DELETE_BATCH_STAMPS, chunk);
                    update(MetadataSql.DELETE_BATCHES, chunk);
                });
            }
        }
        return new Pruned(instances.size(), executions, steps, batches.size(), runs, files);
    }

    private long count(String template, List<Long> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return jdbc.execute((ConnectionCallback<Long>) con -> {
            try (var ps = con.prepareStatement(sql(template))) {
                ps.setArray(1, bigints(con, ids));
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private void update(String template, List<Long> ids) {
        jdbc.execute((ConnectionCallback<Integer>) con -> {
            try (var ps = con.prepareStatement(sql(template))) {
                ps.setArray(1, bigints(con, ids)); // every statement has exactly this one parameter
                return ps.executeUpdate();
            }
        });
    }

    private static Array bigints(Connection con, List<Long> ids) throws SQLException {
        return con.createArrayOf("int8", ids.toArray());
    }

    private static List<List<Long>> chunks(List<Long> ids) {
        List<List<Long>> chunks = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += PRUNE_CHUNK) {
            chunks.add(ids.subList(i, Math.min(ids.size(), i + PRUNE_CHUNK)));
        }
        return chunks;
    }
}
