package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators' commands, run in this JVM against a real PostgreSQL: what they print, their exit codes,
 * and what they change in the job repository, the ledger, the backend and the archive.
 */
class OperatorCommandsTest {

    private static final String CUTOFF = "2026-06-01T00:00:00Z";
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(Instant.parse(CUTOFF));

    private static TestDatabase db;

    @TempDir
    Path root;

    private ArchiverCommands cli;
    private DuckDbArchive archive;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_ops");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeEach
    void runs() {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(40, "ok", Instant.parse("2026-05-29T00:00:00Z"), 5_000, 3); // 2026-05-29 .. 2026-05-31
        fixture.runs(5, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(3, "running", null, 0, 2);
        cli = new ArchiverCommands(db, root);
        archive = new DuckDbArchive(root);
    }

    private RunSnapshot snapshot(String runFilter) throws Exception {
        return RunSnapshot.of(db, runFilter);
    }

    private void assertEveryRunArchivedExactlyOnce(RunSnapshot eligible, RunSnapshot others) throws Exception {
        RunSnapshot.assertArchivedExactlyOnce(db, archive, eligible, others);
    }

    private long eligibleRun(int index) {
        return db.count(ELIGIBLE + " ORDER BY id OFFSET " + index + " LIMIT 1");
    }

    /** A slow backend: every deleted run costs {@code seconds}, so a purge takes long enough to act on it. */
    private void slowDeletes(double seconds) {
        db.execute("""
                CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(%s); RETURN OLD; END $$;
                CREATE TRIGGER slow_delete BEFORE DELETE ON pipeline_runs FOR EACH ROW EXECUTE FUNCTION slow_delete();
                """.formatted(seconds));
    }

    private long lastExecutionId() {
        return db.count("SELECT max(job_execution_id) FROM archiver.batch_job_execution");
    }

    private String status(long executionId) {
        try (Connection con = db.connect()) {
            return (String) Rows.query(
                            con,
                            "SELECT status FROM archiver.batch_job_execution WHERE job_execution_id = " + executionId)
                    .get(0)
                    .get(0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twoShardsArchiveTheSameCutoffAsJobInstancesOfTheirOwn() throws Exception {
        // given: the runs split between two shards, each launched for the same cutoff
        RunSnapshot eligible = snapshot("IN (" + ELIGIBLE + ")");
        RunSnapshot others = snapshot("NOT IN (" + ELIGIBLE + ")");
        long secondShardsRun = db.count(ELIGIBLE + " AND id % 2 = 1 ORDER BY id LIMIT 1");
        db.failDeletingRun(secondShardsRun);

        // when: shard 0 completes; shard 1 fails on one run
        Outcome first =
                cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.shard.index=0", "--archiver.shard.count=2");
        Outcome second =
                cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.shard.index=1", "--archiver.shard.count=2");
        long failedExecution = lastExecutionId();

        // then: shard 1 ran (it is not "already completed" by shard 0's instance), as an instance of its own
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(db.count("SELECT count(DISTINCT job_instance_id) FROM archiver.batch_job_execution"))
                .isEqualTo(2);

        // and a restart of shard 1's execution under shard 0's settings is refused before it touches anything
        Outcome wrongShard = cli.run(
                "restart", Long.toString(failedExecution), "--archiver.shard.index=0", "--archiver.shard.count=2");
        assertThat(wrongShard.exitCode()).isEqualTo(2);
        assertThat(ArchiverCommands.lastLine(wrongShard.stderr()))
                .contains("job execution " + failedExecution + " archived shard 1/2,"
                        + " but this process is configured as shard 0/2");

        // when: the backend deletes again and shard 1 is restarted with its own settings
        db.stopFailingDeletes();
        Outcome restarted = cli.run(
                "restart", Long.toString(failedExecution), "--archiver.shard.index=1", "--archiver.shard.count=2");

        // then: every eligible run archived exactly once between the two shards
        assertThat(restarted.exitCode()).as(restarted.stderr()).isZero();
        assertEveryRunArchivedExactlyOnce(eligible, others);
    }

    @Test
    void executionsShowAndRestartTakeAFailedJobToCompletionWithoutLossOrDuplicate() throws Exception {
        // given: deleting the 26th eligible run fails, after several purge transactions committed
        RunSnapshot eligible = snapshot("IN (" + ELIGIBLE + ")");
        RunSnapshot others = snapshot("NOT IN (" + ELIGIBLE + ")");
        long failing = eligibleRun(25);
        db.failDeletingRun(failing);
        Outcome failed =
                cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.batch-size=10", "--archiver.purge-batch-size=4");
        long executionId = lastExecutionId();
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(ArchiverCommands.lastLine(failed.stderr()))
                .startsWith("pipeline-archiver: archive job execution " + executionId + " FAILED")
                .contains("simulated failure deleting run " + failing);

        // when
        Outcome executions = cli.run("executions");
        Outcome show = cli.run("show", String.valueOf(executionId));

        // then: the execution is listed with its cutoff, status and counts: 40 runs planned, their 240 rows exported
        // (40 runs, 120 steps, 80 calls), and the runs purged before the failure
        long purged = db.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'");
        long batches = db.count("SELECT count(*) FROM archiver.archive_batch");
        assertThat(purged).isBetween(0L, 36L); // the purge meets batches in the order they are written
        assertThat(executions.exitCode()).as(executions.stderr()).isZero();
        assertThat(executions.stdout().lines().skip(1).findFirst().orElseThrow())
                .matches("\\s*" + executionId + "\\s+\\d+\\s+" + CUTOFF
                        + "\\s+0/1\\s+FAILED\\s+\\S+\\s+\\S+\\s+40\\s+240\\s+" + purged + "\\s*");
        // and show gives the steps with their counts and the root cause in one line
        assertThat(show.exitCode()).as(show.stderr()).isZero();
        assertThat(show.stdout())
                .containsPattern("planStep\\s+COMPLETED\\s+0\\s+40\\s+1\\s+0")
                .containsPattern("exportStep\\s+COMPLETED\\s+240\\s+240\\s+" + batches + "\\s+0")
                .containsPattern("purgeStep\\s+FAILED\\s+0\\s+" + purged + "\\s+")
                .contains("export partitions (one per archive batch): " + batches + " COMPLETED")
                .contains("cause: purgeStep: PostgreSQL ERROR: simulated failure deleting run " + failing
                        + " (SQL state P0001)")
                .contains("restart " + executionId);

        // when: the cause is fixed and the execution restarted
        db.stopFailingDeletes();
        Outcome restarted = cli.run("restart", String.valueOf(executionId));
        Outcome again = cli.run("restart", String.valueOf(executionId));

        // then: the same job instance completed, and every eligible run is in the archive exactly once
        assertThat(restarted.exitCode()).as(restarted.stderr()).isZero();
        long restartId = lastExecutionId();
        assertThat(restarted.stdout())
                .contains("archive " + CUTOFF + ": COMPLETED (execution " + restartId + ")")
                .containsPattern("purgeStep\\s+[0-9.]+\\s+0\\s+" + (40 - purged) + "\\s");
        assertThat(db.count("SELECT count(DISTINCT job_instance_id) FROM archiver.batch_job_execution"))
                .isEqualTo(1);
        assertEveryRunArchivedExactlyOnce(eligible, others);
        assertThat(again.exitCode()).isZero();
        assertThat(again.stdout()).contains("already completed (execution " + restartId + "), nothing to do");
    }

    @Test
    void recoverRefusesWhileTheLockIsHeldThenMarksTheDeadExecutionFailedAndRestartCompletesIt() throws Exception {
        // given: an execution left STARTED in its purge step by a process that died
        RunSnapshot eligible = snapshot("IN (" + ELIGIBLE + ")");
        RunSnapshot others = snapshot("NOT IN (" + ELIGIBLE + ")");
        db.failDeletingRun(eligibleRun(25));
        assertThat(cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.purge-batch-size=4")
                        .exitCode())
                .isEqualTo(1);
        db.stopFailingDeletes();
        long executionId = lastExecutionId();
        db.execute(
                "UPDATE archiver.batch_job_execution SET status = 'STARTED', end_time = NULL, exit_code = 'EXECUTING',"
                        + " exit_message = '' WHERE job_execution_id = " + executionId);
        db.execute(
                "UPDATE archiver.batch_step_execution SET status = 'STARTED', end_time = NULL, exit_code = 'EXECUTING',"
                        + " exit_message = '' WHERE step_name LIKE 'purge%'"); // the purge step and its purgers

        // when: another session holds the archive lock (as a running archive process does)
        Outcome refused;
        try (Connection con = db.connect();
                Statement st = con.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + ArchiveLauncher.LOCK_CLASS + ", 0)");
            refused = cli.run("recover", String.valueOf(executionId));
        }

        // then: not recovered
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(ArchiverCommands.lastLine(refused.stderr())).contains("may really be running; not recovered");
        assertThat(status(executionId)).isEqualTo("STARTED");

        // when: nobody holds the lock: the process is gone
        Outcome executions = cli.run("executions");
        Outcome recovered = cli.run("recover", String.valueOf(executionId));
        Outcome show = cli.run("show", String.valueOf(executionId));
        Outcome restarted = cli.run("restart", String.valueOf(executionId));

        // then
        assertThat(executions.stdout()).contains("STARTED (process gone)");
        assertThat(recovered.exitCode()).as(recovered.stderr()).isZero();
        assertThat(recovered.stdout()).contains("marked FAILED");
        assertThat(show.stdout()).containsPattern("purgeStep\\s+FAILED").contains("cause: the process running it died");
        assertThat(status(executionId)).isEqualTo("FAILED");
        assertThat(restarted.exitCode()).as(restarted.stderr()).isZero();
        assertEveryRunArchivedExactlyOnce(eligible, others);
        assertThat(cli.run("recover", String.valueOf(executionId)).stdout())
                .contains("is FAILED, not running: nothing to recover");
    }

    @Test
    void stopMarksTheRunningExecutionAndItStopsAtItsNextCommitThenARelaunchResumes() throws Exception {
        // given: an archive running its purge on a slow backend
        RunSnapshot eligible = snapshot("IN (" + ELIGIBLE + ")");
        RunSnapshot others = snapshot("NOT IN (" + ELIGIBLE + ")");
        slowDeletes(0.25); // 20 delete transactions of ~0.5 s: the stop lands long before the last
        CompletableFuture<Outcome> running = CompletableFuture.supplyAsync(
                () -> cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.purge-batch-size=2"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (db.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'") == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        long executionId = lastExecutionId();

        // when
        Outcome stop = cli.run("stop", String.valueOf(executionId));
        Outcome stopped = running.get(60, TimeUnit.SECONDS);

        // then: the running launch stopped, exit 1 with one line, the execution and its purge step STOPPED
        assertThat(stop.exitCode()).as(stop.stderr()).isZero();
        assertThat(stop.stdout())
                .contains("job execution " + executionId + " marked STOPPING")
                .contains("job execution " + executionId + " STOPPED");
        assertThat(stopped.exitCode()).isEqualTo(1);
        assertThat(ArchiverCommands.lastLine(stopped.stderr()))
                .isEqualTo("pipeline-archiver: archive job execution " + executionId
                        + " STOPPED on request at a safe point (relaunch the same command, or restart " + executionId
                        + ", to resume)");
        assertThat(status(executionId)).isEqualTo("STOPPED");
        assertThat(
                        db.count(
                                "SELECT count(*) FROM archiver.batch_step_execution WHERE step_name = 'purgeStep' AND status = 'STOPPED'"))
                .isEqualTo(1);
        // and every run is either deleted and marked purged in the same transaction, or still there
        long purged = db.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'");
        assertThat(purged).isBetween(1L, 39L);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(48 - purged);

        // when
        db.execute("DROP TRIGGER slow_delete ON pipeline_runs");
        Outcome resumed = cli.run("archive", "--cutoff=" + CUTOFF);

        // then
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertEveryRunArchivedExactlyOnce(eligible, others);
    }

    @Test
    void pruneMetadataDeletesOnlyOldFinishedInstancesAndTheirPurgedBatches() throws Exception {
        // given: an old completed job instance, an old failed one (restartable) that purged some of its batches,
        // and a recent completed one
        assertThat(cli.run("archive", "--cutoff=2026-05-30T00:00:00Z").exitCode())
                .isZero(); // old, completed
        db.failDeletingRun(
                db.count("SELECT max(id) FROM pipeline_runs WHERE finished_at < timestamptz '2026-05-31T00:00:00Z'"));
        assertThat(cli.run("archive", "--cutoff=2026-05-31T00:00:00Z", "--archiver.batch-size=5")
                        .exitCode())
                .isEqualTo(1); // old, failed
        db.stopFailingDeletes();
        db.execute("""
                UPDATE archiver.batch_job_execution SET start_time = start_time - interval '100 days', end_time = end_time - interval '100 days';
                UPDATE archiver.archive_batch SET purged_at = purged_at - interval '100 days' WHERE state = 'PURGED';
                """);
        assertThat(cli.run("archive", "--cutoff=2026-05-29T12:00:00Z").exitCode())
                .isZero(); // recent, completed (nothing to do)
        long oldInstance = db.count("SELECT min(job_instance_id) FROM archiver.batch_job_instance");
        long oldBatches =
                db.count("SELECT count(*) FROM archiver.archive_batch WHERE job_instance_id = " + oldInstance);
        long oldRuns =
                db.count("SELECT count(*) FROM archiver.batch_run r JOIN archiver.archive_batch b USING (batch_id)"
                        + " WHERE b.job_instance_id = " + oldInstance);
        long batches = db.count("SELECT count(*) FROM archiver.archive_batch");
        long stepExecutions = db.count("SELECT count(*) FROM archiver.batch_step_execution");
        long failedInstancePurgedBatches = db.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PURGED'"
                + " AND job_instance_id <> " + oldInstance);
        assertThat(oldBatches).isPositive().isLessThan(batches);
        assertThat(failedInstancePurgedBatches).isPositive();

        // when
        Outcome dryRun = cli.run("prune-metadata", "--older-than=90d", "--dry-run");

        // then: counted, nothing deleted
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
        assertThat(dryRun.stdout())
                .contains("would prune")
                .contains("job metadata: 1 job instances, 1 job executions")
                .contains("ledger:       " + oldBatches + " archive batches, " + oldRuns + " batch runs, "
                        + oldBatches * 3 + " archive files");
        assertThat(db.count("SELECT count(*) FROM archiver.batch_step_execution"))
                .isEqualTo(stepExecutions);

        // when
        Outcome pruned = cli.run("prune-metadata", "--older-than=90d");

        // then: the old completed instance's metadata and batches are gone; the failed and the recent instances stay
        // whole
        assertThat(pruned.exitCode()).as(pruned.stderr()).isZero();
        assertThat(pruned.stdout())
                .startsWith("pruned what ended before")
                .contains("ledger:       " + oldBatches + " archive batches, " + oldRuns + " batch runs, "
                        + oldBatches * 3 + " archive files");
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_instance")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_instance WHERE job_instance_id = " + oldInstance))
                .isZero();
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_execution"))
                .isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_execution_params"))
                .isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch")).isEqualTo(batches - oldBatches);
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch WHERE job_instance_id = " + oldInstance))
                .isZero();
        assertThat(db.count(
                        "SELECT count(*) FROM archiver.archive_file f LEFT JOIN archiver.archive_batch b USING (batch_id)"
                                + " WHERE b.batch_id IS NULL"))
                .isZero();
        // and the failed instance can still be resumed
        Outcome resumed = cli.run("archive", "--cutoff=2026-05-31T00:00:00Z");
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.stdout()).contains("COMPLETED");
    }

    @Test
    void badUsageExitsTwoWithOneLine() {
        // when
        Outcome missingId = cli.run("show");
        Outcome unknownId = cli.run("show", "999");
        Outcome badAge = cli.run("prune-metadata", "--older-than=soon");
        Outcome junk = cli.run("executions", "--limit=5", "please");

        // then
        assertThat(missingId.exitCode()).isEqualTo(2);
        assertThat(missingId.stderr()).startsWith("pipeline-archiver: Missing required parameter: 'EXECUTION_ID'");
        assertThat(unknownId.exitCode()).isEqualTo(2);
        assertThat(ArchiverCommands.lastLine(unknownId.stderr()))
                .isEqualTo("pipeline-archiver: there is no job execution 999 (see executions).");
        assertThat(badAge.exitCode()).isEqualTo(2);
        assertThat(badAge.stderr()).contains("'soon' is not a number followed by d, h, m or s");
        assertThat(junk.exitCode()).isEqualTo(2);
        assertThat(junk.stderr()).startsWith("pipeline-archiver: Unknown option or argument: 'please'");
    }

    @Test
    void aLaunchUnderAnotherRootRefusesToFinishBatchesWrittenUnderTheFirstUnlessToldToAndVerifySaysWhereFilesAre()
            throws Exception {
        // given: a launch that wrote every batch under the first root but could not purge one run
        RunSnapshot eligible = snapshot("IN (" + ELIGIBLE + ")");
        RunSnapshot others = snapshot("NOT IN (" + ELIGIBLE + ")");
        db.failDeletingRun(((Number) eligible.rows().get("pipeline_runs").get(0).get(0)).longValue());
        Outcome failed = cli.run("archive", "--cutoff=" + CUTOFF, "--archiver.purge-batch-size=1");
        assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(1);
        db.stopFailingDeletes();
        Path other = root.resolveSibling(root.getFileName() + "-other");
        ArchiverCommands otherRoot = new ArchiverCommands(db, other);

        // when: relaunched with another archive root
        Outcome refused = otherRoot.run("archive", "--cutoff=" + CUTOFF);

        // then: refused, exit 2, one line naming both roots and the way out
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
        assertThat(ArchiverCommands.lastLine(refused.stderr()))
                .contains("were written under file:" + root.toAbsolutePath())
                .contains("this launch writes to file:" + other.toAbsolutePath())
                .contains("--allow-root-change");

        // when: told to
        Outcome allowed = otherRoot.run("archive", "--cutoff=" + CUTOFF, "--allow-root-change");

        // then: completed; the batches written under the first root stay there, and verify says where they are
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertEveryRunArchivedExactlyOnce(eligible, others);
        Outcome verifiedOther = otherRoot.run("verify");
        assertThat(verifiedOther.exitCode()).isEqualTo(4);
        assertThat(verifiedOther.stdout())
                .contains("OTHER_ROOT")
                .contains("recorded under another archive root than file:" + other.toAbsolutePath());
        Outcome verifiedFirst = cli.run("verify");
        assertThat(verifiedFirst.exitCode()).as(verifiedFirst.stdout()).isZero();
    }
}
