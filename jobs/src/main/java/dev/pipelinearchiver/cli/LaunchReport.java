package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveJobConfiguration;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.job.JobExecution;

/** What {@code archive} and {@code restart} print for a launch, and the exit code it means. */
final class LaunchReport {

    private LaunchReport() {}

    static int print(Result result, PrintWriter out) {
        JobExecution execution = result.execution();
        switch (result.outcome()) {
            case COMPLETED -> {
                out.println("archive " + cutoff(execution) + ": COMPLETED (execution " + execution.getId() + ")");
                new LaunchSummary(result.outcome().toString(), execution).printTable(out);
                return ArchiverCommand.OK;
            }
            case ALREADY_COMPLETED -> {
                out.println("archive " + cutoff(execution) + ": already completed (execution " + execution.getId()
                        + "), nothing to do");
                return ArchiverCommand.OK;
            }
            case LOCKED ->
                throw new CommandFailure(
                        ArchiverCommand.LOCKED,
                        "another archive job or rewrite-layout is running on this database (advisory lock held); not started.");
            case LOCK_LOST ->
                throw new CommandFailure(
                        ArchiverCommand.JOB_FAILED,
                        "archive job execution " + execution.getId() + " stopped: the archive lock was lost with its"
                                + " database connection and another process took it (that process, or the next"
                                + " launch, resumes the job)");
            case STOPPED -> {
                if (pastDeadline(execution)) {
                    out.println("archive " + cutoff(execution) + ": stopped at --max-runtime (execution "
                            + execution.getId() + "); the next launch resumes it");
                    new LaunchSummary(result.outcome().toString(), execution).printTable(out);
                    return ArchiverCommand.OK;
                }
                throw new CommandFailure(
                        ArchiverCommand.JOB_FAILED,
                        execution == null
                                ? "stopped on request before the archive job started; nothing was done."
                                : "archive job execution " + execution.getId() + " STOPPED on request at a safe point"
                                        + " (relaunch the same command, or restart " + execution.getId()
                                        + ", to resume)");
            }
            default -> {
                List<Throwable> failures = failuresCauseFirst(execution);
                String why = failures.isEmpty()
                        ? ExitDescriptions.rootCause(execution.getExitStatus().getExitDescription())
                        : Failures.describe(failures.get(0));
                throw new CommandFailure(
                        ArchiverCommand.JOB_FAILED,
                        "archive job execution " + execution.getId() + " " + execution.getStatus() + ": " + why
                                + " (relaunch the same command to resume)");
            }
        }
    }

    private static boolean pastDeadline(JobExecution execution) {
        String deadline =
                execution == null ? null : execution.getJobParameters().getString(ArchiveJobConfiguration.DEADLINE);
        return deadline != null && Instant.now().isAfter(Instant.parse(deadline));
    }

    private static String cutoff(JobExecution execution) {
        return execution.getJobParameters().getString(ArchiveJobConfiguration.CUTOFF);
    }

    /**
     * The execution's failures, those of partitions ("worker:partition") first: a partitioned step's own
     * failure only says that a partition failed, the partition's says why.
     */
    private static List<Throwable> failuresCauseFirst(JobExecution execution) {
        List<Throwable> failures = new ArrayList<>();
        execution.getStepExecutions().stream()
                .filter(s -> s.getStepName().contains(":"))
                .forEach(s -> failures.addAll(s.getFailureExceptions()));
        execution.getStepExecutions().stream()
                .filter(s -> !s.getStepName().contains(":"))
                .forEach(s -> failures.addAll(s.getFailureExceptions()));
        failures.addAll(execution.getFailureExceptions());
        return failures;
    }
}
