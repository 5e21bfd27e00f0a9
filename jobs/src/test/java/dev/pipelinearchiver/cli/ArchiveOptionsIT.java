package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code archive --dry-run}, {@code --max-runtime} and {@code --summary-json} on the real jar. */
class ArchiveOptionsIT {

    private TestDatabase db;

    @TempDir
    Path root;

    @BeforeEach
    void runs() {
        db = TestDatabase.create("archiver_options");
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(15, "ok", Instant.parse("2026-05-30T12:00:00Z"), 3_600, 3); // 2026-05-30 and -31
        fixture.runs(3, "running", null, 0, 1);
    }

    @AfterEach
    void drop() {
        db.drop();
    }

    private Map<String, String> env() {
        return ArchiverProcess.environment(db, root.resolve("archive"));
    }

    @Test
    void aDryRunPrintsWhatWouldBeArchivedPerDayAndWritesNothing() throws Exception {
        Outcome outcome = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01", "--dry-run");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout())
                .contains("nothing was written or deleted")
                .containsPattern("2026-05-30 +12 +")
                .containsPattern("2026-05-31 +3 +")
                .containsPattern("total +15 +\\d+ +45 ");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(18);
        assertThat(db.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'archiver'"))
                .isZero(); // not even migrated
        assertThat(root.resolve("archive")).doesNotExist();
    }

    @Test
    void maxRuntimeStopsAtASafePointWithExitZeroAndTheNextLaunchResumes() throws Exception {
        Outcome stopped = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01", "--max-runtime=0m");
        assertThat(stopped.exitCode()).as(stopped.stderr()).isZero();
        assertThat(stopped.stdout()).contains("stopped at --max-runtime");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(18);

        Outcome resumed = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01");
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.stdout()).contains("COMPLETED").contains("purgeStep");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(3);
    }

    @Test
    void summaryJsonHoldsTheOutcomeAndEachPhaseAndIsPrivate() throws Exception {
        Path summary = root.resolve("summary.json");
        Outcome outcome = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01", "--summary-json=" + summary);

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).containsPattern("purgeStep +[0-9.]+ +0 +15 ");
        JsonNode json = new ObjectMapper().readTree(summary.toFile());
        assertThat(json.get("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(json.get("cutoff").asText()).isEqualTo("2026-06-01T00:00:00Z");
        JsonNode purge = null;
        for (JsonNode phase : json.get("phases")) {
            if (phase.get("name").asText().equals("purgeStep")) {
                purge = phase;
            }
        }
        assertThat(purge).isNotNull();
        assertThat(purge.get("written").asLong()).isEqualTo(15);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(summary)))
                .isEqualTo("rw-------");
    }
}
