package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link ShardDeadlockTest}'s deadlock with the retries off ({@code retry-for: 0s}, one attempt): the launch
 * fails with PostgreSQL's {@code 40P01}, which shows that the deadlock is real and that the retry is what
 * absorbs it. Nothing is lost: every run is still in PostgreSQL or archived, the batch's statistics were not
 * merged, and the next launch completes exactly.
 */
@TestPropertySource(
        properties = {
            "archiver.shard.index=1",
            "archiver.shard.count=2",
            "archiver.batch-size=10",
            "archiver.purge-threads=1",
            "archiver.database.retry-for=0s"
        })
class ShardDeadlockWithoutRetryTest extends ArchiveTestSupport {

    @Test
    void withoutTheRetryTheSameDeadlockFailsTheLaunchAndLosesNothing() throws Exception {
        // given
        ShardConflictTest.runs(fixture);
        String mine = eligibleRunIds(CUTOFF) + ShardConflictTest.SHARD_RUNS;
        List<List<Object>> runs = postgres("SELECT * FROM pipeline_runs WHERE id IN (" + mine + ") ORDER BY id");
        List<List<Object>> steps = postgres("SELECT * FROM pipeline_steps WHERE run_id IN (" + mine + ") ORDER BY id");
        List<List<Object>> others = postgres("SELECT * FROM pipeline_runs WHERE id NOT IN (" + mine + ") ORDER BY id");
        List<List<Object>> exactStats = postgres(ShardDeadlockTest.EXACT_STATS.formatted(mine));
        try (DeadlockingShard otherShard =
                DeadlockingShard.holdLast(DB, ShardDeadlockTest.DAY, ShardDeadlockTest.LAST_STEP)) {
            // when
            CompletableFuture<Result> launch = CompletableFuture.supplyAsync(() -> {
                try {
                    return launcher.archive(CUTOFF);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            otherShard.deadlock(ShardDeadlockTest.FIRST_STEP, launch, Duration.ofMinutes(1));
            Result result = launch.get();

            // then: the launch failed with PostgreSQL's deadlock, not retried
            assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(result.execution().getAllFailureExceptions())
                    .anySatisfy(failure -> assertThat(sqlStates(failure)).contains("40P01"));
        }
        // then: nothing lost: every run of this shard is still in PostgreSQL or archived (a run gone from PostgreSQL
        // is in the archive), and the day of the failed transaction has no figures yet
        List<List<Object>> kept = postgres("SELECT * FROM pipeline_runs WHERE id IN (" + mine + ") ORDER BY id");
        List<List<Object>> archived = archive.rows("pipeline_runs", "id");
        assertThat(runs)
                .allSatisfy(run -> assertThat(kept.contains(run) || archived.contains(run))
                        .as("run %s kept or archived", run.get(0))
                        .isTrue());
        assertThat(archived).isSubsetOf(runs);
        assertThat(DB.count("SELECT count(*) FROM archiver.step_stats WHERE dt = '" + ShardDeadlockTest.DAY + "'"))
                .isZero();

        // when: the next launch, without the other shard
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);

        // then: exactly as one launch without a deadlock
        assertThat(archive.rows("pipeline_runs", "id")).isEqualTo(runs);
        assertThat(archive.rows("pipeline_steps", "id")).isEqualTo(steps);
        assertThat(postgres("SELECT * FROM pipeline_runs ORDER BY id")).isEqualTo(others);
        assertThat(postgres(ShardDeadlockTest.STORED_STATS)).isEqualTo(exactStats);
        assertThat(archive.query(ShardDeadlockTest.FILE_STATS.formatted(archive.dataset("step_stats"))))
                .isEqualTo(exactStats);
    }

    /** The SQL states along a failure's causes (and a batch's next exceptions). */
    private static List<String> sqlStates(Throwable failure) {
        List<String> states = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (SQLException sql = t instanceof SQLException s ? s : null; sql != null; sql = sql.getNextException()) {
                states.add(sql.getSQLState());
            }
        }
        return states;
    }
}
