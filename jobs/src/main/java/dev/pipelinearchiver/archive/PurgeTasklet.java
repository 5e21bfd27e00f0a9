package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.stats.StatisticsStore;
import java.io.IOException;
import java.time.Duration;
import java.time.LocalDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Deletes archived runs while the export step beside it is still writing batches (it waits for a batch
 * to be WRITTEN, and ends once the export has ended and every WRITTEN batch is purged). Several run
 * side by side ({@code purge-threads}), each on a batch of its own.
 *
 * <p>One short transaction per call (the step commits after each call): throttles, claims the oldest WRITTEN
 * batch (or waits for the export), and hands its next runs to {@link BatchPurge} ({@link VerifiedDelete}, then
 * the ledger's run marks, in a REPEATABLE READ transaction of their own while this one keeps the claim). The
 * call that finds no run left closes the batch ({@link BatchClosing}, READ COMMITTED, in this call's transaction).
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
    private final BatchClosing closing;
    private final Throttle throttle;
    private final ExportProgress progress;
    private final ArchiverProperties properties;
    /**
     * Shared by the purgers; dropped when a purger starts ({@link #beforeStep}; a TaskletStep registers its
     * tasklet as a listener when it is one), so nothing an earlier launch in the same JVM read is used.
     */
    private final ExportedStamps stamps;

    private final BatchPurge batchPurge;

    PurgeTasklet(
            Ledger ledger,
            SourceCatalog catalog,
            BatchFiles batchFiles,
            ParquetArchive archive,
            StatisticsStore statistics,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            Throttle throttle,
            ExportProgress progress,
            ArchiverProperties properties) {
        this.ledger = ledger;
        this.progress = progress;
        this.throttle = throttle;
        this.catalog = catalog;
        this.closing = new BatchClosing(ledger, batchFiles, archive, statistics, properties.stats());
        this.properties = properties;
        this.stamps = new ExportedStamps(ledger);
        this.batchPurge = new BatchPurge(ledger, jdbc, transactionManager, properties, stamps);
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        stamps.clear();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        ExecutionContext context = step.getExecutionContext();
        batchPurge.countPurgedByFailedCalls(contribution, context); // first: a call that stops here still counts them
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
        BatchPurge.checkSameTables(batch, sources);
        long[] runIds = ledger.runs(batch.id(), RunState.PLANNED, properties.purgeBatchSize());
        if (runIds.length == 0) {
            finishBatch(batch, sources, context);
        } else {
            batchPurge.purge(batch, sources, runIds, contribution, context);
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

    /** All runs handled: close the batch (files without the changed runs, statistics, PURGED). */
    private void finishBatch(Batch batch, ArchiveSources sources, ExecutionContext context) throws IOException {
        long released = closing.close(batch, sources);
        context.putLong(RELEASED_RUNS, context.getLong(RELEASED_RUNS, 0L) + released);
        stamps.forget(batch.id());
    }
}
