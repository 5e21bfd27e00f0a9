package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.database.DatabaseRetry;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads and repairs Spring Batch's record of the archive job's executions: marks FAILED what a dead process left
 * running or a disconnected one left UNKNOWN, so that Spring Batch restarts the instance (before each launch, and
 * for the operator's {@code recover}, only while holding the archive lock, when no process runs the instance), and
 * reads an execution's status as PostgreSQL holds it.
 */
@Component
public class ExecutionRecovery {

    private static final Logger log = LoggerFactory.getLogger(ExecutionRecovery.class);

    /** A table prefix used as it is in SQL: [schema.]PREFIX_, letters, digits and _ only. */
    private static final Pattern TABLE_PREFIX = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*");

    /** What {@link #recover} did: the executions it marked FAILED, one line each (none unless RECOVERED). */
    public record Recovery(Kind kind, List<String> changed) {

        public enum Kind {
            RECOVERED,
            NOT_RUNNING,
            LOCKED
        }
    }

    private final JobRepository jobRepository;
    private final DataSource dataSource;
    private final ArchiverProperties properties;
    private final DatabaseRetry retry;
    private final JdbcTemplate jdbc;
    /** Spring Batch's table prefix ({@code spring.batch.jdbc.table-prefix}), with its schema. */
    private final String tablePrefix;

    ExecutionRecovery(
            JobRepository jobRepository,
            DataSource dataSource,
            ArchiverProperties properties,
            DatabaseRetry retry,
            JdbcTemplate jdbc,
            @Value("${spring.batch.jdbc.table-prefix:BATCH_}") String tablePrefix) {
        this.jobRepository = jobRepository;
        this.dataSource = dataSource;
        this.properties = properties;
        this.retry = retry;
        this.jdbc = jdbc;
        this.tablePrefix = tablePrefix;
    }

    /**
     * The execution's status as PostgreSQL holds it now (a crash may have taken back its last commits): one
     * row, where the repository would also load every step and partition with its context.
     */
    BatchStatus recordedStatus(JobExecution execution) {
        if (!TABLE_PREFIX.matcher(tablePrefix).matches()) {
            return jobRepository.getJobExecution(execution.getId()).getStatus();
        }
        String status =
                jdbc.queryForObject(ArchiveSql.jobExecutionStatus(tablePrefix), String.class, execution.getId());
        return BatchStatus.valueOf(status);
    }

    /**
     * Makes a job execution resumable: if it (or any execution of its job instance) is left running by a process
     * that died, or UNKNOWN (or with UNKNOWN steps) by a process that lost the database, marks it FAILED. Refused
     * (LOCKED) while any process holds this database's and shard's archive lock: the execution may really be
     * running.
     */
    public Recovery recover(long executionId) throws Exception {
        int shard = properties.shard().index();
        ArchiveLock lock =
                retry.call("taking the archive lock", () -> ArchiveLock.tryAcquire(dataSource, shard, () -> {}));
        if (lock == null) {
            return new Recovery(Recovery.Kind.LOCKED, List.of());
        }
        try (lock) {
            JobExecution execution = jobRepository.getJobExecution(executionId);
            if (execution == null) {
                return new Recovery(Recovery.Kind.NOT_RUNNING, List.of());
            }
            List<String> changed = retry.call(
                    "marking the job instance's unfinished executions FAILED",
                    () -> makeResumable(execution.getJobInstance()));
            return new Recovery(changed.isEmpty() ? Recovery.Kind.NOT_RUNNING : Recovery.Kind.RECOVERED, changed);
        }
    }

    /**
     * Marks every execution of the job instance that is left running (its process died) or UNKNOWN (its
     * process lost the database while recording how a step ended), and each such step or partition, FAILED,
     * so that Spring Batch restarts the instance. Only while holding the archive lock: no process runs the
     * instance then. Safe because the ledger, not these statuses, decides what is archived and purged: every
     * step re-reads it and redoes only what it has not recorded as done. Returns one line per execution changed.
     */
    List<String> makeResumable(JobParameters parameters) {
        JobInstance instance = jobRepository.getJobInstance(ArchiveJobConfiguration.JOB_NAME, parameters);
        return instance == null ? List.of() : makeResumable(instance);
    }

    private List<String> makeResumable(JobInstance instance) {
        List<String> changed = new ArrayList<>();
        for (JobExecution execution : jobRepository.getJobExecutions(instance)) {
            List<String> steps = new ArrayList<>();
            for (StepExecution step : execution.getStepExecutions()) {
                BatchStatus status = step.getStatus();
                if (status.isRunning() || status == BatchStatus.UNKNOWN) {
                    step.setStatus(BatchStatus.FAILED);
                    step.setExitStatus(step.getExitStatus().replaceExitCode(ExitStatus.FAILED.getExitCode()));
                    if (step.getEndTime() == null) {
                        step.setEndTime(LocalDateTime.now());
                    }
                    jobRepository.update(step);
                    steps.add(step.getStepName() + " " + status);
                }
            }
            BatchStatus status = execution.getStatus();
            if (!status.isRunning() && status != BatchStatus.UNKNOWN && steps.isEmpty()) {
                continue;
            }
            if (status.isRunning() || status == BatchStatus.UNKNOWN) {
                execution.setStatus(BatchStatus.FAILED);
                if (execution.getEndTime() == null) {
                    execution.setEndTime(LocalDateTime.now());
                }
                jobRepository.update(execution);
            }
            if (status.isRunning()) {
                log.warn(
                        "job execution {} is marked {} but its process is gone: marking it failed and resuming",
                        execution.getId(),
                        status);
            } else {
                log.warn(
                        "job execution {} ended {}{}: its process lost the database while recording it; marking it failed"
                                + " and resuming (the ledger decides what is archived and purged)",
                        execution.getId(),
                        status,
                        steps.isEmpty() ? "" : " with " + String.join(", ", steps));
            }
            changed.add("job execution " + execution.getId() + " " + status
                    + (steps.isEmpty() ? "" : " (" + String.join(", ", steps) + ")"));
        }
        return changed;
    }
}
