package dev.pipelinearchiver.archive;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.partition.support.SimpleStepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Hands the export's partitions to its threads oldest batch first, each with its batch in its context.
 *
 * <p>Order: Spring Batch's splitter returns them in a hash set, i.e. in no useful order, while the purge
 * beside the export takes batches in the order they were planned: exported at random, the oldest batch
 * came last, the purge waited for it, and most of the deletes ran after the export instead of beside it
 * (200k runs: 4 of 60 batches purged by the time the export ended). The partition handler submits in this
 * set's order, and the bounded task executor starts each partition as a thread frees, so the export now
 * runs in batch order.
 *
 * <p>Context: Spring Batch 6's {@code SimpleStepExecutionSplitter.split} creates each partition's step
 * execution ({@code JobRepository.createStepExecution}: the row and an <em>empty</em> context, committed)
 * and only then saves the partition's context ({@code updateExecutionContext}, a second transaction). A
 * process killed between the two leaves a partition with no batch; its restart reuses that last context,
 * empty, for the partition. The batch is also in the partition's name ({@link #partitionName}), stable
 * across restarts, so a context without it gets it back from there, and is saved before the partition runs.
 */
final class OldestBatchFirstSplitter extends SimpleStepExecutionSplitter {

    private static final String BATCH_PREFIX = "batch-";

    private final JobRepository jobRepository;

    OldestBatchFirstSplitter(JobRepository jobRepository, String stepName, Partitioner partitioner) {
        super(jobRepository, stepName, partitioner);
        this.jobRepository = jobRepository;
    }

    /** The name of the partition that exports a batch (the suffix of its step name, after the colon). */
    static String partitionName(long batchId) {
        return BATCH_PREFIX + batchId;
    }

    @Override
    public Set<StepExecution> split(StepExecution stepExecution, int gridSize) throws JobExecutionException {
        Set<StepExecution> partitions = super.split(stepExecution, gridSize);
        for (StepExecution partition : partitions) {
            if (!partition.getExecutionContext().containsKey(ArchiveJobConfiguration.BATCH_ID)) {
                partition.getExecutionContext().putLong(ArchiveJobConfiguration.BATCH_ID, batchOf(partition));
                jobRepository.updateExecutionContext(partition);
            }
        }
        return partitions.stream()
                .sorted(Comparator.comparingLong(OldestBatchFirstSplitter::batchOf))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static long batchOf(StepExecution partition) {
        String name = partition.getStepName();
        int prefix = name.lastIndexOf(':' + BATCH_PREFIX);
        if (prefix < 0) {
            throw new IllegalStateException("export partition " + name + " does not name its batch");
        }
        return Long.parseLong(name.substring(prefix + 1 + BATCH_PREFIX.length()));
    }
}
