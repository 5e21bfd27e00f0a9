package dev.pipelinearchiver.archive;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The stamps a batch's export recorded (table {@code archiver.batch_stamps}, one row per batch): per
 * run, its rows per table (in the batch's table order) and the sum of their xmin. Read whole, in one
 * row, and looked up here: PostgreSQL would decompress the arrays again for every run a query sliced out
 * of them (that cost the purge ~2 CPU-seconds per 200k-run launch).
 */
public final class BatchStamps {

    private static final String READ = """
            SELECT table_count, run_ids, row_counts, fingerprints FROM archiver.batch_stamps WHERE batch_id = ?""";

    private final int tableCount;
    private final long[] runIds;
    private final int[] rowCounts;
    private final long[] fingerprints;

    private BatchStamps(int tableCount, long[] runIds, int[] rowCounts, long[] fingerprints) {
        this.tableCount = tableCount;
        this.runIds = runIds;
        this.rowCounts = rowCounts;
        this.fingerprints = fingerprints;
    }

    /** The batch's stamps, or none (no run) if its export recorded none. */
    public static BatchStamps read(Connection con, long batchId) throws SQLException {
        try (PreparedStatement ps = con.prepareStatement(READ)) {
            ps.setLong(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new BatchStamps(0, new long[0], new int[0], new long[0]);
                }
                long[] runIds = longs(rs.getArray(2));
                for (int i = 1; i < runIds.length; i++) {
                    if (runIds[i - 1] >= runIds[i]) {
                        throw new IllegalStateException(
                                "Batch " + batchId + ": the stamps' run ids are not in ascending order");
                    }
                }
                return new BatchStamps(
                        rs.getInt(1),
                        runIds,
                        Arrays.stream((Integer[]) rs.getArray(3).getArray())
                                .mapToInt(Integer::intValue)
                                .toArray(),
                        longs(rs.getArray(4)));
            }
        }
    }

    /** Rows per table the export counted for a run, or null if it exported no such run. */
    public int[] rowCounts(long runId) {
        Ledger.RunStamp stamp = stamp(runId);
        return stamp == null ? null : stamp.rowCounts();
    }

    /** The stamps of some of the batch's runs (a run the export did not record is left out). */
    Map<Long, Ledger.RunStamp> stamps(long[] runIds) {
        Map<Long, Ledger.RunStamp> stamps = new HashMap<>();
        for (long runId : runIds) {
            Ledger.RunStamp stamp = stamp(runId);
            if (stamp != null) {
                stamps.put(runId, stamp);
            }
        }
        return stamps;
    }

    /** A run's stamp as the export recorded it, or null if it exported no such run. */
    Ledger.RunStamp stamp(long runId) {
        int i = Arrays.binarySearch(runIds, runId);
        return i < 0
                ? null
                : new Ledger.RunStamp(
                        Arrays.copyOfRange(rowCounts, i * tableCount, (i + 1) * tableCount), fingerprints[i]);
    }

    private static long[] longs(Array array) throws SQLException {
        return Arrays.stream((Long[]) array.getArray())
                .mapToLong(Long::longValue)
                .toArray();
    }
}
