package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The purge deletes a transaction's runs and marks them in a transaction of its own (BatchPurge), which commits
 * before the purge step's call does. When the call's own transaction then fails and is retried, Spring Batch
 * rolls the step's figures back to before the call: the runs that call purged must still be counted.
 */
// the settings of StepStatisticsTest: the same cached application context, no pool of connections more
@TestPropertySource(properties = {"archiver.batch-size=10", "archiver.purge-batch-size=4"})
class PurgeFiguresTest extends ArchiveTestSupport {

    @AfterEach
    void dropTheFailure() {
        DB.execute("""
                DROP TRIGGER IF EXISTS fail_first_purge_commit ON archiver.batch_step_execution;
                DROP FUNCTION IF EXISTS archiver.fail_first_purge_commit();
                DROP SEQUENCE IF EXISTS archiver.purge_commits""");
    }

    @Test
    void runsPurgedByACallWhoseTransactionFailedAfterTheDeleteAreCounted() throws Exception {
        // given: 12 runs of one day, purged 4 per call; the commit of the first purge call that purged runs fails
        // (a serialization failure at commit, as another session's conflicting update would cause), after the
        // delete's own transaction has committed
        fixture.runs(12, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 2);
        DB.execute("""
                CREATE SEQUENCE archiver.purge_commits;
                CREATE FUNCTION archiver.fail_first_purge_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('archiver.purge_commits') = 1 THEN
                        RAISE EXCEPTION 'test: the purge call''s commit fails once' USING ERRCODE = '40001';
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER fail_first_purge_commit AFTER UPDATE ON archiver.batch_step_execution
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                    WHEN (NEW.step_name LIKE 'purgeWorkerStep%' AND NEW.write_count > OLD.write_count)
                    EXECUTE FUNCTION archiver.fail_first_purge_commit()""");

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the commit did fail once and was retried; every run is purged, and counted once
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT last_value FROM archiver.purge_commits")).isGreaterThan(1);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'"))
                .isEqualTo(12);
        String ofThisLaunch = " FROM archiver.batch_step_execution WHERE job_execution_id = "
                + result.execution().getId();
        assertThat(DB.count("SELECT sum(write_count)" + ofThisLaunch + " AND step_name LIKE 'purgeWorkerStep%'"))
                .isEqualTo(12);
        assertThat(DB.count("SELECT write_count" + ofThisLaunch + " AND step_name = 'purgeStep'"))
                .isEqualTo(12);
    }
}
