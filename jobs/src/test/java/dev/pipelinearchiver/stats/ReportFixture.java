package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * Daily figures made the way the job makes them (durations and statuses folded into {@link StepFigures}),
 * served by an in-memory {@link StepStatsSource}, for the report's tests.
 */
final class ReportFixture implements StepStatsSource {

    static final LocalDate TODAY = LocalDate.parse("2026-12-07");
    static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");

    private final List<DailyStepStats> days = new ArrayList<>();
    /** Every duration folded per step name and day, to compute expected figures independently. */
    final Map<String, Map<LocalDate, List<Long>>> durations = new TreeMap<>();

    /**
     * One day of a step: {@code calls} steps with durations drawn around {@code typicalMs} (a long tail), of which
     * {@code errorCount} failed with one of two messages.
     */
    ReportFixture day(String dt, String step, int calls, long typicalMs, int errorCount, long seed) {
        Random random = new Random(seed);
        StepFigures figures = new StepFigures();
        List<Long> folded = durations
                .computeIfAbsent(step, s -> new TreeMap<>())
                .computeIfAbsent(LocalDate.parse(dt), d -> new ArrayList<>());
        for (int i = 0; i < calls; i++) {
            long duration = Math.round(typicalMs * Math.exp(random.nextGaussian() * 0.6));
            boolean error = i < errorCount;
            String message = !error
                    ? null
                    : i % 3 == 0
                            ? "RateLimitError: 429 Too Many Requests (retry after " + (i + 2) + " s)"
                            : "TimeoutError: model timed out after " + (30_000 + i) + " ms";
            figures.add(error ? "error" : i % 17 == 0 ? "skip" : "ok", duration, message);
            folded.add(duration);
        }
        days.add(DailyStepStats.of(LocalDate.parse(dt), step, figures, figures.topErrors(10)));
        return this;
    }

    /** Days {@code from}..{@code to} of a step, every day, the typical duration rising by {@code slope} per day. */
    ReportFixture days(String from, String to, String step, int calls, long typicalMs, double slope, int errors) {
        LocalDate day = LocalDate.parse(from);
        int i = 0;
        while (!day.isAfter(LocalDate.parse(to))) {
            day(day.toString(), step, calls, Math.round(typicalMs * (1 + slope * i)), errors, step.hashCode() + i);
            day = day.plusDays(1);
            i++;
        }
        return this;
    }

    /**
     * Like {@link #days}, with the day-to-day variation of a real pipeline: calls lower at weekends and noisy,
     * errors scattered around {@code errors} per day.
     */
    ReportFixture varyingDays(
            String from, String to, String step, int calls, long typicalMs, double slope, int errors) {
        Random random = new Random(step.hashCode());
        LocalDate day = LocalDate.parse(from);
        int i = 0;
        while (!day.isAfter(LocalDate.parse(to))) {
            double weekday = day.getDayOfWeek().getValue() >= 6 ? 0.6 : 1.0;
            int dayCalls = (int) Math.max(1, Math.round(calls * weekday * (1 + 0.12 * random.nextGaussian())));
            int dayErrors = (int) Math.min(
                    dayCalls, Math.max(0, Math.round(errors * weekday * (1 + 0.5 * random.nextGaussian()))));
            day(day.toString(), step, dayCalls, Math.round(typicalMs * (1 + slope * i)), dayErrors, random.nextLong());
            day = day.plusDays(1);
            i++;
        }
        return this;
    }

    private String description = "test fixture";

    ReportFixture describedAs(String description) {
        this.description = description;
        return this;
    }

    StepStatsReport report(String from, String to, String step) {
        return StepStatsReport.build(
                this,
                from == null ? null : LocalDate.parse(from),
                to == null ? null : LocalDate.parse(to),
                step,
                10,
                TODAY,
                NOW);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String errorPatternsNote() {
        return "the fixture's days";
    }

    @Override
    public List<DailyStepStats> days(LocalDate from, LocalDate to, String stepName, int topErrors) {
        return days.stream()
                .filter(d -> !d.dt().isBefore(from) && !d.dt().isAfter(to))
                .filter(d -> stepName == null || stepName.equals(d.stepName()))
                .sorted(Comparator.comparing(DailyStepStats::dt).thenComparing(DailyStepStats::stepName))
                .toList();
    }

    @Override
    public Map<String, List<ErrorCount>> rangeErrors(LocalDate from, LocalDate to, String stepName, int limit) {
        Map<String, Map<String, ErrorCount>> byStep = new TreeMap<>();
        for (DailyStepStats day : days(from, to, stepName, limit)) {
            day.topErrors()
                    .forEach(e -> byStep.computeIfAbsent(day.stepName(), s -> new LinkedHashMap<>())
                            .merge(e.pattern(), e, ErrorCount::plus));
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
        List<LocalDate> dates = days.stream()
                .filter(d -> stepName == null || stepName.equals(d.stepName()))
                .map(DailyStepStats::dt)
                .sorted()
                .toList();
        return dates.isEmpty()
                ? Optional.empty()
                : Optional.of(new DayRange(dates.get(0), dates.get(dates.size() - 1)));
    }
}
