package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.LocalDate;
import java.util.List;

/** The figures of one step name on one day, as stored in {@code archiver.step_stats}. */
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
        List<ErrorCount> topErrors) {

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
                top);
    }
}
