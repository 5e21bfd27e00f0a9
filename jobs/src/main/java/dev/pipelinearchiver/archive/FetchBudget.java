package dev.pipelinearchiver.archive;

/**
 * Sizes the export cursor's fetches by bytes as well as by rows. The driver holds a whole fetch in memory,
 * so a fixed row count is only safe for narrow rows: 2,000 rows of 200 KB payloads would hold 400 MB. The
 * first fetch is small; from then on each fetch asks for as many rows of the largest size read so far as
 * fit in {@code archiver.fetch-bytes}, at most {@code archiver.fetch-size}, at least one. (A fetch whose
 * rows are all much wider than every row before it can still exceed the budget: the protocol limits a
 * fetch by rows only.)
 */
final class FetchBudget {

    /** Rows of the first fetch, before any row's size is known. */
    static final int FIRST_FETCH_ROWS = 100;

    /** What the driver holds per value besides its bytes (array header, reference), roughly. */
    static final int PER_VALUE_OVERHEAD = 24;

    private final int maxRows;
    private final long maxBytes;
    private final int valuesPerRow;
    private long largestRow = -1;
    private int rows;

    FetchBudget(int maxRows, long maxBytes, int valuesPerRow) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
        this.valuesPerRow = valuesPerRow;
        this.rows = Math.min(maxRows, FIRST_FETCH_ROWS);
    }

    /** Rows to ask for in the next fetch. */
    int rows() {
        return rows;
    }

    /** Records a row read, given its values' bytes; true when the next fetch should ask for a different number of rows. */
    boolean rowRead(long valueBytes) {
        long size = valueBytes + (long) PER_VALUE_OVERHEAD * valuesPerRow;
        if (size <= largestRow) {
            return false;
        }
        largestRow = size;
        int next = (int) Math.max(1, Math.min(maxRows, maxBytes / size));
        boolean changed = next != rows;
        rows = next;
        return changed;
    }
}
