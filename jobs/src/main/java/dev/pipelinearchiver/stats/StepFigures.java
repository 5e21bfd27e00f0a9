package dev.pipelinearchiver.stats;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one step name over some set of steps, mergeable: counts and sums add, the duration
 * histogram adds bucket by bucket, error patterns add by pattern. Merging the figures of two disjoint
 * sets gives exactly the figures of their union, whatever the order, so a day archived in several
 * launches or by several shards ends with the same figures as one launch.
 *
 * <p>Durations are recorded in an HdrHistogram of 1 ms to 1 day with 3 significant digits: values
 * up to 2,047 ms are exact, larger ones within 0.1 %. A negative duration, or one over a day, is not
 * recorded in the histogram (nor in min/max/mean/total): it is counted in {@code invalidDurations}.
 */
public final class StepFigures {

    public static final long MAX_DURATION_MS = 86_400_000L;
    static final int SIGNIFICANT_DIGITS = 3;

    /** Error patterns kept per step name: beyond it, counts go to the pattern "(other)". */
    static final int MAX_PATTERNS = 1_000;

    static final String OTHER_PATTERN = "(other)";

    long calls;
    long ok;
    long skipped;
    long errors;
    long otherStatus;
    long invalidDurations;
    long durationTotal;
    long durationMin = Long.MAX_VALUE; // exact, beside the histogram's approximate ones
    long durationMax = Long.MIN_VALUE;
    // The duration histogram is held as it is read (encoded) and decoded only when it is used: merging a
    // batch into a day that has no durations yet adopts the batch's bytes, and bytes that did not change
    // are written back as they were. Both null: no duration recorded (nothing allocated).
    private Histogram histogram; // when not null, what the figures hold; `encoded` then its encoding or null
    private byte[] encoded; // when histogram is null and this is not: the figures' histogram, not decoded yet
    final Map<String, ErrorCount> errorPatterns;

    /** How often one normalised error message occurred, with the lexicographically first original (order-independent). */
    public record ErrorCount(String pattern, long count, String example) {

        ErrorCount plus(ErrorCount other) {
            String first = example.compareTo(other.example) <= 0 ? example : other.example;
            return new ErrorCount(pattern, count + other.count, first);
        }
    }

    StepFigures() {
        this.errorPatterns = new LinkedHashMap<>();
    }

    void add(String status, Long durationMs, String error) {
        add(status, durationMs != null, durationMs == null ? 0 : durationMs, error);
    }

    /** {@link #add(String, Long, String)} without boxing the duration ({@code hasDuration} false: NULL). */
    void add(String status, boolean hasDuration, long durationMs, String error) {
        calls++;
        switch (status == null ? "" : status) {
            case "ok" -> ok++;
            case "skip" -> skipped++;
            case "error" -> errors++;
            default -> otherStatus++;
        }
        if (!hasDuration || durationMs < 0 || durationMs > MAX_DURATION_MS) {
            invalidDurations++;
        } else {
            changedHistogram().recordValue(durationMs);
            durationTotal += durationMs;
            durationMin = Math.min(durationMin, durationMs);
            durationMax = Math.max(durationMax, durationMs);
        }
        if (error != null && !error.isBlank()) {
            String pattern = ErrorPatterns.normalise(error);
            addError(new ErrorCount(pattern, 1, ErrorPatterns.truncate(error, ErrorPatterns.MAX_EXAMPLE_LENGTH)));
        }
    }

    private void addError(ErrorCount error) {
        String key = errorPatterns.containsKey(error.pattern()) || errorPatterns.size() < MAX_PATTERNS
                ? error.pattern()
                : OTHER_PATTERN;
        ErrorCount keyed =
                key.equals(error.pattern()) ? error : new ErrorCount(OTHER_PATTERN, error.count(), error.example());
        errorPatterns.merge(key, keyed, ErrorCount::plus);
    }

    void merge(StepFigures other) {
        calls += other.calls;
        ok += other.ok;
        skipped += other.skipped;
        errors += other.errors;
        otherStatus += other.otherStatus;
        invalidDurations += other.invalidDurations;
        durationTotal += other.durationTotal;
        durationMin = Math.min(durationMin, other.durationMin);
        durationMax = Math.max(durationMax, other.durationMax);
        if (histogram == null && encoded == null && other.histogram == null) {
            encoded = other.encoded; // no durations here yet: the sum is the other's histogram, bytes and all
        } else if (!other.hasNoDurations()) {
            changedHistogram().add(other.histogram());
        }
        other.errorPatterns.values().forEach(this::addError);
    }

    /**
     * Takes out figures merged earlier (runs restored to PostgreSQL). Counts, totals, the histogram and
     * error counts are exact; a removed minimum or maximum is replaced by the histogram's, exact up to
     * 2,047 ms and within 0.1 % above.
     */
    void subtract(StepFigures other) {
        calls -= other.calls;
        ok -= other.ok;
        skipped -= other.skipped;
        errors -= other.errors;
        otherStatus -= other.otherStatus;
        invalidDurations -= other.invalidDurations;
        durationTotal -= other.durationTotal;
        Histogram remaining = changedHistogram();
        remaining.subtract(other.histogram());
        if (remaining.getTotalCount() == 0) {
            durationMin = Long.MAX_VALUE;
            durationMax = Long.MIN_VALUE;
        } else {
            if (other.durationMin <= durationMin) {
                durationMin = remaining.getMinValue();
            }
            if (other.durationMax >= durationMax) {
                durationMax = remaining.getMaxValue();
            }
        }
    }

    public long calls() {
        return calls;
    }

    public long ok() {
        return ok;
    }

    public long skipped() {
        return skipped;
    }

    public long errors() {
        return errors;
    }

    public long otherStatus() {
        return otherStatus;
    }

    public long invalidDurations() {
        return invalidDurations;
    }

    public long durationTotal() {
        return durationTotal;
    }

    public double errorRate() {
        return calls == 0 ? 0 : (double) errors / calls;
    }

    /** Valid durations recorded; min, mean, max and percentiles are null when there are none. */
    public long durationCount() {
        return hasNoDurations() ? 0 : histogram().getTotalCount();
    }

    public Long durationMin() {
        return durationCount() == 0 ? null : durationMin;
    }

    public Long durationMax() {
        return durationCount() == 0 ? null : durationMax;
    }

    /** Exact mean (from the exact total, not the histogram). */
    public Double durationMean() {
        return durationCount() == 0 ? null : (double) durationTotal / durationCount();
    }

    /**
     * The percentile as {@code percentile_disc} defines it, within the histogram's precision; clamped to
     * the exact min and max (a bucket's upper bound can lie above the largest value recorded in it).
     */
    public Long durationPercentile(double percentile) {
        if (durationCount() == 0) {
            return null;
        }
        return Math.min(Math.max(histogram().getValueAtPercentile(percentile), durationMin), durationMax);
    }

    /** The most frequent error patterns, most frequent first (ties by pattern, for a stable order). */
    public List<ErrorCount> topErrors(int limit) {
        return errorPatterns.values().stream()
                .sorted(Comparator.comparingLong(ErrorCount::count).reversed().thenComparing(ErrorCount::pattern))
                .limit(limit)
                .toList();
    }

    List<ErrorCount> allErrors() {
        return List.copyOf(errorPatterns.values());
    }

    /** The duration histogram (decoded on first use); not to be modified but through these figures. */
    Histogram histogram() {
        if (histogram == null) {
            histogram = encoded == null ? HistogramCodec.newHistogram() : HistogramCodec.decode(encoded);
        }
        return histogram;
    }

    /** The histogram, about to change: its encoding no longer holds. */
    private Histogram changedHistogram() {
        Histogram changing = histogram();
        encoded = null;
        return changing;
    }

    /** No duration recorded, known without decoding anything. */
    private boolean hasNoDurations() {
        return histogram == null ? encoded == null : histogram.getTotalCount() == 0;
    }

    /**
     * The histogram's compressed encoding (HdrHistogram's {@code encodeIntoCompressedByteBuffer}): the bytes it
     * was read from while it has not changed, else encoded once. Shared: not to be modified.
     */
    byte[] encodedHistogram() {
        if (encoded == null) {
            encoded = histogram == null ? HistogramCodec.EMPTY : HistogramCodec.encode(histogram);
        }
        return encoded;
    }

    static StepFigures restore(
            long calls,
            long ok,
            long skipped,
            long errors,
            long otherStatus,
            long invalidDurations,
            long durationTotal,
            Long durationMin,
            Long durationMax,
            byte[] histogram,
            List<ErrorCount> errorCounts) {
        StepFigures figures = new StepFigures();
        figures.encoded = HistogramCodec.isEmpty(histogram) ? null : histogram;
        figures.calls = calls;
        figures.ok = ok;
        figures.skipped = skipped;
        figures.errors = errors;
        figures.otherStatus = otherStatus;
        figures.invalidDurations = invalidDurations;
        figures.durationTotal = durationTotal;
        figures.durationMin = durationMin == null ? Long.MAX_VALUE : durationMin;
        figures.durationMax = durationMax == null ? Long.MIN_VALUE : durationMax;
        errorCounts.forEach(figures::addError);
        return figures;
    }
}
