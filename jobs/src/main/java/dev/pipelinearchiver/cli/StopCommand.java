package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.archive.BatchMetadata;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stop <id>}: ask a running execution, in whichever process runs it, to stop at its next safe point. */
@Command(
        name = "stop",
        mixinStandardHelpOptions = true,
        description = {
            "Stops a running execution at its next safe point, from any machine.",
            "Marks it STOPPING in the job repository; the process running it stops at its next commit (an exported",
            "batch, a purge transaction) and exits 1. Waits for it to stop, at most --wait. Resume it later with",
            "restart, or by relaunching its archive command."
        },
        footerHeading = "%nExamples:%n",
        footer = {"  pipeline-archiver stop 42", "  pipeline-archiver stop 42 --wait=0s        (do not wait)"})
class StopCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXECUTION_ID", description = "The running job execution (see executions).")
    long executionId;

    @Option(
            names = "--wait",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = Ages.class,
            description = "How long to wait for the execution to stop (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        spring.validate();
        try (ConfigurableApplicationContext context = spring.start()) {
            JobRepository repository = context.getBean(JobRepository.class);
            JobExecution execution = JobExecutions.require(repository, executionId);
            PrintWriter out = spec.commandLine().getOut();
            if (!execution.isRunning()) {
                out.println("job execution " + executionId + " is " + execution.getStatus()
                        + ", not running: nothing to stop");
                return ArchiverCommand.OK;
            }
            if (!context.getBean(ArchiveLauncher.class).isLocked()) {
                throw new CommandFailure(
                        ArchiverCommand.BAD_CONFIG,
                        "job execution " + executionId + " is marked " + execution.getStatus()
                                + " but no process holds the archive lock: its process is gone, nothing can stop it. Run recover "
                                + executionId + ", then restart " + executionId + ".");
            }
            BatchMetadata.of(context).markStopping(executionId);
            out.println("job execution " + executionId + " marked STOPPING; it stops at its next safe point");
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                Thread.sleep(250);
                JobExecution now = repository.getJobExecution(executionId);
                if (!now.isRunning()) {
                    out.println("job execution " + executionId + " " + now.getStatus());
                    return ArchiverCommand.OK;
                }
            }
            out.println("job execution " + executionId + " is still STOPPING after " + Times.format(wait)
                    + " (its current batch or transaction has not ended yet); it stops on its own, see show "
                    + executionId);
            return ArchiverCommand.OK;
        }
    }
}
