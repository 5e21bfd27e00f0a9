package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.restore.RestoreException;
import dev.pipelinearchiver.restore.RestoreReport;
import dev.pipelinearchiver.restore.RestoreRequest;
import dev.pipelinearchiver.restore.RunRestorer;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code restore}: put archived runs back into PostgreSQL and take them out of the archive. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Puts archived runs back into PostgreSQL, identical to the originals (same ids, every column), one transaction per archive"
                    + " batch, then rewrites the batch's files without them: each run ends up in PostgreSQL or in the archive, never both.",
            "Refuses when a run to restore already exists in PostgreSQL (nothing is inserted twice). Restoring again is a no-op.",
            "A restore interrupted by a crash is finished by the next restore."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver restore --run-id=123456",
            "  pipeline-archiver restore --run-id=123456,123457 --skip-existing",
            "  pipeline-archiver restore --dt=2026-09-14"
        })
class RestoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    Selection selection;

    static class Selection {
        @Option(
                names = "--run-id",
                required = true,
                split = ",",
                paramLabel = "ID",
                description = "Restore these runs (ids of the runs table).")
        List<Long> runIds;

        @Option(
                names = "--dt",
                required = true,
                paramLabel = "YYYY-MM-DD",
                description = "Restore every archived run of this day (the dt partition).")
        String dt;
    }

    @Option(
            names = "--skip-existing",
            description = "Restore the others when some runs already exist in PostgreSQL, instead of refusing.")
    boolean skipExisting;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        RestoreRequest request = request();
        try (ConfigurableApplicationContext context = spring.start()) {
            RestoreReport report;
            try {
                report = context.getBean(RunRestorer.class).restore(request);
            } catch (RestoreException e) {
                spec.commandLine().getErr().println("pipeline-archiver: " + e.getMessage());
                return ArchiverCommand.JOB_FAILED;
            }
            PrintWriter out = spec.commandLine().getOut();
            report.lines().forEach(out::println);
            return ArchiverCommand.OK;
        }
    }

    private RestoreRequest request() {
        if (selection.runIds != null) {
            return RestoreRequest.runs(selection.runIds, skipExisting);
        }
        try {
            return RestoreRequest.day(LocalDate.parse(selection.dt), skipExisting);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "The dt '" + selection.dt + "' is not a date YYYY-MM-DD.");
        }
    }
}
