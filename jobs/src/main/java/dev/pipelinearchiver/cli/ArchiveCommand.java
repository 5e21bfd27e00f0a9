package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.SchemaMigration;
import dev.pipelinearchiver.archive.AsyncCommits;
import dev.pipelinearchiver.archive.DryRun;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code archive}: archive and delete the runs finished before a cutoff. */
@Command(
        name = "archive",
        mixinStandardHelpOptions = true,
        description = {
            "Archives the runs finished before a cutoff, then deletes them.",
            "Writes them to Parquet, verifies the files, then deletes the runs. Relaunching the same cutoff after a",
            "failure resumes it; after a success it does nothing."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver archive --cutoff=2026-10-01T00:00:00Z",
            "  pipeline-archiver archive --older-than=30d      (cutoff = today 00:00 UTC minus 30 days)",
            "  pipeline-archiver archive --older-than=30d --dry-run",
            "  pipeline-archiver archive --older-than=30d --max-runtime=2h --summary-json=/var/log/archiver/last.json",
            "  timeout 4h pipeline-archiver archive --older-than=30d",
            "      (SIGTERM stops it at its next safe point, exit 1; the next launch resumes it)",
            "  Settings come from config/application.yml and environment variables (SPRING_DATASOURCE_URL,",
            "  ARCHIVER_OUTPUT_ROOT, ...) or --spring.*/--archiver.* options on any command,",
            "  e.g. --archiver.output-root=file:///data/archive"
        })
class ArchiveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    Cutoff cutoff;

    static class Cutoff {
        @Option(
                names = "--cutoff",
                required = true,
                paramLabel = "INSTANT",
                description =
                        "Archive runs finished before this instant (ISO-8601, e.g. 2026-10-01T00:00:00Z, or a date = its 00:00 UTC).")
        String instant;

        @Option(
                names = "--older-than",
                required = true,
                paramLabel = "AGE",
                description =
                        "Archive runs older than this (e.g. 30d, 12h); the cutoff is fixed at launch and truncated to the day,"
                                + " so a same-day relaunch resumes the same job.")
        String age;
    }

    @Option(
            names = "--dry-run",
            description =
                    "Print what would be archived (runs and rows per day and table, size in PostgreSQL); write and delete nothing.")
    boolean dryRun;

    @Mixin
    LaunchOptions launch;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        // before the application starts: a refused cutoff must leave nothing in the job repository
        Instant cutoffInstant = resolveCutoff();
        if (cutoffInstant.isAfter(Instant.now())) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG,
                    "The cutoff " + cutoffInstant
                            + " is in the future; runs finishing now must not be archived. Nothing was written or deleted.");
        }
        spring.validate();
        if (dryRun) {
            // read-only: not even the archiver's own schema is migrated
            try (ConfigurableApplicationContext context = spring.start(SchemaMigration.SKIP_PROPERTY + "=true")) {
                DryRunReport.print(
                        context.getBean(DryRun.class).report(cutoffInstant),
                        cutoffInstant,
                        spec.commandLine().getOut());
                return ArchiverCommand.OK;
            }
        }
        try (ConfigurableApplicationContext context = spring.startLaunch(AsyncCommits.LAUNCH_PROPERTY + "=true")) {
            Shards.requireOneLayout(context, cutoffInstant);
            return launch.run(context, (launcher, deadline) -> launcher.archive(cutoffInstant, deadline));
        }
    }

    private Instant resolveCutoff() {
        if (cutoff.instant != null) {
            try {
                return cutoff.instant.contains("T")
                        ? Instant.parse(cutoff.instant)
                        : LocalDate.parse(cutoff.instant)
                                .atStartOfDay(ZoneOffset.UTC)
                                .toInstant();
            } catch (DateTimeParseException e) {
                throw new CommandFailure(
                        ArchiverCommand.BAD_CONFIG,
                        "The cutoff '" + cutoff.instant
                                + "' is not an ISO-8601 instant such as 2026-10-01T00:00:00Z or a date such as 2026-10-01.");
            }
        }
        Duration age;
        try {
            age = Ages.parse(cutoff.age);
        } catch (TypeConversionException e) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "The age " + e.getMessage());
        }
        return Instant.now().truncatedTo(ChronoUnit.DAYS).minus(age);
    }
}
