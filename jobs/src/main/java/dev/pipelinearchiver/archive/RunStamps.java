package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's stamp: its rows per table and the sum of their xmin. The export tallies it from the rows it
 * streams ({@link Tally}); the purge counts it again ({@link #count}) and deletes only runs whose stamp
 * is unchanged since export. Both must give exactly the same stamp for the same rows.
 *
 * <p>The purge's fast path ({@link #delete}) checks totals over a transaction's runs instead of stamps
 * run by run (a {@code GROUP BY} run on the delete cost ~0.2 s of PostgreSQL CPU per million rows).
 * A change after export changes a table's row count, or replaces or adds row versions whose xmin is a
 * later transaction's: the xmin total then moves unless the new xids add up exactly to the removed
 * ones', the same kind of coincidence the per-run sum already relies on, now over one transaction's
 * runs (at most {@code purge-batch-size}). A transaction whose totals differ is checked run by run
 * ({@link #count}), which pins down the changed runs.
 */
final class RunStamps {

    private RunStamps() {}

    /** Counts, table by table, what PostgreSQL holds for a set of runs (one {@code GROUP BY} query per table). */
    static Map<Long, RunStamp> count(Connection con, ArchiveSources sources, long[] runIds) throws SQLException {
        List<SourceTable> tables = sources.tables();
        PerTable rows = new PerTable(tables.size());
        for (int t = 0; t < tables.size(); t++) {
            rows.read(con, sources.countByRunSql(tables.get(t)), t, runIds);
        }
        return rows.stamps();
    }

    /**
     * What {@link #delete} removed: rows per table (the sources' order) and the sum of their xmin over
     * all tables, to compare with the sums of the runs' exported stamps.
     */
    record Deleted(long[] rowsPerTable, long xminSum) {}

    /**
     * Deletes the rows of a set of runs table by table ({@link ArchiveSources#deleteOrder()}: the runs
     * table last), and returns what the deletes removed as {@link #count} would total it over the same
     * runs, so that the runs can be checked after the delete in the same transaction instead of counted
     * before it. Rows the cascade removes along another path are not returned;
     * {@link #deletedInTransaction} shows them.
     */
    static Deleted delete(Connection con, ArchiveSources sources, long[] runIds) throws SQLException {
        List<SourceTable> tables = sources.tables();
        long[] rows = new long[tables.size()];
        long xminSum = 0;
        for (SourceTable table : sources.deleteOrder()) {
            try (PreparedStatement ps = con.prepareStatement(sources.deleteTotalsByRunSql(table))) {
                ps.setArray(1, Ledger.bigints(con, runIds));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rows[tables.indexOf(table)] = rs.getLong(1);
                    xminSum += rs.getLong(2);
                }
            }
        }
        return new Deleted(rows, xminSum);
    }

    /**
     * Rows deleted from each source table (and its partitions) so far in this transaction, by any statement or cascade
     * (PostgreSQL's per-transaction statistics, counted even in a rolled-back savepoint), or null when
     * {@code track_counts} is off and they are not kept.
     */
    static long[] deletedInTransaction(Connection con, ArchiveSources sources) throws SQLException {
        String[] names =
                sources.tables().stream().map(SourceTable::qualifiedName).toArray(String[]::new);
        try (PreparedStatement ps = con.prepareStatement(DELETED_IN_TRANSACTION)) {
            ps.setArray(1, con.createArrayOf("text", names));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return null;
                }
                Long[] counts = (Long[]) rs.getArray(2).getArray();
                return Arrays.stream(counts).mapToLong(Long::longValue).toArray();
            }
        }
    }

    // per table with its partitions and inheritance children, where PostgreSQL counts their rows' deletes
    private static final String DELETED_IN_TRANSACTION = """
            SELECT current_setting('track_counts')::boolean,
                   array(SELECT (WITH RECURSIVE tree(oid) AS (
                                     SELECT t::regclass::oid
                                     UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
                                 SELECT sum(pg_stat_get_xact_tuples_deleted(oid))::bigint FROM tree)
                         FROM unnest(?::text[]) WITH ORDINALITY u(t, i) ORDER BY i)""";

    /** Rows per run and table, from queries answering (run id, rows, xmin sum). */
    private static final class PerTable {
        final Map<Long, int[]> counts = new HashMap<>();
        final Map<Long, Long> fingerprints = new HashMap<>();
        final int tables;

        PerTable(int tables) {
            this.tables = tables;
        }

        void read(Connection con, String sql, int table, long[] runIds) throws SQLException {
            try (PreparedStatement ps = con.prepareStatement(sql)) {
                ps.setArray(1, Ledger.bigints(con, runIds));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long run = rs.getLong(1);
                        int rows = Math.toIntExact(rs.getLong(2));
                        counts.computeIfAbsent(run, r -> new int[tables])[table] = rows;
                        fingerprints.merge(run, rs.getLong(3), Long::sum);
                    }
                }
            }
        }

        Map<Long, RunStamp> stamps() {
            Map<Long, RunStamp> stamps = new HashMap<>();
            counts.forEach((run, c) -> stamps.put(run, new RunStamp(c, fingerprints.get(run))));
            return stamps;
        }
    }

    /**
     * The stamps of the rows an export streams, table by table in the sources' order (runs table first):
     * what {@link #count} returns for the same rows. A run exists when the runs table streamed it; its
     * count is 0 in every table that streamed no row of it.
     */
    static final class Tally {

        private static final class Stamp {
            final int[] rowCounts;
            long fingerprint;

            Stamp(int tables) {
                rowCounts = new int[tables];
            }
        }

        private final int tables;
        private final Map<Long, Stamp> stamps = new HashMap<>();
        private long lastRun;
        private Stamp last;

        Tally(int tables) {
            this.tables = tables;
        }

        /**
         * Adds one streamed row of table {@code tableIndex} (0: the runs table). Rows come ordered by
         * run, so consecutive rows of a run cost one map look-up.
         *
         * @return false when the row's run was not streamed from the runs table (the row is not added)
         */
        boolean add(int tableIndex, long run, long xmin) {
            Stamp stamp = last != null && lastRun == run
                    ? last
                    : tableIndex == 0 ? stamps.computeIfAbsent(run, r -> new Stamp(tables)) : stamps.get(run);
            if (stamp == null) {
                return false;
            }
            stamp.rowCounts[tableIndex]++;
            stamp.fingerprint += xmin;
            lastRun = run;
            last = stamp;
            return true;
        }

        Map<Long, RunStamp> stamps() {
            Map<Long, RunStamp> result = new HashMap<>();
            stamps.forEach((run, s) -> result.put(run, new RunStamp(s.rowCounts.clone(), s.fingerprint)));
            return result;
        }
    }
}
