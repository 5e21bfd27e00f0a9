package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveJobConfiguration;
import dev.pipelinearchiver.archive.ArchiveLauncher;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code show <id>}: one execution, its steps, and why it failed. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = {
            "Shows one job execution, its steps and why it failed.",
            "Parameters, status and times, each step with its read, write, commit and rollback counts, and for a",
            "failure the root cause in one line and what to do next."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver show 42",
            "  pipeline-archiver show 42 --partitions     (every export partition, one per archive batch)"
        })
class ShowCommand implements Callable<Integer> {

    private static final String PARTITION_PREFIX = "exportBatchStep:";
    private static final int MAX_PARTITIONS_SHOWN = 20;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXECUTION_ID", description = "The job execution id (see executions).")
    long executionId;

    @Option(names = "--partitions", description = "List every export partition, not only those that did not complete.")
    boolean allPartitions;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        spring.validate();
        try (ConfigurableApplicationContext context = spring.start()) {
            JobExecution execution = JobExecutions.require(context.getBean(JobRepository.class), executionId);
            PrintWriter out = spec.commandLine().getOut();
            printExecution(execution, out);
            printSteps(execution, out);
            printDiagnosis(
                    execution, context.getBean(ArchiveLauncher.class), context.getBean(JobRepository.class), out);
            return ArchiverCommand.OK;
        }
    }

    private static void printExecution(JobExecution execution, PrintWriter out) {
        out.println("execution " + execution.getId() + " of "
                + execution.getJobInstance().getJobName() + ", job instance " + execution.getJobInstanceId());
        String parameters = execution.getJobParameters().parameters().stream()
                .sorted(Comparator.comparing(p -> p.name()))
                .map(p -> p.name() + "=" + p.value() + (p.identifying() ? "" : " (non-identifying)"))
                .collect(Collectors.joining(", "));
        out.println("  parameters: " + parameters);
        out.println(
                "  shard:      " + Shards.label(execution.getJobParameters().getString(ArchiveJobConfiguration.SHARD)));
        out.println("  status:     " + execution.getStatus() + " (exit code "
                + execution.getExitStatus().getExitCode() + ")");
        out.println("  started:    " + Times.format(execution.getStartTime()) + "   ended: "
                + Times.format(execution.getEndTime()) + "   duration: "
                + Times.duration(execution.getStartTime(), execution.getEndTime()));
    }

    private void printSteps(JobExecution execution, PrintWriter out) {
        List<StepExecution> steps = execution.getStepExecutions().stream()
                .sorted(Comparator.comparingLong(StepExecution::getId))
                .toList();
        out.printf(
                "  %-30s %-10s %12s %12s %8s %9s %9s%n",
                "STEP", "STATUS", "READ", "WRITTEN", "COMMITS", "ROLLBACKS", "DURATION");
        int partitionsShown = 0;
        for (StepExecution step : steps) {
            boolean partition = step.getStepName().startsWith(PARTITION_PREFIX);
            // partitions are one per archive batch (hundreds): by default only those that failed or still run
            boolean show = !partition
                    || allPartitions
                    || (step.getStatus() != BatchStatus.COMPLETED
                            && step.getStatus() != BatchStatus.STOPPED
                            && partitionsShown++ < MAX_PARTITIONS_SHOWN);
            if (show) {
                out.printf(
                        "  %-30s %-10s %,12d %,12d %,8d %,9d %9s%n",
                        (partition ? "  " : "") + step.getStepName(),
                        step.getStatus(),
                        step.getReadCount(),
                        step.getWriteCount(),
                        step.getCommitCount(),
                        step.getRollbackCount(),
                        Times.duration(step.getStartTime(), step.getEndTime()));
            }
        }
        Map<BatchStatus, Long> partitions = steps.stream()
                .filter(s -> s.getStepName().startsWith(PARTITION_PREFIX))
                .collect(Collectors.groupingBy(StepExecution::getStatus, TreeMap::new, Collectors.counting()));
        if (!partitions.isEmpty()) {
            out.println("  export partitions (one per archive batch): "
                    + partitions.entrySet().stream()
                            .map(e -> e.getValue() + " " + e.getKey())
                            .collect(Collectors.joining(", ")));
        }
    }

    /**
     * What happened, and the one next step that is true now: that depends on the execution's status, on
     * whether a process runs it (the archive lock), and on whether a later execution of the same job
     * instance exists (a restart or relaunch already took it over).
     */
    private static void printDiagnosis(
            JobExecution execution, ArchiveLauncher launcher, JobRepository repository, PrintWriter out)
            throws Exception {
        long id = execution.getId();
        if (execution.isRunning()) {
            if (launcher.isLocked()) {
                out.println(
                        "  running: an archive process holds the lock. To stop it at its next safe point: stop " + id);
            } else {
                out.println("  marked " + execution.getStatus()
                        + " but no process holds the archive lock: its process is gone. Next: restart " + id
                        + " (or relaunch the same archive command): it marks it FAILED and resumes");
            }
            return;
        }
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            return;
        }
        if (execution.getStatus() == BatchStatus.FAILED || execution.getStatus() == BatchStatus.UNKNOWN) {
            out.println("  cause: " + rootCause(execution));
        } else if (execution.getStatus() == BatchStatus.STOPPED) {
            out.println("  stopped on request (stop, SIGTERM) or at --max-runtime, at a safe point");
        }
        JobExecution latest = repository.getLastJobExecution(execution.getJobInstance());
        if (latest != null && latest.getId() != id) {
            out.println(
                    latest.getStatus() == BatchStatus.COMPLETED
                            ? "  next:  nothing: execution " + latest.getId() + " of the same job instance completed it"
                            : "  next:  see show " + latest.getId()
                                    + ", the latest execution of the same job instance (" + latest.getStatus() + ")");
            return;
        }
        switch (execution.getStatus()) {
            case FAILED ->
                out.println("  next:  fix the cause, then restart " + id
                        + " (or relaunch the same archive command): it resumes");
            case UNKNOWN ->
                out.println(
                        "  next:  restart " + id + " (or relaunch the same archive command): the launch marks it"
                                + " FAILED under the archive lock and resumes; the ledger decides what was archived and purged");
            case STOPPED ->
                out.println("  next:  restart " + id + " (or relaunch the same archive command): it resumes where it"
                        + " stopped");
            case ABANDONED ->
                out.println("  next:  nothing for this job instance (Spring Batch never restarts an abandoned one); the"
                        + " next archive launch with a later cutoff finishes the batches it left open");
            default -> {}
        }
    }

    /** The most specific failed step first (an export partition, then a step), else the job's own description. */
    static String rootCause(JobExecution execution) {
        return execution.getStepExecutions().stream()
                .filter(s -> (s.getStatus() == BatchStatus.FAILED || s.getStatus() == BatchStatus.UNKNOWN)
                        && ExitDescriptions.rootCause(s.getExitStatus().getExitDescription()) != null)
                .sorted(Comparator.comparing(
                                (StepExecution s) -> !s.getStepName().startsWith(PARTITION_PREFIX))
                        .thenComparingLong(StepExecution::getId))
                .map(s -> s.getStepName() + ": "
                        + ExitDescriptions.rootCause(s.getExitStatus().getExitDescription()))
                .findFirst()
                .orElseGet(() -> {
                    String job =
                            ExitDescriptions.rootCause(execution.getExitStatus().getExitDescription());
                    if (job != null) {
                        return job;
                    }
                    String exitCode = execution.getExitStatus().getExitCode();
                    return exitCode.equals("EXECUTING") || exitCode.equals("UNKNOWN")
                            ? "the process running it died (killed, out of memory, machine lost) or lost the database"
                                    + " before recording how it ended"
                            : "(no failure recorded)";
                });
    }
}
