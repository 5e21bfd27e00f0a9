package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ExecutionRecovery;
import dev.pipelinearchiver.archive.ExecutionRecovery.Recovery;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code recover <id>}: mark an execution whose process died or lost the database FAILED, so that it can be restarted. */
@Command(
        name = "recover",
        mixinStandardHelpOptions = true,
        description = {
            "Marks an execution whose process died or lost the database as FAILED, so that it can be restarted.",
            "For an execution still marked running after its process died (kill -9, out of memory, lost node), or",
            "left UNKNOWN (whole or in some steps) by a process that lost its database connection while recording",
            "how a step ended. Safe: the ledger, not these statuses, decides what is archived and purged.",
            "Refuses (exit 3) while a process holds the archive lock: the execution may really be running.",
            "A plain relaunch of the same archive command, or restart, also recovers it."
        },
        footerHeading = "%nExamples:%n",
        footer = {"  pipeline-archiver recover 42 && pipeline-archiver restart 42"})
class RecoverCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "EXECUTION_ID",
            description = "The job execution whose process is gone (see executions).")
    long executionId;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        spring.validate();
        try (ConfigurableApplicationContext context = spring.start()) {
            JobExecution execution = JobExecutions.require(context.getBean(JobRepository.class), executionId);
            PrintWriter out = spec.commandLine().getOut();
            Recovery recovery = context.getBean(ExecutionRecovery.class).recover(executionId);
            return switch (recovery.kind()) {
                case RECOVERED -> {
                    out.println("job execution " + executionId + " was marked " + execution.getStatus()
                            + " but its process is gone or lost the database: marked FAILED ("
                            + String.join("; ", recovery.changed()) + "). Resume it with: restart " + executionId);
                    yield ArchiverCommand.OK;
                }
                case NOT_RUNNING -> {
                    out.println("job execution " + executionId + " is "
                            + context.getBean(JobRepository.class)
                                    .getJobExecution(executionId)
                                    .getStatus() + ", not running: nothing to recover");
                    yield ArchiverCommand.OK;
                }
                case LOCKED ->
                    throw new CommandFailure(
                            ArchiverCommand.LOCKED,
                            "an archive job holds the lock on this database, so job execution " + executionId
                                    + " may really be running; not recovered (to end it: stop " + executionId + ").");
            };
        }
    }
}
