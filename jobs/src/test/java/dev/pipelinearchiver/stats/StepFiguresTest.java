package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The figures' duration histograms as the statistics tables store them, and merging without decoding twice. */
class StepFiguresTest {

    /** Durations of the legacy fixture below, each recorded as many times as its position (1-based). */
    private static final long[] LEGACY_DURATIONS = {
        0, 3, 7, 50, 999, 1_000, 2_047, 2_048, 2_049, 5_000, 20_000, 86_400_000
    };

    /**
     * {@link #LEGACY_DURATIONS} as the code before issue 23 stored a histogram (HdrHistogram 2.2.2's
     * {@code encodeIntoCompressedByteBuffer} at the default level, 6): rows of step_stats, batch_step_stats and
     * the step_stats files hold such bytes and must keep decoding.
     */
    private static final String LEGACY_LEVEL_6 =
            "HISTFAAAADl4nJNpmSzMwMAgyQABzFCaEUSwqsUw2H+ACDAxs7CyBXM85+PiWS3Ap3RQWOSvvFjrQUYJAM1JCPg=";

    @Test
    void aHistogramStoredAtTheDefaultLevelBeforeStillDecodesAndMerges() {
        byte[] legacy = Base64.getDecoder().decode(LEGACY_LEVEL_6);
        Histogram expected = HistogramCodec.newHistogram();
        StepFigures folded = new StepFigures();
        for (int i = 0; i < LEGACY_DURATIONS.length; i++) {
            expected.recordValueWithCount(LEGACY_DURATIONS[i], i + 1);
            for (int n = 0; n <= i; n++) {
                folded.add("ok", LEGACY_DURATIONS[i], null);
            }
        }
        assertThat(HistogramCodec.decode(legacy)).isEqualTo(expected);

        // read back as a day's row and merged with a batch folded now, as mergeBatch does
        StepFigures day = restored(folded, legacy);
        StepFigures batch = new StepFigures();
        batch.add("ok", 1_234L, null);
        batch.add("ok", 70_000L, null);
        day.merge(batch);
        folded.merge(batch);
        assertSameFigures(day, folded);
        assertThat(HistogramCodec.decode(day.encodedHistogram())).isEqualTo(folded.histogram());
    }

    @Test
    void histogramsAreStoredAtBestSpeedInTheFormatTheLibraryReads() throws Exception {
        StepFigures figures = folded(new Random(7), 3_000);

        byte[] stored = figures.encodedHistogram();

        ByteBuffer library = ByteBuffer.allocate(figures.histogram().getNeededByteBufferCapacity());
        int length = figures.histogram().encodeIntoCompressedByteBuffer(library, Deflater.BEST_SPEED);
        assertThat(stored).isEqualTo(Arrays.copyOf(library.array(), length));
        assertThat(Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(stored), 1))
                .isEqualTo(figures.histogram());
    }

    @Test
    void aBatchMergedIntoADayWithoutDurationsKeepsItsBytesAndFigures() {
        // given: a batch's contribution as saved at export, and its day's row as mergeBatch makes sure it exists
        StepFigures exported = folded(new Random(11), 2_000);
        byte[] batchBytes = exported.encodedHistogram();
        StepFigures batch = restored(exported, batchBytes);
        StepFigures day = StepFigures.restore(0, 0, 0, 0, 0, 0, 0, null, null, HistogramCodec.EMPTY, List.of());

        // when
        day.merge(batch);

        // then: the day's figures are the batch's, and its histogram the very bytes saved at export
        assertSameFigures(day, exported);
        assertThat(day.encodedHistogram()).isSameAs(batchBytes);
    }

    @Test
    void theEmptyHistogramWrittenBeforeIsKnownWithoutDecoding() {
        byte[] emptyAtLevel6 = encode(HistogramCodec.newHistogram(), Deflater.DEFAULT_COMPRESSION);
        StepFigures exported = folded(new Random(5), 500);
        byte[] batchBytes = exported.encodedHistogram();
        StepFigures batch = restored(exported, batchBytes);
        StepFigures day = StepFigures.restore(0, 0, 0, 0, 0, 0, 0, null, null, emptyAtLevel6, List.of());

        day.merge(batch);

        assertThat(day.encodedHistogram()).isSameAs(batchBytes);
        assertThat(new StepFigures().encodedHistogram()).isSameAs(HistogramCodec.EMPTY);
        assertThat(HistogramCodec.decode(HistogramCodec.EMPTY)).isEqualTo(HistogramCodec.newHistogram());
    }

    @Test
    void mergingStoredFiguresGivesTheFiguresOfOneFold() {
        Random random = new Random(3);
        long[] first = durations(random, 1_500);
        long[] second = durations(random, 800);
        StepFigures all = new StepFigures();
        StepFigures a = new StepFigures();
        StepFigures b = new StepFigures();
        Arrays.stream(first).forEach(d -> {
            all.add("ok", d, null);
            a.add("ok", d, null);
        });
        Arrays.stream(second).forEach(d -> {
            all.add("error", d, "x");
            b.add("error", d, "x");
        });
        StepFigures noDurations = new StepFigures();
        noDurations.add("skip", (Long) null, null);
        all.add("skip", (Long) null, null);

        // a day with figures (stored), then a batch (stored), then a batch without durations (stored)
        StepFigures day = restored(a, a.encodedHistogram());
        day.merge(restored(b, b.encodedHistogram()));
        day.merge(restored(noDurations, noDurations.encodedHistogram()));
        assertSameFigures(day, all);
        assertThat(HistogramCodec.decode(day.encodedHistogram())).isEqualTo(all.histogram());

        // and taking the second batch out again gives the first's
        day.subtract(b);
        day.subtract(noDurations);
        assertThat(day.durationCount()).isEqualTo(a.durationCount());
        assertThat(HistogramCodec.decode(day.encodedHistogram())).isEqualTo(a.histogram());
    }

    private static void assertSameFigures(StepFigures actual, StepFigures expected) {
        assertThat(List.of(
                        actual.calls(),
                        actual.ok(),
                        actual.skipped(),
                        actual.errors(),
                        actual.otherStatus(),
                        actual.invalidDurations(),
                        actual.durationTotal(),
                        actual.durationCount()))
                .isEqualTo(List.of(
                        expected.calls(),
                        expected.ok(),
                        expected.skipped(),
                        expected.errors(),
                        expected.otherStatus(),
                        expected.invalidDurations(),
                        expected.durationTotal(),
                        expected.durationCount()));
        assertThat(Arrays.asList(
                        actual.durationMin(),
                        actual.durationMax(),
                        actual.durationPercentile(50),
                        actual.durationPercentile(90),
                        actual.durationPercentile(95),
                        actual.durationPercentile(99)))
                .isEqualTo(Arrays.asList(
                        expected.durationMin(),
                        expected.durationMax(),
                        expected.durationPercentile(50),
                        expected.durationPercentile(90),
                        expected.durationPercentile(95),
                        expected.durationPercentile(99)));
        assertThat(actual.durationMean()).isEqualTo(expected.durationMean());
    }

    /** The figures as a statistics table's row gives them back, with these histogram bytes. */
    private static StepFigures restored(StepFigures f, byte[] histogram) {
        return StepFigures.restore(
                f.calls(),
                f.ok(),
                f.skipped(),
                f.errors(),
                f.otherStatus(),
                f.invalidDurations(),
                f.durationTotal(),
                f.durationMin(),
                f.durationMax(),
                histogram,
                List.of());
    }

    /** Durations shaped like the benchmark's (schema/source/generate.sql): skips 0-4 ms, else 50 ms to 20 s. */
    private static long[] durations(Random random, int count) {
        long[] durations = new long[count];
        for (int i = 0; i < count; i++) {
            durations[i] = random.nextDouble() < 0.03
                    ? random.nextInt(5)
                    : Math.round(Math.exp(Math.log(50)
                            + Math.log(400) * (random.nextDouble() + random.nextDouble() + random.nextDouble()) / 3));
        }
        return durations;
    }

    private static StepFigures folded(Random random, int count) {
        StepFigures figures = new StepFigures();
        for (long d : durations(random, count)) {
            figures.add("ok", d, null);
        }
        figures.add("error", -1L, "negative");
        return figures;
    }

    private static byte[] encode(Histogram histogram, int level) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer, level);
        return Arrays.copyOf(buffer.array(), length);
    }
}
