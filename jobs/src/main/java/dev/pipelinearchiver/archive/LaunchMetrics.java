package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.database.DatabaseUnavailableException;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The launch's figures as Micrometer meters, beside Spring Batch's own job and step timers. With a Prometheus
 * Pushgateway configured ({@code management.prometheus.metrics.export.pushgateway.*}), they are pushed when the
 * application context closes at the end of the command: a batch job has no endpoint to scrape.
 *
 * <p>Each push replaces the metrics of its group (job and grouping key, which holds the shard: config/application.yml),
 * so every launch pushes the last-success time again, read from Spring Batch's metadata: a failed or locked launch
 * keeps the previous success's time, and each shard has its own. The names and their meaning: docs/statistics.md;
 * the Grafana dashboard (config/grafana/) and the alert rules (config/prometheus/) use them.
 */
public final class LaunchMetrics {

    private static final Logger log = LoggerFactory.getLogger(LaunchMetrics.class);

    private static final String LAST_SUCCESS_GAUGE = "archiver.last.success.timestamp.seconds";

    private final MeterRegistry registry;
    private final ApplicationContext context;
    private final int shard;
    /** The database's clock at the start: files and batches the launch touched are those stamped since. */
    private final Timestamp started;

    private LaunchMetrics(MeterRegistry registry, ApplicationContext context, int shard, Timestamp started) {
        this.registry = registry;
        this.context = context;
        this.shard = shard;
        this.started = started;
    }

    /**
     * Registers the launch's start and the last success so far, before anything can fail: whatever happens next,
     * the push at the end carries them. Returns a recorder that does nothing without a meter registry.
     */
    public static LaunchMetrics start(ApplicationContext context) {
        MeterRegistry registry = context.getBeanProvider(MeterRegistry.class).getIfAvailable();
        if (registry == null) {
            return new LaunchMetrics(null, context, 0, null);
        }
        int shard = context.getBean(ArchiverProperties.class).shard().index();
        gauge(registry, "archiver.launch.timestamp.seconds", Instant.now().getEpochSecond());
        JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
        Timestamp now = null;
        try {
            now = jdbc.queryForObject(ArchiveSql.DATABASE_NOW, Timestamp.class);
            LocalDateTime lastSuccess = jdbc.queryForObject(
                    BatchMetadata.of(context).sql(MetadataSql.LAST_SUCCESS),
                    LocalDateTime.class,
                    ArchiveJobConfiguration.JOB_NAME,
                    ArchiveJobConfiguration.SHARD,
                    Integer.toString(shard));
            // Spring Batch keeps times in the JVM's zone; 0 when this shard never completed (alerts fire)
            gauge(
                    registry,
                    LAST_SUCCESS_GAUGE,
                    lastSuccess == null
                            ? 0
                            : lastSuccess.atZone(ZoneId.systemDefault()).toEpochSecond());
        } catch (RuntimeException e) {
            // without it the push leaves the last success out; the launch goes on and its outcome says why it failed
            log.warn(
                    "launch metrics: cannot read the last successful launch: {}",
                    DatabaseUnavailableException.summary(e));
        }
        return new LaunchMetrics(registry, context, shard, now);
    }

    /** Registers the launch's outcome, exit code and figures; called once, however the launch ended. */
    public void ended(Result result, int exitCode) {
        if (registry == null) {
            return;
        }
        gauge(registry, "archiver.launch.exit.code", exitCode);
        if (result == null) {
            return; // failed before the job's outcome was known: the exit code says how
        }
        gauge(
                registry,
                "archiver.launch.outcome",
                1,
                "outcome",
                result.outcome().toString());
        if (result.outcome() == Outcome.COMPLETED) {
            // the end the metadata records: the value the next launches read back and push again
            LocalDateTime end = result.execution().getEndTime();
            lastSuccess(
                    end == null
                            ? Instant.now().getEpochSecond()
                            : end.atZone(ZoneId.systemDefault()).toEpochSecond());
        }
        // an ALREADY_COMPLETED launch did nothing: its execution is the earlier one, whose figures were pushed then
        JobExecution execution = result.outcome() == Outcome.ALREADY_COMPLETED ? null : result.execution();
        long planned = 0;
        long exported = 0;
        long purged = 0;
        long transactions = 0;
        long maxMs = 0;
        long totalMs = 0;
        for (StepExecution step : execution == null ? List.<StepExecution>of() : execution.getStepExecutions()) {
            switch (step.getStepName()) {
                case "planStep" -> planned = step.getWriteCount();
                case "exportStep" -> exported = step.getWriteCount();
                case "purgeStep" -> purged = step.getWriteCount();
                default -> {}
            }
            if (step.getStepName().startsWith("purgeWorkerStep")) {
                var purger = step.getExecutionContext();
                transactions += purger.getLong(PurgeTasklet.TRANSACTIONS, 0L);
                maxMs = Math.max(maxMs, purger.getLong(PurgeTasklet.MAX_TRANSACTION_MS, 0L));
                totalMs += purger.getLong(PurgeTasklet.TRANSACTION_MS_TOTAL, 0L);
            }
        }
        gauge(registry, "archiver.runs.planned", planned);
        gauge(registry, "archiver.rows.exported", exported);
        gauge(registry, "archiver.runs.purged", purged);
        long count = transactions;
        double seconds = totalMs / 1000.0;
        // the registry as the timer's object: a function timer holds it weakly, and it lives until the last push
        FunctionTimer.builder("archiver.purge.transaction", registry, r -> count, r -> seconds, TimeUnit.SECONDS)
                .description("The launch's delete transactions: how many, and their time added up")
                .register(registry);
        gauge(registry, "archiver.purge.transaction.max.seconds", maxMs / 1000.0);
        ledgerFigures();
        if (execution != null && execution.getStartTime() != null) {
            LocalDateTime end = execution.getEndTime() == null ? LocalDateTime.now() : execution.getEndTime();
            gauge(
                    registry,
                    "archiver.launch.duration.seconds",
                    Duration.between(execution.getStartTime(), end).toMillis() / 1000.0);
        }
    }

    private void lastSuccess(long epochSecond) {
        Gauge before = registry.find(LAST_SUCCESS_GAUGE).gauge();
        if (before != null) {
            registry.remove(before);
        }
        gauge(registry, LAST_SUCCESS_GAUGE, epochSecond);
    }

    private void ledgerFigures() {
        if (started == null) {
            return;
        }
        try {
            context.getBean(JdbcTemplate.class)
                    .query(
                            ArchiveSql.LAUNCH_LEDGER_FIGURES,
                            rs -> {
                                gauge(registry, "archiver.archived.bytes", rs.getLong(1));
                                gauge(registry, "archiver.runs.released", rs.getLong(2));
                            },
                            shard,
                            started,
                            shard,
                            started,
                            started);
        } catch (RuntimeException e) {
            log.warn(
                    "launch metrics: cannot read the launch's figures from the ledger: {}",
                    DatabaseUnavailableException.summary(e));
        }
    }

    private static void gauge(MeterRegistry registry, String name, double value, String... tags) {
        Gauge.builder(name, () -> value).tags(tags).strongReference(true).register(registry);
    }
}
