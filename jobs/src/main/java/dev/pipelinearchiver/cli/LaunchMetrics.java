package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ApplicationContext;

/**
 * The launch's figures as Micrometer gauges, beside Spring Batch's own job and step timers. With a
 * Prometheus Pushgateway configured ({@code management.prometheus.metrics.export.pushgateway.*}),
 * they are pushed when the application context closes at the end of the command: a batch job has no
 * endpoint to scrape.
 */
final class LaunchMetrics {

    private LaunchMetrics() {}

    static void record(ApplicationContext context, Result result) {
        MeterRegistry registry = context.getBeanProvider(MeterRegistry.class).getIfAvailable();
        if (registry == null) {
            return;
        }
        JobExecution execution = result.execution();
        gauge(
                registry,
                "archiver.launch.outcome",
                1,
                "outcome",
                result.outcome().toString());
        if (execution == null) {
            return;
        }
        long planned = 0;
        long exported = 0;
        long purged = 0;
        for (StepExecution step : execution.getStepExecutions()) {
            switch (step.getStepName()) {
                case "planStep" -> planned = step.getWriteCount();
                case "exportStep" -> exported = step.getWriteCount();
                case "purgeStep" -> purged = step.getWriteCount();
                default -> {}
            }
        }
        gauge(registry, "archiver.runs.planned", planned);
        gauge(registry, "archiver.rows.exported", exported);
        gauge(registry, "archiver.runs.purged", purged);
        LocalDateTime start = execution.getStartTime();
        if (start != null) {
            LocalDateTime end = execution.getEndTime() == null ? LocalDateTime.now() : execution.getEndTime();
            gauge(
                    registry,
                    "archiver.launch.duration.seconds",
                    Duration.between(start, end).toMillis() / 1000.0);
        }
        if (result.outcome() == dev.pipelinearchiver.archive.ArchiveLauncher.Outcome.COMPLETED) {
            gauge(
                    registry,
                    "archiver.last.success.timestamp.seconds",
                    Instant.now().getEpochSecond());
        }
    }

    private static void gauge(MeterRegistry registry, String name, double value, String... tags) {
        Gauge.builder(name, () -> value).tags(tags).strongReference(true).register(registry);
    }
}
