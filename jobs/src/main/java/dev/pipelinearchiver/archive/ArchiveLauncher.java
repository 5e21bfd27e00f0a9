package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.database.CommitsLostException;
import dev.pipelinearchiver.database.DatabaseFailure;
import dev.pipelinearchiver.database.DatabaseRetry;
import dev.pipelinearchiver.database.DatabaseUnavailableException;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.storage.ArchiveIoException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Launches the archive job for a cutoff, one at a time per database and shard (a PostgreSQL advisory
 * lock held for the whole launch, {@link ArchiveLock}). The same cutoff after a failure restarts that job
 * instance; after a success there is nothing to do. An execution still marked running while we hold the
 * lock belongs to a process that died, and one left UNKNOWN (or with UNKNOWN steps) to a process that lost
 * the database while recording it: either is marked failed, then restarted, since the ledger and not Spring
 * Batch's statuses decides what is archived and purged. Within a launch, a failure that a new attempt may
 * not meet restarts the job instance for as long as the retry policy allows (docs/database-faults.md).
 *
 * <p>Operators' restart and recover go through the same lock, so they can never act on an execution
 * that another process is running.
 */
@Component
public class ArchiveLauncher {

    private static final Logger log = LoggerFactory.getLogger(ArchiveLauncher.class);

    /** A table prefix used as it is in SQL: [schema.]PREFIX_, letters, digits and _ only. */
    private static final Pattern TABLE_PREFIX = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*");

    /** First key of the advisory lock ("parc"); the second is the shard index. */
    public static final int LOCK_CLASS = 0x70617263;

    /** The two-key form of pg_advisory_lock shows as objsubid 2, with the keys in classid and objid. */
    private static final String LOCK_HELD = """
            SELECT EXISTS (SELECT 1 FROM pg_locks
                           WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = ? AND objid::bigint = ?
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))""";

    public enum Outcome {
        COMPLETED,
        ALREADY_COMPLETED,
        FAILED,
        STOPPED,
        LOCKED,
        /** The archive lock's connection was lost and another process took the lock: this launch stopped. */
        LOCK_LOST
    }

    /** The launch's outcome and its execution (null when LOCKED, or when STOPPED before the job started). */
    public record Result(Outcome outcome, JobExecution execution) {}

    /** What {@link #recover} did: the executions it marked FAILED, one line each (none unless RECOVERED). */
    public record Recovery(Kind kind, List<String> changed) {

        public enum Kind {
            RECOVERED,
            NOT_RUNNING,
            LOCKED
        }
    }

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job archiveJob;
    private final DataSource dataSource;
    private final SourceCatalog catalog;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;
    private final SourcePrivileges privileges;
    private final DatabaseRetry retry;
    private final JdbcTemplate jdbc;
    /** Spring Batch's table prefix ({@code spring.batch.jdbc.table-prefix}), with its schema. */
    private final String tablePrefix;

    /** The parameters of the launch in progress in this process, for a stop request from a signal handler. */
    private volatile JobParameters launching;

    private volatile boolean stopRequested;

    ArchiveLauncher(
            JobOperator jobOperator,
            JobRepository jobRepository,
            Job archiveJob,
            DataSource dataSource,
            SourceCatalog catalog,
            ParquetArchive archive,
            ArchiverProperties properties,
            JdbcTemplate jdbc,
            DatabaseRetry retry,
            @Value("${spring.batch.jdbc.table-prefix:BATCH_}") String tablePrefix) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.archiveJob = archiveJob;
        this.dataSource = dataSource;
        this.catalog = catalog;
        this.archive = archive;
        this.properties = properties;
        this.privileges = new SourcePrivileges(jdbc);
        this.retry = retry;
        this.jdbc = jdbc;
        this.tablePrefix = tablePrefix;
    }

    /**
     * The cutoff (and the shard, when there are several) identify the job instance; the deadline
     * ({@code --max-runtime}) only this launch.
     */
    JobParameters parameters(Instant cutoff, Instant deadline) {
        JobParametersBuilder builder =
                new JobParametersBuilder().addString(ArchiveJobConfiguration.CUTOFF, cutoff.toString());
        String shard = shardParameter(properties.shard());
        if (shard != null) {
            builder.addString(ArchiveJobConfiguration.SHARD, shard);
        }
        if (deadline != null) {
            builder.addString(ArchiveJobConfiguration.DEADLINE, deadline.toString(), false);
        }
        return builder.toJobParameters();
    }

    /** The {@link ArchiveJobConfiguration#SHARD} parameter of a shard's launches: null with one shard. */
    public static String shardParameter(ArchiverProperties.Shard shard) {
        return shard.count() > 1 ? shard.index() + "/" + shard.count() : null;
    }

    /**
     * Checks what would make the job fail before any write (archive root, backend schema), so a bad
     * configuration is reported as such and not as a failed job.
     */
    public void preflight() {
        archive.checkWritable();
        privileges.checkSchemaUsage(properties.source().schema());
        privileges.checkTables(catalog.inspect());
    }

    /**
     * Refuses (exit 2, one line) to continue batches that an earlier launch of this shard wrote, but did
     * not purge, under another archive root than this launch's: finishing them here would leave one
     * cutoff's files under two roots. {@code --allow-root-change} skips the check.
     */
    public void checkUnfinishedBatchesRoot() {
        TreeMap<String, List<Long>> elsewhere = new TreeMap<>();
        jdbc.query(
                ArchiveSql.WRITTEN_FILES_OF_SHARD,
                rs -> {
                    String path = rs.getString(2);
                    if (!archive.storage().root().contains(path)) {
                        String root = path.substring(0, path.indexOf('/' + rs.getString(3) + "/dt="));
                        elsewhere.computeIfAbsent(root, r -> new ArrayList<>()).add(rs.getLong(1));
                    }
                },
                properties.shard().index());
        if (!elsewhere.isEmpty()) {
            var first = elsewhere.firstEntry();
            throw new ArchiveIoException(
                    "Batches " + first.getValue().stream().distinct().sorted().toList() + " were written under "
                            + first.getKey() + " and are not purged yet; this launch writes to " + archive.root()
                            + ": relaunch with that archive root to finish them, or pass --allow-root-change",
                    null);
        }
    }

    public Result archive(Instant cutoff) throws Exception {
        return archive(cutoff, null);
    }

    /** Archives up to the cutoff, stopping at a safe point once the deadline (if any) has passed. */
    public Result archive(Instant cutoff, Instant deadline) throws Exception {
        return launch(parameters(cutoff, deadline));
    }

    /**
     * Resumes the job instance of a failed or stopped execution, with its parameters, under the lock:
     * the same as relaunching its cutoff.
     */
    public Result restart(JobExecution execution, Instant deadline) throws Exception {
        // the cutoff, and this launch's deadline: an earlier launch's --max-runtime must not stop this one
        return launch(parameters(
                Instant.parse(execution.getJobParameters().getString(ArchiveJobConfiguration.CUTOFF)), deadline));
    }

    private Result launch(JobParameters parameters) throws Exception {
        // Spring Batch creates the job instance before it validates the parameters: a refused cutoff
        // would leave an instance with no execution behind
        archiveJob.getJobParametersValidator().validate(parameters);
        int shard = properties.shard().index();
        ArchiveLock lock =
                retry.call("taking the archive lock", () -> ArchiveLock.tryAcquire(dataSource, shard, this::lockLost));
        if (lock == null) {
            return new Result(Outcome.LOCKED, null);
        }
        try (lock) {
            return launchHoldingTheLock(parameters, lock);
        } finally {
            launching = null;
        }
    }

    /**
     * Starts (or restarts) the job instance, and restarts it again after a failure that a new attempt may not
     * meet (a lost connection the job's own retries did not outlast, e.g. in Spring Batch's bookkeeping between
     * steps; a commit whose outcome is unknown; commits lost in a crash), for as long as the retry policy
     * allows: {@code archiver.database.retry-for} after the first of a streak of such failures. Each attempt
     * is a new job execution of the same instance; every step is idempotent over the ledger.
     */
    private Result launchHoldingTheLock(JobParameters parameters, ArchiveLock lock) throws Exception {
        removeAbandonedUploads(properties.shard().index());
        BackOffExecution waits = null;
        JobExecution previous = null; // this launch's previous attempt, if it restarted the job instance
        Instant deadline = deadline(parameters);
        while (true) {
            JobExecution last = retry.call(
                    "reading the job's metadata",
                    () -> jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters));
            if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                return new Result(Outcome.ALREADY_COMPLETED, last);
            }
            // we hold the only lock, so no process runs this instance: whatever it left running or UNKNOWN is over
            retry.run("marking the job instance's unfinished executions FAILED", () -> makeResumable(parameters));
            // written before reading stopRequested, the reverse of requestStop(): one of the two sees the other
            launching = parameters;
            if (stopRequested) {
                // before this attempt: reported as the previous attempt ended, or as not started
                return previous == null
                        ? new Result(Outcome.STOPPED, null)
                        : new Result(outcome(previous.getStatus()), previous);
            }
            retry.run("checking the archive lock", lock::ensureHeld);
            long attemptStarted = System.nanoTime();
            JobExecution execution = null;
            Exception failure = null;
            try {
                execution = jobOperator.start(archiveJob, parameters);
            } catch (JobInstanceAlreadyCompleteException e) {
                return new Result(
                        Outcome.ALREADY_COMPLETED,
                        jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters));
            } catch (Exception e) {
                // e.g. the job execution not created (a lost connection, a serialization failure between shards),
                // or not recorded as ended
                if (!restartable(List.of(e))) {
                    throw e;
                }
                failure = e;
            }
            if (execution != null) {
                JobExecution ended = execution;
                // the outcome reported is durable (the job's own commits are asynchronous, AsyncCommits)
                retry.run("making the launch's commits durable", () -> AsyncCommits.flush(dataSource));
                BatchStatus recorded = retry.call("reading the job execution's outcome", () -> recordedStatus(ended));
                if (lock.isLost()) {
                    return new Result(Outcome.LOCK_LOST, execution);
                }
                if (execution.getStatus() == BatchStatus.COMPLETED && recorded == BatchStatus.COMPLETED) {
                    return new Result(Outcome.COMPLETED, execution);
                }
                // restarted: UNKNOWN (a commit whose outcome is unknown), a completion a crash took back, or a
                // failure a new attempt may not meet; anything else (a stop, a real failure) ends the launch
                boolean completionLost = execution.getStatus() == BatchStatus.COMPLETED;
                if (!completionLost
                        && execution.getStatus() != BatchStatus.UNKNOWN
                        && !restartable(execution.getAllFailureExceptions())) {
                    return new Result(outcome(execution.getStatus()), execution);
                }
            }
            // a failure a new attempt may not meet: restart the job instance after a wait
            if (waits == null
                    || Duration.ofNanos(System.nanoTime() - attemptStarted).compareTo(retry.retryFor()) > 0) {
                waits = retry.startWaiting(); // the attempt ran longer than the bound: the database was there meanwhile
            }
            long wait = waits.nextBackOff();
            if (wait == BackOffExecution.STOP || stopRequested || Throttle.passed(deadline)) {
                if (execution == null) {
                    throw wait == BackOffExecution.STOP
                            ? new DatabaseUnavailableException("starting the archive job", retry.retryFor(), failure)
                            : failure;
                }
                if (execution.getStatus() == BatchStatus.COMPLETED) {
                    throw new CommitsLostException("job execution " + execution.getId() + " completed, but the database"
                            + " lost its record of that in a crash; relaunch the same command to resume");
                }
                return new Result(outcome(execution.getStatus()), execution);
            }
            previous = execution == null ? previous : execution;
            log.warn(
                    "{} ended {}: {}; restarting its job instance in {} ms",
                    execution == null ? "the launch" : "job execution " + execution.getId(),
                    execution == null ? "before the job ran" : execution.getStatus(),
                    firstFailure(execution == null ? List.of(failure) : execution.getAllFailureExceptions()),
                    wait);
            sleepUnlessStopped(wait);
        }
    }

    /**
     * The execution's status as PostgreSQL holds it now (a crash may have taken back its last commits): one
     * row, where the repository would also load every step and partition with its context.
     */
    private BatchStatus recordedStatus(JobExecution execution) {
        if (!TABLE_PREFIX.matcher(tablePrefix).matches()) {
            return jobRepository.getJobExecution(execution.getId()).getStatus();
        }
        String status = jdbc.queryForObject(
                "SELECT status FROM " + tablePrefix + "JOB_EXECUTION WHERE job_execution_id = ?",
                String.class,
                execution.getId());
        return BatchStatus.valueOf(status);
    }

    /**
     * A failure that a new attempt may not meet: transient, or commits lost in a crash; not a retry that gave
     * up. A version conflict in Spring Batch's metadata counts as lost commits: under the archive lock only
     * this process writes its execution's rows, so a row whose version went back lost a commit in a crash
     * (the job's commits are asynchronous) or met a commit whose outcome was unknown.
     */
    private static boolean restartable(List<Throwable> failures) {
        boolean restartable = false;
        for (Throwable failure : failures) {
            if (hasCause(failure, DatabaseUnavailableException.class)) {
                return false;
            }
            DatabaseFailure kind = DatabaseFailure.of(failure);
            restartable |= DatabaseRetry.isTransient(failure)
                    || kind == DatabaseFailure.LOST_COMMITS
                    || hasCause(failure, OptimisticLockingFailureException.class);
        }
        return restartable;
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String firstFailure(List<Throwable> failures) {
        return failures.stream()
                .filter(f -> restartable(List.of(f)))
                .findFirst()
                .or(() -> failures.stream().findFirst())
                .map(DatabaseUnavailableException::summary)
                .orElse("its outcome was not recorded");
    }

    private void sleepUnlessStopped(long millis) throws InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000;
        while (!stopRequested && System.nanoTime() < until) {
            Thread.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }

    private static Instant deadline(JobParameters parameters) {
        String deadline = parameters.getString(ArchiveJobConfiguration.DEADLINE);
        return deadline == null ? null : Instant.parse(deadline);
    }

    /**
     * Marks every execution of the job instance that is left running (its process died) or UNKNOWN (its
     * process lost the database while recording how a step ended), and each such step or partition, FAILED,
     * so that Spring Batch restarts the instance. Only while holding the archive lock: no process runs the
     * instance then. Safe because the ledger, not these statuses, decides what is archived and purged: every
     * step re-reads it and redoes only what it has not recorded as done. Returns one line per execution changed.
     */
    private List<String> makeResumable(JobParameters parameters) {
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

    /**
     * Aborts the incomplete uploads a killed launch of this shard left on an object store: only keys that
     * carry this shard's tag, found before this launch uploads anything (this shard's lock is held, so no
     * launch of it is uploading). A failure only warns: a bucket lifecycle rule is the second line of
     * defence.
     */
    private void removeAbandonedUploads(int shard) {
        try {
            archive.storage().removeAbandonedUploads(ExportBatchTasklet.shardTag(shard));
        } catch (IOException | RuntimeException e) {
            log.warn("could not look for incomplete uploads of earlier launches: {}", e.getMessage());
        }
    }

    private static Outcome outcome(BatchStatus status) {
        return switch (status) {
            case COMPLETED -> Outcome.COMPLETED;
            case STOPPING, STOPPED -> Outcome.STOPPED;
            default -> Outcome.FAILED;
        };
    }

    /** The keeper found the archive lock taken by another process: stop this launch at its next safe point. */
    private void lockLost() {
        stopRequested = true;
        JobParameters parameters = launching;
        if (parameters == null) {
            return;
        }
        try {
            JobExecution running = jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters);
            if (running != null && running.isRunning()) {
                running.setStatus(BatchStatus.STOPPING);
                jobRepository.update(running); // its steps see it at their next commit
            }
        } catch (RuntimeException e) {
            log.error("could not mark the job execution STOPPING after losing the archive lock: {}", e.getMessage());
        }
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
     * Whether a process holds this database's and shard's archive lock (an archive job is running). Reads
     * pg_locks rather than trying the lock, so that looking never makes a launch starting meanwhile exit 3.
     */
    public boolean isLocked() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement ps = connection.prepareStatement(LOCK_HELD)) {
            ps.setLong(1, LOCK_CLASS);
            ps.setLong(2, properties.shard().index());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Asks this process's launch to stop (SIGTERM): a launch not yet started will not start, and the id
     * of the execution it runs, once it exists, is returned so that it can be marked STOPPING. Called
     * repeatedly until the launch ends, because the execution may not exist yet at the first call.
     */
    public OptionalLong requestStop() {
        stopRequested = true;
        JobParameters parameters = launching;
        if (parameters == null) {
            return OptionalLong.empty();
        }
        JobExecution last = jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters);
        return last != null && last.isRunning() ? OptionalLong.of(last.getId()) : OptionalLong.empty();
    }
}
