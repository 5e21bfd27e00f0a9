package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Replication lag holds the deletes back, and --max-runtime stops the launch at a safe point; the lag
 * comes from a table the test controls (the lag query is configurable, as on a real standby setup).
 */
@TestPropertySource(
        properties = {
            "archiver.batch-size=10",
            "archiver.purge-batch-size=4",
            "archiver.purge-threads=2",
            "archiver.throttle.max-replication-lag=1s",
            "archiver.throttle.lag-poll-interval=50ms",
            "archiver.throttle.replication-lag-query=SELECT coalesce((SELECT max(seconds) FROM fake_lag), 0)"
        })
class ThrottleTest extends ArchiveTestSupport {

    @BeforeEach
    void fakeStandby() {
        // the "standby" falls 30 s behind as soon as the first runs are deleted
        DB.execute("""
                CREATE TABLE fake_lag (seconds numeric);
                CREATE FUNCTION lag_behind() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO fake_lag VALUES (30); RETURN NULL; END $$;
                CREATE TRIGGER lag_behind AFTER DELETE ON pipeline_runs FOR EACH STATEMENT EXECUTE FUNCTION lag_behind();
                """);
    }

    @Test
    void deletesWaitWhileReplicationLagsAndMaxRuntimeStopsTheLaunchAtASafePoint() throws Exception {
        // given
        fixture.runs(40, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_000, 3);
        List<List<Object>> steps = postgres("SELECT * FROM pipeline_steps ORDER BY id");

        // when: lag appears after the first delete transaction, and the launch may run 4 more seconds
        Result stopped = launcher.archive(CUTOFF, Instant.now().plusSeconds(4));

        // then: each of the two purgers (purge-threads) deleted at most one transaction's runs before the
        // lag showed, then the job waited and stopped, deleting nothing more
        assertThat(stopped.outcome()).isEqualTo(Outcome.STOPPED);
        long purged = DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'");
        assertThat(purged).isIn(4L, 8L);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(40 - purged);

        // when: the standby caught up and the same cutoff is launched again
        DB.execute("DROP TRIGGER lag_behind ON pipeline_runs; DELETE FROM fake_lag;");
        Result resumed = launcher.archive(CUTOFF);

        // then
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(resumed.execution().getJobInstance().getInstanceId())
                .isEqualTo(stopped.execution().getJobInstance().getInstanceId());
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(archive.rows("pipeline_steps", "id")).isEqualTo(steps);
    }

    @Test
    void aDeadlineAlreadyPassedExportsAndDeletesNothing() throws Exception {
        // given
        fixture.runs(12, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_000, 2);

        // when
        Result stopped = launcher.archive(CUTOFF, Instant.now().minusSeconds(1));

        // then
        assertThat(stopped.outcome()).isEqualTo(Outcome.STOPPED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(12);
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PLANNED'"))
                .isZero();

        // and a later launch with another cutoff finishes the batches planned by this one
        DB.execute("DROP TRIGGER lag_behind ON pipeline_runs");
        assertThat(launcher.archive(Instant.parse("2026-05-31T00:00:00Z")).outcome())
                .isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_runs")))
                .containsExactly(List.of(12L));
    }
}
