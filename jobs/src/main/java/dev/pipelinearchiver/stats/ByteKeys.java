package dev.pipelinearchiver.stats;

import java.util.Arrays;

/**
 * Values keyed by byte strings, looked up by a slice of a larger array (a COPY row's bytes) without copying
 * or decoding it: an open-addressing table, for the few distinct step names and statuses of a batch.
 */
final class ByteKeys<V> {

    private byte[][] keys = new byte[16][];
    private Object[] values = new Object[16];
    private int size;

    /** The value of the key equal to {@code bytes[offset, offset + length)}, or null. */
    @SuppressWarnings("unchecked")
    V get(byte[] bytes, int offset, int length) {
        int mask = keys.length - 1;
        for (int i = hash(bytes, offset, length) & mask; keys[i] != null; i = (i + 1) & mask) {
            if (Arrays.equals(keys[i], 0, keys[i].length, bytes, offset, offset + length)) {
                return (V) values[i];
            }
        }
        return null;
    }

    /** Adds a key (copied) that {@link #get} did not find. */
    void put(byte[] bytes, int offset, int length, V value) {
        if (2 * (size + 1) > keys.length) {
            byte[][] oldKeys = keys;
            Object[] oldValues = values;
            keys = new byte[2 * oldKeys.length][];
            values = new Object[2 * oldKeys.length];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != null) {
                    insert(oldKeys[i], oldValues[i]);
                }
            }
        }
        insert(Arrays.copyOfRange(bytes, offset, offset + length), value);
        size++;
    }

    private void insert(byte[] key, Object value) {
        int mask = keys.length - 1;
        int i = hash(key, 0, key.length) & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    private static int hash(byte[] bytes, int offset, int length) {
        int h = 1;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h ^ (h >>> 16);
    }
}
