package dev.pipelinearchiver.stats;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.HdrHistogram.Histogram;

/**
 * Not a test: a harness measuring the CPU of the statistics tables' histogram work (issue 23), on histograms
 * shaped like the benchmark's (schema/source/generate.sql: 60 archived days of ~2,110 runs, 11 step names,
 * durations 0..4 ms for skips, else exp(ln 50 + ln 400 * mean of 3 uniforms) ms). Thread CPU time, C1 only
 * as config/jvm.options runs the job:
 *
 * <pre>
 * java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m -cp ~/.m2/repository/org/hdrhistogram/HdrHistogram/2.2.2/HdrHistogram-2.2.2.jar \
 *     jobs/src/test/java/dev/pipelinearchiver/stats/HistogramCodecBench.java [rounds]
 * </pre>
 */
public final class HistogramCodecBench {

    private static final long MAX = 86_400_000L;
    private static final String[] NAMES = {
        "indicator_agent",
        "trend_agent",
        "sentiment_agent",
        "news_agent",
        "risk_agent",
        "fundamentals_agent",
        "macro_agent",
        "volatility_agent",
        "portfolio_agent",
        "critic_agent",
        "report_agent"
    };
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private HistogramCodecBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println("load: " + Files.readString(Path.of("/proc/loadavg")).trim());
        List<Histogram> batches = batches(60, 2_110, new Random(42));
        long values = batches.stream().mapToLong(Histogram::getTotalCount).sum();
        System.out.printf("%d batch histograms (day x step name), %d durations%n", batches.size(), values);

        List<byte[]> level6 = new ArrayList<>();
        List<byte[]> level1 = new ArrayList<>();
        long raw = 0;
        ByteBuffer scratch = ByteBuffer.allocate(batches.get(0).getNeededByteBufferCapacity());
        for (Histogram h : batches) {
            level6.add(encode(h, Deflater.DEFAULT_COMPRESSION));
            level1.add(encode(h, Deflater.BEST_SPEED));
            scratch.clear();
            raw += h.encodeIntoByteBuffer(scratch);
            if (!Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(level1.get(level1.size() - 1)), 1)
                    .equals(h)) {
                throw new IllegalStateException("level 1 does not decode to the same histogram");
            }
            byte[] own = encodeReusing(h, ByteBuffer.allocate(scratch.capacity()), new byte[scratch.capacity()]);
            if (!java.util.Arrays.equals(own, level1.get(level1.size() - 1))) {
                throw new IllegalStateException("the own encoding differs from HdrHistogram's at level 1");
            }
        }
        System.out.printf(
                "bytes per histogram: uncompressed (LEB128) %.0f, level 6 %.0f, level 1 %.0f%n",
                (double) raw / batches.size(),
                level6.stream().mapToInt(b -> b.length).average().orElseThrow(),
                level1.stream().mapToInt(b -> b.length).average().orElseThrow());
        byte[] uncompressed = new byte[scratch.capacity()];
        Histogram sample = batches.get(0);
        int payload;
        {
            ByteBuffer b = ByteBuffer.wrap(uncompressed);
            payload = sample.encodeIntoByteBuffer(b);
        }
        byte[] out = new byte[scratch.capacity()];
        ByteBuffer target = ByteBuffer.allocate(scratch.capacity());

        for (int round = 1; round <= rounds; round++) {
            System.out.printf(
                    "round %d (load %s)%n",
                    round, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            int n = batches.size();
            // the parts of one encoding
            timeFresh(
                    "encode, level 6 (fresh instance each: as StepFigures.encodedHistogram)",
                    batches,
                    h -> encode(h, Deflater.DEFAULT_COMPRESSION).length);
            timeFresh("encode, level 1 (fresh instance each)", batches, h -> encode(h, Deflater.BEST_SPEED).length);
            timeFresh("encode, level 1, thread's target buffer (fresh instance each)", batches, h -> {
                target.clear();
                return java.util.Arrays.copyOf(target.array(), h.encodeIntoCompressedByteBuffer(target, 1)).length;
            });
            time(
                    "encode, level 6, same instance (its 166 KB buffer reused)",
                    n,
                    i -> encode(batches.get(i), Deflater.DEFAULT_COMPRESSION).length);
            time("encode, level 1, same instance", n, i -> encode(batches.get(i), Deflater.BEST_SPEED).length);
            timeFresh(
                    "encode, level 1, own header + reused Deflater and buffers (fresh instance each)",
                    batches,
                    h -> encodeReusing(h, scratch, out).length);
            time("  of which: uncompressed LEB128 encoding into a reused buffer", n, i -> {
                scratch.clear();
                return batches.get(i).encodeIntoByteBuffer(scratch);
            });
            time(
                    "  of which: ByteBuffer.allocate(166 KB) (the target buffer)",
                    n,
                    i -> ByteBuffer.allocate(batches.get(i).getNeededByteBufferCapacity())
                            .capacity());
            time(
                    "  of which: new Deflater(6), deflate " + payload + " B, end()",
                    n,
                    i -> deflate(Deflater.DEFAULT_COMPRESSION, uncompressed, payload, out));
            time(
                    "  of which: new Deflater(1), deflate " + payload + " B, end()",
                    n,
                    i -> deflate(Deflater.BEST_SPEED, uncompressed, payload, out));
            time("  of which: new Deflater(6) + end() only", n, i -> {
                Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
                d.end();
                return 0;
            });
            time(
                    "empty histogram: new + encode (level 6), per batch in mergeBatch",
                    n,
                    i -> encode(new Histogram(1, MAX, 3), Deflater.DEFAULT_COMPRESSION).length);
            // decoding
            time("decode (level 6 bytes)", n, i -> (int) decode(level6.get(i)).getTotalCount());
            time("decode (level 1 bytes)", n, i -> (int) decode(level1.get(i)).getTotalCount());
            time("decode (level 1 bytes), reused Inflater and buffer", n, i ->
                    (int) decodeReusing(level1.get(i), uncompressed).getTotalCount());
            time("  of which: new Histogram(1, day, 3)", n, i -> (int) new Histogram(1, MAX, 3).getTotalCount());
            time("  of which: new Inflater, inflate, end()", n, i -> inflate(level6.get(i)));
            // merge and figures
            Histogram day0 = new Histogram(1, MAX, 3);
            time("add a batch into a day histogram", n, i -> {
                day0.add(batches.get(i));
                return 0;
            });
            time("4 percentiles", n, i -> (int) (batches.get(i).getValueAtPercentile(50)
                    + batches.get(i).getValueAtPercentile(90)
                    + batches.get(i).getValueAtPercentile(95)
                    + batches.get(i).getValueAtPercentile(99)));
            // what mergeBatch does per step name, before and after
            time("merge before: decode batch + decode empty day + add + 4 percentiles + encode (l6)", n, i -> {
                Histogram batch = decode(level6.get(i));
                Histogram day = decode(EMPTY6);
                day.add(batch);
                long p = day.getValueAtPercentile(50)
                        + day.getValueAtPercentile(90)
                        + day.getValueAtPercentile(95)
                        + day.getValueAtPercentile(99);
                return encode(day, Deflater.DEFAULT_COMPRESSION).length + (int) p;
            });
            time("merge after (empty day): decode batch + 4 percentiles, bytes kept", n, i -> {
                Histogram day = decode(level1.get(i));
                return (int) (day.getValueAtPercentile(50)
                        + day.getValueAtPercentile(90)
                        + day.getValueAtPercentile(95)
                        + day.getValueAtPercentile(99));
            });
            time("merge after (day with figures): decode both + add + 4 percentiles + encode (l1)", n, i -> {
                Histogram batch = decode(level1.get(i));
                Histogram day = decode(level1.get((i + 11) % n));
                day.add(batch);
                long p = day.getValueAtPercentile(50)
                        + day.getValueAtPercentile(90)
                        + day.getValueAtPercentile(95)
                        + day.getValueAtPercentile(99);
                return encode(day, Deflater.BEST_SPEED).length + (int) p;
            });
        }
    }

    private static final byte[] EMPTY6 = encode(new Histogram(1, MAX, 3), Deflater.DEFAULT_COMPRESSION);

    interface FreshOp {
        int run(Histogram fresh);
    }

    /** Like time, on a fresh copy of each histogram per call (as the job encodes each instance once), copies untimed. */
    private static void timeFresh(String what, List<Histogram> histograms, FreshOp op) {
        long sink = 0;
        long elapsed = 0;
        int calls = 0;
        do {
            for (int from = 0; from < histograms.size(); from += 60) {
                List<Histogram> fresh = new ArrayList<>();
                for (int i = from; i < Math.min(from + 60, histograms.size()); i++) {
                    fresh.add(histograms.get(i).copy());
                }
                long start = THREADS.getCurrentThreadCpuTime();
                for (Histogram h : fresh) {
                    sink += op.run(h);
                }
                elapsed += THREADS.getCurrentThreadCpuTime() - start;
                calls += fresh.size();
            }
        } while (elapsed < 400_000_000L);
        double perCall = elapsed / 1e3 / calls;
        System.out.printf(
                "  %-92s %8.1f µs/call, x1200 = %.3f CPU-s  (%d)%n", what, perCall, perCall * 1200 / 1e6, sink & 1);
    }

    interface Op {
        int run(int i) throws Exception;
    }

    /** Runs op over every histogram enough times for ~0.5 s; prints thread CPU µs per call. */
    private static void time(String what, int n, Op op) throws Exception {
        long sink = 0;
        for (int i = 0; i < n; i++) {
            sink += op.run(i); // warm-up pass
        }
        int reps = 0;
        long start = THREADS.getCurrentThreadCpuTime();
        long elapsed;
        do {
            for (int i = 0; i < n; i++) {
                sink += op.run(i);
            }
            reps++;
            elapsed = THREADS.getCurrentThreadCpuTime() - start;
        } while (elapsed < 400_000_000L);
        double perCall = elapsed / 1e3 / (reps * (double) n);
        System.out.printf(
                "  %-92s %8.1f µs/call, x1200 = %.3f CPU-s  (%d)%n", what, perCall, perCall * 1200 / 1e6, sink & 1);
    }

    static byte[] encode(Histogram h, int level) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer, level);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return bytes;
    }

    static Histogram decode(byte[] bytes) throws DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 1);
    }

    private static final Deflater DEFLATER = new Deflater(Deflater.BEST_SPEED);
    private static final Inflater INFLATER = new Inflater();

    /** HdrHistogram's compressed encoding at level 1 written here: a reused Deflater and buffers. */
    static byte[] encodeReusing(Histogram h, ByteBuffer scratch, byte[] out) {
        scratch.clear();
        int length = h.encodeIntoByteBuffer(scratch);
        DEFLATER.reset();
        DEFLATER.setInput(scratch.array(), 0, length);
        DEFLATER.finish();
        int compressed = DEFLATER.deflate(out, 8, out.length - 8);
        ByteBuffer.wrap(out).putInt(0, 0x1c849314).putInt(4, compressed);
        return java.util.Arrays.copyOf(out, compressed + 8);
    }

    static Histogram decodeReusing(byte[] bytes, byte[] scratch) throws DataFormatException {
        INFLATER.reset();
        INFLATER.setInput(bytes, 8, bytes.length - 8);
        int length = INFLATER.inflate(scratch);
        return Histogram.decodeFromByteBuffer(ByteBuffer.wrap(scratch, 0, length), 1);
    }

    private static int deflate(int level, byte[] in, int length, byte[] out) {
        Deflater d = new Deflater(level);
        d.setInput(in, 0, length);
        d.finish();
        int n = d.deflate(out);
        d.end();
        return n;
    }

    private static int inflate(byte[] compressed) throws DataFormatException {
        Inflater inflater = new Inflater();
        inflater.setInput(compressed, 8, compressed.length - 8);
        byte[] out = new byte[40 + 18_432 * 9];
        int n = inflater.inflate(out);
        inflater.end();
        return n;
    }

    /** One histogram per archived day and step name, as generate.sql's steps give them. */
    static List<Histogram> batches(int days, int runsPerDay, Random random) {
        List<Histogram> all = new ArrayList<>();
        for (int day = 0; day < days; day++) {
            Histogram[] byName = new Histogram[NAMES.length];
            for (int s = 0; s < NAMES.length; s++) {
                byName[s] = new Histogram(1, MAX, 3);
            }
            for (int run = 0; run < runsPerDay; run++) {
                int k = 5 + random.nextInt(7);
                for (int seq = 1; seq <= k; seq++) {
                    int name = seq == k ? NAMES.length - 1 : seq - 1;
                    double u = random.nextDouble();
                    long duration = u >= 0.93 && u < 0.96
                            ? (long) Math.floor(random.nextDouble() * 5)
                            : Math.round(Math.exp(Math.log(50)
                                    + Math.log(400)
                                            * (random.nextDouble() + random.nextDouble() + random.nextDouble())
                                            / 3));
                    byName[name].recordValue(duration);
                }
            }
            all.addAll(List.of(byName));
        }
        return all;
    }
}
