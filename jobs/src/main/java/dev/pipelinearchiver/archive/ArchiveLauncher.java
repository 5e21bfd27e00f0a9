package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.SourceCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
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
import org.springframework.stereotype.Component;

/**
 * Launches the archive job for a cutoff, one at a time per database and shard (a PostgreSQL advisory
 * lock held for the whole launch). The same cutoff after a failure restarts that job instance; after a
 * success there is nothing to do. An execution still marked running while we hold the lock belongs to
 * a process that died: it is marked failed, then restarted.
 */
@Component
public class ArchiveLauncher {

    private static final Logger log = LoggerFactory.getLogger(ArchiveLauncher.class);

    /** First key of the advisory lock ("parc"); the second is the shard index. */
    static final int LOCK_CLASS = 0x70617263;

    public enum Outcome { COMPLETED, ALREADY_COMPLETED, STOPPED, FAILED, LOCKED }

    public record Result(Outcome outcome, JobExecution execution) {}

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job archiveJob;
    private final DataSource dataSource;
    private final SourceCatalog catalog;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;

    ArchiveLauncher(JobOperator jobOperator, JobRepository jobRepository, Job archiveJob, DataSource dataSource, SourceCatalog catalog,
            ParquetArchive archive, ArchiverProperties properties) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.archiveJob = archiveJob;
        this.dataSource = dataSource;
        this.catalog = catalog;
        this.archive = archive;
        this.properties = properties;
    }

    public static JobParameters parameters(Instant cutoff) {
        return parameters(cutoff, null);
    }

    /** The cutoff identifies the job instance; the deadline ({@code --max-runtime}) only this launch. */
    static JobParameters parameters(Instant cutoff, Instant deadline) {
        JobParametersBuilder builder = new JobParametersBuilder().addString(ArchiveJobConfiguration.CUTOFF, cutoff.toString());
        if (deadline != null) {
            builder.addString(ArchiveJobConfiguration.DEADLINE, deadline.toString(), false);
        }
        return builder.toJobParameters();
    }

    /**
     * Checks what would make the job fail before any write (archive root, backend schema), so a bad
     * configuration is reported as such and not as a failed job.
     */
    public void preflight() {
        archive.checkWritable();
        catalog.inspect();
    }

    public Result archive(Instant cutoff) throws Exception {
        return archive(cutoff, null);
    }

    /** Archives up to the cutoff, stopping at a safe point once the deadline (if any) has passed. */
    public Result archive(Instant cutoff, Instant deadline) throws Exception {
        JobParameters parameters = parameters(cutoff, deadline);
        int shard = properties.shard().index();
        try (Connection lockConnection = dataSource.getConnection()) {
            if (!tryLock(lockConnection, shard)) {
                return new Result(Outcome.LOCKED, null);
            }
            try {
                JobExecution last = jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters);
                if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                    return new Result(Outcome.ALREADY_COMPLETED, last);
                }
                if (last != null && last.isRunning()) {
                    // we hold the only lock, so the process that ran it is gone
                    log.warn("job execution {} is marked {} but its process is gone: marking it failed and resuming", last.getId(),
                            last.getStatus());
                    jobOperator.recover(last);
                }
                JobExecution execution = jobOperator.start(archiveJob, parameters);
                return new Result(switch (execution.getStatus()) {
                    case COMPLETED -> Outcome.COMPLETED;
                    case STOPPED -> Outcome.STOPPED;
                    default -> Outcome.FAILED;
                }, execution);
            } catch (JobInstanceAlreadyCompleteException e) {
                return new Result(Outcome.ALREADY_COMPLETED, jobRepository.getLastJobExecution(ArchiveJobConfiguration.JOB_NAME, parameters));
            } finally {
                unlock(lockConnection, shard);
            }
        }
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
