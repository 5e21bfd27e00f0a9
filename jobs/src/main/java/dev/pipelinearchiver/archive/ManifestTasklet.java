package dev.pipelinearchiver.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pipelinearchiver.archive.Ledger.TouchedBatch;
import dev.pipelinearchiver.database.CommitsLostException;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Writes the job execution's manifest last, under {@code <root>/_manifests/}: every batch this
 * execution wrote or purged, with its files, row counts and checksums, so a reader can tell a complete
 * launch from a partial one without asking PostgreSQL. Only what the ledger holds durably: the launch's
 * commits are made durable first, and a ledger that lost some of them in a crash fails the step (the
 * launch then redoes what was lost, and writes the manifest after that).
 */
class ManifestTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(ManifestTasklet.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Ledger ledger;
    private final ParquetArchive archive;
    private final DataSource dataSource;
    private final int shard;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    ManifestTasklet(Ledger ledger, ParquetArchive archive, DataSource dataSource, int shard) {
        this.ledger = ledger;
        this.archive = archive;
        this.dataSource = dataSource;
        this.shard = shard;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        AsyncCommits.flush(dataSource); // the manifest lists only purges a crash cannot take back
        // Every batch the export wrote was purged before this step; one open now means that PostgreSQL crashed
        // and lost the purge's latest (asynchronous) commits: the launch redoes them before any manifest.
        List<Long> open = ledger.openBatches(shard);
        if (!open.isEmpty()) {
            throw new CommitsLostException(open.size() + " batches of shard " + shard + " are open again in the ledger"
                    + " (e.g. batch " + open.get(0) + "): the database lost commits of this launch; resuming them");
        }
        JobExecution execution =
                chunkContext.getStepContext().getStepExecution().getJobExecution();
        Instant started = execution
                .getStartTime()
                .atZone(java.time.ZoneId.systemDefault())
                .toInstant();
        List<Map<String, Object>> batches = new ArrayList<>();
        Map<String, long[]> totals = new TreeMap<>(); // table -> {files, rows, bytes}
        long runsPurged = 0;
        long runsReleased = 0;
        for (TouchedBatch batch : ledger.batchesTouchedSince(shard, started)) {
            List<Map<String, Object>> files = new ArrayList<>();
            for (Map.Entry<String, WrittenFile> file : new TreeMap<>(ledger.files(batch.batchId())).entrySet()) {
                WrittenFile f = file.getValue();
                files.add(ordered(
                        "table",
                        file.getKey(),
                        "path",
                        f.path(),
                        "rows",
                        f.rows(),
                        "bytes",
                        f.bytes(),
                        "sha256",
                        f.sha256()));
                long[] t = totals.computeIfAbsent(file.getKey(), k -> new long[3]);
                t[0]++;
                t[1] += f.rows();
                t[2] += f.bytes();
            }
            batches.add(ordered(
                    "batch",
                    batch.batchId(),
                    "dt",
                    batch.dt().toString(),
                    "state",
                    batch.state().value(),
                    "runsPurged",
                    batch.runsPurged(),
                    "runsReleased",
                    batch.runsReleased(),
                    "files",
                    files));
            runsPurged += batch.runsPurged();
            runsReleased += batch.runsReleased();
        }
        Map<String, Object> tableTotals = new LinkedHashMap<>();
        totals.forEach((table, t) -> tableTotals.put(table, ordered("files", t[0], "rows", t[1], "bytes", t[2])));
        Map<String, Object> manifest = ordered(
                "job", execution.getJobInstance().getJobName(),
                "jobInstanceId", execution.getJobInstance().getInstanceId(),
                "jobExecutionId", execution.getId(),
                "shard", shard,
                "cutoff", execution.getJobParameters().getString(ArchiveJobConfiguration.CUTOFF),
                "startedAt", started.toString(),
                "writtenAt", Instant.now().toString(),
                "runsPurged", runsPurged,
                "runsReleased", runsReleased,
                "tables", tableTotals,
                "batches", batches);
        String name = STAMP.format(started) + "-archive-exec" + execution.getId() + "-s" + shard + ".json";
        var path = archive.manifestFile(name);
        archive.writeSmallFile(path, json.writeValueAsBytes(manifest));
        log.info(
                "manifest {}: {} batches, {} runs purged, {} released", path, batches.size(), runsPurged, runsReleased);
        return RepeatStatus.FINISHED;
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
