package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.stats.StatisticsStore;
import dev.pipelinearchiver.stats.StepStatistics;
import java.io.IOException;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a batch whose runs are all purged or changed, in the caller's transaction: rewrites its files
 * without the changed runs and releases them, re-folds the batch's statistics from what stays archived,
 * merges them into the day's, and marks the batch PURGED.
 */
final class BatchClosing {

    private static final Logger log = LoggerFactory.getLogger(BatchClosing.class);

    private final Ledger ledger;
    private final BatchFiles batchFiles;
    private final ParquetArchive archive;
    private final StatisticsStore statistics;
    private final ArchiverProperties.Stats settings;

    BatchClosing(
            Ledger ledger,
            BatchFiles batchFiles,
            ParquetArchive archive,
            StatisticsStore statistics,
            ArchiverProperties.Stats settings) {
        this.ledger = ledger;
        this.batchFiles = batchFiles;
        this.archive = archive;
        this.statistics = statistics;
        this.settings = settings;
    }

    /** Closes the batch; returns how many changed runs it released. */
    long close(Batch batch, ArchiveSources sources) throws IOException {
        long[] changed = ledger.runs(batch.id(), RunState.CHANGED, Integer.MAX_VALUE);
        if (changed.length > 0) {
            batchFiles.dropRuns(batch.id(), sources, changed);
            ledger.markRuns(batch.id(), changed, RunState.CHANGED, RunState.RELEASED);
            refoldStatistics(batch, sources);
        }
        // in the transaction that closes the batch: its statistics count exactly once
        statistics.mergeBatch(batch.id(), batch.dt());
        ledger.markPurged(batch.id());
        log.info(
                "purged batch {} dt={}{}",
                batch.id(),
                batch.dt(),
                changed.length > 0 ? " (" + changed.length + " runs released)" : "");
        return changed.length;
    }

    /** The batch's statistics must describe what stays archived: fold them again from its rewritten steps file. */
    private void refoldStatistics(Batch batch, ArchiveSources sources) throws IOException {
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
}
