package dev.pipelinearchiver.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged job (jobs/target/pipeline-archiver.jar) run as cron runs it: a process with the production JVM options. */
final class ArchiverJar {

    record Outcome(int exitCode, String stdout, String stderr) {}

    private ArchiverJar() {}

    static Outcome run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("archiver.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("The packaged job " + jar + " is missing: build the jobs module first"
                    + " (mvn verify at the root builds it before this module)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + System.getProperty("archiver.jvm-options")); // config/jvm.options, as the scripts give it
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("archiver-out", ".txt");
        Path err = Files.createTempFile("archiver-err", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("pipeline-archiver did not finish within 3 minutes: " + command);
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
