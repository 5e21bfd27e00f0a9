package dev.pipelinearchiver.stats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The statistics tables in schema {@code archiver}: batch contributions and daily figures. All
 * statements join the caller's transaction, which is what makes the merge happen exactly once.
 */
@Component
public class StatisticsStore {

    private final JdbcTemplate jdbc;
    private final ObjectMapper json = new ObjectMapper();

    StatisticsStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Saves (or replaces) a batch's contribution. */
    public void saveBatch(long batchId, Map<String, StepFigures> figures) {
        jdbc.update(StatsSql.DELETE_BATCH, batchId);
        jdbc.batchUpdate(
                StatsSql.INSERT_BATCH,
                figures.entrySet().stream()
                        .map(entry -> {
                            StepFigures f = entry.getValue();
                            return new Object[] {
                                batchId,
                                entry.getKey(),
                                f.calls(),
                                f.ok(),
                                f.skipped(),
                                f.errors(),
                                f.otherStatus(),
                                f.invalidDurations(),
                                f.durationTotal(),
                                f.durationMin(),
                                f.durationMax(),
                                f.encodedHistogram(),
                                toJson(f.allErrors())
                            };
                        })
                        .toList());
    }

    /** Merges a batch's contribution into its day's figures; call once per batch, in the transaction that closes it. */
    public void mergeBatch(long batchId, LocalDate dt) {
        Map<String, StepFigures> batch = new LinkedHashMap<>();
        jdbc.query(
                StatsSql.BATCH_FIGURES,
                rs -> {
                    batch.put(rs.getString(1), figures(rs, 2, fromJson(rs.getString(12))));
                },
                batchId);
        if (batch.isEmpty()) {
            return;
        }
        // Set-wise, a few round trips per batch whatever its step names (one statement per step name and
        // error pattern before): make sure the day's rows exist, lock them in step-name order (which
        // serialises concurrent merges of the same day by several shards, without deadlocks), merge the
        // histograms here, write them back and add the error patterns. A day without durations yet takes the
        // batch's histogram as it is stored (decoded once, for the percentiles; not encoded again).
        jdbc.batchUpdate(
                StatsSql.ENSURE_DAY,
                batch.keySet().stream()
                        .map(stepName -> new Object[] {dt, stepName, HistogramCodec.EMPTY})
                        .toList());
        Map<String, StepFigures> days = lockDay(dt, batch.keySet());
        if (!days.keySet().equals(batch.keySet())) {
            throw new IllegalStateException(
                    "Step statistics of " + dt + ": locked " + days.keySet() + " for " + batch.keySet());
        }
        List<Object[]> updates = new ArrayList<>();
        List<Object[]> errors = new ArrayList<>();
        days.forEach((stepName, day) -> {
            StepFigures added = batch.get(stepName);
            day.merge(added);
            updates.add(updateDay(day, dt, stepName));
            added.allErrors()
                    .forEach(error ->
                            errors.add(new Object[] {dt, stepName, error.pattern(), error.count(), error.example()}));
        });
        jdbc.batchUpdate(StatsSql.UPDATE_DAY, updates);
        jdbc.batchUpdate(StatsSql.MERGE_ERRORS, errors);
    }

    /**
     * Takes runs restored to PostgreSQL out of their day's figures, in the transaction that restores them,
     * so that archiving them again later counts them once; the day's step_stats file is marked for
     * rewriting by the next archive launch.
     */
    public void subtractRestored(long batchId, Map<String, StepFigures> restored) {
        LocalDate dt = jdbc.queryForObject(StatsSql.BATCH_DAY, LocalDate.class, batchId);
        // the day's rows locked at once in the order a merge locks them, so a restore beside a launch
        // merging the same day waits for it instead of deadlocking with it
        Map<String, StepFigures> days = lockDay(dt, restored.keySet());
        for (Map.Entry<String, StepFigures> entry : restored.entrySet()) {
            String stepName = entry.getKey();
            StepFigures day = days.get(stepName);
            if (day == null) {
                continue; // never merged (statistics were off when it was archived)
            }
            day.subtract(entry.getValue());
            if (day.calls() <= 0) {
                jdbc.update(StatsSql.DELETE_DAY, dt, stepName);
                jdbc.update(StatsSql.DELETE_DAY_ERRORS, dt, stepName);
                continue;
            }
            jdbc.update(StatsSql.UPDATE_DAY, updateDay(day, dt, stepName));
            for (ErrorCount error : entry.getValue().allErrors()) {
                jdbc.update(StatsSql.SUBTRACT_ERRORS, error.count(), dt, stepName, error.pattern());
            }
            jdbc.update(StatsSql.DELETE_EMPTY_ERRORS, dt, stepName);
        }
        jdbc.update(StatsSql.DAY_FILE_STALE, batchId);
    }

    /** Locks a day's rows of these step names in step-name order (PostgreSQL's collation); returns them so. */
    private Map<String, StepFigures> lockDay(LocalDate dt, Collection<String> stepNames) {
        Map<String, StepFigures> days = new LinkedHashMap<>();
        jdbc.execute((ConnectionCallback<Void>) con -> {
            try (PreparedStatement ps = con.prepareStatement(StatsSql.LOCK_DAY_STEPS)) {
                ps.setObject(1, dt);
                ps.setArray(2, con.createArrayOf("text", stepNames.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        days.put(rs.getString(1), figures(rs, 2, List.of()));
                    }
                }
            }
            return null;
        });
        return days;
    }

    /** The daily figures of a date range, optionally of one step name, with their top error patterns. */
    public List<DailyStepStats> read(LocalDate from, LocalDate to, String stepName, int topErrors) {
        List<DailyStepStats> days = jdbc.query(StatsSql.DAYS, StatisticsStore::day, from, to, stepName, stepName);
        Map<List<Object>, List<ErrorCount>> errors = new HashMap<>();
        jdbc.query(
                StatsSql.TOP_ERRORS,
                rs -> {
                    errors.computeIfAbsent(
                                    List.of(rs.getObject(1, LocalDate.class), rs.getString(2)),
                                    key -> new ArrayList<>())
                            .add(new ErrorCount(rs.getString(3), rs.getLong(4), rs.getString(5)));
                },
                from,
                to,
                stepName,
                stepName,
                topErrors);
        List<DailyStepStats> withErrors = new ArrayList<>(days.size());
        for (DailyStepStats day : days) {
            withErrors.add(day.withTopErrors(errors.getOrDefault(List.of(day.dt(), day.stepName()), List.of())));
        }
        return withErrors;
    }

    private static DailyStepStats day(ResultSet rs, int row) throws SQLException {
        return new DailyStepStats(
                rs.getObject(1, LocalDate.class),
                rs.getString(2),
                rs.getLong(3),
                rs.getLong(4),
                rs.getLong(5),
                rs.getLong(6),
                rs.getLong(7),
                rs.getDouble(8),
                rs.getObject(9, Long.class),
                rs.getObject(10, Double.class),
                rs.getObject(11, Long.class),
                rs.getObject(12, Long.class),
                rs.getObject(13, Long.class),
                rs.getObject(14, Long.class),
                rs.getObject(15, Long.class),
                rs.getLong(16),
                rs.getLong(17),
                List.of(),
                rs.getBytes(18));
    }

    /** The first and last day with figures (of one step name, or of any when null); empty when there are none. */
    public Optional<DayRange> extent(String stepName) {
        return jdbc.query(
                StatsSql.EXTENT,
                rs -> {
                    rs.next();
                    LocalDate first = rs.getObject(1, LocalDate.class);
                    return first == null
                            ? Optional.<DayRange>empty()
                            : Optional.of(new DayRange(first, rs.getObject(2, LocalDate.class)));
                },
                stepName,
                stepName);
    }

    /** The most frequent error patterns of each step name over a range, most frequent first. */
    public Map<String, List<ErrorCount>> rangeErrors(LocalDate from, LocalDate to, String stepName, int limit) {
        Map<String, List<ErrorCount>> errors = new TreeMap<>();
        jdbc.query(
                StatsSql.RANGE_ERRORS,
                rs -> {
                    errors.computeIfAbsent(rs.getString(1), key -> new ArrayList<>())
                            .add(new ErrorCount(rs.getString(2), rs.getLong(3), rs.getString(4)));
                },
                from,
                to,
                stepName,
                stepName,
                limit);
        return errors;
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

    /** A day's figures as a query returns them from column {@code first} on, with their error patterns. */
    private static StepFigures figures(ResultSet rs, int first, List<ErrorCount> errors) throws SQLException {
        return StepFigures.restore(
                rs.getLong(first),
                rs.getLong(first + 1),
                rs.getLong(first + 2),
                rs.getLong(first + 3),
                rs.getLong(first + 4),
                rs.getLong(first + 5),
                rs.getLong(first + 6),
                rs.getObject(first + 7, Long.class),
                rs.getObject(first + 8, Long.class),
                rs.getBytes(first + 9),
                errors);
    }

    /** The parameters of {@link StatsSql#UPDATE_DAY} for a day's figures. */
    private static Object[] updateDay(StepFigures day, LocalDate dt, String stepName) {
        return new Object[] {
            day.calls(),
            day.ok(),
            day.skipped(),
            day.errors(),
            day.otherStatus(),
            day.errorRate(),
            day.durationMin(),
            day.durationMean(),
            day.durationMax(),
            day.durationPercentile(50),
            day.durationPercentile(90),
            day.durationPercentile(95),
            day.durationPercentile(99),
            day.durationTotal(),
            day.invalidDurations(),
            day.encodedHistogram(),
            dt,
            stepName
        };
    }
}
