package dev.pipelinearchiver.stats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The statistics tables in schema {@code archiver}: batch contributions and daily figures. All
 * statements join the caller's transaction, which is what makes the merge happen exactly once.
 */
@Component
public class StatisticsStore {

    private static final String DELETE_BATCH = "DELETE FROM archiver.batch_step_stats WHERE batch_id = ?";

    private static final String INSERT_BATCH = """
            INSERT INTO archiver.batch_step_stats (batch_id, step_name, calls, ok, skipped, errors, other_status,
                invalid_durations, duration_total, duration_min, duration_max, histogram, error_patterns)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)""";

    private static final String BATCH_FIGURES = """
            SELECT step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_total, duration_min, duration_max,
                   histogram, error_patterns::text
            FROM archiver.batch_step_stats WHERE batch_id = ? ORDER BY step_name""";

    private static final String ENSURE_DAY = """
            INSERT INTO archiver.step_stats (dt, step_name, calls, ok, skipped, errors, other_status, error_rate,
                duration_ms_total, invalid_durations, histogram)
            VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, ?)
            ON CONFLICT (dt, step_name) DO NOTHING""";

    private static final String LOCK_DAY = """
            SELECT calls, ok, skipped, errors, other_status, invalid_durations, duration_ms_total, duration_ms_min, duration_ms_max,
                   histogram
            FROM archiver.step_stats WHERE dt = ? AND step_name = ? FOR UPDATE""";

    private static final String UPDATE_DAY = """
            UPDATE archiver.step_stats SET calls = ?, ok = ?, skipped = ?, errors = ?, other_status = ?, error_rate = ?,
                duration_ms_min = ?, duration_ms_mean = ?, duration_ms_max = ?, duration_ms_p50 = ?, duration_ms_p90 = ?,
                duration_ms_p95 = ?, duration_ms_p99 = ?, duration_ms_total = ?, invalid_durations = ?, histogram = ?,
                updated_at = now()
            WHERE dt = ? AND step_name = ?""";

    private static final String MERGE_ERRORS = """
            INSERT INTO archiver.step_error_stats (dt, step_name, pattern, count, example) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (dt, step_name, pattern) DO UPDATE
            SET count = step_error_stats.count + excluded.count, example = least(step_error_stats.example, excluded.example)""";

    private static final String BATCH_DAY = "SELECT dt FROM archiver.archive_batch WHERE batch_id = ?";

    private static final String DELETE_DAY = "DELETE FROM archiver.step_stats WHERE dt = ? AND step_name = ?";

    private static final String DELETE_DAY_ERRORS = "DELETE FROM archiver.step_error_stats WHERE dt = ? AND step_name = ?";

    private static final String SUBTRACT_ERRORS = """
            UPDATE archiver.step_error_stats SET count = count - ? WHERE dt = ? AND step_name = ? AND pattern = ?""";

    private static final String DELETE_EMPTY_ERRORS = "DELETE FROM archiver.step_error_stats WHERE dt = ? AND step_name = ? AND count <= 0";

    /** The next archive launch's statsStep rewrites the day file of this batch. */
    private static final String DAY_FILE_STALE = "UPDATE archiver.archive_batch SET stats_written_at = NULL WHERE batch_id = ?";

    private static final String DAYS = """
            SELECT dt, step_name, calls, ok, skipped, errors, other_status, error_rate, duration_ms_min, duration_ms_mean,
                   duration_ms_max, duration_ms_p50, duration_ms_p90, duration_ms_p95, duration_ms_p99, duration_ms_total,
                   invalid_durations
            FROM archiver.step_stats
            WHERE dt BETWEEN ? AND ? AND (CAST(? AS text) IS NULL OR step_name = ?)
            ORDER BY dt, step_name""";

    private static final String TOP_ERRORS = """
            SELECT pattern, count, example FROM archiver.step_error_stats
            WHERE dt = ? AND step_name = ? ORDER BY count DESC, pattern LIMIT ?""";

    private final JdbcTemplate jdbc;
    private final ObjectMapper json = new ObjectMapper();

    StatisticsStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Saves (or replaces) a batch's contribution. */
    public void saveBatch(long batchId, Map<String, StepFigures> figures) {
        jdbc.update(DELETE_BATCH, batchId);
        figures.forEach((stepName, f) -> jdbc.update(INSERT_BATCH, batchId, stepName, f.calls(), f.ok(), f.skipped(), f.errors(),
                f.otherStatus(), f.invalidDurations(), f.durationTotal(), f.durationMin(), f.durationMax(), f.encodedHistogram(),
                toJson(f.allErrors())));
    }

    /** Merges a batch's contribution into its day's figures; call once per batch, in the transaction that closes it. */
    public void mergeBatch(long batchId, LocalDate dt) {
        Map<String, StepFigures> batch = new LinkedHashMap<>();
        jdbc.query(BATCH_FIGURES, rs -> {
            batch.put(rs.getString(1), StepFigures.restore(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                    rs.getLong(7), rs.getLong(8), rs.getObject(9, Long.class), rs.getObject(10, Long.class), rs.getBytes(11),
                    fromJson(rs.getString(12))));
        }, batchId);
        byte[] empty = new StepFigures().encodedHistogram();
        for (Map.Entry<String, StepFigures> entry : batch.entrySet()) {
            String stepName = entry.getKey();
            jdbc.update(ENSURE_DAY, dt, stepName, empty);
            // the row lock serialises concurrent merges of the same day (several shards)
            StepFigures day = jdbc.queryForObject(LOCK_DAY, (rs, i) -> StepFigures.restore(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                    rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getObject(8, Long.class), rs.getObject(9, Long.class),
                    rs.getBytes(10), List.of()), dt, stepName);
            StepFigures added = entry.getValue();
            day.merge(added);
            jdbc.update(UPDATE_DAY, day.calls(), day.ok(), day.skipped(), day.errors(), day.otherStatus(), day.errorRate(),
                    day.durationMin(), day.durationMean(), day.durationMax(), day.durationPercentile(50), day.durationPercentile(90),
                    day.durationPercentile(95), day.durationPercentile(99), day.durationTotal(), day.invalidDurations(),
                    day.encodedHistogram(), dt, stepName);
            // one round trip for the step's error patterns (~80 per step name and batch here), not one each
            jdbc.batchUpdate(MERGE_ERRORS, added.allErrors().stream()
                    .map(error -> new Object[] {dt, stepName, error.pattern(), error.count(), error.example()})
                    .toList());
        }
    }

    /**
     * Takes runs restored to PostgreSQL out of their day's figures, in the transaction that restores them,
     * so that archiving them again later counts them once; the day's step_stats file is marked for
     * rewriting by the next archive launch.
     */
    public void subtractRestored(long batchId, Map<String, StepFigures> restored) {
        LocalDate dt = jdbc.queryForObject(BATCH_DAY, LocalDate.class, batchId);
        for (Map.Entry<String, StepFigures> entry : restored.entrySet()) {
            String stepName = entry.getKey();
            List<StepFigures> days = jdbc.query(LOCK_DAY, (rs, i) -> StepFigures.restore(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                    rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getObject(8, Long.class), rs.getObject(9, Long.class),
                    rs.getBytes(10), List.of()), dt, stepName);
            if (days.isEmpty()) {
                continue; // never merged (statistics were off when it was archived)
            }
            StepFigures day = days.get(0);
            day.subtract(entry.getValue());
            if (day.calls() <= 0) {
                jdbc.update(DELETE_DAY, dt, stepName);
                jdbc.update(DELETE_DAY_ERRORS, dt, stepName);
                continue;
            }
            jdbc.update(UPDATE_DAY, day.calls(), day.ok(), day.skipped(), day.errors(), day.otherStatus(), day.errorRate(),
                    day.durationMin(), day.durationMean(), day.durationMax(), day.durationPercentile(50), day.durationPercentile(90),
                    day.durationPercentile(95), day.durationPercentile(99), day.durationTotal(), day.invalidDurations(),
                    day.encodedHistogram(), dt, stepName);
            for (ErrorCount error : entry.getValue().allErrors()) {
                jdbc.update(SUBTRACT_ERRORS, error.count(), dt, stepName, error.pattern());
            }
            jdbc.update(DELETE_EMPTY_ERRORS, dt, stepName);
        }
        jdbc.update(DAY_FILE_STALE, batchId);
    }

    /** The daily figures of a date range, optionally of one step name, with their top error patterns. */
    public List<DailyStepStats> read(LocalDate from, LocalDate to, String stepName, int topErrors) {
        List<DailyStepStats> days = jdbc.query(DAYS, StatisticsStore::day, from, to, stepName, stepName);
        List<DailyStepStats> withErrors = new ArrayList<>(days.size());
        for (DailyStepStats day : days) {
            List<ErrorCount> errors = jdbc.query(TOP_ERRORS, (rs, i) -> new ErrorCount(rs.getString(1), rs.getLong(2), rs.getString(3)),
                    day.dt(), day.stepName(), topErrors);
            withErrors.add(day.withTopErrors(errors));
        }
        return withErrors;
    }

    private static DailyStepStats day(ResultSet rs, int row) throws SQLException {
        return new DailyStepStats(rs.getObject(1, LocalDate.class), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getLong(6), rs.getLong(7), rs.getDouble(8), rs.getObject(9, Long.class), rs.getObject(10, Double.class),
                rs.getObject(11, Long.class), rs.getObject(12, Long.class), rs.getObject(13, Long.class), rs.getObject(14, Long.class),
                rs.getObject(15, Long.class), rs.getLong(16), rs.getLong(17), List.of());
    }

    private String toJson(List<ErrorCount> errors) {
        try {
            return json.writeValueAsString(errors);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<ErrorCount> fromJson(String text) {
        try {
            return json.readValue(text, new TypeReference<List<ErrorCount>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Corrupt error patterns in archiver.batch_step_stats", e);
        }
    }
}
