package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.LocalDate;
import java.util.List;

/**
 * The figures of one step name on one day, as stored in {@code archiver.step_stats} and in the
 * {@code step_stats} day files; {@code histogram} is the day's duration histogram (HdrHistogram, compressed
 * encoding), null where the source has none (day files of contract version 1).
 */
public record DailyStepStats(
        LocalDate dt,
        String stepName,
        long calls,
        long ok,
        long skipped,
        long errors,
        long otherStatus,
        double errorRate,
        Long durationMsMin,
        Double durationMsMean,
        Long durationMsMax,
        Long durationMsP50,
        Long durationMsP90,
        Long durationMsP95,
        Long durationMsP99,
        long durationMsTotal,
        long invalidDurations,
        List<ErrorCount> topErrors,
        byte[] histogram) {

    /** The figures a day's {@link StepFigures} hold, with its most frequent error patterns. */
    static DailyStepStats of(LocalDate dt, String stepName, StepFigures f, List<ErrorCount> topErrors) {
        return new DailyStepStats(
                dt,
                stepName,
                f.calls(),
                f.ok(),
                f.skipped(),
                f.errors(),
                f.otherStatus(),
                f.errorRate(),
                f.durationMin(),
                f.durationMean(),
                f.durationMax(),
                f.durationPercentile(50),
                f.durationPercentile(90),
                f.durationPercentile(95),
                f.durationPercentile(99),
                f.durationTotal(),
                f.invalidDurations(),
                topErrors,
                f.encodedHistogram());
    }

    /** The day's figures as mergeable figures (null without a histogram); error patterns are not included. */
    StepFigures figures() {
        return histogram == null
                ? null
                : StepFigures.restore(
                        calls,
                        ok,
                        skipped,
                        errors,
                        otherStatus,
                        invalidDurations,
                        durationMsTotal,
                        durationMsMin,
                        durationMsMax,
                        histogram,
                        List.of());
    }

    DailyStepStats withTopErrors(List<ErrorCount> top) {
        return new DailyStepStats(
                dt,
                stepName,
                calls,
                ok,
                skipped,
                errors,
                otherStatus,
                errorRate,
                durationMsMin,
                durationMsMean,
                durationMsMax,
                durationMsP50,
                durationMsP90,
                durationMsP95,
                durationMsP99,
                durationMsTotal,
                invalidDurations,
                top,
                histogram);
    }
}
