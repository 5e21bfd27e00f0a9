package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.source.ArchiveSources;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Purges the next runs of a claimed batch: {@link VerifiedDelete} deletes those that match their export stamps,
 * and the ledger records them PURGED and the others CHANGED, in a transaction of their own beside the caller's.
 *
 * <p>That transaction is REPEATABLE READ and starts with the run lock, so that the rows counted are exactly
 * those the deletes may remove ({@link VerifiedDelete}). The caller's transaction cannot be it: it has already
 * claimed the batch and read the ledger (its isolation is fixed by then), and the batch's closing beside it
 * must stay READ COMMITTED (it merges per-day statistics that other shards update). So the delete and the run
 * marks commit together in a new transaction ({@code REQUIRES_NEW}: a second connection while the caller keeps
 * its claim; {@link ArchiveJobConfiguration} sizes the pool for it), which touches no row the caller holds (the
 * claim is a lock on the batch's {@code archive_batch} row; the marks update {@code batch_run} rows only).
 * If the caller's transaction fails after this one committed, the runs are already marked: its retry takes the
 * runs still 'planned' (docs/decisions/0020-purge-at-repeatable-read.md).
 */
final class BatchPurge {

    private static final Logger log = LoggerFactory.getLogger(BatchPurge.class);

    private final Ledger ledger;
    private final JdbcTemplate jdbc;
    private final ArchiverProperties properties;
    private final SourcePrivileges privileges;
    private final ExportedStamps stamps;
    private final TransactionTemplate deleteTransaction;
    /** Launches (job executions) whose log already says why the purge counts first: the purgers share this. */
    private final Set<Long> saidCountingFirst = ConcurrentHashMap.newKeySet();
    /**
     * Per purger (step execution): runs purged by calls whose own transaction then did not commit. The delete's
     * transaction had committed, but Spring Batch rolls the step's figures back to before the call; the next call
     * counts them ({@link #countPurgedByFailedCalls}).
     */
    private final Map<Long, Long> purgedUncounted = new ConcurrentHashMap<>();

    BatchPurge(
            Ledger ledger,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            ArchiverProperties properties,
            ExportedStamps stamps) {
        this.ledger = ledger;
        this.jdbc = jdbc;
        this.properties = properties;
        this.privileges = new SourcePrivileges(jdbc);
        this.stamps = stamps;
        this.deleteTransaction = new TransactionTemplate(transactionManager);
        // REPEATABLE READ: set by VerifiedDelete's first statement (it fails if anything ran before it)
        deleteTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    void purge(
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
        Map<Long, RunStamp> exported = stamps.of(batch.id(), runIds);
        VerifiedDelete.Recounting recounting = countsOff -> {
            // counted before the recount runs: a recount that fails still shows in the step's figures
            context.putLong(PurgeTasklet.RECOUNTED, context.getLong(PurgeTasklet.RECOUNTED, 0L) + 1);
            if (countsOff) {
                sayCountingFirst(
                        contribution.getStepExecution(),
                        "track_counts is off, so PostgreSQL does not count a transaction's deletes",
                        "");
            }
        };
        boolean countFirst = !withoutDelete.isEmpty();
        // the privileges and the stamps above were read in the caller's transaction: the delete's starts clean
        Marked marked = deleteTransaction.execute(status -> {
            VerifiedDelete.Outcome outcome = jdbc.execute((ConnectionCallback<VerifiedDelete.Outcome>)
                    con -> new VerifiedDelete(sources, properties.database().lockTimeout())
                            .delete(con, batch, runIds, exported, countFirst, recounting));
            Set<Long> deletedSet = new HashSet<>();
            Arrays.stream(outcome.deleted()).forEach(deletedSet::add);
            long[] notDeleted =
                    Arrays.stream(runIds).filter(id -> !deletedSet.contains(id)).toArray();
            ledger.markRuns(batch.id(), outcome.deleted(), RunState.PLANNED, RunState.PURGED);
            ledger.markRuns(batch.id(), notDeleted, RunState.PLANNED, RunState.CHANGED);
            return new Marked(outcome.deleted(), notDeleted);
        });
        long[] deleted = marked.purged();
        long[] changed = marked.changed();
        if (changed.length > 0) {
            log.warn(
                    "batch {}: {} runs changed after export and were not deleted (they will be re-archived later): {}",
                    batch.id(),
                    changed.length,
                    Arrays.toString(Arrays.copyOf(changed, Math.min(changed.length, 20))));
        }
        count(deleted.length, contribution, context);
    }

    /**
     * Counts, in this call, the runs that earlier calls of the same purger purged but could not count: their own
     * transaction failed after the delete's had committed (a lost connection, a conflict at commit).
     */
    void countPurgedByFailedCalls(StepContribution contribution, ExecutionContext context) {
        Long uncounted = purgedUncounted.remove(contribution.getStepExecution().getId());
        if (uncounted != null) {
            count(uncounted, contribution, context);
        }
    }

    /** Adds purged runs to the step's figures; if this call's transaction does not commit, a later call adds them. */
    private void count(long purged, StepContribution contribution, ExecutionContext context) {
        if (purged == 0) {
            return;
        }
        contribution.incrementWriteCount(purged);
        context.putLong(PurgeTasklet.PURGED_RUNS, context.getLong(PurgeTasklet.PURGED_RUNS, 0L) + purged);
        long purger = contribution.getStepExecution().getId();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                if (status != STATUS_COMMITTED) { // Spring Batch restores the figures from before the call
                    purgedUncounted.merge(purger, purged, Long::sum);
                }
            }
        });
    }

    /** The runs the delete transaction marked PURGED and CHANGED. */
    private record Marked(long[] purged, long[] changed) {}

    /** Says why the purge counts first instead of deleting and checking after, once per launch however many purgers run into it. */
    private void sayCountingFirst(StepExecution step, String why, String remedy) {
        if (saidCountingFirst.add(step.getJobExecutionId())) {
            log.info(
                    "{}: each purge transaction counts its runs' rows before the cascading delete (slower{})",
                    why,
                    remedy);
        }
    }

    /** A batch written under another cascade set must not be purged by this one: its stamps mean other tables. */
    static void checkSameTables(Batch batch, ArchiveSources sources) {
        List<String> exported = batch.tables();
        if (!exported.equals(sources.tableNames())) {
            throw new IllegalStateException("Batch " + batch.id() + " archived tables " + exported
                    + " but a run's deletion now cascades to " + sources.tableNames()
                    + "; re-export needed before deleting (the schema changed since export).");
        }
    }
}
