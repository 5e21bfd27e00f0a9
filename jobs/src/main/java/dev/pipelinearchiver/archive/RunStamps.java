package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's stamp: its rows per table and the sum of their xmin. The export tallies it from the rows it
 * streams ({@link Tally}); the purge counts it again ({@link #count}) and deletes only runs whose stamp
 * is unchanged since export. Both must give exactly the same stamp for the same rows.
 */
final class RunStamps {

    private RunStamps() {}

    /** Counts, table by table, what PostgreSQL holds for a set of runs (three {@code GROUP BY} queries). */
    static Map<Long, RunStamp> count(Connection con, ArchiveSources sources, long[] runIds) throws SQLException {
        List<SourceTable> tables = sources.tables();
        Map<Long, int[]> counts = new HashMap<>();
        Map<Long, Long> fingerprints = new HashMap<>();
        for (int t = 0; t < tables.size(); t++) {
            try (PreparedStatement ps = con.prepareStatement(sources.countByRunSql(tables.get(t)))) {
                ps.setArray(1, Ledger.bigints(con, runIds));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long run = rs.getLong(1);
                        counts.computeIfAbsent(run, r -> new int[tables.size()])[t] = Math.toIntExact(rs.getLong(2));
                        fingerprints.merge(run, rs.getLong(3), Long::sum);
                    }
                }
            }
        }
        Map<Long, RunStamp> stamps = new HashMap<>();
        counts.forEach((run, c) -> stamps.put(run, new RunStamp(c, fingerprints.get(run))));
        return stamps;
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
            Stamp stamp = last != null && lastRun == run ? last : tableIndex == 0
                    ? stamps.computeIfAbsent(run, r -> new Stamp(tables)) : stamps.get(run);
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
