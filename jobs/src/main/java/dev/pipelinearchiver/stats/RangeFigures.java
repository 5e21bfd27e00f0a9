package dev.pipelinearchiver.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The figures of one step name over a range of days: the days' figures added up, the percentiles from the
 * days' histograms merged (as exact as a single day's: within the histogram's precision), or null where a day
 * has no histogram ({@code daysWithoutHistogram}, day files of contract version 1).
 */
public record RangeFigures(
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
        int daysWithFigures,
        int daysWithoutHistogram,
        List<DurationBucket> distribution) {

    /**
     * Valid durations from {@code fromMs} (included) to {@code toMs} (excluded). The edges are 0, 1 and then
     * five per decade (1, 2, 3, 4, 6, 10, 16, 25, 40, 63, 100, ...), the same for every step, so distributions
     * compare on one logarithmic axis.
     */
    public record DurationBucket(long fromMs, long toMs, long count) {}

    /** Bucket edges: 0, then round(10^(k/5)) up to past a day. */
    static final long[] EDGES = edges();

    private static long[] edges() {
        List<Long> edges = new ArrayList<>(List.of(0L));
        for (int k = 0; ; k++) {
            long edge = Math.round(Math.pow(10, k / 5.0));
            edges.add(edge);
            if (edge > StepFigures.MAX_DURATION_MS) {
                return edges.stream().mapToLong(Long::longValue).toArray();
            }
        }
    }

    /** Adds up days' figures; the percentiles and distribution need every day's histogram. */
    static final class Sum {

        private long calls;
        private long ok;
        private long skipped;
        private long errors;
        private long otherStatus;
        private long invalid;
        private long total;
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;
        private int days;
        private int daysWithoutHistogram;
        private final StepFigures merged = new StepFigures();

        void add(DailyStepStats day) {
            calls += day.calls();
            ok += day.ok();
            skipped += day.skipped();
            errors += day.errors();
            otherStatus += day.otherStatus();
            invalid += day.invalidDurations();
            total += day.durationMsTotal();
            if (day.durationMsMin() != null) {
                min = Math.min(min, day.durationMsMin());
                max = Math.max(max, day.durationMsMax());
            }
            days++;
            StepFigures figures = day.figures();
            if (figures == null) {
                daysWithoutHistogram++;
            } else {
                merged.merge(figures);
            }
        }

        RangeFigures figures() {
            long valid = calls - invalid;
            boolean exact = daysWithoutHistogram == 0;
            return new RangeFigures(
                    calls,
                    ok,
                    skipped,
                    errors,
                    otherStatus,
                    calls == 0 ? 0 : (double) errors / calls,
                    valid == 0 || min == Long.MAX_VALUE ? null : min,
                    valid == 0 ? null : (double) total / valid,
                    valid == 0 || max == Long.MIN_VALUE ? null : max,
                    exact ? merged.durationPercentile(50) : null,
                    exact ? merged.durationPercentile(90) : null,
                    exact ? merged.durationPercentile(95) : null,
                    exact ? merged.durationPercentile(99) : null,
                    total,
                    invalid,
                    days,
                    daysWithoutHistogram,
                    exact ? distribution(merged) : List.of());
        }
    }

    /** The non-empty stretch of buckets of a histogram: each recorded value counted at its lowest equivalent value. */
    private static List<DurationBucket> distribution(StepFigures figures) {
        long[] counts = new long[EDGES.length - 1];
        Histogram histogram = figures.histogram();
        for (HistogramIterationValue value : histogram.recordedValues()) {
            long at = histogram.lowestEquivalentValue(value.getValueIteratedTo());
            int bucket = Arrays.binarySearch(EDGES, at);
            bucket = bucket >= 0 ? bucket : -bucket - 2; // the edge at or below
            counts[Math.min(bucket, counts.length - 1)] += value.getCountAtValueIteratedTo();
        }
        List<DurationBucket> buckets = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            buckets.add(new DurationBucket(EDGES[i], EDGES[i + 1], counts[i]));
        }
        int first = 0;
        while (first < counts.length && counts[first] == 0) {
            first++;
        }
        int last = counts.length - 1;
        while (last >= first && counts[last] == 0) {
            last--;
        }
        return first > last ? List.of() : List.copyOf(buckets.subList(first, last + 1));
    }
}
