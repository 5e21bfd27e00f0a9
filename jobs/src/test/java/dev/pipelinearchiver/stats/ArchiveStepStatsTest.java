package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.storage.StorageConfiguration;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.StatsPage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The step statistics read back from the archive's step_stats day files alone, of both contract versions. */
class ArchiveStepStatsTest {

    @TempDir
    Path root;

    private ParquetArchive archive() {
        ArchiverProperties settings = new Binder(
                        new MapConfigurationPropertySource(Map.of("archiver.output-root", root.toString())))
                .bind("archiver", ArchiverProperties.class)
                .get();
        return new ParquetArchive(StorageConfiguration.open(settings), settings);
    }

    /** The contract's version 1: the same fields without the histogram. */
    private static final Schema VERSION_1 = versionOne();

    private static Schema versionOne() {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : StepStatsTasklet.SCHEMA.getFields()) {
            if (!f.name().equals(StepStatsTasklet.HISTOGRAM)) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema schema = Schema.createRecord(
                StepStatsTasklet.SCHEMA.getName(),
                StepStatsTasklet.SCHEMA.getDoc(),
                StepStatsTasklet.SCHEMA.getNamespace(),
                false,
                fields);
        return schema;
    }

    /** Writes the fixture's days as day files, those before {@code firstWithHistogram} in version 1. */
    private void write(ParquetArchive archive, List<DailyStepStats> days, LocalDate firstWithHistogram)
            throws Exception {
        Map<LocalDate, List<DailyStepStats>> byDay = new java.util.TreeMap<>();
        days.forEach(d -> byDay.computeIfAbsent(d.dt(), k -> new ArrayList<>()).add(d));
        for (Map.Entry<LocalDate, List<DailyStepStats>> day : byDay.entrySet()) {
            boolean v1 = day.getKey().isBefore(firstWithHistogram);
            try (var staged = archive.stage(
                    archive.file(StepStatsTasklet.DATASET, day.getKey(), StepStatsTasklet.FILE_NAME),
                    v1 ? VERSION_1 : StepStatsTasklet.SCHEMA)) {
                for (DailyStepStats stats : day.getValue()) {
                    GenericRecord v2 = StepStatsTasklet.record(stats);
                    if (v1) {
                        GenericData.Record old = new GenericData.Record(VERSION_1);
                        VERSION_1.getFields().forEach(f -> old.put(f.name(), v2.get(f.name())));
                        staged.write(old);
                    } else {
                        staged.write(v2);
                    }
                }
                staged.commit();
            }
        }
    }

    private static JsonNode json(StepStatsReport report) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(mapper.writeValueAsString(StepStatsJson.of(report)));
        json.remove("source");
        return json;
    }

    private static ReportFixture twoWeeks() {
        return new ReportFixture()
                .days("2026-05-01", "2026-05-14", "indicator_agent", 60, 900, 0.03, 4)
                .days("2026-05-01", "2026-05-09", "trend_agent", 40, 1_300, 0, 2)
                .days("2026-05-12", "2026-05-14", "trend_agent", 40, 1_300, 0, 7);
    }

    @Test
    void versionTwoDayFilesGiveTheFiguresTheDatabaseGives() throws Exception {
        // given the days as the database holds them (the fixture) and as day files with histograms
        ReportFixture database = twoWeeks();
        ParquetArchive archive = archive();
        write(archive, database.days(LocalDate.MIN, LocalDate.MAX, null, 10), LocalDate.MIN);

        // when
        ArchiveStepStats files = new ArchiveStepStats(archive);
        StepStatsReport fromFiles = StepStatsReport.build(
                files,
                LocalDate.parse("2026-05-08"),
                LocalDate.parse("2026-05-14"),
                null,
                10,
                ReportFixture.TODAY,
                ReportFixture.NOW);

        // then: the same report, percentiles over the range included
        StepStatsReport fromDatabase = database.report("2026-05-08", "2026-05-14", null);
        assertThat(json(fromFiles)).isEqualTo(json(fromDatabase));
        assertThat(fromFiles.steps().get(0).figures().durationMsP95()).isNotNull();
        assertThat(fromFiles.source()).isEqualTo("archive " + archive.root() + " (its step_stats day files)");
        assertThat(files.extent(null))
                .contains(new DayRange(LocalDate.parse("2026-05-01"), LocalDate.parse("2026-05-14")));
        assertThat(files.extent("trend_agent"))
                .contains(new DayRange(LocalDate.parse("2026-05-01"), LocalDate.parse("2026-05-14")));
        assertThat(files.extent("nobody")).isEmpty();
    }

    @Test
    void anIndependentReaderDecodesTheHistogramColumn() throws Exception {
        // given
        ReportFixture database = twoWeeks();
        write(archive(), database.days(LocalDate.MIN, LocalDate.MAX, null, 10), LocalDate.MIN);

        // when: DuckDB reads the day files, HdrHistogram decodes the bytes
        List<List<Object>> rows = new DuckDbArchive(root)
                .query(
                        "SELECT step_name, dt, calls - invalid_durations, duration_ms_p99, to_base64(duration_histogram) FROM "
                                + new DuckDbArchive(root).dataset("step_stats") + " ORDER BY dt, step_name");

        // then: each histogram holds the day's valid durations, and gives its p99
        assertThat(rows)
                .hasSize(database.days(LocalDate.MIN, LocalDate.MAX, null, 10).size());
        for (List<Object> row : rows) {
            Histogram histogram = Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode((String) row.get(4))), 1);
            assertThat(histogram.getTotalCount())
                    .as(row.subList(0, 2).toString())
                    .isEqualTo(row.get(2));
            assertThat(Math.abs(histogram.getValueAtPercentile(99) - ((Number) row.get(3)).longValue()))
                    .isLessThanOrEqualTo(histogram.getValueAtPercentile(99) / 1000 + 1);
        }
    }

    @Test
    void versionOneDayFilesGivePerDayFiguresOnlyAndThePageSaysSo() throws Exception {
        // given: the first week written before the histogram was in the contract
        ReportFixture database = twoWeeks();
        ParquetArchive archive = archive();
        write(archive, database.days(LocalDate.MIN, LocalDate.MAX, null, 10), LocalDate.parse("2026-05-10"));

        // when: a range across both
        StepStatsReport report = StepStatsReport.build(
                new ArchiveStepStats(archive),
                LocalDate.parse("2026-05-06"),
                LocalDate.parse("2026-05-14"),
                null,
                10,
                ReportFixture.TODAY,
                ReportFixture.NOW);

        // then: every day's own figures as written; no percentile over the range where a day has no histogram
        StepStatsReport expected = database.report("2026-05-06", "2026-05-14", null);
        assertThat(json(report).get("days")).isEqualTo(json(expected).get("days"));
        RangeFigures indicator = report.steps().get(0).figures();
        assertThat(indicator.calls())
                .isEqualTo(expected.steps().get(0).figures().calls());
        assertThat(indicator.durationMsMean())
                .isEqualTo(expected.steps().get(0).figures().durationMsMean());
        assertThat(indicator.daysWithoutHistogram()).isEqualTo(4);
        assertThat(indicator.durationMsP95()).isNull();
        assertThat(indicator.distribution()).isEmpty();
        StatsPage page = new StatsPage(HtmlReport.render(report));
        assertThat(page.document().selectFirst("#per-day-only").text())
                .contains("contract version 1", "per-day figures only");
        assertThat(page.chart("indicator_agent", "duration_distribution").text())
                .isEqualTo("no histogram in version 1 day files");
        page.assertShowsTheFiguresOf(
                new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(StepStatsJson.of(report))));
    }

    @Test
    void filesOutsideDayDirectoriesAreNotFigures() throws Exception {
        // given a day file and a stray file
        ParquetArchive archive = archive();
        write(
                archive,
                new ReportFixture()
                        .day("2026-05-01", "trend_agent", 5, 100, 0, 1)
                        .days(LocalDate.MIN, LocalDate.MAX, null, 10),
                LocalDate.MIN);
        Path stray = root.resolve("step_stats/copy/step_stats.parquet");
        Files.createDirectories(stray.getParent());
        Files.copy(root.resolve("step_stats/dt=2026-05-01/step_stats.parquet"), stray);

        // when
        List<DailyStepStats> days = new ArchiveStepStats(archive).days(LocalDate.MIN, LocalDate.MAX, null, 10);

        // then
        assertThat(days).extracting(DailyStepStats::dt).containsExactly(LocalDate.parse("2026-05-01"));
    }
}
