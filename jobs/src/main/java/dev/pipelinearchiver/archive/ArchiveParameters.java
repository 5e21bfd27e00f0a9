package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import java.time.Instant;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

/** Builds and reads the archive job's parameters: the cutoff and shard that identify its instance, the deadline of one launch. */
public final class ArchiveParameters {

    private ArchiveParameters() {}

    /**
     * The cutoff (and the shard, when there are several) identify the job instance; the deadline
     * ({@code --max-runtime}) only this launch.
     */
    static JobParameters of(ArchiverProperties.Shard shardSettings, Instant cutoff, Instant deadline) {
        JobParametersBuilder builder =
                new JobParametersBuilder().addString(ArchiveJobConfiguration.CUTOFF, cutoff.toString());
        String shard = shardParameter(shardSettings);
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

    static Instant deadline(JobParameters parameters) {
        String deadline = parameters.getString(ArchiveJobConfiguration.DEADLINE);
        return deadline == null ? null : Instant.parse(deadline);
    }

    /** The shard of a launch's {@code shard} parameter; a launch without it is the single shard, {@code 0/1}. */
    public static String shardLabel(String shardParameter) {
        return shardParameter == null ? "0/1" : shardParameter;
    }
}
