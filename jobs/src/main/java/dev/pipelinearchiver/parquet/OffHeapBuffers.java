package dev.pipelinearchiver.parquet;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.bytes.ByteBufferAllocator;

/**
 * Parquet's write buffers off the heap, freed as soon as Parquet releases them. A file writer keeps
 * its open pages (the values of each column until a page is full) and every compressed page of its
 * row group (until the file is closed) in buffers from this allocator. On the heap those live for
 * seconds: every young collection copied them and then promoted them, so the old generation filled
 * and full collections followed (docs/decisions/0003-off-heap-page-buffers.md). Off the heap they cost the
 * collector nothing; the memory is the same, and it is returned at once, not when a collection
 * happens to run the buffers' cleaners ({@link org.apache.parquet.bytes.DirectByteBufferAllocator}
 * releases nothing).
 *
 * <p>A buffer over {@value #HEAP_ABOVE_BYTES} bytes (only a huge value makes one: pages are
 * {@code page-bytes}, 4 MB by default) is an ordinary heap buffer instead, left to the collector as
 * before: off the heap, one 50 MB value added ~95 MiB to the process's peak on top of the heap (two at
 * once ~190 MiB, over the container's limit), on the heap it is bounded by {@code -Xmx} as it always was.
 *
 * <p>Parquet releases each buffer once, after its last use (parquet-java's own tests check writers
 * with a tracking allocator). With the system property {@value #POISON_PROPERTY} set (the test suite
 * sets it) a released buffer is filled with {@code 0xDB} before it is freed, so that a use after
 * release would corrupt the files the tests read back rather than go unseen.
 */
public final class OffHeapBuffers implements ByteBufferAllocator {

    public static final String POISON_PROPERTY = "pipeline-archiver.poison-released-buffers";

    /** Larger buffers are allocated on the heap (see above). */
    static final int HEAP_ABOVE_BYTES = 16 << 20;

    public static final OffHeapBuffers INSTANCE = new OffHeapBuffers(Boolean.getBoolean(POISON_PROPERTY));

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private final boolean poison;
    private final AtomicLong outstanding = new AtomicLong();

    OffHeapBuffers(boolean poison) {
        this.poison = poison;
    }

    @Override
    public ByteBuffer allocate(int size) {
        ByteBuffer buffer = size > HEAP_ABOVE_BYTES ? ByteBuffer.allocate(size) : ByteBuffer.allocateDirect(size);
        outstanding.addAndGet(buffer.capacity());
        return buffer;
    }

    @Override
    public void release(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            if (buffer.capacity() <= HEAP_ABOVE_BYTES) {
                throw new IllegalArgumentException(
                        "Not a buffer of this allocator: a heap buffer of " + buffer.capacity() + " bytes");
            }
            outstanding.addAndGet(-buffer.capacity()); // a huge value's: the collector frees it
            return;
        }
        if (poison) {
            ByteBuffer whole = buffer.duplicate().clear();
            while (whole.hasRemaining()) {
                whole.put((byte) 0xDB);
            }
        }
        // refuses a slice or a duplicate (IllegalArgumentException): only buffers allocated here are freed
        UNSAFE.invokeCleaner(buffer);
        outstanding.addAndGet(-buffer.capacity());
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    /** Bytes allocated and not yet released (for tests: every file writer releases all it took). */
    long outstandingBytes() {
        return outstanding.get();
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (sun.misc.Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Unsafe (module jdk.unsupported) is not available", e);
        }
    }
}
