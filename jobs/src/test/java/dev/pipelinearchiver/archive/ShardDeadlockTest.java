package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.database.DatabaseRetry;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.TestPropertySource;

/**
 * A deadlock ({@code 40P01}) in the launch's transaction that merges a batch's statistics into its day's rows,
 * forced by another connection that takes two of those rows in the opposite order ({@link DeadlockingShard}):
 * the job's retry policy absorbs it, and the shard's runs are archived and deleted exactly, with exact
 * statistics. {@link ShardDeadlockWithoutRetryTest}: the same deadlock fails the launch when nothing is retried.
 */
@TestPropertySource(
        properties = {
            "archiver.shard.index=1",
            "archiver.shard.count=2",
            "archiver.batch-size=10",
            "archiver.purge-threads=1"
        })
class ShardDeadlockTest extends ArchiveTestSupport {

    /** The day of this shard's first batches ({@link ShardConflictTest#runs}), and its step names in order. */
    static final LocalDate DAY = LocalDate.parse("2026-05-29");

    static final String FIRST_STEP = "report_agent";
    static final String LAST_STEP = "trend_agent";

    /** Exact figures per day and step name over the given runs' steps (the fixture's durations are all valid). */
    static final String EXACT_STATS = """
            SELECT (r.finished_at AT TIME ZONE 'UTC')::date AS dt, s.step_name, count(*),
                   count(*) FILTER (WHERE s.status = 'ok'), count(*) FILTER (WHERE s.status = 'skip'),
                   count(*) FILTER (WHERE s.status = 'error'), min(s.duration_ms), max(s.duration_ms), sum(s.duration_ms)
            FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id
            WHERE r.id IN (%s) GROUP BY 1, 2 ORDER BY 1, 2""";

    /** The same figures as PostgreSQL's statistics hold them. */
    static final String STORED_STATS = """
            SELECT dt, step_name, calls, ok, skipped, errors, duration_ms_min, duration_ms_max, duration_ms_total
            FROM archiver.step_stats ORDER BY 1, 2""";

    /** The same figures as the day files hold them, read by DuckDB. */
    static final String FILE_STATS = """
            SELECT dt, step_name, calls, ok, skipped, errors, duration_ms_min, duration_ms_max, duration_ms_total
            FROM %s ORDER BY 1, 2""";

    @Test
    void aDeadlockInTheStatisticsTransactionIsRetriedAndTheShardArchivesExactly() throws Exception {
        // given: this shard's runs, and another shard's transaction holding the day's row of the last step name
        ShardConflictTest.runs(fixture);
        String mine = eligibleRunIds(CUTOFF) + ShardConflictTest.SHARD_RUNS;
        List<List<Object>> runs = postgres("SELECT * FROM pipeline_runs WHERE id IN (" + mine + ") ORDER BY id");
        List<List<Object>> steps = postgres("SELECT * FROM pipeline_steps WHERE run_id IN (" + mine + ") ORDER BY id");
        List<List<Object>> others = postgres("SELECT * FROM pipeline_runs WHERE id NOT IN (" + mine + ") ORDER BY id");
        List<List<Object>> exactStats = postgres(EXACT_STATS.formatted(mine));
        ListAppender<ILoggingEvent> retries = new ListAppender<>();
        Logger retryLog = (Logger) LoggerFactory.getLogger(DatabaseRetry.class);
        retries.start();
        retryLog.addAppender(retries);
        try (DeadlockingShard otherShard = DeadlockingShard.holdLast(DB, DAY, LAST_STEP)) {
            // when: this shard launches, and the other shard takes the first step name's row once the launch waits
            CompletableFuture<Result> launch = CompletableFuture.supplyAsync(() -> {
                try {
                    return launcher.archive(CUTOFF);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            otherShard.deadlock(FIRST_STEP, launch, Duration.ofMinutes(1));
            Result result = launch.get();

            // then: PostgreSQL rolled back the launch's transaction for a deadlock (the other shard's statement got
            // its row), the retry policy ran it again, and the launch completed
            assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        } finally {
            retryLog.detachAppender(retries);
        }
        assertThat(retries.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line)
                        .startsWith("step purgeWorkerStep")
                        .contains("the transaction conflicted with another one")
                        .contains("ERROR: deadlock detected"));
        // then: exactly this shard's eligible runs archived and deleted, every other run untouched
        assertArchivedExactly(runs, steps, others, exactStats);
    }

    /** This shard's runs archived and deleted, the others untouched, and the statistics exact in both places. */
    void assertArchivedExactly(
            List<List<Object>> runs, List<List<Object>> steps, List<List<Object>> others, List<List<Object>> exactStats)
            throws SQLException {
        assertThat(archive.rows("pipeline_runs", "id")).isEqualTo(runs);
        assertThat(archive.rows("pipeline_steps", "id")).isEqualTo(steps);
        assertThat(postgres("SELECT * FROM pipeline_runs ORDER BY id")).isEqualTo(others);
        assertThat(exactStats).extracting(row -> row.get(0)).contains(DAY);
        assertThat(postgres(STORED_STATS)).isEqualTo(exactStats);
        assertThat(archive.query(FILE_STATS.formatted(archive.dataset("step_stats"))))
                .isEqualTo(exactStats);
    }
}
