package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.BatchFiles;
import dev.pipelinearchiver.archive.RunRows;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.restore.RestoreLedger.ArchivedRun;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.stats.StatisticsStore;
import dev.pipelinearchiver.stats.StepStatistics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Puts archived runs back into PostgreSQL, identical (same ids, every column, NULLs), then takes them out
 * of the archive, keeping "every run in PostgreSQL or in the archive, exactly once". Per archive batch:
 *
 * <ol>
 *   <li>one transaction inserts the runs' rows of every archived table (parents before children),
 *       checks them against the row counts recorded at export, and marks the runs {@code restored}
 *       in the ledger (an open state: no archive launch plans them meanwhile);
 *   <li>a second transaction rewrites the batch's files without those runs ({@link BatchFiles#dropRuns},
 *       which records the new files in that transaction) and marks the runs {@code released}, so a
 *       later archive launch archives them again like any other run.
 * </ol>
 *
 * A crash between or during the two leaves runs {@code restored}; every restore first finishes those
 * (dropping runs from a file is idempotent). Runs that already exist in PostgreSQL are never inserted
 * twice: restore refuses, or skips them when asked.
 */
@Component
public class RunRestorer {

    private static final Logger log = LoggerFactory.getLogger(RunRestorer.class);

    private final SourceCatalog catalog;
    private final RestoreCatalog restoreCatalog;
    private final RestoreLedger ledger;
    private final BatchFiles batchFiles;
    private final ParquetArchive archive;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final StatisticsStore statistics;
    private final ArchiverProperties properties;
    private final ArchivedBatches batches;

    RunRestorer(
            SourceCatalog catalog,
            RestoreCatalog restoreCatalog,
            RestoreLedger ledger,
            BatchFiles batchFiles,
            ParquetArchive archive,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            StatisticsStore statistics,
            ArchiverProperties properties,
            ArchivedBatches batches) {
        this.batches = batches;
        this.statistics = statistics;
        this.properties = properties;
        this.catalog = catalog;
        this.restoreCatalog = restoreCatalog;
        this.ledger = ledger;
        this.batchFiles = batchFiles;
        this.archive = archive;
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /**
     * Restores the requested runs.
     *
     * @throws RestoreException when restoring would duplicate runs, a run is unknown, or the archive does
     *     not hold what the ledger recorded; batches restored before the failure stay restored
     */
    public RestoreReport restore(RestoreRequest request) {
        return restore(request, true);
    }

    /** {@code release = false} stops after the insert transactions, as a crash there would (for tests). */
    RestoreReport restore(RestoreRequest request, boolean release) {
        archive.checkWritable(); // before any insert: the files must be rewritable afterwards
        ArchiveSources sources = catalog.inspect();
        RestorePlan plan = restoreCatalog.plan(sources);
        int finishedEarlier = 0;
        for (long batchId : ledger.batchesWithRestoredRuns()) {
            finishedEarlier += release(batchId, sources);
        }
        List<ArchivedRun> archived =
                request.dt() != null ? ledger.archivedRuns(request.dt()) : ledger.archivedRuns(request.runIds());
        ArchivedBatches.checkArchivedOnce(archived);
        ArchivedBatches.checkPurgeFinished(archived);
        List<Long> alreadyRestored =
                request.runIds() == null ? List.of() : notArchived(request.runIds(), archived, sources);
        long[] archivedIds = archived.stream().mapToLong(ArchivedRun::runId).toArray();
        List<Long> existing = ledger.existingRuns(sources, archivedIds);
        if (!existing.isEmpty() && !request.skipExisting()) {
            throw new RestoreException(
                    "Refusing to restore: runs " + RestoreReport.ids(existing) + " are archived but already exist in"
                            + " PostgreSQL, and restoring would duplicate them; nothing was restored (--skip-existing restores the others).");
        }
        Set<Long> skip = new HashSet<>(existing);
        Map<Long, List<ArchivedRun>> byBatch = new TreeMap<>(archived.stream()
                .filter(run -> !skip.contains(run.runId()))
                .collect(Collectors.groupingBy(ArchivedRun::batchId)));
        Set<String> notes = new LinkedHashSet<>(); // the same note from several batches is said once
        // every batch checked against today's schema before any is restored: a refusal restores nothing
        Map<Long, RestorePlan> plans = new HashMap<>();
        for (long batchId : byBatch.keySet()) {
            RestorePlan archivedPlan = batches.archivedPlan(batchId, plan, notes);
            batches.checkColumns(batchId, archivedPlan);
            plans.put(batchId, archivedPlan);
        }
        List<RestoreReport.Batch> restored = new ArrayList<>();
        for (List<ArchivedRun> runs : byBatch.values()) {
            ArchivedRun first = runs.get(0);
            long started = System.nanoTime();
            long[] runIds = runs.stream().mapToLong(ArchivedRun::runId).toArray();
            Map<String, Long> rows = insert(first.batchId(), runIds, plans.get(first.batchId()), notes);
            if (release) {
                release(first.batchId(), sources);
            }
            RestoreReport.Batch batch = new RestoreReport.Batch(
                    first.batchId(), first.dt(), runIds.length, rows, (System.nanoTime() - started) / 1_000_000);
            log.info(batch.line());
            restored.add(batch);
        }
        return new RestoreReport(
                request.describe(),
                restored,
                finishedEarlier,
                alreadyRestored,
                List.copyOf(existing),
                List.copyOf(notes));
    }

    /** First transaction: the runs' rows back into PostgreSQL, and the runs marked restored. */
    private Map<String, Long> insert(long batchId, long[] runIds, RestorePlan plan, Set<String> notes) {
        ArchiveSources sources = plan.sources();
        return transactions.execute(status -> jdbc.execute((ConnectionCallback<Map<String, Long>>) con -> {
            ledger.lock(batchId);
            Set<Long> purged = new HashSet<>();
            Arrays.stream(ledger.runs(batchId, RunState.PURGED)).forEach(purged::add);
            if (!Arrays.stream(runIds).allMatch(purged::contains)) {
                throw new RestoreException(
                        "Batch " + batchId + " changed while this restore was starting (another restore?); rerun it.");
            }
            List<Long> existing = ledger.existingRuns(sources, runIds);
            if (!existing.isEmpty()) {
                throw new RestoreException(
                        "Refusing to restore batch " + batchId + ": runs " + RestoreReport.ids(existing)
                                + " appeared in PostgreSQL meanwhile; restoring would duplicate them.");
            }
            try (Statement statement = con.createStatement()) {
                statement.execute("SET CONSTRAINTS ALL DEFERRED"); // helps only deferrable keys (a self-reference, say)
            }
            Map<String, String> files = ledger.files(batchId);
            RunRows selection = new RunRows(sources, runIds);
            Map<String, Long> sequenceMaxima = new HashMap<>();
            Map<String, Long> rows = new LinkedHashMap<>();
            StepStatistics restoredSteps = new StepStatistics(properties.stats());
            for (TargetTable table : plan.insertOrder()) {
                String path = files.get(table.name());
                if (path == null) {
                    throw new RestoreException(
                            "Batch " + batchId + " has no archive file of " + table.name() + " in the ledger.");
                }
                boolean folded = properties.stats().enabled()
                        && table.name().equals(properties.stats().table());
                rows.put(
                        table.name(),
                        insertTable(con, table, path, selection, sequenceMaxima, notes, folded ? restoredSteps : null));
            }
            String difference = selection.difference(batchId, ledger.rowCounts(batchId, runIds));
            if (difference != null) {
                throw new RestoreException(difference + "; nothing of the batch was restored (run verify).");
            }
            SequenceGuard.check(con, sequenceMaxima, notes);
            if (ledger.markRuns(batchId, runIds, RunState.PURGED, RunState.RESTORED) != runIds.length) {
                throw new IllegalStateException(
                        "Batch " + batchId + ": not every restored run was still purged in the ledger");
            }
            // same transaction: the day's statistics no longer count what is back in PostgreSQL
            statistics.subtractRestored(batchId, restoredSteps.byStepName());
            return rows;
        }));
    }

    private long insertTable(
            Connection con,
            TargetTable table,
            String path,
            RunRows selection,
            Map<String, Long> sequenceMaxima,
            Set<String> notes,
            StepStatistics restoredSteps)
            throws SQLException {
        RowInserter inserter = null;
        try (ParquetReader<GenericRecord> reader = archive.reader(path)) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                if (selection.runOf(table.source(), record) != null) {
                    if (inserter == null) {
                        inserter = new RowInserter(con, table, record.getSchema(), notes);
                    }
                    inserter.insert(record);
                    if (restoredSteps != null) {
                        restoredSteps.add(record);
                    }
                }
            }
            if (inserter == null) {
                return 0;
            }
            long rows = inserter.finish();
            inserter.sequenceMaxima().forEach((sequence, max) -> sequenceMaxima.merge(sequence, max, Math::max));
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
        } finally {
            if (inserter != null) {
                inserter.close();
            }
        }
    }

    /**
     * Second transaction: the batch's restored runs out of its files, then released. Returns how many.
     * Also finishes what an interrupted restore left (any run of the batch still {@code restored}).
     */
    int release(long batchId, ArchiveSources sources) {
        Integer released = transactions.execute(status -> {
            ledger.lock(batchId);
            long[] runs = ledger.runs(batchId, RunState.RESTORED);
            if (runs.length == 0) {
                return 0;
            }
            try {
                batchFiles.dropRuns(batchId, batches.archivedSources(batchId, sources), runs);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot rewrite the files of batch " + batchId + ": " + e.getMessage(), e);
            }
            return ledger.markRuns(batchId, runs, RunState.RESTORED, RunState.RELEASED);
        });
        return released == null ? 0 : released;
    }

    /** Requested runs the archive does not hold: those in PostgreSQL were restored before; any other is an error. */
    private List<Long> notArchived(List<Long> requested, List<ArchivedRun> archived, ArchiveSources sources) {
        Set<Long> archivedIds = archived.stream().map(ArchivedRun::runId).collect(Collectors.toSet());
        long[] others = requested.stream()
                .distinct()
                .filter(id -> !archivedIds.contains(id))
                .mapToLong(Long::longValue)
                .toArray();
        List<Long> inPostgres = ledger.existingRuns(sources, others);
        List<Long> unknown = Arrays.stream(others)
                .filter(id -> !inPostgres.contains(id))
                .boxed()
                .toList();
        if (!unknown.isEmpty()) {
            throw new RestoreException("Runs " + RestoreReport.ids(unknown)
                    + " are neither in the archive nor in PostgreSQL; nothing was restored.");
        }
        return inPostgres;
    }
}
