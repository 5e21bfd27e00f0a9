package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Unmatched;

/** {@code archive}: archive and delete the runs finished before a cutoff. */
@Command(
        name = "archive",
        mixinStandardHelpOptions = true,
        description = {
            "Archives the runs finished before the cutoff to Parquet, verifies the files, then deletes the runs.",
            "Relaunching the same cutoff after a failure resumes it; after a success it does nothing."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver archive --cutoff=2026-10-01T00:00:00Z",
            "  pipeline-archiver archive --older-than=30d      (cutoff = today 00:00 UTC minus 30 days)",
            "  Settings come from config/application.yml and environment variables (SPRING_DATASOURCE_URL, ARCHIVER_OUTPUT_ROOT, ...)",
            "  or --spring.*/--archiver.* options, e.g. --archiver.output-root=file:///data/archive"
        })
class ArchiveCommand implements Callable<Integer> {

    private static final Pattern AGE = Pattern.compile("(\\d+)([dhm])");

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    Cutoff cutoff;

    static class Cutoff {
        @Option(names = "--cutoff", required = true, paramLabel = "INSTANT",
                description = "Archive runs finished before this instant (ISO-8601, e.g. 2026-10-01T00:00:00Z, or a date = its 00:00 UTC).")
        String instant;

        @Option(names = "--older-than", required = true, paramLabel = "AGE",
                description = "Archive runs older than this (e.g. 30d, 12h); the cutoff is fixed at launch and truncated to the day,"
                        + " so a same-day relaunch resumes the same job.")
        String age;
    }

    @Unmatched
    List<String> springArguments = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Instant cutoffInstant = resolveCutoff();
        try (ConfigurableApplicationContext context = ApplicationContexts.start(spec, springArguments)) {
            ArchiveLauncher launcher = context.getBean(ArchiveLauncher.class);
            launcher.preflight();
            Result result = launcher.archive(cutoffInstant);
            var out = spec.commandLine().getOut();
            var err = spec.commandLine().getErr();
            switch (result.outcome()) {
                case COMPLETED -> {
                    out.println("archive " + cutoffInstant + ": COMPLETED (execution " + result.execution().getId() + ")");
                    for (StepExecution step : result.execution().getStepExecutions()) {
                        if (!step.getStepName().startsWith("exportBatchStep")) {
                            out.printf("  %-14s read %,d  written %,d  %s%n", step.getStepName(), step.getReadCount(), step.getWriteCount(),
                                    step.getStatus());
                        }
                    }
                    return ArchiverCommand.OK;
                }
                case ALREADY_COMPLETED -> {
                    out.println("archive " + cutoffInstant + ": already completed (execution " + result.execution().getId()
                            + "), nothing to do");
                    return ArchiverCommand.OK;
                }
                case LOCKED -> {
                    err.println("pipeline-archiver: another archive job is running on this database (advisory lock held); not started.");
                    return ArchiverCommand.LOCKED;
                }
                default -> {
                    List<Throwable> failures = result.execution().getAllFailureExceptions();
                    String why = failures.isEmpty() ? result.execution().getExitStatus().getExitDescription()
                            : Failures.describe(failures.get(0));
                    err.println("pipeline-archiver: archive job execution " + result.execution().getId() + " " + result.execution().getStatus()
                            + ": " + why + " (relaunch the same command to resume)");
                    return ArchiverCommand.JOB_FAILED;
                }
            }
        }
    }

    private Instant resolveCutoff() {
        if (cutoff.instant != null) {
            try {
                return cutoff.instant.contains("T") ? Instant.parse(cutoff.instant)
                        : LocalDate.parse(cutoff.instant).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e) {
                throw new ParameterException(spec.commandLine(), "The cutoff '" + cutoff.instant
                        + "' is not an ISO-8601 instant such as 2026-10-01T00:00:00Z or a date such as 2026-10-01.");
            }
        }
        Matcher matcher = AGE.matcher(cutoff.age);
        if (!matcher.matches()) {
            throw new ParameterException(spec.commandLine(), "The age '" + cutoff.age + "' is not a number followed by d, h or m (e.g. 30d).");
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration age = switch (matcher.group(2)) {
            case "d" -> Duration.ofDays(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofMinutes(amount);
        };
        return Instant.now().truncatedTo(ChronoUnit.DAYS).minus(age);
    }
}
