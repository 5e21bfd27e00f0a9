package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveJobConfiguration;
import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.archive.BatchMetadata;
import dev.pipelinearchiver.archive.BatchMetadata.ExecutionRow;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code executions}: the recent executions of the archive job, newest first. */
@Command(
        name = "executions",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the recent executions of the archive job.",
            "Newest first: cutoff, shard (index/count), status, start (UTC), duration, runs planned, rows exported (all tables) and",
            "runs purged by that execution."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver executions",
            "  pipeline-archiver executions --limit=50",
            "  A STARTED execution that no process runs any more is flagged 'process gone': see recover."
        })
class ExecutionsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "20",
            description = "How many executions to list (default: ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        if (limit < 1) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "--limit must be at least 1.");
        }
        spring.validate();
        try (ConfigurableApplicationContext context = spring.start()) {
            List<ExecutionRow> rows =
                    BatchMetadata.of(context).recentExecutions(ArchiveJobConfiguration.JOB_NAME, limit);
            PrintWriter out = spec.commandLine().getOut();
            if (rows.isEmpty()) {
                out.println("no archive job execution yet");
                return ArchiverCommand.OK;
            }
            // an execution marked running while nobody holds the lock belongs to a process that died
            boolean processGone = rows.stream().anyMatch(ExecutionRow::running)
                    && !context.getBean(ArchiveLauncher.class).isLocked();
            out.printf(
                    "%9s %8s  %-20s  %-5s  %-22s  %-20s  %9s  %12s  %14s  %11s%n",
                    "EXECUTION",
                    "INSTANCE",
                    "CUTOFF",
                    "SHARD",
                    "STATUS",
                    "STARTED",
                    "DURATION",
                    "RUNS PLANNED",
                    "ROWS EXPORTED",
                    "RUNS PURGED");
            for (ExecutionRow row : rows) {
                String status = row.status() + (row.running() && processGone ? " (process gone)" : "");
                out.printf(
                        "%9d %8d  %-20s  %-5s  %-22s  %-20s  %9s  %,12d  %,14d  %,11d%n",
                        row.id(),
                        row.instanceId(),
                        row.cutoff(),
                        row.shard(),
                        status,
                        Times.format(row.start()),
                        Times.duration(row.start(), row.end()),
                        row.runsPlanned(),
                        row.rowsExported(),
                        row.runsPurged());
            }
            return ArchiverCommand.OK;
        }
    }
}
