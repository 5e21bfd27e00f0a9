package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.ArchiverProcess.Running;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar under the accidents of production: a second launch while one runs, SIGTERM (Kubernetes
 * eviction), SIGKILL (out of memory, lost node). Each ends with no run lost and none archived twice.
 * The backend is made slow to delete (a trigger sleeps per run), so that the signal lands while the
 * job purges; the tests wait for the ledger to show the purge under way rather than sleeping blindly.
 */
class RobustRunningIT {

    private static final Instant CUTOFF = Instant.parse("2026-06-01T00:00:00Z");
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(CUTOFF);
    private static final String[] SMALL_STEPS = {
        "--archiver.batch-size=50", "--archiver.purge-batch-size=5", "--archiver.export-threads=1"
    };
    private static final int RUNS = 215;

    private static TestDatabase db;

    @TempDir
    Path root;

    private RunSnapshot eligible;
    private RunSnapshot others;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_robust");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeEach
    void runs() throws Exception {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(200, "ok", Instant.parse("2026-05-28T00:00:00Z"), 1_200, 4); // 2026-05-28 .. 2026-05-30
        fixture.runs(10, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(5, "running", null, 0, 2);
        eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
        // a slow backend: 0.2 s per deleted run, 1 s per purge transaction of 5 runs, 40 s for all of them
        db.execute("""
                CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(0.2); RETURN OLD; END $$;
                CREATE TRIGGER slow_delete BEFORE DELETE ON pipeline_runs FOR EACH ROW EXECUTE FUNCTION slow_delete();
                """);
    }

    private Map<String, String> env() {
        return ArchiverProcess.environment(db, root.resolve("archive"));
    }

    private String[] archive(String... extra) {
        String[] args = new String[2 + extra.length];
        args[0] = "archive";
        args[1] = "--cutoff=" + CUTOFF;
        System.arraycopy(extra, 0, args, 2, extra.length);
        return args;
    }

    private long purgedRuns() {
        return db.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'");
    }

    /** Waits until the ledger shows what the test waits for, while the process still runs. */
    private static void awaitLedger(Running process, LongSupplier value, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (ledgerValue(value) == 0) {
            assertThat(process.isAlive())
                    .as("the archive process ended before " + what + ": " + process.stdoutSoFar())
                    .isTrue();
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** 0 until the process has created the ledger (Flyway runs at its start). */
    private static long ledgerValue(LongSupplier value) {
        try {
            return value.getAsLong();
        } catch (IllegalStateException e) {
            if (e.getMessage().contains("does not exist")) {
                return 0;
            }
            throw e;
        }
    }

    private String executionStatus() {
        return db.count("SELECT count(*) FROM archiver.batch_job_execution WHERE status = 'STOPPED'") == 1
                ? "STOPPED"
                : db.count("SELECT count(*) FROM archiver.batch_job_execution WHERE status = 'STARTED'") == 1
                        ? "STARTED"
                        : "?";
    }

    @Test
    void aSecondLaunchExitsThreeThenSigtermStopsTheFirstAtASafePointAndARelaunchResumesIt() throws Exception {
        // given: an archive purging on a slow backend
        Running first = ArchiverProcess.start(env(), archive(SMALL_STEPS));
        awaitLedger(first, this::purgedRuns, "the purge to commit its first transaction");

        // when: the same command is launched again meanwhile
        Outcome second = ArchiverProcess.run(env(), archive());

        // then: it does not start, and says why in one line
        assertThat(second.exitCode()).as(second.stderr()).isEqualTo(3);
        assertThat(ArchiverCommands.lastLine(second.stderr()))
                .isEqualTo(
                        "pipeline-archiver: another archive job or rewrite-layout is running on this database (advisory lock held); not started.");
        assertThat(first.isAlive()).as("the first launch is still running").isTrue();

        // when: the first one gets SIGTERM, as Kubernetes sends on eviction
        long signalled = System.nanoTime();
        first.terminate();
        Outcome stopped = first.await(Duration.ofSeconds(90));
        long stopMillis = (System.nanoTime() - signalled) / 1_000_000;

        // then: it stopped at a safe point, exit 1, one line saying so, its execution STOPPED
        assertThat(stopped.exitCode()).as(stopped.stdout() + stopped.stderr()).isEqualTo(1);
        assertThat(ArchiverCommands.lastLine(stopped.stderr()))
                .matches(
                        "pipeline-archiver: archive job execution \\d+ STOPPED on request at a safe point \\(relaunch the same command, or restart \\d+, to resume\\)");
        assertThat(stopped.stdout()).contains("stop signal: stopping the archive job at its next safe point");
        assertThat(executionStatus()).isEqualTo("STOPPED");
        assertThat(
                        db.count(
                                "SELECT count(*) FROM archiver.batch_step_execution WHERE step_name = 'purgeStep' AND status = 'STOPPED'"))
                .isEqualTo(1);
        // and every run is either deleted and marked purged (same transaction) or still in PostgreSQL
        long purged = purgedRuns();
        assertThat(purged).isBetween(1L, 199L);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(RUNS - purged);
        System.out.printf(
                "RobustRunningIT: SIGTERM to exit %d ms, %d of 200 runs purged before the stop%n", stopMillis, purged);

        // when: relaunched (on a backend back to normal speed)
        db.execute("DROP TRIGGER slow_delete ON pipeline_runs");
        Outcome resumed = ArchiverProcess.run(env(), archive());

        // then: the same job instance resumed and completed: every eligible run archived exactly once, the rest
        // untouched
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.stdout()).contains("archive " + CUTOFF + ": COMPLETED");
        assertThat(db.count("SELECT count(DISTINCT job_instance_id) FROM archiver.batch_job_execution"))
                .isEqualTo(1);
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root.resolve("archive")), eligible, others);
    }

    @Test
    void aJobKilledWithSigkillIsRecognisedAsDeadByTheNextLaunchWhichResumesAndCompletesIt() throws Exception {
        // given: an archive killed (SIGKILL) once its export has written a batch (of four)
        Running first = ArchiverProcess.start(env(), archive(SMALL_STEPS));
        awaitLedger(
                first,
                () -> db.count("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PLANNED'"),
                "a batch to be exported");
        first.kill();
        Outcome killed = first.await(Duration.ofSeconds(30));
        String ledgerAtKill = db.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'WRITTEN'")
                + " written, " + purgedRuns() + " runs purged";

        // then: its execution is left marked running, as after any crash
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(executionStatus()).isEqualTo("STARTED");

        // when: the same command is launched again
        db.execute("DROP TRIGGER slow_delete ON pipeline_runs");
        Outcome resumed = ArchiverProcess.run(env(), archive());

        // then: it recognised the dead execution, resumed the same job instance and completed it
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.stdout())
                .contains("is marked STARTED but its process is gone: marking it failed and resuming")
                .contains("archive " + CUTOFF + ": COMPLETED");
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_execution WHERE status = 'FAILED'"))
                .isEqualTo(1);
        assertThat(db.count("SELECT count(DISTINCT job_instance_id) FROM archiver.batch_job_execution"))
                .isEqualTo(1);
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root.resolve("archive")), eligible, others);
        System.out.println("RobustRunningIT: SIGKILL landed with " + ledgerAtKill);
    }

    @Test
    void aJobKilledWithSigkillInTheMiddleOfAPurgeTransactionLosesNothing() throws Exception {
        // given: an archive killed (SIGKILL) once the purge has committed a transaction: the next one is
        // then in the middle of its deletes (each takes ~1 s on this slow backend)
        Running first = ArchiverProcess.start(env(), archive(SMALL_STEPS));
        awaitLedger(first, this::purgedRuns, "the purge to commit its first transaction");
        Thread.sleep(300);
        first.kill();
        Outcome killed = first.await(Duration.ofSeconds(30));
        assertThat(killed.exitCode()).isEqualTo(137);

        // then: the transaction the kill interrupted deleted nothing: every run is deleted and marked purged
        // (same transaction), or still in PostgreSQL
        db.execute("DROP TRIGGER slow_delete ON pipeline_runs");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (db.count(
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                                        + " AND state <> 'idle' AND query LIKE '%DELETE%'")
                        > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(
                    100); // the killed process's backend finishes its statement, finds its client gone and rolls back
        }
        long purged = purgedRuns();
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(RUNS - purged);

        // when: the same command is launched again
        Outcome resumed = ArchiverProcess.run(env(), archive());

        // then: completed, every eligible run archived exactly once
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.stdout()).contains("archive " + CUTOFF + ": COMPLETED");
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root.resolve("archive")), eligible, others);
        System.out.println(
                "RobustRunningIT: SIGKILL in a purge transaction, " + purged + " of 200 runs purged before it");
    }
}
