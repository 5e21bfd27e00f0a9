package dev.pipelinearchiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pipelinearchiver.archive.ArchiveJobConfiguration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/**
 * The end of a launch, for people and for other schedulers: a table per phase (time, rows, rate), like
 * pt-archiver's {@code --statistics}, and the same figures as JSON ({@code --summary-json}).
 */
final class LaunchSummary {

    private record Phase(String name, double seconds, long read, long written, String status) {}

    private final String outcome;
    private final String cutoff;
    private final JobExecution execution;
    private final List<Phase> phases = new ArrayList<>();

    LaunchSummary(String outcome, JobExecution execution) {
        this.outcome = outcome;
        this.cutoff = execution == null ? null : execution.getJobParameters().getString(ArchiveJobConfiguration.CUTOFF);
        this.execution = execution;
        if (execution != null) {
            for (StepExecution step : execution.getStepExecutions()) {
                if (!step.getStepName().contains(":")) { // partitions ("worker:partition") are summed in their step
                    phases.add(new Phase(
                            step.getStepName(),
                            seconds(step.getStartTime(), step.getEndTime()),
                            step.getReadCount(),
                            step.getWriteCount(),
                            step.getStatus().toString()));
                }
            }
        }
    }

    void printTable(PrintWriter out) {
        if (phases.isEmpty()) {
            return;
        }
        out.printf(
                "%-14s %9s %13s %13s %12s  %s%n", "phase", "time (s)", "rows read", "rows written", "rows/s", "status");
        for (Phase p : phases) {
            long rows = Math.max(p.read(), p.written());
            out.printf(
                    Locale.ROOT,
                    "%-14s %9.1f %,13d %,13d %,12d  %s%n",
                    p.name(),
                    p.seconds(),
                    p.read(),
                    p.written(),
                    Math.round(rows / Math.max(p.seconds(), 0.001)),
                    p.status());
        }
        out.printf(Locale.ROOT, "%-14s %9.1f%n", "total", seconds(execution.getStartTime(), execution.getEndTime()));
    }

    /** Written atomically (temporary file, rename), readable by its owner only. */
    void writeJson(Path file) throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("outcome", outcome);
        summary.put("cutoff", cutoff);
        if (execution != null) {
            summary.put("jobExecutionId", execution.getId());
            summary.put("jobInstanceId", execution.getJobInstance().getInstanceId());
            summary.put("status", execution.getStatus().toString());
            summary.put("exitDescription", execution.getExitStatus().getExitDescription());
            summary.put("seconds", seconds(execution.getStartTime(), execution.getEndTime()));
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        for (Phase p : phases) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("name", p.name());
            step.put("seconds", p.seconds());
            step.put("read", p.read());
            step.put("written", p.written());
            step.put("status", p.status());
            steps.add(step);
        }
        summary.put("phases", steps);
        Path absolute = file.toAbsolutePath();
        Path temporary = Files.createTempFile(
                absolute.getParent(),
                "." + absolute.getFileName(),
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(
                temporary,
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(summary));
        Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static double seconds(LocalDateTime start, LocalDateTime end) {
        if (start == null) {
            return 0;
        }
        return Duration.between(start, end == null ? LocalDateTime.now() : end).toMillis() / 1000.0;
    }
}
