package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.BatchMetadata;
import dev.pipelinearchiver.archive.BatchMetadata.Pruned;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prune-metadata --older-than=90d}: delete old job metadata and ledger entries. */
@Command(
        name = "prune-metadata",
        mixinStandardHelpOptions = true,
        description = {
            "Deletes old job metadata and ledger entries, and prints what it deleted.",
            "In short transactions, from schema archiver:",
            "- Spring Batch metadata (BATCH_* tables) of job instances that are over (an execution COMPLETED or",
            "  ABANDONED) and whose executions all ended before the age; never a running or restartable one;",
            "- ledger rows (archive_batch, batch_run, batch_stamps, archive_file) of batches PURGED before the age, except those",
            "  planned by a job instance that may still be restarted. Never a batch that is not PURGED.",
            "The archive files themselves are never touched."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver prune-metadata --older-than=90d",
            "  pipeline-archiver prune-metadata --older-than=90d --dry-run     (only count)"
        })
class PruneMetadataCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--older-than",
            required = true,
            paramLabel = "AGE",
            converter = Ages.class,
            description = "Prune what ended more than this long ago (e.g. 90d, 2160h).")
    Duration age;

    @Option(names = "--dry-run", description = "Count what would be deleted; delete nothing.")
    boolean dryRun;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        spring.validate();
        try (ConfigurableApplicationContext context = spring.start()) {
            LocalDateTime executionsBefore = LocalDateTime.now().minus(age); // Spring Batch stores local times
            Instant batchesBefore = Instant.now().minus(age);
            Pruned pruned = BatchMetadata.of(context).prune(executionsBefore, batchesBefore, dryRun);
            PrintWriter out = spec.commandLine().getOut();
            out.println(
                    (dryRun ? "would prune" : "pruned") + " what ended before " + Times.format(executionsBefore) + ":");
            out.printf(
                    "  job metadata: %,d job instances, %,d job executions, %,d step executions%n",
                    pruned.jobInstances(), pruned.jobExecutions(), pruned.stepExecutions());
            out.printf(
                    "  ledger:       %,d archive batches, %,d batch runs, %,d archive files%n",
                    pruned.batches(), pruned.batchRuns(), pruned.files());
            return ArchiverCommand.OK;
        }
    }
}
