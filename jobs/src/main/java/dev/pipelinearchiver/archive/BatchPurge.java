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

/**
 * Purges the next runs of a claimed batch in the caller's transaction: {@link VerifiedDelete} deletes those that
 * match their export stamps, and the ledger records them PURGED and the others CHANGED, with the step's figures.
 */
final class BatchPurge {

    private static final Logger log = LoggerFactory.getLogger(BatchPurge.class);

    private final Ledger ledger;
    private final JdbcTemplate jdbc;
    private final ArchiverProperties properties;
    private final SourcePrivileges privileges;
    private final ExportedStamps stamps;
    /** Launches (job executions) whose log already says why the purge counts first: the purgers share this. */
    private final Set<Long> saidCountingFirst = ConcurrentHashMap.newKeySet();

    BatchPurge(Ledger ledger, JdbcTemplate jdbc, ArchiverProperties properties, ExportedStamps stamps) {
        this.ledger = ledger;
        this.jdbc = jdbc;
        this.properties = properties;
        this.privileges = new SourcePrivileges(jdbc);
        this.stamps = stamps;
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
        VerifiedDelete.Outcome outcome = jdbc.execute((ConnectionCallback<VerifiedDelete.Outcome>)
                con -> new VerifiedDelete(sources, properties.database().lockTimeout())
                        .delete(con, batch, runIds, exported, !withoutDelete.isEmpty(), recounting));
        long[] deleted = outcome.deleted();
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
        context.putLong(PurgeTasklet.PURGED_RUNS, context.getLong(PurgeTasklet.PURGED_RUNS, 0L) + deleted.length);
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
