package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.database.CommitsLostException;
import dev.pipelinearchiver.database.DatabaseRetry;
import dev.pipelinearchiver.database.DatabaseUnavailableException;
import dev.pipelinearchiver.parquet.ParquetArchive;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
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

    /** First key of the advisory lock ("parc"); the second is the shard index. */
    public static final int LOCK_CLASS = 0x70617263;

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

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job archiveJob;
    private final DataSource dataSource;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;
    private final ExecutionRecovery recovery;
    private final DatabaseRetry retry;

    /** The parameters of the launch in progress in this process, for a stop request from a signal handler. */
    private volatile JobParameters launching;

    private volatile boolean stopRequested;

    ArchiveLauncher(
            JobOperator jobOperator,
            JobRepository jobRepository,
            Job archiveJob,
            DataSource dataSource,
            ParquetArchive archive,
            ArchiverProperties properties,
            ExecutionRecovery recovery,
            DatabaseRetry retry) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.archiveJob = archiveJob;
        this.dataSource = dataSource;
        this.archive = archive;
        this.properties = properties;
        this.recovery = recovery;
        this.retry = retry;
    }

    public Result archive(Instant cutoff) throws Exception {
        return archive(cutoff, null);
    }

    /** Archives up to the cutoff, stopping at a safe point once the deadline (if any) has passed. */
    public Result archive(Instant cutoff, Instant deadline) throws Exception {
        return launch(ArchiveParameters.of(properties.shard(), cutoff, deadline));
    }

    /**
     * Resumes the job instance of a failed or stopped execution, with its parameters, under the lock:
     * the same as relaunching its cutoff.
     */
    public Result restart(JobExecution execution, Instant deadline) throws Exception {
        // the cutoff, and this launch's deadline: an earlier launch's --max-runtime must not stop this one
        return launch(ArchiveParameters.of(
                properties.shard(),
                Instant.parse(execution.getJobParameters().getString(ArchiveJobConfiguration.CUTOFF)),
                deadline));
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
        Instant deadline = ArchiveParameters.deadline(parameters);
        while (true) {
            JobExecution last = retry.call(
                    "reading the job's metadata",
                    () -> jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters));
            if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                return new Result(Outcome.ALREADY_COMPLETED, last);
            }
            // we hold the only lock, so no process runs this instance: whatever it left running or UNKNOWN is over
            retry.run(
                    "marking the job instance's unfinished executions FAILED",
                    () -> recovery.makeResumable(parameters));
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
                if (!LaunchFailures.restartable(List.of(e))) {
                    throw e;
                }
                failure = e;
            }
            if (execution != null) {
                JobExecution ended = execution;
                // the outcome reported is durable (the job's own commits are asynchronous, AsyncCommits)
                retry.run("making the launch's commits durable", () -> AsyncCommits.flush(dataSource));
                BatchStatus recorded =
                        retry.call("reading the job execution's outcome", () -> recovery.recordedStatus(ended));
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
                        && !LaunchFailures.restartable(execution.getAllFailureExceptions())) {
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
                    LaunchFailures.firstFailure(
                            execution == null ? List.of(failure) : execution.getAllFailureExceptions()),
                    wait);
            sleepUnlessStopped(wait);
        }
    }

    private void sleepUnlessStopped(long millis) throws InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000;
        while (!stopRequested && System.nanoTime() < until) {
            Thread.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
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
     * Whether a process holds this database's and shard's archive lock (an archive job is running). Reads
     * pg_locks rather than trying the lock, so that looking never makes a launch starting meanwhile exit 3.
     */
    public boolean isLocked() throws SQLException {
        return ArchiveLock.isHeld(dataSource, properties.shard().index());
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
