package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.stats.StatisticsStore;
import dev.pipelinearchiver.stats.StepRowFolder;
import dev.pipelinearchiver.stats.StepStatistics;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Exports one archive batch: for every archived table, streams the batch's rows through a binary COPY
 * ({@link CopyRows}) into a staged Parquet file, tallying each run's stamp (rows per table, xmin sum) from the
 * rows streamed, checks rows streamed = rows in the footer, and renames the file into place; then
 * records files and per-run stamps in the ledger (batch WRITTEN).
 *
 * <p>All tables of a batch are read in one REPEATABLE READ snapshot, so the stamps describe exactly the
 * rows archived even while the backend writes, and equal what the purge's re-count ({@link RunStamps#count})
 * finds as long as the run is unchanged. The runs table is streamed first and decides which runs exist:
 * a row of another table for a run it did not stream fails the export. A batch interrupted half-way is
 * exported again from scratch: file names are deterministic, so the rerun overwrites instead of
 * duplicating.
 */
class ExportBatchTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(ExportBatchTasklet.class);

    /** For the export's transaction only; the job's other statements keep {@code statement_timeout} (SessionTimeouts). */
    static final String NO_STATEMENT_TIMEOUT = "SET LOCAL statement_timeout = 0";

    private final long batchId;
    private final Ledger ledger;
    private final SourceCatalog catalog;
    private final ParquetArchive archive;
    private final DataSource dataSource;
    private final StatisticsStore statistics;
    private final ArchiverProperties properties;

    ExportBatchTasklet(
            long batchId,
            Ledger ledger,
            SourceCatalog catalog,
            ParquetArchive archive,
            DataSource dataSource,
            StatisticsStore statistics,
            ArchiverProperties properties) {
        this.batchId = batchId;
        this.ledger = ledger;
        this.catalog = catalog;
        this.archive = archive;
        this.dataSource = dataSource;
        this.statistics = statistics;
        this.properties = properties;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        Batch batch = ledger.batch(batchId);
        if (batch.state() != BatchState.PLANNED) {
            return RepeatStatus.FINISHED; // exported by an earlier attempt
        }
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        if (Throttle.passed(ArchiveJobConfiguration.deadline(step))) {
            step.setTerminateOnly(); // --max-runtime: leave this batch PLANNED for the next launch
            return RepeatStatus.FINISHED;
        }
        long started = System.nanoTime();
        ArchiveSources sources = catalog.inspect();
        long[] runIds = ledger.runs(batchId, RunState.PLANNED, Integer.MAX_VALUE);
        Map<String, WrittenFile> files = new LinkedHashMap<>();
        RunStamps.Tally tally;
        StepStatistics stepStatistics = null;
        long rowsRead = 0;
        try (Connection con = dataSource.getConnection()) {
            con.setAutoCommit(false); // one snapshot for all tables of the batch
            con.setReadOnly(true);
            con.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            Throwable failure = null;
            try {
                try (Statement statement = con.createStatement()) {
                    // the streaming COPY may run for minutes: not one of the job's short statements
                    statement.execute(NO_STATEMENT_TIMEOUT);
                }
                List<SourceTable> tables = sources.tables();
                if (!tables.get(0).isRunsTable()) {
                    throw new IllegalStateException(
                            "Batch " + batchId + ": the runs table must be exported first, not " + tables.get(0));
                }
                tally = new RunStamps.Tally(tables.size());
                for (int t = 0; t < tables.size(); t++) {
                    SourceTable table = tables.get(t);
                    StepStatistics folded = statisticsOf(table);
                    WrittenFile file = exportTable(con, sources, table, t, batch, runIds, tally, folded);
                    stepStatistics = folded == null ? stepStatistics : folded;
                    files.put(table.name(), file);
                    rowsRead += file.rows();
                }
                con.commit();
            } catch (Exception | Error e) {
                failure = e;
                throw e;
            } finally {
                try {
                    con.rollback(); // nothing to roll back after the commit
                    con.setAutoCommit(true);
                    con.setReadOnly(false);
                } catch (SQLException e) {
                    // a connection lost mid-export fails here too: keep the export's own failure as the cause
                    if (failure == null) {
                        throw e;
                    }
                    failure.addSuppressed(e);
                }
            }
        }
        // counted once the batch's files are written: a call that fails and is retried counts its rows once
        for (long row = 0; row < rowsRead; row++) {
            contribution.incrementReadCount();
        }
        Map<Long, RunStamp> stamps = tally.stamps();
        ledger.recordExport(batchId, sources.tableNames(), stamps, files);
        if (stepStatistics != null) {
            statistics.saveBatch(batchId, stepStatistics.byStepName()); // merged into the day when the batch is purged
        }
        contribution.incrementWriteCount(rows(files));
        // a run deleted by the backend since planning has nothing left to archive or delete
        long[] vanished =
                Arrays.stream(runIds).filter(id -> !stamps.containsKey(id)).toArray();
        ledger.markRuns(batchId, vanished, RunState.PLANNED, RunState.RELEASED);
        double seconds = (System.nanoTime() - started) / 1e9;
        long rows = rows(files);
        long bytes = files.values().stream().mapToLong(WrittenFile::bytes).sum();
        int left =
                ledger.batches(properties.shard().index(), BatchState.PLANNED).size();
        long secondsLeft = Math.round(left * seconds / Math.max(1, Math.min(left, properties.exportThreads())));
        log.info(
                "exported batch {} dt={}: {} runs, {} rows ({}), {} MB in {} s ({} rows/s); {} batches left, about {} to go",
                batchId,
                batch.dt(),
                stamps.size(),
                rows,
                rowsPerTable(files),
                String.format("%.1f", bytes / 1e6),
                String.format("%.2f", seconds),
                Math.round(rows / Math.max(seconds, 1e-3)),
                left,
                String.format("%d:%02d", secondsLeft / 60, secondsLeft % 60));
        return RepeatStatus.FINISHED;
    }

    private WrittenFile exportTable(
            Connection con,
            ArchiveSources sources,
            SourceTable table,
            int tableIndex,
            Batch batch,
            long[] runIds,
            RunStamps.Tally tally,
            StepStatistics stepStatistics)
            throws Exception {
        // writes fields 0..n-1: run key and xmin stay out of the file
        AvroMapping mapping = AvroMapping.of(table, sources.settings().arraysAsText());
        int runKeyField = table.columns().size();
        int xminField = runKeyField + 1;
        // a missing column fails here, before any file
        StepRowFolder statisticsFolder =
                stepStatistics == null ? null : statisticsFolder(table, mapping, stepStatistics);
        var target = archive.file(
                table.name(), batch.dt(), fileName(properties.shard().index(), batchId));
        String copy = sources.copyByRunSql(table, mapping::textOutput, runIds);
        try (var staged = archive.stage(target, mapping);
                CopyRows rows = CopyRows.start(con, copy, xminField + 1)) {
            while (rows.next()) {
                staged.write(rows);
                if (statisticsFolder != null) {
                    statisticsFolder.add(rows); // the values the archived record holds, read from the row's bytes
                }
                long run = rows.integer(runKeyField);
                if (!tally.add(tableIndex, run, rows.int64(xminField, "bigint"))) {
                    throw new IllegalStateException(
                            "Batch " + batchId + ": a row of " + table.name() + " was streamed for run " + run
                                    + ", which " + sources.runs().name() + " did not stream in the same snapshot");
                }
            }
            return staged.commit(); // checks rows streamed = rows in the footer
        }
    }

    /** Statistics are folded from the configured steps table while it streams past, or not at all. */
    private StepStatistics statisticsOf(SourceTable table) {
        ArchiverProperties.Stats settings = properties.stats();
        if (!settings.enabled() || !table.name().equals(settings.table())) {
            return null;
        }
        return new StepStatistics(settings);
    }

    /** Folds the step name, status, duration and error columns (0-based fields); a missing one fails loudly. */
    private StepRowFolder statisticsFolder(SourceTable table, AvroMapping mapping, StepStatistics stepStatistics) {
        ArchiverProperties.Stats settings = properties.stats();
        int[] fields = Stream.of(
                        settings.stepNameColumn(),
                        settings.statusColumn(),
                        settings.durationColumn(),
                        settings.errorColumn())
                .mapToInt(name -> table.columns().indexOf(table.column(name)))
                .toArray();
        return new StepRowFolder(stepStatistics, mapping, fields[0], fields[1], fields[2], fields[3]);
    }

    private static long rows(Map<String, WrittenFile> files) {
        return files.values().stream().mapToLong(WrittenFile::rows).sum();
    }

    static String fileName(int shard, long batchId) {
        return String.format("part" + shardTag(shard) + "b%010d.parquet", batchId);
    }

    /** The part of a data file's name that says which shard wrote it ({@code -s000-}). */
    static String shardTag(int shard) {
        return String.format("-s%03d-", shard);
    }

    private static String rowsPerTable(Map<String, WrittenFile> files) {
        StringBuilder text = new StringBuilder();
        files.forEach((table, file) -> text.append(text.isEmpty() ? "" : ", ")
                .append(table)
                .append(' ')
                .append(file.rows()));
        return text.toString();
    }
}
