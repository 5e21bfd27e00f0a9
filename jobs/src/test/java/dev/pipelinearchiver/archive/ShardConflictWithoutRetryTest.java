package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link ShardConflictTest}'s conflict with the retries off ({@code retry-for: 0s}, one attempt): the launch
 * fails with PostgreSQL's serialization failure, which shows that the conflict is real and that the retry is
 * what absorbs it. Nothing is archived or deleted.
 */
@TestPropertySource(
        properties = {
            "archiver.shard.index=1",
            "archiver.shard.count=2",
            "archiver.batch-size=10",
            "archiver.database.retry-for=0s"
        })
class ShardConflictWithoutRetryTest extends ArchiveTestSupport {

    @Test
    void withoutTheRetryTheSameConflictFailsTheLaunch() throws Exception {
        // given
        ShardConflictTest.runs(fixture);
        List<List<Object>> before = postgres("SELECT * FROM pipeline_runs ORDER BY id");
        try (ConcurrentShardLaunch otherShard = ConcurrentShardLaunch.hold(DB)) {
            // when
            CompletableFuture<Object> launch = CompletableFuture.supplyAsync(() -> {
                try {
                    return launcher.archive(CUTOFF);
                } catch (Exception e) {
                    return e;
                }
            });
            otherShard.commitFirst(Duration.ofMinutes(1));
            Object outcome = launch.get();

            // then: PostgreSQL's serialization failure, not retried
            assertThat(outcome).isInstanceOf(Exception.class);
            assertThat(serializationFailure((Throwable) outcome)).isTrue();
        }
        assertThat(postgres("SELECT * FROM pipeline_runs ORDER BY id")).isEqualTo(before);
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch")).isZero();
    }

    private static boolean serializationFailure(Throwable failure) throws ExecutionException {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PSQLException psql && "40001".equals(psql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
