package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar as cron runs it: a separate process, its exit code and the one line it prints on failure. */
class ArchiveCommandIT {

    private static TestDatabase db;

    @TempDir
    Path root;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_cli");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeEach
    void runs() {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(20, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_600, 3);
        fixture.runs(4, "running", null, 0, 1);
    }

    private Map<String, String> env() {
        return ArchiverProcess.environment(db, root.resolve("archive"));
    }

    /** A launch with one setting (an environment variable) changed. */
    private Outcome archiveWith(String variable, String value) throws Exception {
        Map<String, String> env = new HashMap<>(env());
        env.put(variable, value);
        return ArchiverProcess.run(env, "archive", "--cutoff=2026-06-01T00:00:00Z");
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }

    @Test
    void archivesThenExitsZeroAndARelaunchHasNothingToDo() throws Exception {
        Outcome first = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01T00:00:00Z");
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(first.stdout()).contains("COMPLETED");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(4);
        assertThat(Files.list(root.resolve("archive").resolve("pipeline_steps")).count())
                .isEqualTo(1);

        Outcome second = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01");
        assertThat(second.exitCode()).isZero();
        assertThat(second.stdout()).contains("already completed");
    }

    @Test
    void theJarUnpackedAsTheImageRunsItArchivesTheSame() throws Exception {
        // config/Dockerfile, scripts/demo.sh and scripts/bench.sh run the jar unpacked, started by JarLauncher
        Outcome outcome = ArchiverProcess.startUnpacked(env(), "archive", "--cutoff=2026-06-01T00:00:00Z")
                .await(Duration.ofMinutes(3));
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).contains("COMPLETED");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(4);
        assertThat(Files.list(root.resolve("archive").resolve("pipeline_steps")).count())
                .isEqualTo(1);
    }

    @Test
    void olderThanFixesTheCutoffToTheDay() throws Exception {
        Outcome outcome = ArchiverProcess.run(env(), "archive", "--older-than=1d");
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).containsPattern("archive \\d{4}-\\d\\d-\\d\\dT00:00:00Z: COMPLETED");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(4);
    }

    @Test
    void aFlightRecordingStartedByAnOperatorDoesNotStopTheJob() throws Exception {
        // An operator's diagnosis comes in through JAVA_TOOL_OPTIONS (the image's README section says so): JFR
        // here, or a Java agent. Both turn on the JVM's class file load hook, with which OpenJDK 17 crashed at
        // start while an application class-data-sharing archive was mapped
        // (docs/decisions/0012-no-class-data-sharing.md).
        Path recording = root.resolve("job.jfr");
        Map<String, String> env = new HashMap<>(env());
        env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + recording);
        // launched as the image launches it
        Outcome outcome = ArchiverProcess.startUnpacked(env, "archive", "--cutoff=2026-06-01T00:00:00Z")
                .await(Duration.ofMinutes(3));
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout()).contains("COMPLETED");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(4);
        assertThat(recording).isNotEmptyFile();
    }

    @Test
    void anUnreachableDatabaseExitsTwoWithOneClearSentence() throws Exception {
        Map<String, String> env = new HashMap<>(env());
        env.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:1/nowhere");
        Outcome outcome = ArchiverProcess.run(env, "archive", "--cutoff=2026-06-01T00:00:00Z");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(lastLine(outcome.stderr())).startsWith("pipeline-archiver: Cannot connect to the database");
        assertThat(outcome.stderr()).doesNotContain("\tat ");
    }

    @Test
    void anUnwritableOutputRootExitsTwoAndDeletesNothing() throws Exception {
        Path file = Files.writeString(root.resolve("a-file"), "not a directory");
        Outcome outcome =
                archiveWith("ARCHIVER_OUTPUT_ROOT", file.resolve("archive").toString());
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(lastLine(outcome.stderr()))
                .startsWith("pipeline-archiver: The archive root")
                .contains("is not writable");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(24);
    }

    @Test
    void anArchiveRootOfAnUnsupportedSchemeExitsTwoNamingTheSupportedOnesBeforeAnythingRuns() throws Exception {
        for (String root :
                new String[] {"nosuchfs://bucket/archive", "hdfs://namenode/archive", "s3://Not_A_Bucket/x"}) {
            Outcome outcome = archiveWith("ARCHIVER_OUTPUT_ROOT", root);
            assertThat(outcome.exitCode()).as(root).isEqualTo(2);
            assertThat(outcome.stderr().strip().lines()).as(root).hasSize(1);
            assertThat(outcome.stdout()).as(root).doesNotContain("\tat ");
            assertThat(lastLine(outcome.stderr()))
                    .startsWith("pipeline-archiver: Invalid configuration: archiver.outputRoot=" + root + " ")
                    .endsWith("supported: a local path, file:///absolute/path, s3://bucket/prefix (s3a:// alias).");
        }
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(24);
    }

    @Test
    void aMalformedOrFutureCutoffExitsTwoAndDeletesNothing() throws Exception {
        Outcome malformed = ArchiverProcess.run(env(), "archive", "--cutoff=last-tuesday");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.stderr()).contains("is not an ISO-8601 instant");

        Outcome future = ArchiverProcess.run(env(), "archive", "--cutoff=2999-01-01T00:00:00Z");
        assertThat(future.exitCode()).isEqualTo(2);
        assertThat(lastLine(future.stderr())).contains("is in the future");

        Outcome both = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01", "--older-than=30d");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(24);
    }

    @Test
    void aBadSettingExitsTwoBeforeAnyWork() throws Exception {
        Outcome outcome = archiveWith("ARCHIVER_SOURCE_RUNS_TABLE", "pipeline_runs; DROP TABLE pipeline_steps");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(lastLine(outcome.stderr())).contains("Invalid configuration");
        assertThat(db.count("SELECT count(*) FROM pipeline_steps")).isEqualTo(64);

        Outcome zstd = archiveWith("ARCHIVER_PARQUET_ZSTD_WINDOW_LOG", "40");
        assertThat(zstd.exitCode()).isEqualTo(2);
        assertThat(zstd.stderr()).contains("Invalid configuration").contains("zstd-window-log");
        Outcome level = archiveWith("ARCHIVER_PARQUET_COMPRESSION_LEVEL", "99");
        assertThat(level.exitCode()).isEqualTo(2);
        assertThat(level.stderr()).contains("Invalid configuration").contains("compression-level");
        assertThat(db.count("SELECT count(*) FROM pipeline_steps")).isEqualTo(64);
    }

    @Test
    void thePasswordNeverAppearsInTheOutput() throws Exception {
        Map<String, String> env = new HashMap<>(env());
        String password = TestDatabase.password().isEmpty() ? "s3cret-never-printed" : TestDatabase.password();
        env.put("SPRING_DATASOURCE_PASSWORD", password);
        env.put("LOGGING_LEVEL_ROOT", "DEBUG");
        Outcome outcome = ArchiverProcess.run(env, "archive", "--cutoff=2026-06-01T00:00:00Z");
        assertThat(outcome.stdout() + outcome.stderr()).doesNotContain(password);
    }
}
