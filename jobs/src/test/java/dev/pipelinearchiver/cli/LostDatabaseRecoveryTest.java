package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's stuck job: a launch that lost its database connection leaves its execution, steps and
 * partitions UNKNOWN (or still STARTED), which Spring Batch refuses to restart ("Manual intervention is
 * probably necessary"). Here the metadata is put in exactly that state after a real failed launch, and the
 * operator's commands must take the job to completion without anyone editing the metadata, with
 * {@code show} saying what is true at every point. The commands run in this JVM against a real PostgreSQL.
 */
class LostDatabaseRecoveryTest {

    private static final String CUTOFF = "2026-06-01T00:00:00Z";
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(Instant.parse(CUTOFF));
    private static final String[] SMALL_STEPS = {"--archiver.batch-size=10", "--archiver.purge-batch-size=4"};

    private static TestDatabase db;

    @TempDir
    Path root;

    private ArchiverCommands cli;
    private RunSnapshot eligible;
    private RunSnapshot others;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_lostdb");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeEach
    void runs() throws Exception {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(40, "ok", Instant.parse("2026-05-29T00:00:00Z"), 5_000, 3); // 2026-05-29 .. 2026-05-31
        fixture.runs(5, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(3, "running", null, 0, 2);
        cli = new ArchiverCommands(db, root);
        eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
    }

    private String[] archive() {
        return new String[] {"archive", "--cutoff=" + CUTOFF, SMALL_STEPS[0], SMALL_STEPS[1]};
    }

    private long lastExecutionId() {
        return db.count("SELECT max(job_execution_id) FROM archiver.batch_job_execution");
    }

    /**
     * A launch that fails part-way in both phases: one day's steps directory cannot be created (its batches
     * stay PLANNED, their partitions failed) and one run cannot be deleted (the purge failed).
     */
    private long failedLaunch() throws Exception {
        Path obstacle = root.resolve("pipeline_steps").resolve("dt=2026-05-30");
        Files.createDirectories(obstacle.getParent());
        Files.writeString(obstacle, "in the way");
        db.failDeletingRun(db.count(ELIGIBLE + " ORDER BY id LIMIT 1"));
        Outcome failed = cli.run(archive());
        assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PLANNED'"))
                .isPositive();
        Files.delete(obstacle);
        db.stopFailingDeletes();
        return lastExecutionId();
    }

    /** What issue 19's `show 1` listed after a lost connection: the phase steps and the open batches' partitions UNKNOWN. */
    private void asALostConnectionLeavesIt(long executionId, String jobStatus) {
        db.execute("UPDATE archiver.batch_step_execution SET status = 'UNKNOWN', exit_code = 'UNKNOWN'"
                + " WHERE job_execution_id = " + executionId
                + " AND (step_name IN ('exportStep', 'purgeStep') OR step_name LIKE 'purgeWorkerStep:%'"
                + "      OR step_name IN (SELECT 'exportBatchStep:batch-' || batch_id FROM archiver.archive_batch"
                + "                       WHERE state = 'PLANNED'))");
        db.execute("UPDATE archiver.batch_job_execution SET status = '" + jobStatus + "'"
                + (jobStatus.equals("STARTED") ? ", end_time = NULL, exit_code = 'EXECUTING'" : "")
                + (jobStatus.equals("UNKNOWN") ? ", exit_code = 'UNKNOWN'" : "")
                + " WHERE job_execution_id = " + executionId);
        assertThat(db.count("SELECT count(*) FROM archiver.batch_step_execution WHERE status = 'UNKNOWN'"
                        + " AND step_name LIKE 'exportBatchStep:%'"))
                .as("open batches' partitions left UNKNOWN")
                .isPositive();
    }

    private void assertCompletedExactlyOnce(Outcome outcome) throws Exception {
        assertThat(outcome.exitCode()).as(outcome.stdout() + outcome.stderr()).isZero();
        assertThat(outcome.stdout()).contains("archive " + CUTOFF + ": COMPLETED");
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root), eligible, others);
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PURGED'"))
                .isZero();
        assertThat(db.count("SELECT count(DISTINCT job_instance_id) FROM archiver.batch_job_execution"))
                .isEqualTo(1);
        assertThat(db.count(
                        "SELECT count(*) FROM archiver.batch_step_execution WHERE status IN ('UNKNOWN', 'STARTED')"))
                .as("nothing left UNKNOWN or running")
                .isZero();
    }

    @Test
    void relaunchingTheSameCommandResumesAnExecutionLeftUnknownInItsStepsAndPartitions() throws Exception {
        // given: issue 19's state: the execution FAILED, its export and purge steps and open partitions UNKNOWN
        long stuck = failedLaunch();
        asALostConnectionLeavesIt(stuck, "FAILED");

        // when: the operator reads show, then relaunches the same command
        Outcome shown = cli.run("show", Long.toString(stuck));
        Outcome relaunched = cli.run(archive());

        // then: show told the truth (a relaunch resumes it), and the relaunch resumed and completed the instance
        assertThat(shown.stdout())
                .containsPattern("exportStep\\s+UNKNOWN")
                .contains("next:  fix the cause, then restart " + stuck + " (or relaunch the same archive command)");
        assertCompletedExactlyOnce(relaunched);
        long completed = lastExecutionId();
        // and show of the stuck execution now points at the one that completed it
        assertThat(cli.run("show", Long.toString(stuck)).stdout())
                .containsPattern("exportStep\\s+FAILED")
                .contains("next:  nothing: execution " + completed + " of the same job instance completed it");
        assertThat(cli.run("show", Long.toString(completed)).stdout()).doesNotContain("next:");
    }

    @Test
    void restartResumesAnExecutionLeftUnknownAndRecoverSaysWhatItMarked() throws Exception {
        // given: the execution itself UNKNOWN, as when even its own end could not be recorded whole
        long stuck = failedLaunch();
        asALostConnectionLeavesIt(stuck, "UNKNOWN");

        // when
        Outcome shown = cli.run("show", Long.toString(stuck));
        Outcome recovered = cli.run("recover", Long.toString(stuck));
        Outcome shownAfter = cli.run("show", Long.toString(stuck));
        Outcome restarted = cli.run("restart", Long.toString(stuck));

        // then: show says a restart resumes it; recover marked it and its UNKNOWN steps FAILED and said so
        assertThat(shown.stdout())
                .contains("status:     UNKNOWN")
                .contains("next:  restart " + stuck + " (or relaunch the same archive command): the launch marks it"
                        + " FAILED under the archive lock and resumes");
        assertThat(recovered.exitCode()).as(recovered.stderr()).isZero();
        assertThat(recovered.stdout())
                .contains("job execution " + stuck + " was marked UNKNOWN")
                .contains("marked FAILED (job execution " + stuck + " UNKNOWN (")
                .contains("exportStep UNKNOWN")
                .contains("purgeStep UNKNOWN")
                .contains("Resume it with: restart " + stuck);
        assertThat(shownAfter.stdout())
                .contains("status:     FAILED")
                .contains("next:  fix the cause, then restart " + stuck);
        assertCompletedExactlyOnce(restarted);
    }

    @Test
    void restartResumesAnExecutionStillMarkedRunningWithUnknownSteps() throws Exception {
        // given: the process lost the database and then died: the execution STARTED, steps UNKNOWN
        long stuck = failedLaunch();
        asALostConnectionLeavesIt(stuck, "STARTED");

        // when
        Outcome shown = cli.run("show", Long.toString(stuck));
        Outcome restarted = cli.run("restart", Long.toString(stuck));

        // then
        assertThat(shown.stdout())
                .contains("no process holds the archive lock: its process is gone. Next: restart " + stuck);
        assertCompletedExactlyOnce(restarted);
    }

    @Test
    void badRetrySettingsAreRefusedWithOneLine() throws Exception {
        // when
        Outcome refused = cli.run(
                "archive",
                "--cutoff=" + CUTOFF,
                "--archiver.database.retry-delay=20s",
                "--archiver.database.retry-max-delay=10s");

        // then: exit 2 before anything is read or written
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(ArchiverCommands.lastLine(refused.stderr()))
                .startsWith("pipeline-archiver: Invalid configuration:")
                .contains("retry-delay must be positive and at most retry-max-delay");
        try (var written = Files.list(root)) {
            assertThat(written).isEmpty();
        }
    }
}
