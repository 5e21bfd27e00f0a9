package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.source.ArchiveSources;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The archive ledger (schema {@code archiver}): batches, their runs and their files. Statements join
 * the caller's transaction, so a ledger change commits together with the work it records.
 */
@Component
class Ledger {

    static final String PLANNED = "PLANNED";
    static final String WRITTEN = "WRITTEN";

    private final JdbcTemplate jdbc;

    Ledger(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A batch as planned: its day, cutoff, state and the tables it archives (in the order of its runs' row counts). */
    record Batch(long id, LocalDate dt, Instant cutoff, String state, List<String> tables) {}

    /** What a run looked like at export: rows per table (in the batch's table order) and their xmin sum. */
    record RunStamp(int[] rowCounts, long fingerprint) {

        boolean sameAs(RunStamp other) {
            return other != null && fingerprint == other.fingerprint && Arrays.equals(rowCounts, other.rowCounts);
        }
    }

    /** Freezes eligible runs into new batches; returns the number of runs planned. */
    int plan(ArchiveSources sources, long jobInstanceId, int shardIndex, int shardCount, int batchSize, Instant cutoff) {
        OffsetDateTime cutoffValue = cutoff.atOffset(ZoneOffset.UTC);
        return jdbc.execute((ConnectionCallback<Integer>) con -> {
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.plan(sources))) {
                ps.setArray(1, con.createArrayOf("text", sources.settings().finishedStatuses().toArray()));
                ps.setObject(2, cutoffValue);
                ps.setInt(3, shardCount);
                ps.setInt(4, shardIndex);
                ps.setInt(5, batchSize);
                ps.setLong(6, jobInstanceId);
                ps.setInt(7, shardIndex);
                ps.setObject(8, cutoffValue);
                ps.setArray(9, con.createArrayOf("text", sources.tableNames().toArray()));
                int planned = ps.executeUpdate();
                if (planned > 0) {
                    // Fresh statistics for the rows just inserted: without them the planner answers the
                    // per-batch ledger queries with a bitmap scan of the whole open-run index (~8 ms
                    // each, thousands of times per launch, instead of ~0.2 ms).
                    try (var statement = con.createStatement()) {
                        statement.execute(ArchiveSql.ANALYZE_LEDGER);
                    }
                }
                return planned;
            }
        });
    }

    List<Long> batches(int shard, String state) {
        return jdbc.queryForList(ArchiveSql.OPEN_BATCHES, Long.class, shard, state);
    }

    /** A WRITTEN batch claimed for purging, and the shard's oldest PLANNED batch at that moment (null if none). */
    record Claim(long batchId, Long oldestPlanned) {}

    /** Claims the oldest WRITTEN batch no other transaction holds (row lock until this transaction ends), or null. */
    Claim claimWrittenBatch(int shard) {
        List<Claim> claimed = jdbc.query(ArchiveSql.CLAIM_WRITTEN_BATCH, (rs, i) -> new Claim(rs.getLong(1), rs.getObject(2, Long.class)),
                shard, shard);
        return claimed.isEmpty() ? null : claimed.get(0);
    }

    Batch batch(long batchId) {
        return jdbc.queryForObject(ArchiveSql.BATCH, (rs, i) -> new Batch(rs.getLong(1), rs.getObject(2, LocalDate.class),
                rs.getObject(3, OffsetDateTime.class).toInstant(), rs.getString(4),
                rs.getArray(5) == null ? List.of() : Arrays.asList((String[]) rs.getArray(5).getArray())), batchId);
    }

    long[] runs(long batchId, String state, int limit) {
        return jdbc.queryForList(ArchiveSql.RUNS_IN_STATE, Long.class, batchId, state, limit).stream()
                .mapToLong(Long::longValue).toArray();
    }

    Map<Long, RunStamp> stamps(long batchId, long[] runIds) {
        return jdbc.execute((ConnectionCallback<Map<Long, RunStamp>>) con -> {
            Map<Long, RunStamp> stamps = new HashMap<>();
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.RUN_STAMPS)) {
                ps.setLong(1, batchId);
                ps.setArray(2, bigints(con, runIds));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Integer[] counts = (Integer[]) rs.getArray(2).getArray();
                        stamps.put(rs.getLong(1), new RunStamp(Arrays.stream(counts).mapToInt(Integer::intValue).toArray(), rs.getLong(3)));
                    }
                }
            }
            return stamps;
        });
    }

    /** Records a batch's export: every run's stamp, every file, and the batch as WRITTEN. */
    void recordExport(long batchId, List<String> tables, Map<Long, RunStamp> stamps, Map<String, WrittenFile> files) {
        jdbc.execute((ConnectionCallback<Void>) con -> {
            // one statement for the whole batch (one UPDATE per run cost ~25 µs of server time each)
            Long[] runIds = new Long[stamps.size()];
            String[] rowCounts = new String[stamps.size()];
            Long[] fingerprints = new Long[stamps.size()];
            int i = 0;
            for (Map.Entry<Long, RunStamp> run : stamps.entrySet()) {
                runIds[i] = run.getKey();
                rowCounts[i] = Arrays.stream(run.getValue().rowCounts()).mapToObj(Integer::toString)
                        .collect(Collectors.joining(",", "{", "}"));
                fingerprints[i] = run.getValue().fingerprint();
                i++;
            }
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.RECORD_RUN_EXPORTS)) {
                ps.setArray(1, con.createArrayOf("int8", runIds));
                ps.setArray(2, con.createArrayOf("text", rowCounts));
                ps.setArray(3, con.createArrayOf("int8", fingerprints));
                ps.setLong(4, batchId);
                int recorded = ps.executeUpdate();
                if (recorded != stamps.size()) {
                    // a run left 'planned' in a WRITTEN batch would never be purged nor re-planned: fail loudly instead
                    throw new IllegalStateException("Batch " + batchId + ": " + recorded + " of " + stamps.size()
                            + " exported runs were still planned when the export was recorded");
                }
            }
            return null;
        });
        files.forEach((table, file) -> recordFile(batchId, table, file));
        int updated = jdbc.execute((ConnectionCallback<Integer>) con -> {
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.MARK_BATCH_WRITTEN)) {
                ps.setArray(1, con.createArrayOf("text", tables.toArray()));
                ps.setLong(2, batchId);
                return ps.executeUpdate();
            }
        });
        if (updated != 1) {
            throw new IllegalStateException("Batch " + batchId + " was not PLANNED when its export was recorded");
        }
    }

    void recordFile(long batchId, String table, WrittenFile file) {
        jdbc.update(ArchiveSql.RECORD_FILE, batchId, table, file.path(), file.rows(), file.bytes(), file.sha256());
    }

    Map<String, WrittenFile> files(long batchId) {
        Map<String, WrittenFile> files = new HashMap<>();
        jdbc.query(ArchiveSql.FILES, rs -> {
            files.put(rs.getString(1), new WrittenFile(rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
        }, batchId);
        return files;
    }

    int markRuns(long batchId, long[] runIds, String from, String to) {
        if (runIds.length == 0) {
            return 0;
        }
        return jdbc.execute((ConnectionCallback<Integer>) con -> {
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.MARK_RUNS)) {
                ps.setString(1, to);
                ps.setLong(2, batchId);
                ps.setArray(3, bigints(con, runIds));
                ps.setString(4, from);
                return ps.executeUpdate();
            }
        });
    }

    void markPurged(long batchId) {
        if (jdbc.update(ArchiveSql.MARK_BATCH_PURGED, batchId) != 1) {
            throw new IllegalStateException("Batch " + batchId + " was not WRITTEN when marked purged");
        }
    }

    record TouchedBatch(long batchId, LocalDate dt, String state, long runsPurged, long runsReleased) {}

    List<TouchedBatch> batchesTouchedSince(int shard, Instant since) {
        Timestamp ts = Timestamp.from(since);
        return jdbc.query(ArchiveSql.BATCHES_TOUCHED_SINCE, (rs, i) -> new TouchedBatch(rs.getLong(1),
                rs.getObject(2, LocalDate.class), rs.getString(3), rs.getLong(4), rs.getLong(5)), shard, ts, ts);
    }

    static Array bigints(Connection con, long[] values) throws SQLException {
        return con.createArrayOf("int8", Arrays.stream(values).boxed().toArray());
    }
}
