package dev.pipelinearchiver.storage;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The blocks that hold an upload's current part. A part is a list of blocks rather than one array, so
 * that a small file (a manifest, a day of statistics) holds one block, not a whole part; released
 * blocks are kept for the next part, up to a bound, instead of being garbage for the collector.
 */
final class PartBlocks {

    static final int BLOCK_BYTES = 1 << 20;
    private static final int KEPT = 32;

    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger freeCount = new AtomicInteger();

    byte[] take() {
        byte[] block = free.poll();
        if (block != null) {
            freeCount.decrementAndGet();
            return block;
        }
        return new byte[BLOCK_BYTES];
    }

    void release(byte[] block) {
        if (freeCount.incrementAndGet() <= KEPT) {
            free.add(block);
        } else {
            freeCount.decrementAndGet();
        }
    }
}
