package dev.pipelinearchiver.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The operator's command line. Exit codes (documented in the README): 0 success or nothing to do,
 * 1 job failed, 2 bad usage or configuration, 3 another archive job is running on this database,
 * 4 verify found a difference between the archive and the ledger.
 */
@Command(
        name = "pipeline-archiver",
        mixinStandardHelpOptions = true,
        version = "pipeline-archiver 0.1.0",
        description = "Archives finished pipeline runs from PostgreSQL to Parquet, then deletes them.",
        subcommands = {ArchiveCommand.class, StatsCommand.class, VerifyCommand.class, RestoreCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success, or nothing to do",
            " 1:the job failed (relaunch the same command to resume)",
            " 2:bad usage or configuration (nothing was written or deleted)",
            " 3:another archive job is running on this database",
            " 4:verify found a difference between the archive and the ledger"
        })
public class ArchiverCommand {

    public static final int OK = 0;
    public static final int JOB_FAILED = 1;
    public static final int BAD_CONFIG = 2;
    public static final int LOCKED = 3;
    public static final int DIFFERENCE = 4;

    /** Runs the command line and returns the process exit code. */
    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new ArchiverCommand());
        commandLine.setExitCodeExceptionMapper(e -> BAD_CONFIG);
        commandLine.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("pipeline-archiver: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return BAD_CONFIG;
        });
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            cl.getErr().println("pipeline-archiver: " + Failures.describe(e));
            return Failures.isConfiguration(e) ? BAD_CONFIG : JOB_FAILED;
        });
        return commandLine.execute(args);
    }
}
