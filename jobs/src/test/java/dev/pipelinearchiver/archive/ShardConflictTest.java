package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.SourceFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * A serialization failure between two shards' launches, forced ({@link ConcurrentShardLaunch}): the job's
 * retry policy absorbs it and the launch archives its shard exactly. {@link ShardConflictWithoutRetryTest}:
 * the same conflict fails the launch when nothing is retried.
 */
@TestPropertySource(properties = {"archiver.shard.index=1", "archiver.shard.count=2", "archiver.batch-size=10"})
class ShardConflictTest extends ArchiveTestSupport {

    static final String SHARD_RUNS = " AND id % 2 = 1";

    /** 40 eligible runs (20 of them this shard's), 5 after the cutoff. */
    static void runs(SourceFixture fixture) {
        fixture.runs(40, "ok", Instant.parse("2026-05-29T00:00:00Z"), 3_000, 3);
        fixture.runs(5, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2);
    }

    @Test
    void aSerializationFailureWithAnotherShardsLaunchIsRetriedAndTheShardArchivesExactly() throws Exception {
        // given: this shard's runs, and another shard's launch whose metadata transaction interleaves with its own
        runs(fixture);
        String mine = eligibleRunIds(CUTOFF) + SHARD_RUNS;
        List<List<Object>> runs = postgres("SELECT * FROM pipeline_runs WHERE id IN (" + mine + ") ORDER BY id");
        List<List<Object>> steps = postgres("SELECT * FROM pipeline_steps WHERE run_id IN (" + mine + ") ORDER BY id");
        List<List<Object>> others = postgres("SELECT * FROM pipeline_runs WHERE id NOT IN (" + mine + ") ORDER BY id");
        try (ConcurrentShardLaunch otherShard = ConcurrentShardLaunch.hold(DB)) {
            // when: this shard launches, and the other shard's transaction commits first
            CompletableFuture<Result> launch = CompletableFuture.supplyAsync(() -> archive());
            long otherInstance = otherShard.commitFirst(Duration.ofMinutes(1));
            Result result = launch.get();

            // then: the launch completed, in a job instance created after an attempt PostgreSQL failed: that
            // attempt drew the id before the other shard's (sequences do not roll back), the retry the one after
            assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(result.execution().getJobInstance().getInstanceId()).isEqualTo(otherInstance + 1);
        }
        // then: exactly this shard's eligible runs archived and deleted, every other run untouched
        assertThat(archive.rows("pipeline_runs", "id")).isEqualTo(runs);
        assertThat(archive.rows("pipeline_steps", "id")).isEqualTo(steps);
        assertThat(postgres("SELECT * FROM pipeline_runs ORDER BY id")).isEqualTo(others);
    }

    private Result archive() {
        try {
            return launcher.archive(CUTOFF);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
