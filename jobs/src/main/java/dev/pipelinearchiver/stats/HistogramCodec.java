package dev.pipelinearchiver.stats;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;

/**
 * The duration histograms of the statistics (1 ms to 1 day, 3 significant digits) to and from their stored
 * form, HdrHistogram's compressed encoding ({@code encodeIntoCompressedByteBuffer}: a header and a zlib
 * stream), as the statistics tables and the step_stats files hold them. Written at {@link Deflater#BEST_SPEED}:
 * the same format, read by the same {@code decodeFromCompressedByteBuffer}, whatever level wrote it.
 */
final class HistogramCodec {

    /** zlib's level: the stream decodes the same at any level; 1 costs less CPU than the default 6. */
    static final int LEVEL = Deflater.BEST_SPEED;

    // the target of an encoding, per thread (export and purge threads): large enough for any histogram
    // of this range (HdrHistogram deflates into it once, and would truncate what does not fit)
    private static final ThreadLocal<ByteBuffer> TARGETS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(newHistogram().getNeededByteBufferCapacity()));

    /** The encoding of a histogram without values. */
    static final byte[] EMPTY = encode(newHistogram());

    /** The same written at the default level (before issue 23): days' rows can hold it. */
    private static final byte[] EMPTY_AT_DEFAULT_LEVEL = encode(newHistogram(), Deflater.DEFAULT_COMPRESSION);

    private HistogramCodec() {}

    static Histogram newHistogram() {
        return new Histogram(1, StepFigures.MAX_DURATION_MS, StepFigures.SIGNIFICANT_DIGITS);
    }

    static byte[] encode(Histogram histogram) {
        return encode(histogram, LEVEL);
    }

    static byte[] encode(Histogram histogram, int level) {
        ByteBuffer target = TARGETS.get();
        int needed = histogram.getNeededByteBufferCapacity();
        if (target.capacity() < needed) {
            target = ByteBuffer.allocate(needed); // a histogram resized beyond the range: once, not kept
        }
        target.clear();
        int length = histogram.encodeIntoCompressedByteBuffer(target, level);
        return Arrays.copyOf(target.array(), length);
    }

    static Histogram decode(byte[] encoded) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 1);
        } catch (DataFormatException e) {
            throw new IllegalStateException("Corrupt duration histogram in the statistics tables", e);
        }
    }

    /** Whether these bytes are known, without decoding them, to encode a histogram without values. */
    static boolean isEmpty(byte[] encoded) {
        return Arrays.equals(encoded, EMPTY) || Arrays.equals(encoded, EMPTY_AT_DEFAULT_LEVEL);
    }
}
