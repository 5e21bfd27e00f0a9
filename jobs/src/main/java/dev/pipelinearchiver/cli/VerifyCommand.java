package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.VerifyReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code verify}: re-read the archived files and compare them with the ledger. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Re-reads every file the ledger records for written or purged batches: present, footer row count, size and SHA-256"
                    + " as recorded. Also reports Parquet files in the archive's datasets that the ledger does not know.",
            "Prints one line per problem, then a summary. Reads only; changes nothing.",
            "Exit 0 when everything matches, 4 when anything differs."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver verify",
            "  pipeline-archiver verify --dt=2026-09-14",
            "  pipeline-archiver verify --dt=2026-09-01..2026-09-30 --table=pipeline_steps"
        })
class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--dt",
            paramLabel = "FROM[..TO]",
            description = "Only these dt partitions (YYYY-MM-DD, or an inclusive range FROM..TO).")
    String dt;

    @Option(
            names = "--table",
            paramLabel = "TABLE",
            description = "Only this archived table's dataset (e.g. pipeline_steps).")
    String table;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        DtRange range = range();
        if (table != null && !table.matches(ArchiverProperties.IDENTIFIER)) {
            throw new ParameterException(spec.commandLine(), "The table '" + table + "' is not a plain table name.");
        }
        try (ConfigurableApplicationContext context = spring.start()) {
            PrintWriter out = spec.commandLine().getOut();
            VerifyReport report = context.getBean(ArchiveVerifier.class).verify(range, table, problem -> {
                out.println(problem.line());
                out.flush();
            });
            out.println(report.summary());
            if (report.clean()) {
                return ArchiverCommand.OK;
            }
            spec.commandLine()
                    .getErr()
                    .println("pipeline-archiver: verify found " + report.problemCount()
                            + (report.problemCount() == 1 ? " difference" : " differences")
                            + " between the archive and the ledger (listed above).");
            return ArchiverCommand.DIFFERENCE;
        }
    }

    private DtRange range() {
        if (dt == null) {
            return DtRange.ALL;
        }
        try {
            return DtRange.parse(dt);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
