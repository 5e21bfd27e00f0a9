package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.ArchiveJobConfiguration;
import dev.pipelinearchiver.archive.ArchiveParameters;
import dev.pipelinearchiver.archive.BatchMetadata;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.context.ApplicationContext;

/** Shards as the operator sees them ({@code index/count}) and the one layout per cutoff (docs/shards.md). */
final class Shards {

    private Shards() {}

    /** The shard of a launch's {@code shard} parameter; a launch without it is the single shard, {@code 0/1}. */
    static String label(String shardParameter) {
        return ArchiveParameters.shardLabel(shardParameter);
    }

    private static int count(String label) {
        return Integer.parseInt(label.substring(label.indexOf('/') + 1));
    }

    /**
     * Refuses (exit 2, one line) a launch whose shard count differs from that of an unfinished job instance of
     * the same cutoff: the old layout's open batches belong to its shards, which only a launch of that layout
     * resumes; a new count would leave them open and split the cutoff's remaining runs differently.
     */
    static void requireOneLayout(ApplicationContext context, Instant cutoff) {
        ArchiverProperties.Shard ours =
                context.getBean(ArchiverProperties.class).shard();
        String ourLabel = label(ArchiveParameters.shardParameter(ours));
        List<BatchMetadata.UnfinishedShard> other =
                BatchMetadata.of(context).unfinishedOfCutoff(ArchiveJobConfiguration.JOB_NAME, cutoff.toString());
        other = other.stream().filter(u -> count(u.shard()) != ours.count()).toList();
        if (other.isEmpty()) {
            return;
        }
        int oldCount = count(other.get(0).shard());
        String unfinished = other.stream()
                .map(u -> "execution " + u.executionId() + " of shard " + u.shard())
                .collect(Collectors.joining(", "));
        throw new CommandFailure(
                ArchiverCommand.BAD_CONFIG,
                "The cutoff " + cutoff + " was launched with " + oldCount + " shard(s) and is unfinished (" + unfinished
                        + "); this launch is shard " + ourLabel + ". Finish the old layout first: relaunch this cutoff"
                        + " with archiver.shard.count=" + oldCount + " for each unfinished shard (or restart <id>"
                        + " with its settings), then use the new count. Nothing was written or deleted.");
    }
}
