package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import dev.pipelinearchiver.storage.ArchiveIoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * The step statistics as the archive holds them: the {@code step_stats} day files under the archive root,
 * read through {@link ParquetArchive} (so any root it can read works), for an analyst without access to the
 * database. Files of contract version 2 hold each day's duration histogram, so figures over a range equal the
 * database's; version 1 files have per-day figures only.
 */
public final class ArchiveStepStats implements StepStatsSource {

    private final ParquetArchive archive;
    /** The day files, by day (a day's directory may hold more than one, e.g. one per shard). */
    private NavigableMap<LocalDate, List<String>> files;
    /** The days read so far, every step name and every error pattern the files hold. */
    private final Map<LocalDate, List<DailyStepStats>> read = new TreeMap<>();

    public ArchiveStepStats(ParquetArchive archive) {
        this.archive = archive;
    }

    @Override
    public String description() {
        return "archive " + archive.root() + " (its " + StepStatsTasklet.DATASET + " day files)";
    }

    /** Whether the root holds any step_stats day file (a root without any is likely not an archive root). */
    public boolean hasDayFiles() {
        return !files().isEmpty();
    }

    @Override
    public String errorPatternsNote() {
        return "the most frequent error patterns each day file keeps (archiver.stats.top-errors), added up over"
                + " the range: a pattern that is frequent over the range but never among a day's most frequent is"
                + " missing";
    }

    @Override
    public List<DailyStepStats> days(LocalDate from, LocalDate to, String stepName, int topErrors) {
        List<DailyStepStats> days = new ArrayList<>();
        for (LocalDate day : files().subMap(from, true, to, true).keySet()) {
            for (DailyStepStats stats : day(day)) {
                if (stepName == null || stepName.equals(stats.stepName())) {
                    days.add(stats.withTopErrors(
                            stats.topErrors().stream().limit(topErrors).toList()));
                }
            }
        }
        return days;
    }

    @Override
    public Map<String, List<ErrorCount>> rangeErrors(LocalDate from, LocalDate to, String stepName, int limit) {
        Map<String, Map<String, ErrorCount>> byStep = new TreeMap<>();
        for (DailyStepStats day : days(from, to, stepName, Integer.MAX_VALUE)) {
            Map<String, ErrorCount> patterns = byStep.computeIfAbsent(day.stepName(), name -> new LinkedHashMap<>());
            day.topErrors().forEach(error -> patterns.merge(error.pattern(), error, ErrorCount::plus));
        }
        Map<String, List<ErrorCount>> top = new TreeMap<>();
        byStep.forEach((step, patterns) -> top.put(
                step,
                patterns.values().stream()
                        .sorted(Comparator.comparingLong(ErrorCount::count)
                                .reversed()
                                .thenComparing(ErrorCount::pattern))
                        .limit(limit)
                        .toList()));
        return top;
    }

    @Override
    public Optional<DayRange> extent(String stepName) {
        // from both ends, reading only until a day with figures is found
        Optional<LocalDate> first = files().keySet().stream()
                .filter(day -> hasFigures(day, stepName))
                .findFirst();
        Optional<LocalDate> last = files().descendingKeySet().stream()
                .filter(day -> hasFigures(day, stepName))
                .findFirst();
        return first.map(day -> new DayRange(day, last.orElseThrow()));
    }

    private boolean hasFigures(LocalDate day, String stepName) {
        return day(day).stream().anyMatch(stats -> stepName == null || stepName.equals(stats.stepName()));
    }

    private NavigableMap<LocalDate, List<String>> files() {
        if (files == null) {
            NavigableMap<LocalDate, List<String>> byDay = new TreeMap<>();
            try {
                for (String file : archive.datasetFiles(StepStatsTasklet.DATASET)) {
                    LocalDate day = day(file);
                    if (day != null) {
                        byDay.computeIfAbsent(day, d -> new ArrayList<>()).add(file);
                    }
                }
            } catch (IOException e) {
                throw new ArchiveIoException(
                        "Cannot list the " + StepStatsTasklet.DATASET + " files under " + archive.root() + ": "
                                + e.getMessage(),
                        e);
            }
            files = byDay;
        }
        return files;
    }

    /** The day of a file, from its {@code dt=YYYY-MM-DD} directory; null for a file outside one. */
    private static LocalDate day(String file) {
        String[] parts = file.split("/");
        String dir = parts.length < 2 ? "" : parts[parts.length - 2];
        if (!dir.startsWith("dt=")) {
            return null;
        }
        try {
            return LocalDate.parse(dir.substring(3));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The figures of one day by step name, merged by step name when the day has several files. */
    private List<DailyStepStats> day(LocalDate day) {
        return read.computeIfAbsent(day, this::readDay);
    }

    private List<DailyStepStats> readDay(LocalDate day) {
        Map<String, List<DailyStepStats>> byStep = new TreeMap<>();
        for (String file : files().getOrDefault(day, List.of())) {
            try (ParquetReader<GenericRecord> reader = archive.reader(file)) {
                for (GenericRecord record; (record = reader.read()) != null; ) {
                    DailyStepStats stats = stats(day, record);
                    byStep.computeIfAbsent(stats.stepName(), name -> new ArrayList<>())
                            .add(stats);
                }
            } catch (IOException e) {
                throw new ArchiveIoException("Cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        List<DailyStepStats> days = new ArrayList<>();
        byStep.forEach((step, parts) -> days.add(merged(day, step, parts)));
        return days;
    }

    private static DailyStepStats merged(LocalDate day, String step, List<DailyStepStats> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        StepFigures figures = new StepFigures();
        Map<String, ErrorCount> errors = new LinkedHashMap<>();
        for (DailyStepStats part : parts) {
            StepFigures restored = part.figures();
            if (restored == null) {
                throw new IllegalStateException("The " + StepStatsTasklet.DATASET + " files of " + day
                        + " hold several rows of " + step + " without histograms: they cannot be added up");
            }
            figures.merge(restored);
            part.topErrors().forEach(error -> errors.merge(error.pattern(), error, ErrorCount::plus));
        }
        List<ErrorCount> top = errors.values().stream()
                .sorted(Comparator.comparingLong(ErrorCount::count).reversed().thenComparing(ErrorCount::pattern))
                .toList();
        return DailyStepStats.of(day, step, figures, top);
    }

    private static DailyStepStats stats(LocalDate day, GenericRecord r) {
        List<ErrorCount> errors = new ArrayList<>();
        Object top = r.get("top_errors");
        if (top instanceof List<?> list) {
            for (Object item : list) {
                GenericRecord e = (GenericRecord) item;
                errors.add(new ErrorCount(text(e.get("pattern")), (Long) e.get("count"), text(e.get("example"))));
            }
        }
        Schema.Field histogramField = r.getSchema().getField(StepStatsTasklet.HISTOGRAM);
        byte[] histogram = null;
        if (histogramField != null && r.get(histogramField.pos()) instanceof ByteBuffer buffer) {
            histogram = new byte[buffer.remaining()];
            buffer.duplicate().get(histogram);
        }
        return new DailyStepStats(
                day,
                text(r.get("step_name")),
                (Long) r.get("calls"),
                (Long) r.get("ok"),
                (Long) r.get("skipped"),
                (Long) r.get("errors"),
                (Long) r.get("other_status"),
                (Double) r.get("error_rate"),
                (Long) r.get("duration_ms_min"),
                (Double) r.get("duration_ms_mean"),
                (Long) r.get("duration_ms_max"),
                (Long) r.get("duration_ms_p50"),
                (Long) r.get("duration_ms_p90"),
                (Long) r.get("duration_ms_p95"),
                (Long) r.get("duration_ms_p99"),
                (Long) r.get("duration_ms_total"),
                (Long) r.get("invalid_durations"),
                errors,
                histogram);
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
