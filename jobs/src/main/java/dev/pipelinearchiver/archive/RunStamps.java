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
 * Counts what PostgreSQL holds for a set of runs, table by table: the stamp compared at export (rows
 * counted = rows streamed = rows in the file) and again at purge (nothing changed since export).
 */
final class RunStamps {

    private RunStamps() {}

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
}
