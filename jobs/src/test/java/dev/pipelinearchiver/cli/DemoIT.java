package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first hour of a new user, once, small: scripts/demo.sh with the packaged jar exits 0, prints no terminal
 * escape codes, and ends with two query commands that work as printed (show-run through the ledger, and SQL
 * through scripts/query.sh). scripts/check-demo.sh runs the full-size demo twenty times in a row.
 */
class DemoIT {

    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    private final String database =
            "archiver_demo_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8);

    @TempDir
    Path dir;

    @AfterEach
    void dropDemoDatabase() throws Exception {
        run(List.of(
                "psql", "-X", "-q", "-d", "postgres", "-c", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)"));
    }

    private record Result(int exitCode, String output) {}

    private Result run(List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(REPOSITORY.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.put("DEMO_DATABASE", database);
        env.put("DEMO_RUNS", "1500");
        env.put("ARCHIVER_OUTPUT_ROOT", dir.resolve("archive").toString());
        env.put("PIPELINE_ARCHIVER_JAR", ArchiverProcess.jar().toAbsolutePath().toString());
        env.putIfAbsent("PGHOST", TestDatabase.host());
        env.putIfAbsent("PGPORT", TestDatabase.port());
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not end within 5 minutes: " + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    @Test
    void theDemoEndsWithTwoQueriesThatWorkAsPrinted() throws Exception {
        // when
        Result demo = run(List.of("bash", "scripts" + File.separator + "demo.sh"));

        // then: exit 0, plain text, and where the archive is
        assertThat(demo.exitCode()).as(demo.output()).isZero();
        assertThat(demo.output()).doesNotContain("\u001b");
        assertThat(demo.output()).contains("demo: the archive is " + dir.resolve("archive"));
        List<String> commands = demo.output()
                .lines()
                .filter(line -> line.startsWith("    eval ") || line.startsWith("    scripts/query.sh "))
                .map(String::strip)
                .toList();
        assertThat(commands).as(demo.output()).hasSize(2);

        // and: each printed command, run as printed in a fresh shell, answers from the archive
        Result run = run(List.of("env", "-u", "PGUSER", "-u", "PGPASSWORD", "bash", "-c", commands.get(0)));
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output())
                .containsPattern("(?m)^run \\d+, archived in batch \\d+, dt=\\d{4}-\\d\\d-\\d\\d$")
                .containsPattern("(?m)^pipeline_steps: \\d+ rows")
                .doesNotContain("\u001b");
        Result sql = run(List.of("bash", "-c", commands.get(1)));
        assertThat(sql.exitCode()).as(sql.output()).isZero();
        assertThat(sql.output())
                .containsPattern("(?m)^step_name\\s+steps\\s+avg_ms\\s+error_pct$")
                .containsPattern("(?m)^indicator_agent\\s+\\d+")
                .containsPattern("(?m)^\\(\\d+ rows\\)$")
                .doesNotContain("\u001b");
    }
}
