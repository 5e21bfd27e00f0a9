package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.source.ArchiveSources;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The archive ledger (schema {@code archiver}): batches, their runs and their files. Statements join
 * the caller's transaction, so a ledger change commits together with the work it records.
 */
@Component
class Ledger {

    private final JdbcTemplate jdbc;
    private final NamedParameterJdbcTemplate named;

    Ledger(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.named = new NamedParameterJdbcTemplate(jdbc);
    }

    /** A batch as planned: its day, cutoff, state and the tables it archives (in the order of its runs' row counts). */
    record Batch(long id, LocalDate dt, Instant cutoff, BatchState state, List<String> tables) {}

    /** What a run looked like at export: rows per table (in the batch's table order) and their xmin sum. */
    record RunStamp(int[] rowCounts, long fingerprint) {

        boolean sameAs(RunStamp other) {
            return other != null && fingerprint == other.fingerprint && Arrays.equals(rowCounts, other.rowCounts);
        }
    }

    /** Freezes eligible runs into new batches; returns the number of runs planned. */
    int plan(
            ArchiveSources sources, long jobInstanceId, int shardIndex, int shardCount, int batchSize, Instant cutoff) {
        MapSqlParameterSource parameters = ArchiveSql.eligibleRunsParameters(sources, cutoff, shardCount, shardIndex)
                .addValue("batchSize", batchSize)
                .addValue("jobInstanceId", jobInstanceId)
                .addValue("tables", ArchiveSql.textArray(sources.tableNames()));
        int planned = named.update(ArchiveSql.plan(sources), parameters);
        if (planned > 0) {
            // Fresh statistics for the rows just inserted: without them the planner answers the per-batch ledger
            // queries with a bitmap scan of the whole open-run index (~8 ms each, thousands of times per launch,
            // instead of ~0.2 ms).
            jdbc.execute(ArchiveSql.ANALYZE_LEDGER);
        }
        return planned;
    }

    List<Long> batches(int shard, BatchState state) {
        return jdbc.queryForList(ArchiveSql.OPEN_BATCHES, Long.class, shard, state.value());
    }

    /** The shard's batches not yet PURGED (PLANNED or WRITTEN), oldest first. */
    List<Long> openBatches(int shard) {
        List<Long> open = new ArrayList<>(batches(shard, BatchState.PLANNED));
        open.addAll(batches(shard, BatchState.WRITTEN));
        open.sort(null);
        return open;
    }

    /** A WRITTEN batch claimed for purging, and the shard's oldest PLANNED batch at that moment (null if none). */
    record Claim(Batch batch, Long oldestPlanned) {}

    /** Claims the oldest WRITTEN batch no other transaction holds (row lock until this transaction ends), or null. */
    Claim claimWrittenBatch(int shard) {
        List<Claim> claimed = jdbc.query(
                ArchiveSql.CLAIM_WRITTEN_BATCH,
                (rs, i) -> new Claim(batch(rs), rs.getObject(6, Long.class)),
                shard,
                shard);
        return claimed.isEmpty() ? null : claimed.get(0);
    }

    Batch batch(long batchId) {
        return jdbc.queryForObject(ArchiveSql.BATCH, (rs, i) -> batch(rs), batchId);
    }

    /** A batch from the columns of {@link ArchiveSql#BATCH}, the first five of the row. */
    private static Batch batch(ResultSet rs) throws SQLException {
        return new Batch(
                rs.getLong(1),
                rs.getObject(2, LocalDate.class),
                rs.getObject(3, OffsetDateTime.class).toInstant(),
                BatchState.of(rs.getString(4)),
                rs.getArray(5) == null
                        ? List.of()
                        : Arrays.asList((String[]) rs.getArray(5).getArray()));
    }

    long[] runs(long batchId, RunState state, int limit) {
        return jdbc.queryForList(ArchiveSql.RUNS_IN_STATE, Long.class, batchId, state.value(), limit).stream()
                .mapToLong(Long::longValue)
                .toArray();
    }

    /** The stamps a batch's export recorded. */
    BatchStamps stamps(long batchId) {
        return jdbc.execute((ConnectionCallback<BatchStamps>) con -> BatchStamps.read(con, batchId));
    }

    /**
     * Records a batch's export: its runs' stamps (one row for the batch), every file, and the batch as
     * WRITTEN. The runs stay 'planned' until the purge deletes them: a 'planned' run of a WRITTEN batch is
     * one its files hold.
     */
    void recordExport(long batchId, List<String> tables, Map<Long, RunStamp> stamps, Map<String, WrittenFile> files) {
        jdbc.execute((ConnectionCallback<Void>) con -> {
            Long[] runIds = stamps.keySet().stream().sorted().toArray(Long[]::new);
            Integer[] rowCounts = new Integer[runIds.length * tables.size()];
            Long[] fingerprints = new Long[runIds.length];
            for (int i = 0; i < runIds.length; i++) {
                RunStamp stamp = stamps.get(runIds[i]);
                if (stamp.rowCounts().length != tables.size()) {
                    throw new IllegalStateException("Batch " + batchId + ": run " + runIds[i] + " has counts for "
                            + stamp.rowCounts().length + " tables, the batch archives " + tables.size());
                }
                for (int t = 0; t < tables.size(); t++) {
                    rowCounts[i * tables.size() + t] = stamp.rowCounts()[t];
                }
                fingerprints[i] = stamp.fingerprint();
            }
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.RECORD_BATCH_STAMPS)) {
                ps.setLong(1, batchId);
                ps.setInt(2, tables.size());
                ps.setArray(3, con.createArrayOf("int8", runIds));
                ps.setArray(4, con.createArrayOf("int4", rowCounts));
                ps.setArray(5, con.createArrayOf("int8", fingerprints));
                ps.executeUpdate();
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
        jdbc.query(
                ArchiveSql.FILES,
                rs -> {
                    files.put(
                            rs.getString(1),
                            new WrittenFile(rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
                },
                batchId);
        return files;
    }

    int markRuns(long batchId, long[] runIds, RunState from, RunState to) {
        RunState.requireTransition(from, to);
        if (runIds.length == 0) {
            return 0;
        }
        return jdbc.execute((ConnectionCallback<Integer>) con -> {
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.MARK_RUNS)) {
                ps.setString(1, to.value());
                ps.setLong(2, batchId);
                ps.setArray(3, bigints(con, runIds));
                ps.setString(4, from.value());
                return ps.executeUpdate();
            }
        });
    }

    void markPurged(long batchId) {
        if (jdbc.update(ArchiveSql.MARK_BATCH_PURGED, batchId) != 1) {
            throw new IllegalStateException("Batch " + batchId + " was not WRITTEN when marked purged");
        }
    }

    record TouchedBatch(long batchId, LocalDate dt, BatchState state, long runsPurged, long runsReleased) {}

    List<TouchedBatch> batchesTouchedSince(int shard, Instant since) {
        Timestamp ts = Timestamp.from(since);
        return jdbc.query(
                ArchiveSql.BATCHES_TOUCHED_SINCE,
                (rs, i) -> new TouchedBatch(
                        rs.getLong(1),
                        rs.getObject(2, LocalDate.class),
                        BatchState.of(rs.getString(3)),
                        rs.getLong(4),
                        rs.getLong(5)),
                shard,
                ts,
                ts);
    }

    static Array bigints(Connection con, long[] values) throws SQLException {
        return con.createArrayOf("int8", Arrays.stream(values).boxed().toArray());
    }
}
