package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import java.time.Duration;
import org.springframework.context.ApplicationContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Mixed into the commands that run the archive job ({@code archive}, {@code restart}). */
final class LaunchOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--stop-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = Ages.class,
            description = "On SIGTERM, how long to wait for the job to stop at a safe point before exiting anyway (default: ${DEFAULT-VALUE}).")
    Duration stopTimeout;

    interface Launch {
        Result run(ArchiveLauncher launcher) throws Exception;
    }

    /** Runs a launch with SIGTERM handling, prints its report and returns the exit code. */
    int run(ApplicationContext context, Launch launch) throws Exception {
        ArchiveLauncher launcher = context.getBean(ArchiveLauncher.class);
        GracefulStop.install(launcher, BatchMetadata.of(context), stopTimeout, command.commandLine().getErr());
        launcher.preflight();
        return LaunchReport.print(launch.run(launcher), command.commandLine().getOut());
    }
}
