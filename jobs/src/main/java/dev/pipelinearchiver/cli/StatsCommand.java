package dev.pipelinearchiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.stats.DailyStepStats;
import dev.pipelinearchiver.stats.StatisticsStore;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stats}: the per-day, per-step statistics kept in PostgreSQL after the raw rows are gone. */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description =
                "Prints per-day, per-step_name statistics of archived steps: counts, error rate, duration percentiles.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver stats                                   (the last 7 days)",
            "  pipeline-archiver stats --from=2026-09-01 --to=2026-09-30 --step=trend_agent",
            "  pipeline-archiver stats --format=csv > steps.csv"
        })
class StatsCommand implements Callable<Integer> {

    enum Format {
        table,
        csv,
        json
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--from", paramLabel = "DATE", description = "First day (UTC), default 7 days ago.")
    LocalDate from;

    @Option(names = "--to", paramLabel = "DATE", description = "Last day (UTC), default today.")
    LocalDate to;

    @Option(names = "--step", paramLabel = "NAME", description = "Only this step_name.")
    String step;

    @Option(names = "--format", defaultValue = "table", description = "table (default), csv or json.")
    Format format;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate last = to == null ? today : to;
        LocalDate first = from == null ? last.minusDays(6) : from;
        try (ConfigurableApplicationContext context = spring.start()) {
            int topErrors = context.getBean(ArchiverProperties.class).stats().topErrors();
            List<DailyStepStats> days = context.getBean(StatisticsStore.class).read(first, last, step, topErrors);
            PrintWriter out = spec.commandLine().getOut();
            switch (format) {
                case json ->
                    out.println(new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(
                                    days.stream().map(StatsCommand::json).toList()));
                case csv -> csv(out, days);
                default -> table(out, days, first, last);
            }
            out.flush();
            return ArchiverCommand.OK;
        }
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

    private static Map<String, Object> json(DailyStepStats d) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("dt", d.dt().toString());
        map.put("step_name", d.stepName());
        map.put("calls", d.calls());
        map.put("ok", d.ok());
        map.put("skipped", d.skipped());
        map.put("errors", d.errors());
        map.put("other_status", d.otherStatus());
        map.put("error_rate", d.errorRate());
        map.put("duration_ms_min", d.durationMsMin());
        map.put("duration_ms_p50", d.durationMsP50());
        map.put("duration_ms_p90", d.durationMsP90());
        map.put("duration_ms_p95", d.durationMsP95());
        map.put("duration_ms_p99", d.durationMsP99());
        map.put("duration_ms_max", d.durationMsMax());
        map.put("duration_ms_mean", d.durationMsMean());
        map.put("duration_ms_total", d.durationMsTotal());
        map.put("invalid_durations", d.invalidDurations());
        map.put("top_errors", d.topErrors());
        return map;
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
    private static void table(PrintWriter out, List<DailyStepStats> days, LocalDate first, LocalDate last) {
        if (days.isEmpty()) {
            out.println("No step statistics between " + first + " and " + last + ".");
            return;
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
