package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify} and {@code restore} as an operator runs them: the jar as a separate process, exit codes, the lines printed. */
class VerifyAndRestoreCommandIT {

    private static TestDatabase db;

    @TempDir
    Path root;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_cli_restore");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeEach
    void archivedRuns() throws Exception {
        db.resetSource();
        new SourceFixture(db)
                .runs(20, "ok", Instant.parse("2026-05-29T12:00:00Z"), 3_600, 3); // 2026-05-29 .. 2026-05-30
        Outcome archived = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01");
        assertThat(archived.exitCode()).as(archived.stderr()).isZero();
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isZero();
    }

    private Map<String, String> env() {
        return ArchiverProcess.environment(db, root.resolve("archive"));
    }

    private String ledgerPath(String table, String dt) throws Exception {
        try (Connection con = db.connect()) {
            return Rows.query(con, """
                    SELECT f.path FROM archiver.archive_file f JOIN archiver.archive_batch b USING (batch_id)
                    WHERE f.table_name = '%s' AND b.dt = '%s'""".formatted(table, dt)).get(0).get(0).toString();
        }
    }

    private static Path local(String path) {
        return Path.of(URI.create(path.replace("file:/", "file:///")));
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }

    @Test
    void verifyExitsZeroOnACleanArchiveAndFourNamingTheFileAfterItWasAlteredOrRemoved() throws Exception {
        // clean
        Outcome clean = ArchiverProcess.run(env(), "verify");
        assertThat(clean.exitCode()).as(clean.stdout() + clean.stderr()).isZero();
        assertThat(lastLine(clean.stdout())).contains("6 files of the ledger checked", "all match");

        // one byte of a file altered
        String altered = ledgerPath("pipeline_steps", "2026-05-29");
        try (RandomAccessFile file = new RandomAccessFile(local(altered).toFile(), "rw")) {
            file.seek(4); // first page, right after the leading magic: never in the footer
            int b = file.read();
            file.seek(4);
            file.write(b ^ 0x01);
        }
        Outcome changed = ArchiverProcess.run(env(), "verify");
        assertThat(changed.exitCode()).isEqualTo(4);
        assertThat(changed.stdout())
                .containsPattern("CHANGED +" + altered.replace(".", "\\.") + ": pipeline_steps dt=2026-05-29");
        assertThat(lastLine(changed.stderr()))
                .isEqualTo(
                        "pipeline-archiver: verify found 1 difference between the archive and the ledger (listed above).");

        // a file removed, and a file the ledger does not know
        String removed = ledgerPath("llm_calls", "2026-05-30");
        Files.move(local(removed), local(removed).resolveSibling("part-moved-by-hand.parquet"));
        Outcome missing = ArchiverProcess.run(env(), "verify", "--dt=2026-05-30");
        assertThat(missing.exitCode()).isEqualTo(4);
        assertThat(missing.stdout())
                .contains("MISSING    " + removed)
                .contains("UNKNOWN")
                .contains("part-moved-by-hand.parquet")
                .doesNotContain("CHANGED");
        assertThat(lastLine(missing.stdout()))
                .contains("3 files of the ledger checked")
                .contains("2 problems (1 missing, 1 unknown)");

        // bad usage, and the exit code documented
        Outcome help = ArchiverProcess.run(Map.of(), "--help");
        assertThat(help.stdout()).contains("verify", "restore", "4   verify found a difference");
        Outcome badRange = ArchiverProcess.run(env(), "verify", "--dt=2026-05-30..last-week");
        assertThat(badRange.exitCode()).isEqualTo(2);
        assertThat(badRange.stderr()).contains("is not a date YYYY-MM-DD or a range");
    }

    @Test
    void restoreOfADayPutsTheRunsBackOnceAndRefusesDuplicates() throws Exception {
        // when
        Outcome restored = ArchiverProcess.run(env(), "restore", "--dt=2026-05-29");

        // then
        assertThat(restored.exitCode()).as(restored.stderr()).isZero();
        long runs = db.count("SELECT count(*) FROM pipeline_runs");
        assertThat(runs).isEqualTo(12); // 12:00 .. 23:00
        assertThat(db.count("SELECT count(*) FROM pipeline_steps")).isEqualTo(36);
        assertThat(lastLine(restored.stdout()))
                .isEqualTo(
                        "restore dt=2026-05-29: 12 runs, 72 rows restored in 1 batches; they are no longer in the archive");

        // when: again
        Outcome again = ArchiverProcess.run(env(), "restore", "--dt=2026-05-29");

        // then: nothing to do
        assertThat(again.exitCode()).isZero();
        assertThat(lastLine(again.stdout())).isEqualTo("restore dt=2026-05-29: nothing to restore");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(runs);

        // when: an archived run's id is taken in PostgreSQL
        long archivedRun = db.count("SELECT max(run_id) FROM archiver.batch_run WHERE state = 'purged'");
        db.execute("INSERT INTO pipeline_runs (id, pipeline, symbol, status) VALUES (" + archivedRun
                + ", 'p', 'S', 'running')");
        Outcome refused = ArchiverProcess.run(env(), "restore", "--run-id=" + archivedRun);

        // then
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(lastLine(refused.stderr()))
                .startsWith("pipeline-archiver: Refusing to restore: runs " + archivedRun);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(runs + 1);

        // and bad usage
        Outcome neither = ArchiverProcess.run(env(), "restore");
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.stderr()).contains("Missing required argument");
    }
}
