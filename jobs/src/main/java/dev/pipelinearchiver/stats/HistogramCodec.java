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

    /**
     * The first int of HdrHistogram's compressed encoding ({@code encodeIntoCompressedByteBuffer}), then the
     * length of the zlib stream, then the stream: of the histogram's plain encoding ({@code encodeIntoByteBuffer}).
     */
    private static final int COMPRESSED_COOKIE = 0x1c849314;

    private static final int HEADER = 8;

    // Written here rather than by encodeIntoCompressedByteBuffer (same bytes) so that one Deflater and two
    // buffers serve every encoding: that method sets up a Deflater (~50 us, as long as deflating a day's
    // histogram) and allocates two 166 KB buffers per histogram. Shared by the export and purge threads.
    private static final Deflater DEFLATER = new Deflater(LEVEL);
    private static ByteBuffer plain = ByteBuffer.allocate(newHistogram().getNeededByteBufferCapacity());
    private static byte[] compressed = new byte[plain.capacity()];

    /** The encoding of a histogram without values. */
    static final byte[] EMPTY = encode(newHistogram());

    /** The same as encodeIntoCompressedByteBuffer wrote it at the default level before issue 23: days' rows can hold it. */
    private static final byte[] EMPTY_AT_DEFAULT_LEVEL = defaultLevel(newHistogram());

    private HistogramCodec() {}

    static Histogram newHistogram() {
        return new Histogram(1, StepFigures.MAX_DURATION_MS, StepFigures.SIGNIFICANT_DIGITS);
    }

    /** The bytes {@code histogram.encodeIntoCompressedByteBuffer(buffer, LEVEL)} writes. */
    static synchronized byte[] encode(Histogram histogram) {
        int needed = histogram.getNeededByteBufferCapacity();
        if (plain.capacity() < needed) {
            plain = ByteBuffer.allocate(needed); // a histogram resized beyond the range
        }
        plain.clear();
        int length = histogram.encodeIntoByteBuffer(plain);
        DEFLATER.reset();
        DEFLATER.setInput(plain.array(), 0, length);
        DEFLATER.finish();
        int written = HEADER;
        while (!DEFLATER.finished()) {
            if (written == compressed.length) {
                compressed = Arrays.copyOf(compressed, compressed.length * 2);
            }
            written += DEFLATER.deflate(compressed, written, compressed.length - written);
        }
        ByteBuffer.wrap(compressed).putInt(0, COMPRESSED_COOKIE).putInt(4, written - HEADER);
        return Arrays.copyOf(compressed, written);
    }

    private static byte[] defaultLevel(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer, Deflater.DEFAULT_COMPRESSION);
        return Arrays.copyOf(buffer.array(), length);
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
