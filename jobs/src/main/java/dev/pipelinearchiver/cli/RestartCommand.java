package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.archive.ArchiveJobConfiguration;
import dev.pipelinearchiver.archive.ArchiveParameters;
import dev.pipelinearchiver.archive.AsyncCommits;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code restart <id>}: resume a failed or stopped execution's job instance. */
@Command(
        name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Resumes a failed or stopped execution where it stopped.",
            "Same job instance, same parameters: the same as relaunching its archive command. Takes the same lock",
            "as archive (exit 3 if a job is running). An execution still marked running whose process is gone, or",
            "left UNKNOWN by a process that lost the database, is recovered first."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver restart 42",
            "  pipeline-archiver restart 42 --archiver.purge-batch-size=100",
            "  (settings may differ from the first attempt; the job parameters do not)"
        })
class RestartCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "EXECUTION_ID",
            description = "The failed or stopped job execution (see executions).")
    long executionId;

    @Mixin
    LaunchOptions launch;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        spring.validate();
        try (ConfigurableApplicationContext context = spring.startLaunch(AsyncCommits.LAUNCH_PROPERTY + "=true")) {
            JobExecution execution = JobExecutions.require(context.getBean(JobRepository.class), executionId);
            if (!ArchiveJobConfiguration.JOB_NAME.equals(
                    execution.getJobInstance().getJobName())) {
                throw new CommandFailure(
                        ArchiverCommand.BAD_CONFIG,
                        "job execution " + executionId + " belongs to "
                                + execution.getJobInstance().getJobName() + ", not to "
                                + ArchiveJobConfiguration.JOB_NAME + ".");
            }
            String shard = execution.getJobParameters().getString(ArchiveJobConfiguration.SHARD);
            String ours = ArchiveParameters.shardParameter(
                    context.getBean(ArchiverProperties.class).shard());
            if (!Objects.equals(shard, ours)) {
                throw new CommandFailure(
                        ArchiverCommand.BAD_CONFIG,
                        "job execution " + executionId + " archived shard " + Shards.label(shard)
                                + ", but this process is configured as shard " + Shards.label(ours)
                                + " (archiver.shard.index / archiver.shard.count); restart it with that shard's settings.");
            }
            if (execution.getStatus() == BatchStatus.ABANDONED) {
                throw new CommandFailure(
                        ArchiverCommand.BAD_CONFIG,
                        "job execution " + executionId + " is ABANDONED, which Spring Batch never restarts; the next"
                                + " archive launch with a later cutoff finishes the batches it left open.");
            }
            // COMPLETED: the launcher reports "already completed"; running: the lock tells whether it really runs;
            // UNKNOWN (a process that lost the database): the launcher marks it FAILED under the lock and resumes
            return launch.run(context, (launcher, deadline) -> launcher.restart(execution, deadline));
        }
    }
}
