package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.stats.StatisticsStore;
import dev.pipelinearchiver.stats.StepStatistics;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Deletes archived runs while the export step beside it is still writing batches (it waits for a batch
 * to be WRITTEN, and ends once the export has ended and every WRITTEN batch is purged). Several run
 * side by side ({@code purge-threads}), each on a batch of its own.
 *
 * <p>One short transaction per call (the step commits after each call): takes the
 * next runs of the oldest WRITTEN batch, locks those still eligible ({@code FOR UPDATE}, which also
 * blocks the backend from adding rows to them meanwhile), deletes their rows and checks that what went
 * is exactly what was exported (else rolls back to a savepoint, re-counts run by run and deletes by
 * explicit id list those whose stamp still equals the exported one), and records both outcomes in the
 * ledger in the same transaction.
 *
 * <p>A run that changed after export (a late step, an update) is not deleted: once the batch's other
 * runs are purged, the batch's files are rewritten without it and it is released, so a later launch
 * archives it whole, exactly once.
 */
class PurgeTasklet implements Tasklet, StepExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(PurgeTasklet.class);

    static final String PURGED_RUNS = "purge.runs";
    static final String RELEASED_RUNS = "purge.released";
    static final String MAX_TRANSACTION_MS = "purge.maxTransactionMs";
    /** The transactions' time added up (with their count, the mean; pushed as a metric by LaunchMetrics). */
    static final String TRANSACTION_MS_TOTAL = "purge.transactionMsTotal";

    static final String TRANSACTIONS = "purge.transactions";
    /** Transactions that found a difference after deleting, rolled back to their savepoint and checked run by run. */
    static final String RECOUNTED = "purge.recounted";

    private static final String LAST_CALL_PURGED = "purge.lastCallPurged";
    private static final Duration EXPORT_START_TIMEOUT = Duration.ofMinutes(5);

    private final Ledger ledger;
    private final SourceCatalog catalog;
    private final BatchFiles batchFiles;
    private final ParquetArchive archive;
    private final StatisticsStore statistics;
    private final JdbcTemplate jdbc;
    private final Throttle throttle;
    private final ExportProgress progress;
    private final ArchiverProperties properties;
    private final SourcePrivileges privileges;
    /**
     * The stamps of the batches being purged, read once per batch instead of once per transaction (a
     * WRITTEN batch's stamps never change; each read decoded all of its runs' arrays). Dropped when the
     * batch is finished, and all of them when a purger starts ({@link #beforeStep}; a TaskletStep
     * registers its tasklet as a listener when it is one): nothing an earlier launch in the same JVM read
     * is ever used.
     */
    private final Map<Long, BatchStamps> exportedStamps = new ConcurrentHashMap<>();
    /** Launches (job executions) whose log already says why the purge counts first: the purgers share this tasklet. */
    private final Set<Long> saidCountingFirst = ConcurrentHashMap.newKeySet();

    PurgeTasklet(
            Ledger ledger,
            SourceCatalog catalog,
            BatchFiles batchFiles,
            ParquetArchive archive,
            StatisticsStore statistics,
            JdbcTemplate jdbc,
            Throttle throttle,
            ExportProgress progress,
            ArchiverProperties properties) {
        this.ledger = ledger;
        this.progress = progress;
        this.throttle = throttle;
        this.catalog = catalog;
        this.batchFiles = batchFiles;
        this.archive = archive;
        this.statistics = statistics;
        this.jdbc = jdbc;
        this.properties = properties;
        this.privileges = new SourcePrivileges(jdbc);
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        exportedStamps.clear();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        ExecutionContext context = step.getExecutionContext();
        // throttling first, before this call's transaction issues any statement: waiting holds nothing open
        if (Boolean.TRUE.equals(context.get(LAST_CALL_PURGED))) {
            throttle.pauseAfterPurge();
        }
        if (!throttle.awaitReplication(ArchiveJobConfiguration.deadline(step))) {
            log.warn("--max-runtime reached: stopping before the next delete transaction; relaunch to resume");
            step.setTerminateOnly();
            return RepeatStatus.FINISHED;
        }
        // read before the ledger: a batch written after this read wakes the wait below
        long seen = progress.changes();
        boolean exportEnded = progress.ended(step.getJobExecutionId());
        Batch batch = nextBatch(exportEnded);
        context.put(LAST_CALL_PURGED, batch != null);
        if (batch == null) {
            if (exportEnded) {
                return RepeatStatus.FINISHED; // the export beside us is over and everything it wrote is purged
            }
            awaitExport(step, seen);
            return RepeatStatus.CONTINUABLE; // commits nothing but the step's progress; checks for a stop request
        }
        long started = System.nanoTime();
        ArchiveSources sources = catalog.inspect();
        checkSameTables(batch, sources);
        long[] runIds = ledger.runs(batch.id(), RunState.PLANNED, properties.purgeBatchSize());
        if (runIds.length == 0) {
            finishBatch(batch, sources, context);
        } else {
            purge(batch, sources, runIds, contribution, context);
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        context.putLong(
                TRANSACTIONS, context.getLong(TRANSACTIONS, 0L) + 1); // after the work: a retried call counts once
        context.putLong(MAX_TRANSACTION_MS, Math.max(context.getLong(MAX_TRANSACTION_MS, 0L), elapsedMs));
        context.putLong(TRANSACTION_MS_TOTAL, context.getLong(TRANSACTION_MS_TOTAL, 0L) + elapsedMs);
        return RepeatStatus.CONTINUABLE;
    }

    /**
     * The batch to purge now, or null to wait: claims the oldest WRITTEN batch that no other purger
     * holds, for this call's transaction. Batches are purged in the order they were planned (oldest day
     * first, as a sequential run would): while the export is running, a WRITTEN batch waits for an older
     * one still being exported. Once the export has ended, whatever is WRITTEN is purged.
     */
    private Batch nextBatch(boolean exportEnded) {
        int shard = properties.shard().index();
        Ledger.Claim claimed = ledger.claimWrittenBatch(shard);
        if (claimed == null) {
            return null;
        }
        boolean olderStillExporting = claimed.oldestPlanned() != null
                && claimed.oldestPlanned() < claimed.batch().id();
        return olderStillExporting && !exportEnded ? null : claimed.batch();
    }

    /**
     * Nothing to purge yet: waits (at most a second, so that a stop request is seen) for the export beside
     * this step to write a batch or to end. The ledger query above ran in READ COMMITTED, so the open
     * transaction holds no snapshot and no lock while waiting.
     */
    private void awaitExport(StepExecution step, long seen) throws InterruptedException {
        if (!progress.started(step.getJobExecutionId())
                && Duration.between(step.getStartTime(), LocalDateTime.now()).compareTo(EXPORT_START_TIMEOUT) > 0) {
            throw new IllegalStateException("The export step did not start within " + EXPORT_START_TIMEOUT.toSeconds()
                    + " s of the purge step; nothing more will be written, so the purge stops here");
        }
        progress.await(seen, Duration.ofSeconds(1));
    }

    private void purge(
            Batch batch,
            ArchiveSources sources,
            long[] runIds,
            StepContribution contribution,
            ExecutionContext context) {
        List<String> withoutDelete = privileges.tablesWithoutDelete(sources);
        if (!withoutDelete.isEmpty()) {
            sayCountingFirst(
                    contribution.getStepExecution(),
                    "The role lacks DELETE on " + String.join(", ", withoutDelete),
                    "; config/least-privilege.sql grants it");
        }
        long[] deleted = jdbc.execute((ConnectionCallback<long[]>) con -> {
            try (var statement = con.createStatement()) {
                // lock_timeout (archiver.database.lock-timeout): never wait long on the backend's locks: fail,
                // and a rerun resumes here (set here too, not only per session, so that it holds in any process).
                // synchronous_commit: the ledger marks these runs purged in this same transaction, so a
                // commit lost in a PostgreSQL crash loses both together: the runs are back, still 'planned',
                // and the next launch purges them again (and any later synchronous commit, such as the step's
                // own bookkeeping, makes this one durable). So the purge need not wait for each WAL flush
                // (docs/decisions/0004-asynchronous-commits.md). Both in one round trip.
                statement.execute("SET LOCAL lock_timeout = "
                        + Math.max(0, properties.database().lockTimeout().toMillis())
                        + "; SET LOCAL synchronous_commit = off");
            }
            Set<Long> locked = new HashSet<>();
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.lockEligibleRuns(sources))) {
                ps.setArray(1, Ledger.bigints(con, runIds));
                ps.setArray(
                        2,
                        con.createArrayOf(
                                "text", sources.settings().finishedStatuses().toArray()));
                ps.setObject(3, batch.cutoff().atOffset(ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        locked.add(rs.getLong(1));
                    }
                }
            }
            long[] lockedIds = runIds.length == locked.size()
                    ? runIds
                    : Arrays.stream(runIds).filter(locked::contains).toArray();
            Map<Long, RunStamp> exported =
                    exportedStamps.computeIfAbsent(batch.id(), ledger::stamps).stamps(runIds);
            if (exported.size() != runIds.length) {
                // every run left in a WRITTEN batch was exported (the export released those it did not stream)
                throw new IllegalStateException("Batch " + batch.id() + ": " + (runIds.length - exported.size())
                        + " of " + runIds.length + " runs to purge have no stamp recorded at export; nothing deleted");
            }
            long[] unchanged = withoutDelete.isEmpty()
                    ? deleteIfAllUnchanged(con, sources, batch, lockedIds, exported, contribution.getStepExecution())
                    : null;
            if (unchanged == null) {
                context.putLong(RECOUNTED, context.getLong(RECOUNTED, 0L) + 1);
                unchanged = deleteUnchanged(con, sources, batch, lockedIds, exported);
            }
            return unchanged;
        });
        Set<Long> deletedSet = new HashSet<>();
        Arrays.stream(deleted).forEach(deletedSet::add);
        long[] changed =
                Arrays.stream(runIds).filter(id -> !deletedSet.contains(id)).toArray();
        ledger.markRuns(batch.id(), deleted, RunState.PLANNED, RunState.PURGED);
        ledger.markRuns(batch.id(), changed, RunState.PLANNED, RunState.CHANGED);
        if (changed.length > 0) {
            log.warn(
                    "batch {}: {} runs changed after export and were not deleted (they will be re-archived later): {}",
                    batch.id(),
                    changed.length,
                    Arrays.toString(Arrays.copyOf(changed, Math.min(changed.length, 20))));
        }
        contribution.incrementWriteCount(deleted.length);
        context.putLong(PURGED_RUNS, context.getLong(PURGED_RUNS, 0L) + deleted.length);
    }

    /**
     * The common case in one pass: deletes the locked runs' rows table by table (children first) and
     * checks afterwards, in the same transaction, that what was deleted is exactly what was exported:
     * per table, the rows the deletes returned equal the sum of the runs' exported counts; over all
     * tables, their xmin sum equals the sum of the runs' exported fingerprints; and per table, no more
     * rows went than were returned (PostgreSQL's count of this transaction's deletes, cascades
     * included, so a row of another run reached along a second cascade path shows). Totals, not stamps
     * run by run: the per-run {@code GROUP BY} cost ~0.2 s of PostgreSQL CPU per million rows, and a
     * change after export cannot leave both totals as they were ({@link RunStamps} says why). If anything
     * differs the deletes are rolled back to a savepoint and null is returned: the caller then checks
     * run by run, which finds the changed runs. Half the statements of {@link #deleteUnchanged}, which
     * counts every row before it deletes.
     */
    private long[] deleteIfAllUnchanged(
            Connection con,
            ArchiveSources sources,
            Batch batch,
            long[] runIds,
            Map<Long, RunStamp> exported,
            StepExecution step)
            throws SQLException {
        if (runIds.length == 0) {
            return runIds;
        }
        long[] before = RunStamps.deletedInTransaction(con, sources);
        if (before == null) {
            // a cascade along another path would go unseen
            sayCountingFirst(step, "track_counts is off, so PostgreSQL does not count a transaction's deletes", "");
            return null;
        }
        long[] expectedRows = new long[sources.tables().size()];
        long expectedXminSum = 0;
        for (long id : runIds) {
            RunStamp stamp = exported.get(id);
            for (int t = 0; t < expectedRows.length; t++) {
                expectedRows[t] += stamp.rowCounts()[t];
            }
            expectedXminSum += stamp.fingerprint();
        }
        Savepoint savepoint = con.setSavepoint();
        RunStamps.Deleted deleted = RunStamps.delete(con, sources, runIds);
        boolean exact = Arrays.equals(deleted.rowsPerTable(), expectedRows)
                && deleted.xminSum() == expectedXminSum
                && Arrays.equals(deletedSince(con, sources, before), deleted.rowsPerTable());
        if (exact) {
            con.releaseSavepoint(savepoint);
            return runIds;
        }
        con.rollback(savepoint);
        log.info(
                "batch {}: some of {} runs changed since export or share rows with another run; checking them one by one",
                batch.id(),
                runIds.length);
        return null;
    }

    /** Says why the purge counts first instead of deleting and checking after, once per launch however many purgers run into it. */
    private void sayCountingFirst(StepExecution step, String why, String remedy) {
        if (saidCountingFirst.add(step.getJobExecutionId())) {
            log.info(
                    "{}: each purge transaction counts its runs' rows before the cascading delete (slower{})",
                    why,
                    remedy);
        }
    }

    /** Rows deleted from each source table in this transaction since {@code before} ({@link RunStamps#deletedInTransaction}). */
    private static long[] deletedSince(Connection con, ArchiveSources sources, long[] before) throws SQLException {
        long[] now = RunStamps.deletedInTransaction(con, sources);
        return IntStream.range(0, now.length).mapToLong(t -> now[t] - before[t]).toArray();
    }

    /**
     * Counts the locked runs' rows, then deletes (by cascade) those whose stamp is unchanged and whose
     * deletion reaches no other run's rows; checks that the cascade removed no row it did not count.
     */
    private long[] deleteUnchanged(
            Connection con, ArchiveSources sources, Batch batch, long[] runIds, Map<Long, RunStamp> exported)
            throws SQLException {
        Map<Long, RunStamp> now = RunStamps.count(con, sources, runIds);
        long[] unchanged = Arrays.stream(runIds)
                .filter(id -> exported.get(id).sameAs(now.get(id)))
                .toArray();
        unchanged = withoutCrossRunRows(con, sources, batch, unchanged);
        if (unchanged.length == 0) {
            return unchanged;
        }
        long[] before = RunStamps.deletedInTransaction(con, sources);
        try (PreparedStatement ps = con.prepareStatement(ArchiveSql.deleteRuns(sources))) {
            ps.setArray(1, Ledger.bigints(con, unchanged));
            int count = ps.executeUpdate();
            if (count != unchanged.length) {
                throw new IllegalStateException(
                        "Deleted " + count + " runs of batch " + batch.id() + ", expected " + unchanged.length);
            }
        }
        long[] removed = before == null ? null : deletedSince(con, sources, before);
        for (int t = 0; removed != null && t < removed.length; t++) {
            int table = t;
            long counted = Arrays.stream(unchanged)
                    .map(id -> now.get(id).rowCounts()[table])
                    .sum();
            if (removed[t] != counted) {
                // a row added meanwhile along a path the run lock does not cover: roll the whole transaction back
                throw new IllegalStateException("Deleting " + unchanged.length + " runs of batch " + batch.id()
                        + " removed "
                        + removed[t] + " rows of " + sources.tables().get(t).name() + " where " + counted
                        + " were counted and archived; rolled back, nothing deleted (rerun to retry)");
            }
        }
        return unchanged;
    }

    /**
     * Keeps out of the delete every run whose deletion would cascade, along a table's other path, to a
     * row archived with a run that is not deleted now (inconsistent data, e.g. an LLM call whose
     * run_id and step's run differ). Repeated until no such run is left, since keeping one run out can
     * expose another.
     */
    private long[] withoutCrossRunRows(Connection con, ArchiveSources sources, Batch batch, long[] runIds)
            throws SQLException {
        long[] kept = runIds;
        for (boolean changed = true; changed && kept.length > 0; ) {
            changed = false;
            for (var table : sources.tables()) {
                for (String sql : sources.crossRunRowsSql(table)) {
                    Set<Long> offenders = new HashSet<>();
                    try (PreparedStatement ps = con.prepareStatement(sql)) {
                        ps.setArray(1, Ledger.bigints(con, kept));
                        ps.setArray(2, Ledger.bigints(con, kept));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                offenders.add(rs.getLong(1));
                                log.warn(
                                        "batch {}: deleting run {} would also delete {} rows of {} that belong to another run's archive;"
                                                + " keeping it (fix the data, or archive both runs together)",
                                        batch.id(),
                                        rs.getLong(1),
                                        rs.getLong(2),
                                        table.name());
                            }
                        }
                    }
                    if (!offenders.isEmpty()) {
                        kept = Arrays.stream(kept)
                                .filter(id -> !offenders.contains(id))
                                .toArray();
                        changed = true;
                    }
                }
            }
        }
        return kept;
    }

    /** All runs handled: drop the changed ones from the files, release them, and mark the batch PURGED. */
    private void finishBatch(Batch batch, ArchiveSources sources, ExecutionContext context) throws Exception {
        long[] changed = ledger.runs(batch.id(), RunState.CHANGED, Integer.MAX_VALUE);
        if (changed.length > 0) {
            batchFiles.dropRuns(batch.id(), sources, changed);
            ledger.markRuns(batch.id(), changed, RunState.CHANGED, RunState.RELEASED);
            context.putLong(RELEASED_RUNS, context.getLong(RELEASED_RUNS, 0L) + changed.length);
            refoldStatistics(batch, sources);
        }
        // in the transaction that closes the batch: its statistics count exactly once
        statistics.mergeBatch(batch.id(), batch.dt());
        ledger.markPurged(batch.id());
        exportedStamps.remove(batch.id());
        log.info(
                "purged batch {} dt={}{}",
                batch.id(),
                batch.dt(),
                changed.length > 0 ? " (" + changed.length + " runs released)" : "");
    }

    /** The batch's statistics must describe what stays archived: fold them again from its rewritten steps file. */
    private void refoldStatistics(Batch batch, ArchiveSources sources) throws IOException {
        ArchiverProperties.Stats settings = properties.stats();
        if (!settings.enabled() || !sources.tableNames().contains(settings.table())) {
            return;
        }
        StepStatistics folded = new StepStatistics(settings);
        String file = ledger.files(batch.id()).get(settings.table()).path();
        try (ParquetReader<GenericRecord> reader = archive.reader(file)) {
            for (GenericRecord step; (step = reader.read()) != null; ) {
                folded.add(step);
            }
        }
        statistics.saveBatch(batch.id(), folded.byStepName());
    }

    /** A batch written under another cascade set must not be purged by this one: its stamps mean other tables. */
    private void checkSameTables(Batch batch, ArchiveSources sources) {
        List<String> exported = batch.tables();
        if (!exported.equals(sources.tableNames())) {
            throw new IllegalStateException("Batch " + batch.id() + " archived tables " + exported
                    + " but a run's deletion now cascades to " + sources.tableNames()
                    + "; re-export needed before deleting (the schema changed since export).");
        }
    }
}
