package dev.pipelinearchiver.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The operator's command line. Exit codes (documented in the README): 0 success or nothing to do,
 * 1 job failed or stopped, 2 bad usage or configuration, 3 another archive job or rewrite-layout is running on this
 * database, 4 verify found a difference. Every non-zero exit prints one line saying why.
 */
@Command(
        name = "pipeline-archiver",
        mixinStandardHelpOptions = true,
        version = "pipeline-archiver 0.1.0",
        description = "Archives finished pipeline runs from PostgreSQL to Parquet, then deletes them.",
        subcommands = {
            ArchiveCommand.class,
            ExecutionsCommand.class,
            ShowCommand.class,
            RestartCommand.class,
            StopCommand.class,
            RecoverCommand.class,
            PruneMetadataCommand.class,
            StatsCommand.class,
            VerifyCommand.class,
            RestoreCommand.class,
            RewriteLayoutCommand.class,
            ShowRunCommand.class,
            TableDefinitionsCommand.class,
            QueryCommand.class,
            CommandLine.HelpCommand.class
        },
        footerHeading = "%nWhen a job failed:%n",
        footer = {
            "  pipeline-archiver executions        what ran, and how it ended",
            "  pipeline-archiver show <id>         its steps, and the cause in one line",
            "  pipeline-archiver restart <id>      after fixing the cause: resume it"
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success, or nothing to do",
            " 1:the job failed or was stopped (relaunch the same command, or restart it, to resume)",
            " 2:bad usage or configuration (nothing was written or deleted)",
            " 3:another archive job or rewrite-layout is running on this database",
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
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given output streams (tests) and returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new ArchiverCommand());
        commandLine.setUsageHelpWidth(110); // the help's examples are written for this width
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExitCodeExceptionMapper(e -> BAD_CONFIG);
        commandLine.setParameterExceptionHandler((e, a) -> {
            PrintWriter stream = e.getCommandLine().getErr();
            stream.println("pipeline-archiver: " + e.getMessage());
            stream.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return BAD_CONFIG;
        });
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            if (e instanceof CommandFailure failure) {
                cl.getErr().println("pipeline-archiver: " + failure.getMessage());
                return failure.exitCode();
            }
            cl.getErr().println("pipeline-archiver: " + Failures.describe(e));
            return Failures.isConfiguration(e) ? BAD_CONFIG : JOB_FAILED;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return GracefulStop.commandEnded(code);
    }
}
