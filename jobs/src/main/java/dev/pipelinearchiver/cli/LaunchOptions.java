package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.archive.ArchivePreflight;
import dev.pipelinearchiver.archive.BatchMetadata;
import dev.pipelinearchiver.archive.LaunchMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.springframework.context.ApplicationContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Mixed into the commands that run the archive job ({@code archive}, {@code restart}). */
final class LaunchOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = "--stop-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = Ages.class,
            description =
                    "On SIGTERM, how long to wait for the job to stop at a safe point before exiting anyway (default: ${DEFAULT-VALUE}).")
    Duration stopTimeout;

    @Option(
            names = "--max-runtime",
            paramLabel = "DURATION",
            converter = Ages.class,
            description =
                    "Stop at the next safe point once the launch has run this long (e.g. 2h); exit 0, the next launch resumes.")
    Duration maxRuntime;

    @Option(
            names = "--summary-json",
            paramLabel = "FILE",
            description =
                    "Also write the launch's outcome and per-phase figures to this JSON file (for other schedulers).")
    Path summaryJson;

    @Option(
            names = "--allow-root-change",
            description =
                    "Finish batches an earlier launch wrote under another archive root (they stay there; new files go to this root)"
                            + " instead of refusing to launch.")
    boolean allowRootChange;

    private final Instant started = Instant.now();

    interface Launch {
        Result run(ArchiveLauncher launcher, Instant deadline) throws Exception;
    }

    /** Runs a launch with SIGTERM handling, prints its report and returns the exit code. */
    int run(ApplicationContext context, Launch launch) throws Exception {
        LaunchMetrics metrics = LaunchMetrics.start(context);
        Result result = null;
        try {
            ArchiveLauncher launcher = context.getBean(ArchiveLauncher.class);
            GracefulStop.install(
                    launcher,
                    BatchMetadata.of(context),
                    stopTimeout,
                    command.commandLine().getErr());
            ArchivePreflight preflight = context.getBean(ArchivePreflight.class);
            preflight.preflight();
            if (!allowRootChange) {
                preflight.checkUnfinishedBatchesRoot();
            }
            result = launch.run(launcher, maxRuntime == null ? null : started.plus(maxRuntime));
            if (summaryJson != null) {
                new LaunchSummary(result.outcome().toString(), result.execution()).writeJson(summaryJson);
            }
            int exitCode = LaunchReport.print(result, command.commandLine().getOut());
            metrics.ended(result, exitCode);
            return exitCode;
        } catch (Exception | Error e) {
            // the exit code ArchiverCommand's handler will give this failure
            metrics.ended(
                    result,
                    e instanceof CommandFailure failure
                            ? failure.exitCode()
                            : Failures.isConfiguration(e) ? ArchiverCommand.BAD_CONFIG : ArchiverCommand.JOB_FAILED);
            throw e;
        }
    }
}
