package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.archive.BatchStamps;
import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.source.ArchiveSources;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What restore reads and changes in the archive ledger (schema {@code archiver}) and in the runs table.
 * Statements join the caller's transaction.
 */
@Component
class RestoreLedger {

    private final JdbcTemplate jdbc;

    RestoreLedger(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A run's archived copy: the batch whose files hold it. */
    record ArchivedRun(long runId, long batchId, BatchState batchState, LocalDate dt) {}

    List<ArchivedRun> archivedRuns(Collection<Long> runIds) {
        return jdbc.execute((ConnectionCallback<List<ArchivedRun>>) con -> {
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.ARCHIVED_RUNS_BY_ID)) {
                ps.setArray(
                        1,
                        bigints(con, runIds.stream().mapToLong(Long::longValue).toArray()));
                return archivedRuns(ps);
            }
        });
    }

    List<ArchivedRun> archivedRuns(LocalDate dt) {
        return jdbc.execute((ConnectionCallback<List<ArchivedRun>>) con -> {
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.ARCHIVED_RUNS_BY_DT)) {
                ps.setObject(1, dt);
                return archivedRuns(ps);
            }
        });
    }

    private static List<ArchivedRun> archivedRuns(PreparedStatement ps) throws SQLException {
        List<ArchivedRun> runs = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                runs.add(new ArchivedRun(
                        rs.getLong(1),
                        rs.getLong(2),
                        BatchState.of(rs.getString(3)),
                        rs.getObject(4, LocalDate.class)));
            }
        }
        return runs;
    }

    List<Long> batchesWithRestoredRuns() {
        return jdbc.queryForList(RestoreSql.BATCHES_WITH_RESTORED_RUNS, Long.class);
    }

    /** Serializes restores of one batch (its files are rewritten in place) until the transaction ends. */
    void lock(long batchId) {
        jdbc.execute((ConnectionCallback<Void>) con -> {
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.LOCK_BATCH)) {
                ps.setInt(1, RestoreSql.LOCK_CLASS);
                ps.setInt(2, (int) batchId); // a wrapped id only shares a lock with another batch: slower, never unsafe
                ps.execute();
            }
            return null;
        });
    }

    long[] runs(long batchId, RunState state) {
        return jdbc.queryForList(RestoreSql.RUNS_IN_STATE, Long.class, batchId, state.value()).stream()
                .mapToLong(Long::longValue)
                .toArray();
    }

    /** Rows per table of each run at export, in the order of {@link #tables}. */
    Map<Long, int[]> rowCounts(long batchId, long[] runIds) {
        return jdbc.execute((ConnectionCallback<Map<Long, int[]>>) con -> {
            BatchStamps stamps = BatchStamps.read(con, batchId);
            Map<Long, int[]> counts = new HashMap<>();
            for (long runId : runIds) {
                int[] rows = stamps.rowCounts(runId);
                if (rows != null) {
                    counts.put(runId, rows);
                }
            }
            return counts;
        });
    }

    int markRuns(long batchId, long[] runIds, RunState from, RunState to) {
        RunState.requireTransition(from, to);
        return jdbc.execute((ConnectionCallback<Integer>) con -> {
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.MARK_RUNS)) {
                ps.setString(1, to.value());
                ps.setLong(2, batchId);
                ps.setArray(3, bigints(con, runIds));
                ps.setString(4, from.value());
                return ps.executeUpdate();
            }
        });
    }

    List<String> tables(long batchId) {
        return jdbc.queryForObject(
                RestoreSql.BATCH_TABLES,
                (rs, i) -> Arrays.asList((String[]) rs.getArray(1).getArray()),
                batchId);
    }

    /** The batch's files by table. */
    Map<String, String> files(long batchId) {
        Map<String, String> files = new HashMap<>();
        jdbc.query(
                RestoreSql.FILES,
                rs -> {
                    files.put(rs.getString(1), rs.getString(2));
                },
                batchId);
        return files;
    }

    /** Those of the given runs that the runs table holds. */
    List<Long> existingRuns(ArchiveSources sources, long[] runIds) {
        if (runIds.length == 0) {
            return List.of();
        }
        return jdbc.execute((ConnectionCallback<List<Long>>) con -> {
            List<Long> existing = new ArrayList<>();
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.existingRuns(sources))) {
                ps.setArray(1, bigints(con, runIds));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        existing.add(rs.getLong(1));
                    }
                }
            }
            return existing;
        });
    }

    static Array bigints(Connection con, long[] values) throws SQLException {
        return con.createArrayOf("int8", Arrays.stream(values).boxed().toArray());
    }
}
