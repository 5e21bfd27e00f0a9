package dev.pipelinearchiver.support;

import dev.pipelinearchiver.parquet.OffHeapBuffers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
            throw new IllegalStateException(
                    "The packaged jar " + path + " is missing: run the *IT tests with mvn verify");
        }
        return path;
    }

    /**
     * The job's JVM options as the scripts, cron and the container give them: config/jvm.options, a
     * java launcher argument file (one option per line; '#' starts a comment to the end of the line).
     * Read from the repository root (the *IT tests run in jobs/), or from PIPELINE_ARCHIVER_JVM_OPTIONS.
     */
    public static List<String> jvmOptions() {
        String file = System.getenv("PIPELINE_ARCHIVER_JVM_OPTIONS");
        Path path = file == null ? Path.of("..", "config", "jvm.options") : Path.of(file);
        List<String> options = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                for (String token : line.trim().split("\\s+")) {
                    if (token.startsWith("#")) {
                        break;
                    }
                    if (token.contains("\"") || token.contains("'")) {
                        throw new IllegalStateException(path + ": quoted options are not supported here: " + line);
                    }
                    if (!token.isEmpty()) {
                        options.add(token);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("The job's JVM options " + path.toAbsolutePath() + " cannot be read", e);
        }
        if (options.isEmpty()) {
            throw new IllegalStateException(path.toAbsolutePath() + " holds no JVM option");
        }
        return List.copyOf(options);
    }

    public static Outcome run(Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        return start(environment, args).await(Duration.ofMinutes(3));
    }

    /**
     * Starts the jar with the production JVM options ({@link #jvmOptions()}) and returns at once, for
     * tests that signal it while it runs.
     */
    public static Running start(Map<String, String> environment, String... args) throws IOException {
        return start(jvmOptions(), environment, args);
    }

    /** Starts the jar with the given JVM options (e.g. those of the scripts and the container). */
    public static Running start(List<String> jvmOptions, Map<String, String> environment, String... args)
            throws IOException {
        return start(jvmOptions, List.of("-jar", jar().toString()), environment, args);
    }

    /**
     * Starts the job as the container image and scripts/demo.sh do: the jar unpacked by
     * scripts/exploded.sh, started by Spring Boot's JarLauncher, with the production JVM options.
     */
    public static Running startUnpacked(Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        Process unpack = new ProcessBuilder("bash", "../scripts/exploded.sh", jar().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String dir = new String(unpack.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!unpack.waitFor(2, TimeUnit.MINUTES) || unpack.exitValue() != 0 || dir.isEmpty()) {
            throw new IllegalStateException("scripts/exploded.sh failed for " + jar());
        }
        return start(
                jvmOptions(),
                List.of("-cp", dir, "org.springframework.boot.loader.launch.JarLauncher"),
                environment,
                args);
    }

    private static Running start(
            List<String> jvmOptions, List<String> launch, Map<String, String> environment, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        // a Parquet write buffer used after its release would then corrupt the files the tests read back
        command.add("-D" + OffHeapBuffers.POISON_PROPERTY + "=true");
        command.addAll(launch);
        command.addAll(List.of(args));
        Path out = Files.createTempFile("archiver-out", ".txt");
        Path err = Files.createTempFile("archiver-err", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment()
                .put("MALLOC_ARENA_MAX", "2"); // as every launcher of the job sets it (demo.sh, cron, the image)
        builder.environment().putAll(environment);
        return new Running(builder.start(), command, out, err);
    }

    /** A running jar: its output so far, signals, and its outcome. */
    public static final class Running {

        private final Process process;
        private final List<String> command;
        private final Path out;
        private final Path err;

        private Running(Process process, List<String> command, Path out, Path err) {
            this.process = process;
            this.command = command;
            this.out = out;
            this.err = err;
        }

        public String stdoutSoFar() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** SIGTERM, as Kubernetes sends on eviction or deadline. */
        public void terminate() {
            process.destroy();
        }

        /** SIGKILL: the process dies at once, mid-transaction, mid-file. */
        public void kill() {
            process.destroyForcibly();
        }

        public Outcome await(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("pipeline-archiver did not finish within " + timeout + ": " + command);
            }
            Outcome outcome = new Outcome(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return outcome;
        }
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
