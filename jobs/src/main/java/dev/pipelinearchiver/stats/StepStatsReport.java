package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The statistics of a range of days as {@code stats} shows them in every format: the days' figures, and per
 * step name its figures over the range against the previous period of the same length. The text, JSON and
 * HTML outputs are all made from one report, so they show the same numbers. {@code stepFilter} is the one step
 * name asked for ({@code --step}), or null.
 */
public record StepStatsReport(
        DayRange range,
        RangeChoice choice,
        DayRange previous,
        String source,
        String errorPatternsNote,
        Instant generatedAt,
        Optional<DayRange> extent,
        List<DailyStepStats> days,
        List<StepSummary> steps,
        String stepFilter) {

    /** How the range was chosen. */
    public enum RangeChoice {
        /** --from and/or --to given. */
        GIVEN,
        /** Neither given: the days up to the last day with figures. */
        LATEST_WITH_FIGURES,
        /** Neither given and no figures at all: the days up to today. */
        NO_FIGURES
    }

    /** Days shown when no range is given. */
    public static final int DEFAULT_DAYS = 7;

    /**
     * The range to show: as given (a missing end is today, a missing start {@value #DEFAULT_DAYS} days before
     * the end), or, with neither, the {@value #DEFAULT_DAYS} days up to the last day with figures.
     */
    public static DayRange choose(LocalDate from, LocalDate to, Optional<DayRange> extent, LocalDate today) {
        if (from == null && to == null) {
            LocalDate last = extent.map(DayRange::last).orElse(today);
            return new DayRange(last.minusDays(DEFAULT_DAYS - 1), last);
        }
        LocalDate last = to == null ? today : to;
        return new DayRange(from == null ? last.minusDays(DEFAULT_DAYS - 1) : from, last);
    }

    /** Reads the figures of a range (and of the period before it) from a source and sums them per step name. */
    public static StepStatsReport build(
            StepStatsSource source,
            LocalDate from,
            LocalDate to,
            String stepName,
            int topErrors,
            LocalDate today,
            Instant now) {
        Optional<DayRange> extent = source.extent(stepName);
        DayRange range = choose(from, to, extent, today);
        RangeChoice choice = from != null || to != null
                ? RangeChoice.GIVEN
                : extent.isPresent() ? RangeChoice.LATEST_WITH_FIGURES : RangeChoice.NO_FIGURES;
        DayRange previous = range.previous();
        List<DailyStepStats> all = source.days(previous.first(), range.last(), stepName, topErrors);
        List<DailyStepStats> days =
                all.stream().filter(d -> range.contains(d.dt())).toList();
        Map<String, List<DailyStepStats>> current = byStep(days, d -> true);
        Map<String, List<DailyStepStats>> before = byStep(all, d -> previous.contains(d.dt()));
        Map<String, List<ErrorCount>> errors =
                current.isEmpty() ? Map.of() : source.rangeErrors(range.first(), range.last(), stepName, topErrors);
        List<StepSummary> steps = new ArrayList<>();
        current.forEach((step, stepDays) -> {
            RangeFigures figures = sum(stepDays);
            RangeFigures earlier = before.containsKey(step) ? sum(before.get(step)) : null;
            steps.add(new StepSummary(
                    step,
                    figures,
                    earlier,
                    errors.getOrDefault(step, List.of()),
                    earlier == null || earlier.durationMsP95() == null
                            ? null
                            : since(
                                    stepDays,
                                    d -> d.durationMsP95() != null
                                            && d.durationMsP95() >= StepSummary.SLOWER_RATIO * earlier.durationMsP95()),
                    earlier == null
                            ? null
                            : since(stepDays, d -> d.errorRate() >= earlier.errorRate() + StepSummary.MORE_ERRORS)));
        });
        return new StepStatsReport(
                range,
                choice,
                previous,
                source.description(),
                source.errorPatternsNote(),
                now,
                extent,
                days,
                List.copyOf(steps),
                stepName);
    }

    /** Days, by step name in order, each step's days in date order. */
    private static Map<String, List<DailyStepStats>> byStep(List<DailyStepStats> days, Predicate<DailyStepStats> keep) {
        Map<String, List<DailyStepStats>> byStep = new TreeMap<>();
        for (DailyStepStats day : days) {
            if (keep.test(day)) {
                byStep.computeIfAbsent(day.stepName(), name -> new ArrayList<>())
                        .add(day);
            }
        }
        return byStep;
    }

    private static RangeFigures sum(List<DailyStepStats> days) {
        RangeFigures.Sum sum = new RangeFigures.Sum();
        days.forEach(sum::add);
        return sum.figures();
    }

    /**
     * The first day of the last run of days (with figures; a day without any neither breaks nor extends the run)
     * on which {@code worse} holds, if that run reaches the step's last day with figures; else null.
     */
    private static LocalDate since(List<DailyStepStats> days, Predicate<DailyStepStats> worse) {
        LocalDate since = null;
        for (DailyStepStats day : days) {
            since = worse.test(day) ? (since == null ? day.dt() : since) : null;
        }
        return since;
    }

    /** The days' figures of each step name, keyed by day (days without figures are absent: gaps). */
    public Map<String, Map<LocalDate, DailyStepStats>> daysByStep() {
        Map<String, Map<LocalDate, DailyStepStats>> byStep = new LinkedHashMap<>();
        steps.forEach(step -> byStep.put(step.stepName(), new TreeMap<>()));
        for (DailyStepStats day : days) {
            byStep.computeIfAbsent(day.stepName(), name -> new TreeMap<>()).put(day.dt(), day);
        }
        return byStep;
    }
}
