package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cutoff the job must not take (in the future, or not a date) is refused by the jar with exit 2 and one
 * line, before Spring Batch records anything: no job instance, no execution, no batch in the ledger.
 */
class CutoffIT {

    private static TestDatabase db;

    @TempDir
    Path root;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_cutoff");
        db.resetSource();
        new SourceFixture(db).runs(10, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_600, 2);
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    private Map<String, String> env() {
        return ArchiverProcess.environment(db, root.resolve("archive"));
    }

    private long metadataRows() {
        return db.count("""
                SELECT (SELECT count(*) FROM archiver.batch_job_instance)
                     + (SELECT count(*) FROM archiver.batch_job_execution)
                     + (SELECT count(*) FROM archiver.batch_job_execution_params)
                     + (SELECT count(*) FROM archiver.archive_batch)""");
    }

    @Test
    void aFutureOrMalformedCutoffIsRefusedBeforeSpringBatchRecordsAnything() throws Exception {
        // given: the archiver's schema exists (a command that reads it migrates it) and holds no job yet
        Outcome listing = ArchiverProcess.run(env(), "executions");
        assertThat(listing.exitCode()).as(listing.stderr()).isZero();
        assertThat(metadataRows()).isZero();
        String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).toString();

        // when: cutoffs in the future (an instant, a date), malformed ones, and an age that is not one
        Outcome futureInstant = ArchiverProcess.run(env(), "archive", "--cutoff=2999-01-01T00:00:00Z");
        Outcome futureDate = ArchiverProcess.run(env(), "archive", "--cutoff=" + tomorrow);
        Outcome malformed = ArchiverProcess.run(env(), "archive", "--cutoff=last-tuesday");
        Outcome badAge = ArchiverProcess.run(env(), "archive", "--older-than=a-while");

        // then: each exits 2 with one line on stderr (no stack trace), and nothing was recorded or deleted
        for (Outcome refused : new Outcome[] {futureInstant, futureDate, malformed, badAge}) {
            assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
            assertThat(refused.stderr().strip().lines()).as(refused.stderr()).hasSize(1);
            assertThat(refused.stdout()).isEmpty();
        }
        assertThat(futureInstant.stderr())
                .startsWith("pipeline-archiver: The cutoff 2999-01-01T00:00:00Z is in the future");
        assertThat(futureDate.stderr())
                .startsWith("pipeline-archiver: The cutoff " + tomorrow + "T00:00:00Z is in the future");
        assertThat(malformed.stderr())
                .startsWith("pipeline-archiver: The cutoff 'last-tuesday' is not an ISO-8601 instant");
        assertThat(badAge.stderr()).startsWith("pipeline-archiver: The age 'a-while' is not a number");
        assertThat(metadataRows()).isZero();
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(10);

        // and: a valid cutoff afterwards runs as the first job instance
        Outcome valid = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01");
        assertThat(valid.exitCode()).as(valid.stderr()).isZero();
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_instance")).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isZero();
    }
}
