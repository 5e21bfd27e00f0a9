package dev.pipelinearchiver.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged jar as a separate process, as cron or Kubernetes would. */
public final class ArchiverProcess {

    public record Outcome(int exitCode, String stdout, String stderr) {}

    private ArchiverProcess() {}

    public static Path jar() {
        String jar = System.getenv("PIPELINE_ARCHIVER_JAR");
        Path path = Path.of(jar == null ? "target/pipeline-archiver.jar" : jar);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("The packaged jar " + path + " is missing: run the *IT tests with mvn verify");
        }
        return path;
    }

    public static Outcome run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("archiver-out", ".txt");
        Path err = Files.createTempFile("archiver-err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("pipeline-archiver did not finish within 3 minutes: " + command);
        }
        Outcome outcome = new Outcome(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return outcome;
    }

    /** The environment that points the jar at a test database and an archive root. */
    public static Map<String, String> environment(TestDatabase db, Path root) {
        return Map.of(
                "SPRING_DATASOURCE_URL", db.url(),
                "SPRING_DATASOURCE_USERNAME", TestDatabase.user(),
                "SPRING_DATASOURCE_PASSWORD", TestDatabase.password(),
                "ARCHIVER_OUTPUT_ROOT", root.toString());
    }
}
