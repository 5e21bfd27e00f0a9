package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.storage.ArchiveIoException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Launches the archive job for a cutoff, one at a time per database and shard (a PostgreSQL advisory
 * lock held for the whole launch). The same cutoff after a failure restarts that job instance; after a
 * success there is nothing to do. An execution still marked running while we hold the lock belongs to
 * a process that died: it is marked failed, then restarted.
 *
 * <p>Operators' restart and recover go through the same lock, so they can never act on an execution
 * that another process is running.
 */
@Component
public class ArchiveLauncher {

    private static final Logger log = LoggerFactory.getLogger(ArchiveLauncher.class);

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
        LOCKED
    }

    /** The launch's outcome and its execution (null when LOCKED, or when STOPPED before the job started). */
    public record Result(Outcome outcome, JobExecution execution) {}

    public enum Recovery {
        RECOVERED,
        NOT_RUNNING,
        LOCKED
    }

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job archiveJob;
    private final DataSource dataSource;
    private final SourceCatalog catalog;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;
    private final SourcePrivileges privileges;
    private final JdbcTemplate jdbc;

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
            JdbcTemplate jdbc) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.archiveJob = archiveJob;
        this.dataSource = dataSource;
        this.catalog = catalog;
        this.archive = archive;
        this.properties = properties;
        this.privileges = new SourcePrivileges(jdbc);
        this.jdbc = jdbc;
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
        try (Connection lockConnection = dataSource.getConnection()) {
            if (!tryLock(lockConnection, shard)) {
                return new Result(Outcome.LOCKED, null);
            }
            try {
                removeAbandonedUploads(shard);
                JobExecution last = jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters);
                if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                    return new Result(Outcome.ALREADY_COMPLETED, last);
                }
                if (last != null && last.isRunning()) {
                    // we hold the only lock, so the process that ran it is gone
                    log.warn(
                            "job execution {} is marked {} but its process is gone: marking it failed and resuming",
                            last.getId(),
                            last.getStatus());
                    jobOperator.recover(last);
                }
                // written before reading stopRequested, the reverse of requestStop(): one of the two sees the other
                launching = parameters;
                if (stopRequested) {
                    return new Result(Outcome.STOPPED, null);
                }
                JobExecution execution = jobOperator.start(archiveJob, parameters);
                AsyncCommits.flush(lockConnection); // the outcome reported below is durable
                return new Result(outcome(execution.getStatus()), execution);
            } catch (JobInstanceAlreadyCompleteException e) {
                return new Result(
                        Outcome.ALREADY_COMPLETED,
                        jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters));
            } finally {
                launching = null;
                unlock(lockConnection, shard);
            }
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

    /**
     * Marks an execution whose process died as FAILED, so that it can be restarted. Refused (LOCKED) while
     * any process holds this database's and shard's archive lock: the execution may really be running.
     */
    public Recovery recover(long executionId) throws SQLException {
        int shard = properties.shard().index();
        try (Connection lockConnection = dataSource.getConnection()) {
            if (!tryLock(lockConnection, shard)) {
                return Recovery.LOCKED;
            }
            try {
                JobExecution execution = jobRepository.getJobExecution(executionId);
                if (execution == null || !execution.isRunning()) {
                    return Recovery.NOT_RUNNING;
                }
                log.warn(
                        "job execution {} is marked {} but no process holds the archive lock: marking it failed",
                        executionId,
                        execution.getStatus());
                jobOperator.recover(execution);
                return Recovery.RECOVERED;
            } finally {
                unlock(lockConnection, shard);
            }
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

    private static boolean tryLock(Connection connection, int shard) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setInt(2, shard);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection connection, int shard) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setInt(2, shard);
            ps.execute();
        }
    }
}
