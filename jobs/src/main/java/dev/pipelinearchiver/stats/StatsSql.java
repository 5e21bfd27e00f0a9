package dev.pipelinearchiver.stats;

/** The statements of the statistics tables in schema {@code archiver} ({@link StatisticsStore}). */
final class StatsSql {

    static final String DELETE_BATCH = "DELETE FROM archiver.batch_step_stats WHERE batch_id = ?";

    static final String INSERT_BATCH = """
            INSERT INTO archiver.batch_step_stats (batch_id, step_name, calls, ok, skipped, errors, other_status,
                invalid_durations, duration_total, duration_min, duration_max, histogram, error_patterns)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)""";

    static final String BATCH_FIGURES = """
            SELECT step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_total, duration_min, duration_max,
                   histogram, error_patterns::text
            FROM archiver.batch_step_stats WHERE batch_id = ? ORDER BY step_name""";

    static final String ENSURE_DAY = """
            INSERT INTO archiver.step_stats (dt, step_name, calls, ok, skipped, errors, other_status, error_rate,
                duration_ms_total, invalid_durations, histogram)
            VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, ?)
            ON CONFLICT (dt, step_name) DO NOTHING""";

    /** A day's rows of several step names, locked in step-name order (rows are locked as the sort returns them). */
    static final String LOCK_DAY_STEPS = """
            SELECT step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_ms_total, duration_ms_min,
                   duration_ms_max, histogram
            FROM archiver.step_stats WHERE dt = ? AND step_name = ANY (?) ORDER BY step_name FOR UPDATE""";

    static final String UPDATE_DAY = """
            UPDATE archiver.step_stats SET calls = ?, ok = ?, skipped = ?, errors = ?, other_status = ?, error_rate = ?,
                duration_ms_min = ?, duration_ms_mean = ?, duration_ms_max = ?, duration_ms_p50 = ?, duration_ms_p90 = ?,
                duration_ms_p95 = ?, duration_ms_p99 = ?, duration_ms_total = ?, invalid_durations = ?, histogram = ?,
                updated_at = now()
            WHERE dt = ? AND step_name = ?""";

    static final String MERGE_ERRORS = """
            INSERT INTO archiver.step_error_stats (dt, step_name, pattern, count, example) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (dt, step_name, pattern) DO UPDATE
            SET count = step_error_stats.count + excluded.count, example = least(step_error_stats.example, excluded.example)""";

    static final String BATCH_DAY = "SELECT dt FROM archiver.archive_batch WHERE batch_id = ?";

    static final String DELETE_DAY = "DELETE FROM archiver.step_stats WHERE dt = ? AND step_name = ?";

    static final String DELETE_DAY_ERRORS = "DELETE FROM archiver.step_error_stats WHERE dt = ? AND step_name = ?";

    static final String SUBTRACT_ERRORS = """
            UPDATE archiver.step_error_stats SET count = count - ? WHERE dt = ? AND step_name = ? AND pattern = ?""";

    static final String DELETE_EMPTY_ERRORS =
            "DELETE FROM archiver.step_error_stats WHERE dt = ? AND step_name = ? AND count <= 0";

    /** The next archive launch's statsStep rewrites the day file of this batch. */
    static final String DAY_FILE_STALE = "UPDATE archiver.archive_batch SET stats_written_at = NULL WHERE batch_id = ?";

    static final String DAYS = """
            SELECT dt, step_name, calls, ok, skipped, errors, other_status, error_rate, duration_ms_min, duration_ms_mean,
                   duration_ms_max, duration_ms_p50, duration_ms_p90, duration_ms_p95, duration_ms_p99, duration_ms_total,
                   invalid_durations, histogram
            FROM archiver.step_stats
            WHERE dt BETWEEN ? AND ? AND (CAST(? AS text) IS NULL OR step_name = ?)
            ORDER BY dt, step_name""";

    /** The first and last day with figures (optionally of one step name). */
    static final String EXTENT = """
            SELECT min(dt), max(dt) FROM archiver.step_stats WHERE (CAST(? AS text) IS NULL OR step_name = ?)""";

    /**
     * The most frequent error patterns of each step name over a range, all patterns of every day added up;
     * the example is the first in code point order, as a merge of figures keeps it (DAYS' parameters, then
     * how many).
     */
    static final String RANGE_ERRORS = """
            SELECT step_name, pattern, count, example
            FROM (SELECT step_name, pattern, sum(count)::bigint AS count, min(example COLLATE "C") AS example,
                         row_number() OVER (PARTITION BY step_name ORDER BY sum(count) DESC, pattern COLLATE "C") AS rank
                  FROM archiver.step_error_stats
                  WHERE dt BETWEEN ? AND ? AND (CAST(? AS text) IS NULL OR step_name = ?)
                  GROUP BY step_name, pattern) e
            WHERE rank <= ?
            ORDER BY step_name, rank""";

    /** The most frequent error patterns of each day and step name of a range (DAYS' parameters, then how many). */
    static final String TOP_ERRORS = """
            SELECT dt, step_name, pattern, count, example
            FROM (SELECT dt, step_name, pattern, count, example,
                         row_number() OVER (PARTITION BY dt, step_name ORDER BY count DESC, pattern) AS rank
                  FROM archiver.step_error_stats
                  WHERE dt BETWEEN ? AND ? AND (CAST(? AS text) IS NULL OR step_name = ?)) e
            WHERE rank <= ?
            ORDER BY dt, step_name, rank""";

    /** The days of this shard whose day file is to be (re)written (StepStatsTasklet). */
    static final String DAYS_TO_WRITE = """
            SELECT DISTINCT dt FROM archiver.archive_batch
            WHERE shard = ? AND state = 'PURGED' AND stats_written_at IS NULL ORDER BY dt""";

    /** Serialises the writing of one day's file across shards (StepStatsTasklet.DAY_LOCK_CLASS, epoch day). */
    static final String LOCK_DAY_FILE = "SELECT pg_advisory_xact_lock(?, ?)";

    static final String MARK_WRITTEN = """
            UPDATE archiver.archive_batch SET stats_written_at = now()
            WHERE shard = ? AND dt = ANY (?::date[]) AND state = 'PURGED' AND stats_written_at IS NULL""";

    private StatsSql() {}
}
