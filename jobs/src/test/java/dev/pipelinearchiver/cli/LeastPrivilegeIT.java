package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar connected (over TCP) as the role of config/least-privilege.sql: green with exactly those
 * grants, and a clear one-line refusal, before anything is written or deleted, without one of them.
 * Roles are cluster-wide, so each run uses its own role name.
 */
class LeastPrivilegeIT {

    private static final Instant CUTOFF = Instant.parse("2026-06-01T00:00:00Z");
    private static final String ROLE =
            "pipeline_archiver_it_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = UUID.randomUUID().toString();

    private static TestDatabase db;

    @TempDir
    Path root;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_grants");
    }

    @AfterAll
    static void dropRoleAndDatabase() {
        // DROP OWNED also revokes the role's CONNECT on the database, so that the role can go
        db.execute("REASSIGN OWNED BY " + ROLE + " TO CURRENT_USER; DROP OWNED BY " + ROLE + "; DROP ROLE " + ROLE);
        db.drop();
    }

    @BeforeEach
    void runsAndRole() throws Exception {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(30, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_600, 3);
        fixture.runs(4, "running", null, 0, 1);
        // the file as shipped, with this run's role name
        String grants = Files.readString(Path.of("..", "config", "least-privilege.sql"))
                .replaceAll("\\bpipeline_archiver\\b", ROLE);
        db.execute(grants);
        db.execute("ALTER ROLE " + ROLE + " PASSWORD '" + PASSWORD + "'");
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(ArchiverProcess.environment(db, root.resolve("archive")));
        env.put("SPRING_DATASOURCE_USERNAME", ROLE);
        env.put("SPRING_DATASOURCE_PASSWORD", PASSWORD);
        return env;
    }

    @Test
    void theArchiveJobRunsGreenWithExactlyTheGrantsOfLeastPrivilegeSql() throws Exception {
        // given
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + RunSnapshot.eligibleRunIds(CUTOFF) + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + RunSnapshot.eligibleRunIds(CUTOFF) + ")");

        // when
        Outcome outcome = ArchiverProcess.run(env(), "archive", "--cutoff=" + CUTOFF);

        // then: archived and deleted as that role, its schema migrated by Flyway as that role
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).contains("COMPLETED");
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root.resolve("archive")), eligible, others);
        assertThat(db.count(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = 'archiver' AND tableowner = '" + ROLE + "'"))
                .isGreaterThanOrEqualTo(10);
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_execution WHERE status = 'COMPLETED'"))
                .isEqualTo(1);
    }

    @Test
    void withDeleteOnTheRunsTableOnlyThePurgeGoesThroughTheCascadeCountingFirst() throws Exception {
        // given: the grants of an earlier release, DELETE on the runs table only
        db.execute("REVOKE DELETE ON pipeline_steps, llm_calls FROM " + ROLE);
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + RunSnapshot.eligibleRunIds(CUTOFF) + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + RunSnapshot.eligibleRunIds(CUTOFF) + ")");

        // when
        Outcome outcome = ArchiverProcess.run(env(), "archive", "--cutoff=" + CUTOFF);

        // then: the same archive and the same deletions, and one line saying why the purge is slower
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertSaidOnce(
                outcome,
                "The role lacks DELETE on \"public\".\"llm_calls\", \"public\".\"pipeline_steps\":"
                        + " each purge transaction counts its runs' rows before the cascading delete");
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root.resolve("archive")), eligible, others);
    }

    @Test
    void withTrackCountsOffThePurgeCountsFirstAndArchivesTheSame() throws Exception {
        // given: a server whose statistics collector does not count (track_counts = off), for the job's sessions
        // only; the one-pass purge cannot see a transaction's deletes then, so it must not be taken
        db.execute("ALTER ROLE " + ROLE + " IN DATABASE " + db.name() + " SET track_counts = off");
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + RunSnapshot.eligibleRunIds(CUTOFF) + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + RunSnapshot.eligibleRunIds(CUTOFF) + ")");
        try {
            // when
            Outcome outcome = ArchiverProcess.run(env(), "archive", "--cutoff=" + CUTOFF);

            // then: the same archive and the same deletions, through the counting path, and one line saying why
            assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
            assertSaidOnce(
                    outcome,
                    "track_counts is off, so PostgreSQL does not count a transaction's deletes:"
                            + " each purge transaction counts its runs' rows before the cascading delete");
            RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root.resolve("archive")), eligible, others);
        } finally {
            db.execute("ALTER ROLE " + ROLE + " IN DATABASE " + db.name() + " RESET track_counts");
        }
    }

    @Test
    void withoutSelectOnLlmCallsTheJobExitsTwoNamingTheMissingGrantAndTouchesNothing() throws Exception {
        // given
        db.execute("REVOKE SELECT ON llm_calls FROM " + ROLE);
        RunSnapshot before = RunSnapshot.of(db, "IS NOT NULL");

        // when
        Outcome outcome = ArchiverProcess.run(env(), "archive", "--cutoff=" + CUTOFF);

        // then: one line naming the privilege; nothing deleted, planned or written
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(ArchiverCommands.lastLine(outcome.stderr()))
                .isEqualTo(
                        "pipeline-archiver: The database role " + ROLE
                                + " lacks SELECT on public.llm_calls (see config/least-privilege.sql); nothing was archived or deleted.");
        assertThat(outcome.stderr()).doesNotContain("\tat ");
        assertThat(RunSnapshot.of(db, "IS NOT NULL")).isEqualTo(before);
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch")).isZero();
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_execution"))
                .isZero();
        assertThat(new DuckDbArchive(root.resolve("archive")).exists("pipeline_runs"))
                .isFalse();
    }

    /** The launch's output holds the line exactly once, however many purgers ran into the reason. */
    private static void assertSaidOnce(Outcome outcome, String line) {
        assertThat((outcome.stdout() + outcome.stderr()).split(Pattern.quote(line), -1))
                .as("said once per launch: " + line)
                .hasSize(2);
    }
}
