package dev.pipelinearchiver.parquet;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * ZSTD compression of Parquet pages with zstd contexts of our own, instead of parquet-java's codec
 * (a zstd stream per page at a level, nothing else settable):
 * <ul>
 * <li>the level and, optionally, the window and hash-table sizes are set per context: on this archive's
 * payloads level 1 with a window as large as a page (2^22) and a 2^18-entry hash table compresses to
 * within 1 % of level 3's size for 20 % less CPU on one thread, 5-10 % less in a launch
 * (docs/decisions/0006-zstd-contexts.md), because the text repeats at distances a small table forgets;</li>
 * <li>each page is compressed in one call, off the heap: from the writer's own buffer when the page is
 * one ({@link OffHeapBuffers}), else from a reusable buffer it is copied into, to a reusable buffer
 * Parquet copies it from. No JNI critical section over a heap array, which held the collector off
 * while a page was compressed (the other export thread then allocated straight into the old
 * generation and full collections followed);</li>
 * <li>contexts and buffers are pooled across files, so a launch allocates a handful, not one per page.</li>
 * </ul>
 * A page larger than {@code directLimit} (a huge value) is compressed on the heap instead of growing
 * the pooled buffers. The frames are standard zstd: every Parquet reader decodes them.
 */
public final class ZstdPages {

    /** zstd's bounds (ZSTD_WINDOWLOG_MIN, and the largest window decoders accept by default; ZSTD_HASHLOG_MIN/MAX on 64-bit). */
    public static final int MIN_WINDOW_LOG = 10;

    public static final int MAX_WINDOW_LOG = 27;
    public static final int MIN_HASH_LOG = 6;
    public static final int MAX_HASH_LOG = 30;
    /** Idle contexts kept for later files; beyond that they are closed (one per export thread is what a launch needs). */
    private static final int MAX_IDLE = 4;

    private final int level;
    private final int windowLog;
    private final int hashLog;
    private final int directLimit;
    private final ConcurrentLinkedQueue<PageCompressor> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    /**
     * @param windowLog 0 for the level's own, else {@value #MIN_WINDOW_LOG}..{@value #MAX_WINDOW_LOG}
     * @param hashLog 0 for the level's own, else {@value #MIN_HASH_LOG}..{@value #MAX_HASH_LOG}
     * @param pageBytes the writer's page size: pages up to twice that go through the pooled off-heap buffers
     */
    ZstdPages(int level, int windowLog, int hashLog, int pageBytes) {
        // bound at start by ArchiverProperties.Parquet's constraints (exit 2); checked again for other callers
        if (!validLevel(level)) {
            throw new IllegalArgumentException("archiver.parquet.compression-level for ZSTD must be between "
                    + Zstd.minCompressionLevel() + " and " + Zstd.maxCompressionLevel() + ", not " + level);
        }
        if (!validWindowLog(windowLog)) {
            throw new IllegalArgumentException(
                    "archiver.parquet.zstd-window-log must be 0 (the level's own) or between " + MIN_WINDOW_LOG
                            + " and " + MAX_WINDOW_LOG + ", not " + windowLog);
        }
        if (!validHashLog(hashLog)) {
            throw new IllegalArgumentException("archiver.parquet.zstd-hash-log must be 0 (the level's own) or between "
                    + MIN_HASH_LOG + " and " + MAX_HASH_LOG + ", not " + hashLog);
        }
        this.level = level;
        this.windowLog = windowLog;
        this.hashLog = hashLog;
        this.directLimit = Math.max(1 << 20, 2 * pageBytes);
    }

    public static boolean validLevel(int level) {
        return level >= Zstd.minCompressionLevel() && level <= Zstd.maxCompressionLevel();
    }

    public static boolean validWindowLog(int windowLog) {
        return windowLog == 0 || (windowLog >= MIN_WINDOW_LOG && windowLog <= MAX_WINDOW_LOG);
    }

    public static boolean validHashLog(int hashLog) {
        return hashLog == 0 || (hashLog >= MIN_HASH_LOG && hashLog <= MAX_HASH_LOG);
    }

    /** One file writer's codecs: ZSTD from this pool, the others (and every decompressor) from {@code standard}. */
    CompressionCodecFactory codecs(CompressionCodecFactory standard) {
        return new Codecs(standard);
    }

    /** Contexts idle in the pool (for tests). */
    int idle() {
        return idleCount.get();
    }

    private PageCompressor take() {
        PageCompressor compressor = idle.poll();
        if (compressor == null) {
            return new PageCompressor();
        }
        idleCount.decrementAndGet();
        return compressor;
    }

    private void give(PageCompressor compressor) {
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.add(compressor);
        } else {
            idleCount.decrementAndGet();
            compressor.close();
        }
    }

    /** Used by one file writer, on its thread; {@link #release()} (the writer's close) returns its context to the pool. */
    private final class Codecs implements CompressionCodecFactory {

        private final CompressionCodecFactory standard;
        private PageCompressor zstd;

        Codecs(CompressionCodecFactory standard) {
            this.standard = standard;
        }

        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            if (codec != CompressionCodecName.ZSTD) {
                return standard.getCompressor(codec);
            }
            if (zstd == null) {
                zstd = take();
            }
            return zstd;
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            return standard.getDecompressor(codec);
        }

        @Override
        public void release() {
            if (zstd != null) {
                give(zstd);
                zstd = null;
            }
            standard.release();
        }
    }

    private final class PageCompressor implements CompressionCodecFactory.BytesInputCompressor {

        private final ZstdCompressCtx ctx = new ZstdCompressCtx();
        private ByteBuffer in;
        /** The last page's compressed bytes: valid until the next call, as parquet-java's own compressors' are. */
        private ByteBuffer out;
        /** Hands Parquet our input buffer to copy a page into (a page of several buffers is copied, one is used as it is). */
        private final ByteBufferAllocator pooledIn = new ByteBufferAllocator() {
            @Override
            public ByteBuffer allocate(int size) {
                in = capacity(in, size);
                return in.clear();
            }

            @Override
            public void release(ByteBuffer buffer) {
                // pooled: kept for the next page
            }

            @Override
            public boolean isDirect() {
                return true;
            }
        };

        PageCompressor() {
            ctx.setLevel(level);
            if (windowLog != 0) {
                ctx.setWindowLog(windowLog);
            }
            if (hashLog != 0) {
                ctx.setHashLog(hashLog);
            }
        }

        @Override
        public BytesInput compress(BytesInput page) throws IOException {
            long size = page.size();
            if (size > directLimit) {
                // a huge value: compressed on the heap (where OffHeapBuffers keeps values over 16 MB), rather
                // than growing the pooled off-heap buffers for good
                byte[] src = page.toByteArray();
                byte[] dst = new byte[Math.toIntExact(Zstd.compressBound(src.length))];
                int written = ctx.compressByteArray(dst, 0, dst.length, src, 0, src.length);
                return BytesInput.from(dst, 0, written);
            }
            // the page itself when Parquet holds it in one off-heap buffer (OffHeapBuffers), else copied into ours
            ByteBuffer src = page.toByteBuffer(pooledIn, buffer -> {});
            out = capacity(out, Math.toIntExact(Zstd.compressBound(size)));
            int written = ctx.compressDirectByteBuffer(out, 0, out.capacity(), src, src.position(), src.remaining());
            return BytesInput.from(out, 0, written);
        }

        /** The buffer, or a larger one (rounded up to 64 KiB) if it cannot hold {@code needed} bytes. */
        private ByteBuffer capacity(ByteBuffer buffer, int needed) {
            if (buffer != null && buffer.capacity() >= needed) {
                return buffer;
            }
            return ByteBuffer.allocateDirect((needed + 0xFFFF) & ~0xFFFF);
        }

        @Override
        public CompressionCodecName getCodecName() {
            return CompressionCodecName.ZSTD;
        }

        @Override
        public void release() {
            // pooled: the file writer's codec factory hands it back on release
        }

        void close() {
            ctx.close();
        }
    }
}
