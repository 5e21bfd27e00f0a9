package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.LocalDate;
import java.util.List;

/**
 * One step name over the report's range: its figures, those of the previous period of the same length (null
 * when it had none), the most frequent error patterns over the range, and since when it is slower or fails
 * more (null when it is not, on its last day with figures).
 */
public record StepSummary(
        String stepName,
        RangeFigures figures,
        RangeFigures previous,
        List<ErrorCount> topErrors,
        LocalDate slowerSince,
        LocalDate erringMoreSince) {

    /** A day is "slower" when its p95 is at least this much above the previous period's p95. */
    public static final double SLOWER_RATIO = 1.2;

    /** A day "fails more" when its error rate is at least this much (absolute) above the previous period's. */
    public static final double MORE_ERRORS = 0.02;

    /** The relative change of calls against the previous period (0.1: 10 % more); null without one. */
    public Double callsChange() {
        return previous == null || previous.calls() == 0
                ? null
                : (double) (figures.calls() - previous.calls()) / previous.calls();
    }

    /** The change of the error rate against the previous period, absolute (0.01: one percentage point). */
    public Double errorRateChange() {
        return previous == null ? null : figures.errorRate() - previous.errorRate();
    }

    /** The relative change of a duration percentile (50, 95 or 99) against the previous period. */
    public Double percentileChange(int percentile) {
        if (previous == null) {
            return null;
        }
        Long now = percentile(figures, percentile);
        Long before = percentile(previous, percentile);
        return now == null || before == null || before == 0 ? null : (double) (now - before) / before;
    }

    static Long percentile(RangeFigures f, int percentile) {
        return switch (percentile) {
            case 50 -> f.durationMsP50();
            case 90 -> f.durationMsP90();
            case 95 -> f.durationMsP95();
            case 99 -> f.durationMsP99();
            default -> throw new IllegalArgumentException("No figure for percentile " + percentile);
        };
    }
}
