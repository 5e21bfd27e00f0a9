package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rewrites the {@code step_stats} dataset for every day whose figures changed (a batch of that day was
 * purged since its day file was last written): {@code <root>/step_stats/dt=YYYY-MM-DD/step_stats.parquet},
 * the whole day from {@code archiver.step_stats}, replaced atomically, one shard at a time per day (an
 * advisory lock). Idempotent, so a restart simply writes the day again.
 */
public class StepStatsTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(StepStatsTasklet.class);

    static final String DATASET = "step_stats";
    static final String FILE_NAME = "step_stats.parquet";

    /**
     * First key of the transaction-level advisory lock that serialises the writing of one day's file
     * ("pstd"); the second is the day (epoch day). Shards archive different runs of the same days, each
     * with its own statistics step: without it, one shard could read a day before the other's batches
     * were merged and write its file after the other's, leaving it without them until the day changes again.
     */
    public static final int DAY_LOCK_CLASS = 0x70737464;

    /** Day files written side by side: small files, most of whose time is two fsyncs. */
    private static final int FILE_WRITERS = 4;

    /**
     * The version of the step_stats contract these files follow, in the schema's {@code version} property.
     * 1: the figures and top errors; 2 adds {@link #HISTOGRAM}, so that figures over several days (percentiles
     * included) can be computed from the files alone (docs/statistics.md).
     */
    public static final int CONTRACT_VERSION = 2;

    /** The day's duration histogram: HdrHistogram's compressed encoding (version 2 of the contract). */
    public static final String HISTOGRAM = "duration_histogram";

    /** The published schema of the step_stats dataset (schema/avro/step_stats.avsc). */
    public static final Schema SCHEMA = SchemaBuilder.record(DATASET)
            .namespace(AvroMapping.NAMESPACE)
            .doc("Per-step statistics of one day (dt, in the path): the runs' finished date in UTC")
            .prop("version", CONTRACT_VERSION)
            .fields()
            .requiredString("step_name")
            .requiredLong("calls")
            .requiredLong("ok")
            .requiredLong("skipped")
            .requiredLong("errors")
            .requiredLong("other_status")
            .requiredDouble("error_rate")
            .optionalLong("duration_ms_min")
            .optionalDouble("duration_ms_mean")
            .optionalLong("duration_ms_max")
            .optionalLong("duration_ms_p50")
            .optionalLong("duration_ms_p90")
            .optionalLong("duration_ms_p95")
            .optionalLong("duration_ms_p99")
            .requiredLong("duration_ms_total")
            .requiredLong("invalid_durations")
            .name("top_errors")
            .type()
            .array()
            .items(SchemaBuilder.record("error_pattern")
                    .namespace(AvroMapping.NAMESPACE)
                    .fields()
                    .requiredString("pattern")
                    .requiredLong("count")
                    .requiredString("example")
                    .endRecord())
            .noDefault()
            .name(HISTOGRAM)
            .doc("The day's valid durations (ms) as an HdrHistogram (1 ms to 1 day, 3 significant digits) in its"
                    + " compressed encoding (Histogram.encodeIntoCompressedByteBuffer); histograms of several days add"
                    + " up. Since version 2; absent from version 1 files")
            .type()
            .optional()
            .bytesType()
            .endRecord();

    private final StatisticsStore store;
    private final ParquetArchive archive;
    private final JdbcTemplate jdbc;
    private final ArchiverProperties properties;

    public StepStatsTasklet(
            StatisticsStore store, ParquetArchive archive, JdbcTemplate jdbc, ArchiverProperties properties) {
        this.store = store;
        this.archive = archive;
        this.jdbc = jdbc;
        this.properties = properties;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        int shard = properties.shard().index();
        List<LocalDate> days = jdbc.queryForList(StatsSql.DAYS_TO_WRITE, LocalDate.class, shard);
        if (days.isEmpty()) {
            return RepeatStatus.FINISHED;
        }
        // held until this step's transaction commits, i.e. after the files are in place and marked written;
        // taken in day order, as every shard does, so that two shards cannot deadlock
        for (LocalDate day : days) {
            jdbc.queryForList(StatsSql.LOCK_DAY_FILE, DAY_LOCK_CLASS, Math.toIntExact(day.toEpochDay()));
        }
        // the figures of every day in two queries, read after the locks (a day's other shard has finished merging)
        Map<LocalDate, List<DailyStepStats>> figures = new HashMap<>();
        for (DailyStepStats stats : store.read(
                days.get(0), days.get(days.size() - 1), null, properties.stats().topErrors())) {
            figures.computeIfAbsent(stats.dt(), day -> new ArrayList<>()).add(stats);
        }
        // the files side by side, each written, synced and renamed and its directory synced: those waits overlap
        ExecutorService writers = Executors.newFixedThreadPool(
                Math.min(FILE_WRITERS, days.size()), task -> new Thread(task, "stats-files"));
        try {
            List<Future<Integer>> written = new ArrayList<>();
            for (LocalDate day : days) {
                written.add(writers.submit(() -> writeDay(day, figures.getOrDefault(day, List.of()))));
            }
            for (Future<Integer> rows : written) {
                contribution.incrementWriteCount(rows.get());
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            writers.shutdownNow();
        }
        jdbc.update(
                StatsSql.MARK_WRITTEN,
                shard,
                days.stream().map(LocalDate::toString).toArray(String[]::new));
        log.info(
                "step statistics: rewrote {} day files of dataset {} ({} .. {})",
                days.size(),
                DATASET,
                days.get(0),
                days.get(days.size() - 1));
        return RepeatStatus.FINISHED;
    }

    private int writeDay(LocalDate day, List<DailyStepStats> figures) throws IOException {
        try (var staged = archive.stage(archive.file(DATASET, day, FILE_NAME), SCHEMA)) {
            for (DailyStepStats stats : figures) {
                staged.write(record(stats));
            }
            staged.commit();
        }
        return figures.size();
    }

    static GenericRecord record(DailyStepStats s) {
        GenericData.Record record = new GenericData.Record(SCHEMA);
        record.put("step_name", s.stepName());
        record.put("calls", s.calls());
        record.put("ok", s.ok());
        record.put("skipped", s.skipped());
        record.put("errors", s.errors());
        record.put("other_status", s.otherStatus());
        record.put("error_rate", s.errorRate());
        record.put("duration_ms_min", s.durationMsMin());
        record.put("duration_ms_mean", s.durationMsMean());
        record.put("duration_ms_max", s.durationMsMax());
        record.put("duration_ms_p50", s.durationMsP50());
        record.put("duration_ms_p90", s.durationMsP90());
        record.put("duration_ms_p95", s.durationMsP95());
        record.put("duration_ms_p99", s.durationMsP99());
        record.put("duration_ms_total", s.durationMsTotal());
        record.put("invalid_durations", s.invalidDurations());
        Schema errorSchema = SCHEMA.getField("top_errors").schema().getElementType();
        List<GenericRecord> errors = new ArrayList<>();
        for (ErrorCount error : s.topErrors()) {
            GenericData.Record e = new GenericData.Record(errorSchema);
            e.put("pattern", error.pattern());
            e.put("count", error.count());
            e.put("example", error.example());
            errors.add(e);
        }
        record.put("top_errors", errors);
        record.put(HISTOGRAM, s.histogram() == null ? null : ByteBuffer.wrap(s.histogram()));
        return record;
    }
}
