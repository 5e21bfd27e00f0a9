package dev.pipelinearchiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.stats.ArchiveStepStats;
import dev.pipelinearchiver.stats.DailyStepStats;
import dev.pipelinearchiver.stats.DatabaseStepStats;
import dev.pipelinearchiver.stats.HtmlReport;
import dev.pipelinearchiver.stats.StatisticsStore;
import dev.pipelinearchiver.stats.StepStatsJson;
import dev.pipelinearchiver.stats.StepStatsReport;
import dev.pipelinearchiver.stats.StepStatsSource;
import dev.pipelinearchiver.storage.StorageConfiguration;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code stats}: the per-day, per-step statistics kept in PostgreSQL after the raw rows are gone (or, with
 * {@code --archive}, in the archive's step_stats day files), as a table, CSV, JSON or one HTML page.
 */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = {
            "Prints per-day, per-step_name statistics of archived steps: counts, error rate, duration percentiles.",
            "Without --from/--to: the 7 most recent days up to the last day with figures.",
            "--format=html writes one self-contained page (charts per step over the days, the summary against the",
            "previous period, duration distributions, top errors) that opens offline."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver stats                                   (the last 7 days with figures)",
            "  pipeline-archiver stats --from=2026-09-01 --to=2026-09-30 --step=trend_agent",
            "  pipeline-archiver stats --format=csv > steps.csv",
            "  pipeline-archiver stats --from=2026-09-01 --to=2026-09-30 --format=html --output=steps.html",
            "  pipeline-archiver stats --archive=/data/archive --format=html --output=steps.html   (no database)"
        })
class StatsCommand implements Callable<Integer> {

    enum Format {
        table,
        csv,
        json,
        html
    }

    @Spec
    CommandSpec spec;

    @Option(
            names = "--from",
            paramLabel = "DATE",
            description = "First day (UTC); default: 7 days before the last one.")
    LocalDate from;

    @Option(
            names = "--to",
            paramLabel = "DATE",
            description = "Last day (UTC); default: today if --from is given, else the last day with figures.")
    LocalDate to;

    @Option(names = "--step", paramLabel = "NAME", description = "Only this step_name.")
    String step;

    @Option(names = "--format", defaultValue = "table", description = "table (default), csv, json or html.")
    Format format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write to this file instead of standard output.")
    Path output;

    @Option(
            names = "--archive",
            paramLabel = "ROOT",
            description =
                    "Read the step_stats day files under this archive root instead of PostgreSQL (no database needed).")
    String archive;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        if (from != null && to != null && to.isBefore(from)) {
            throw new ParameterException(spec.commandLine(), "--to (" + to + ") is before --from (" + from + ").");
        }
        if (archive != null) {
            ArchiverProperties settings = spring.archiverSettings(archive);
            ArchiveStepStats files =
                    new ArchiveStepStats(new ParquetArchive(StorageConfiguration.open(settings), settings));
            if (!files.hasDayFiles()) {
                throw new CommandFailure(
                        ArchiverCommand.BAD_CONFIG,
                        "no step_stats day files under " + archive
                                + " (--archive takes the archive root, the folder that holds step_stats/).");
            }
            return print(files, settings.stats().topErrors());
        }
        try (ConfigurableApplicationContext context = spring.start()) {
            int topErrors = context.getBean(ArchiverProperties.class).stats().topErrors();
            String database =
                    context.getBean(JdbcTemplate.class).queryForObject("SELECT current_database()", String.class);
            return print(new DatabaseStepStats(context.getBean(StatisticsStore.class), database), topErrors);
        }
    }

    private int print(StepStatsSource source, int topErrors) throws IOException {
        StepStatsReport report =
                StepStatsReport.build(source, from, to, step, topErrors, LocalDate.now(ZoneOffset.UTC), Instant.now());
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        switch (format) {
            case json ->
                out.println(new ObjectMapper()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(StepStatsJson.of(report)));
            case csv -> csv(out, report.days());
            case html -> out.print(HtmlReport.render(report));
            default -> table(out, report);
        }
        out.flush();
        if (output == null) {
            spec.commandLine().getOut().print(text);
        } else {
            Files.writeString(output, text.toString(), StandardCharsets.UTF_8);
            spec.commandLine()
                    .getOut()
                    .println("stats: wrote " + output + " (" + report.steps().size() + " step names, " + report.range()
                            + ")");
        }
        if (report.days().isEmpty() && format != Format.table) {
            // the table says it on standard output; the other formats are for programs and pages
            spec.commandLine().getErr().println("stats: " + HtmlReport.emptyMessage(report));
        }
        spec.commandLine().getOut().flush();
        return ArchiverCommand.OK;
    }

    private static final String[] COLUMNS = {
        "dt",
        "step_name",
        "calls",
        "ok",
        "skipped",
        "errors",
        "other_status",
        "error_rate",
        "duration_ms_min",
        "duration_ms_p50",
        "duration_ms_p90",
        "duration_ms_p95",
        "duration_ms_p99",
        "duration_ms_max",
        "duration_ms_mean",
        "duration_ms_total",
        "invalid_durations",
        "top_error",
        "top_error_count"
    };

    private static List<String> values(DailyStepStats d) {
        var top = d.topErrors().isEmpty() ? null : d.topErrors().get(0);
        List<String> values = new ArrayList<>();
        values.add(d.dt().toString());
        values.add(d.stepName());
        for (Object v : new Object[] {d.calls(), d.ok(), d.skipped(), d.errors(), d.otherStatus()}) {
            values.add(String.valueOf(v));
        }
        values.add(String.format(Locale.ROOT, "%.6f", d.errorRate()));
        for (Long v : new Long[] {
            d.durationMsMin(),
            d.durationMsP50(),
            d.durationMsP90(),
            d.durationMsP95(),
            d.durationMsP99(),
            d.durationMsMax()
        }) {
            values.add(v == null ? "" : v.toString());
        }
        values.add(d.durationMsMean() == null ? "" : String.format(Locale.ROOT, "%.1f", d.durationMsMean()));
        values.add(String.valueOf(d.durationMsTotal()));
        values.add(String.valueOf(d.invalidDurations()));
        values.add(top == null ? "" : top.pattern());
        values.add(top == null ? "" : String.valueOf(top.count()));
        return values;
    }

    private static void csv(PrintWriter out, List<DailyStepStats> days) {
        out.println(String.join(",", COLUMNS));
        for (DailyStepStats d : days) {
            out.println(values(d).stream().map(StatsCommand::csvField).collect(Collectors.joining(",")));
        }
    }

    private static String csvField(String value) {
        return value.contains(",") || value.contains("\"") || value.contains("\n")
                ? '"' + value.replace("\"", "\"\"") + '"'
                : value;
    }

    /** Aligned for a terminal: the figures an operator scans, the top error last. */
    private static void table(PrintWriter out, StepStatsReport report) {
        List<DailyStepStats> days = report.days();
        if (days.isEmpty()) {
            out.println(HtmlReport.emptyMessage(report));
            return;
        }
        if (report.choice() != StepStatsReport.RangeChoice.GIVEN) {
            out.println(HtmlReport.choiceText(report));
        }
        String[] header = {
            "dt",
            "step_name",
            "calls",
            "err%",
            "skip",
            "p50",
            "p90",
            "p95",
            "p99",
            "max",
            "mean",
            "invalid",
            "top error (count)"
        };
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (DailyStepStats d : days) {
            var top = d.topErrors().isEmpty() ? null : d.topErrors().get(0);
            rows.add(new String[] {
                d.dt().toString(),
                d.stepName(),
                String.format("%,d", d.calls()),
                String.format(Locale.ROOT, "%.2f", 100 * d.errorRate()),
                String.format("%,d", d.skipped()),
                ms(d.durationMsP50()),
                ms(d.durationMsP90()),
                ms(d.durationMsP95()),
                ms(d.durationMsP99()),
                ms(d.durationMsMax()),
                d.durationMsMean() == null ? "-" : String.format(Locale.ROOT, "%.0f", d.durationMsMean()),
                String.valueOf(d.invalidDurations()),
                top == null ? "" : top.pattern() + " (" + top.count() + ")"
            });
        }
        int[] widths = new int[header.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean text = i < 2 || i == row.length - 1;
                String cell = text
                        ? String.format("%-" + widths[i] + "s", row[i])
                        : String.format("%" + widths[i] + "s", row[i]);
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String ms(Long value) {
        return value == null ? "-" : value.toString();
    }
}
