package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.restore.RestoreRequest;
import dev.pipelinearchiver.restore.RunRestorer;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/** The daily step statistics against exact SQL over the same rows, across batches, launches and restarts. */
@TestPropertySource(properties = {"archiver.batch-size=10", "archiver.purge-batch-size=4"})
class StepStatisticsTest extends ArchiveTestSupport {

    @Autowired
    RunRestorer restorer;

    /** Exact figures per (day, step_name) over the steps of the given runs, computed by PostgreSQL. */
    private static final String EXACT = """
            WITH steps AS (
                SELECT (r.finished_at AT TIME ZONE 'UTC')::date AS dt, s.*,
                       s.duration_ms BETWEEN 0 AND 86400000 AS valid
                FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id
                WHERE r.id IN (%s))
            SELECT dt, step_name, count(*), count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'skip'),
                   count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE status NOT IN ('ok', 'skip', 'error')),
                   count(*) FILTER (WHERE NOT valid),
                   min(duration_ms) FILTER (WHERE valid), max(duration_ms) FILTER (WHERE valid),
                   coalesce(sum(duration_ms) FILTER (WHERE valid), 0), avg(duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.50) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.90) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   count(error), min(error)
            FROM steps GROUP BY dt, step_name ORDER BY dt, step_name""";

    private static final String STORED = """
            SELECT s.dt, s.step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_ms_min, duration_ms_max,
                   duration_ms_total, duration_ms_mean, duration_ms_p50, duration_ms_p90, duration_ms_p95, duration_ms_p99,
                   (SELECT coalesce(sum(count), 0)::bigint FROM archiver.step_error_stats e WHERE e.dt = s.dt AND e.step_name = s.step_name),
                   (SELECT min(example) FROM archiver.step_error_stats e WHERE e.dt = s.dt AND e.step_name = s.step_name),
                   error_rate
            FROM archiver.step_stats s ORDER BY s.dt, s.step_name""";

    private void runsOverThreeDays() {
        fixture.runs(45, "ok", Instant.parse("2026-05-28T00:00:00Z"), 5_500, 5);
        fixture.runs(6, "error", Instant.parse("2026-05-29T01:00:00Z"), 3_000, 2);
        fixture.runs(3, "ok", Instant.parse("2026-06-03T00:00:00Z"), 600, 3); // not eligible
        // durations above 2,047 ms (approximate buckets), negative and absurd ones, an odd status, varied error ids
        DB.execute("""
                UPDATE pipeline_steps SET duration_ms = duration_ms * 37 + id WHERE id % 3 = 0;
                UPDATE pipeline_steps SET duration_ms = -5 WHERE id % 17 = 0;
                UPDATE pipeline_steps SET duration_ms = 100000000 WHERE id % 29 = 0;
                UPDATE pipeline_steps SET status = 'retried' WHERE id % 31 = 0;
                UPDATE pipeline_steps SET error = 'ConnectionError: host 10.0.' || (id % 7) || '.1 refused, request '
                    || md5(id::text) || ' at 2026-05-2' || (id % 9) || 'T10:00:00Z' WHERE id % 23 = 0;
                """);
    }

    private void assertStoredFiguresMatch(List<List<Object>> exact) throws Exception {
        List<List<Object>> stored = postgres(STORED);
        assertThat(stored).hasSameSizeAs(exact);
        for (int i = 0; i < exact.size(); i++) {
            List<Object> e = exact.get(i);
            List<Object> s = stored.get(i);
            String where = e.get(0) + " " + e.get(1);
            assertThat(s.subList(0, 11))
                    .as(where)
                    .isEqualTo(e.subList(0, 11)); // day, name, counts, min, max, total: exact
            assertThat(Double.parseDouble(s.get(11).toString()))
                    .as(where + " mean")
                    .isCloseTo(Double.parseDouble(e.get(11).toString()), within(1e-6));
            for (int p = 12; p <= 15; p++) {
                long expected = (Long) e.get(p);
                assertThat((Long) s.get(p))
                        .as(where + " percentile column " + p)
                        .isCloseTo(expected, within(Math.max(1L, (long) Math.ceil(expected * 0.01))));
            }
            assertThat(s.get(16)).as(where + " errors with a message").isEqualTo(e.get(16));
            assertThat(s.get(17)).as(where + " example").isEqualTo(e.get(17));
            assertThat((Double) s.get(18)).isCloseTo((double) (Long) e.get(5) / (Long) e.get(2), within(1e-12));
        }
    }

    @Test
    void aDayFileIsWrittenOnlyUnderItsDayLockSoThatShardsTakeTurns() throws Exception {
        // given: another shard's statistics step holds the lock of 2026-05-28 (as it writes that day's file)
        fixture.runs(8, "ok", Instant.parse("2026-05-28T00:00:00Z"), 600, 2);
        Path dayFile = ROOT.resolve("step_stats").resolve("dt=2026-05-28").resolve("step_stats.parquet");
        try (Connection otherShard = DB.connect();
                var lock = otherShard.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + StepStatsTasklet.DAY_LOCK_CLASS + ", "
                    + LocalDate.parse("2026-05-28").toEpochDay() + ")");

            // when: this launch gets to its statistics step
            CompletableFuture<Outcome> launch = CompletableFuture.supplyAsync(() -> {
                try {
                    return launcher.archive(CUTOFF).outcome();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (DB.count("SELECT count(*) FROM archiver.batch_step_execution WHERE step_name = 'statsStep'") == 0) {
                assertThat(System.nanoTime())
                        .as("waiting for the statistics step")
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
            Thread.sleep(1_000);

            // then: it waits for the day's lock and writes nothing meanwhile
            assertThat(launch).isNotDone();
            assertThat(dayFile).doesNotExist();

            // when: the other shard is done with the day
            lock.execute("SELECT pg_advisory_unlock_all()");

            // then: this one writes the day's file and completes
            assertThat(launch.get(60, TimeUnit.SECONDS)).isEqualTo(Outcome.COMPLETED);
            assertThat(dayFile).exists();
        }
    }

    @Test
    void dailyFiguresEqualExactSqlOverTheArchivedRows() throws Exception {
        // given
        runsOverThreeDays();
        List<List<Object>> exact = postgres(EXACT.formatted(eligibleRunIds(CUTOFF)));
        assertThat(exact).hasSizeGreaterThan(8);

        // when
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);

        // then
        assertStoredFiguresMatch(exact);
        assertThat(DB.count("SELECT sum(invalid_durations) FROM archiver.step_stats"))
                .isPositive();
        assertThat(DB.count("SELECT sum(other_status) FROM archiver.step_stats"))
                .isPositive();
        // the error ids, addresses and timestamps are masked into one pattern
        assertThat(postgres(
                        "SELECT DISTINCT pattern FROM archiver.step_error_stats WHERE pattern LIKE 'ConnectionError%'"))
                .containsExactly(List.of("ConnectionError: host <n>.<n>.<n>.<n> refused, request <id> at <ts>"));
    }

    @Test
    void theStepStatsDatasetHoldsTheSameFiguresForDuckDb() throws Exception {
        // given
        runsOverThreeDays();

        // when
        launcher.archive(CUTOFF);

        // then
        assertThat(archive.query("""
                SELECT dt, step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_ms_min, duration_ms_max,
                       duration_ms_total, duration_ms_p50, duration_ms_p99, len(top_errors)
                FROM %s ORDER BY dt, step_name""".formatted(archive.dataset("step_stats")))).isEqualTo(postgres("""
                        SELECT s.dt, step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_ms_min,
                               duration_ms_max, duration_ms_total, duration_ms_p50, duration_ms_p99,
                               (SELECT least(count(*), 10) FROM archiver.step_error_stats e WHERE e.dt = s.dt AND e.step_name = s.step_name)
                        FROM archiver.step_stats s ORDER BY 1, 2"""));
    }

    @Test
    void twoLaunchesGiveTheSameDailyFiguresAsOne() throws Exception {
        // given: one launch over everything
        runsOverThreeDays();
        launcher.archive(CUTOFF);
        List<List<Object>> oneLaunch = postgres(STORED);
        List<List<Object>> oneLaunchErrors = postgres("SELECT * FROM archiver.step_error_stats ORDER BY 1, 2, 3");

        // when: the same data archived in two launches that split a day
        emptyDatabaseAndArchive();
        runsOverThreeDays();
        assertThat(launcher.archive(Instant.parse("2026-05-29T12:00:00Z")).outcome())
                .isEqualTo(Outcome.COMPLETED);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);

        // then
        assertThat(postgres(STORED)).isEqualTo(oneLaunch);
        assertThat(postgres("SELECT * FROM archiver.step_error_stats ORDER BY 1, 2, 3"))
                .isEqualTo(oneLaunchErrors);
    }

    @Test
    void restoredRunsLeaveTheFiguresAndArchivingThemAgainCountsThemOnce() throws Exception {
        // given
        runsOverThreeDays();
        launcher.archive(CUTOFF);
        List<List<Object>> once = postgres(STORED);
        List<List<Object>> onceErrors = postgres("SELECT * FROM archiver.step_error_stats ORDER BY 1, 2, 3");

        // when: a day is restored to PostgreSQL
        restorer.restore(RestoreRequest.day(LocalDate.parse("2026-05-29"), false));

        // then: that day's figures count only what is still archived
        assertThat(DB.count("SELECT coalesce(sum(calls), 0) FROM archiver.step_stats WHERE dt = '2026-05-29'"))
                .isEqualTo(((Number) archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_steps")
                                        + " WHERE dt = '2026-05-29'")
                                .get(0)
                                .get(0))
                        .longValue());
        assertThat(
                        DB.count(
                                "SELECT count(*) FROM archiver.archive_batch WHERE dt = '2026-05-29' AND stats_written_at IS NULL"))
                .isPositive();

        // when: a later launch archives the restored runs again
        assertThat(launcher.archive(Instant.parse("2026-06-01T12:00:00Z")).outcome())
                .isEqualTo(Outcome.COMPLETED);

        // then: the figures are those of one launch again, each step counted once
        assertThat(postgres(STORED)).isEqualTo(once);
        assertThat(postgres("SELECT * FROM archiver.step_error_stats ORDER BY 1, 2, 3"))
                .isEqualTo(onceErrors);
    }

    @Test
    void aRestartedLaunchCountsNothingTwiceAndLeavesOutRunsThatChangedAfterExport() throws Exception {
        // given: the purge fails part-way, on a run that then gets a late step (so it is not deleted yet)
        runsOverThreeDays();
        long failing = DB.count(eligibleRunIds(CUTOFF) + " ORDER BY id OFFSET 25 LIMIT 1");
        long late = failing;
        List<List<Object>> exact = postgres(EXACT.formatted(eligibleRunIds(CUTOFF) + " AND id <> " + late));
        DB.failDeletingRun(failing);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.FAILED);
        DB.execute("INSERT INTO pipeline_steps (run_id, seq, step_name, status, duration_ms) VALUES (" + late
                + ", 99, 'trend_agent', 'ok', 1)");
        DB.stopFailingDeletes();

        // when
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);

        // then: the figures are those of exactly the archived rows
        assertStoredFiguresMatch(exact);
    }
}
