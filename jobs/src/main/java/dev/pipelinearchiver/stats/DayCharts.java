package dev.pipelinearchiver.stats;

import static dev.pipelinearchiver.stats.HtmlText.esc;
import static dev.pipelinearchiver.stats.HtmlText.fmt;
import static dev.pipelinearchiver.stats.HtmlText.nice;
import static dev.pipelinearchiver.stats.HtmlText.trim;
import static dev.pipelinearchiver.stats.SvgPlot.BOTTOM;
import static dev.pipelinearchiver.stats.SvgPlot.CHART_WIDTH;
import static dev.pipelinearchiver.stats.SvgPlot.HEIGHT;
import static dev.pipelinearchiver.stats.SvgPlot.LEFT;
import static dev.pipelinearchiver.stats.SvgPlot.RIGHT;
import static dev.pipelinearchiver.stats.SvgPlot.TOP;
import static dev.pipelinearchiver.stats.SvgPlot.axes;
import static dev.pipelinearchiver.stats.SvgPlot.svgOpen;
import static dev.pipelinearchiver.stats.SvgPlot.x;
import static dev.pipelinearchiver.stats.SvgPlot.y;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Function;

/** Writes the report's per-day section: one row per step with its calls, error rate and durations per day, and its distribution. */
final class DayCharts {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT);

    /** Points get a marker (with the value as a tooltip) up to this many days; beyond, lines only. */
    private static final int MARKED_DAYS = 62;

    private final StepStatsReport report;
    private final List<LocalDate> days;
    private final StringBuilder out;

    DayCharts(StepStatsReport report, StringBuilder out) {
        this.report = report;
        this.days = report.range().days();
        this.out = out;
    }

    void rows() {
        out.append("<h2>Per day, per step</h2>\n");
        out.append("<p class=\"legend\"><span><i style=\"background:var(--calls)\"></i>calls</span>"
                + "<span><i style=\"background:var(--err)\"></i>error rate</span>"
                + "<span><i style=\"background:var(--p50)\"></i>p50</span>"
                + "<span><i style=\"background:var(--p95)\"></i>p95</span>"
                + "<span><i style=\"background:var(--p99)\"></i>p99</span>"
                + " Every chart spans the same days; a day without figures is a gap. The duration distribution"
                + " is over the whole range, on a logarithmic duration axis shared by all steps, with p50, p95 and"
                + " p99 marked.</p>\n");
        out.append("<div class=\"rows\" id=\"days\" data-days=\"")
                .append(String.join(",", days.stream().map(LocalDate::toString).toList()))
                .append("\">\n");
        out.append("<div class=\"head\">step_name</div><div class=\"head\">calls per day</div>"
                + "<div class=\"head\">error rate per day</div><div class=\"head\">duration per day (ms)</div>"
                + "<div class=\"head\">duration distribution over the range</div>\n");
        Map<String, Map<LocalDate, DailyStepStats>> byStep = report.daysByStep();
        int[] bucketSpan = DurationChart.bucketSpan(report.steps());
        DurationChart durations = new DurationChart(out);
        int i = 0;
        for (StepSummary s : report.steps()) {
            Map<LocalDate, DailyStepStats> stepDays = byStep.get(s.stepName());
            out.append("<div class=\"name\" id=\"step-")
                    .append(i++)
                    .append("\">")
                    .append(esc(s.stepName()));
            if (s.slowerSince() != null) {
                out.append("<small>slower since ").append(s.slowerSince()).append("</small>");
            }
            if (s.erringMoreSince() != null) {
                out.append("<small>fails more since ")
                        .append(s.erringMoreSince())
                        .append("</small>");
            }
            out.append("</div>\n");
            timeChart(
                    s.stepName(),
                    "calls",
                    List.of(series("calls", stepDays, d -> (double) d.calls())),
                    1,
                    HtmlText::compact);
            timeChart(
                    s.stepName(),
                    "error_rate",
                    List.of(series("error_rate", stepDays, DailyStepStats::errorRate)),
                    0.01,
                    v -> trim(100 * v) + " %");
            timeChart(
                    s.stepName(),
                    "duration_ms",
                    List.of(
                            series("p50", stepDays, d -> toDouble(d.durationMsP50())),
                            series("p95", stepDays, d -> toDouble(d.durationMsP95())),
                            series("p99", stepDays, d -> toDouble(d.durationMsP99()))),
                    1,
                    HtmlText::compactMs);
            durations.distribution(s, bucketSpan);
        }
        out.append("</div>\n");
    }

    private record Series(String name, Double[] values) {}

    private Series series(String name, Map<LocalDate, DailyStepStats> stepDays, Function<DailyStepStats, Double> f) {
        Double[] values = new Double[days.size()];
        for (int d = 0; d < days.size(); d++) {
            DailyStepStats day = stepDays.get(days.get(d));
            values[d] = day == null ? null : f.apply(day);
        }
        return new Series(name, values);
    }

    private static Double toDouble(Long value) {
        return value == null ? null : value.doubleValue();
    }

    /** A line chart over the report's days: one path per run of consecutive days with a value. */
    private void timeChart(
            String step, String metric, List<Series> series, double minTop, DoubleFunction<String> label) {
        double max = 0;
        for (Series s : series) {
            for (Double v : s.values()) {
                max = v == null ? max : Math.max(max, v);
            }
        }
        double top = nice(Math.max(max, minTop));
        int plotWidth = CHART_WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        int n = days.size();
        svgOpen(out, "chart", CHART_WIDTH, step, metric);
        axes(out, CHART_WIDTH, top, label);
        // day labels: the first and last day, and a few between
        int labels = Math.min(n, 4);
        for (int k = 0; k < labels; k++) {
            int d = labels == 1 ? 0 : Math.round((float) k * (n - 1) / (labels - 1));
            double x = x(d, n, plotWidth);
            out.append("<text x=\"")
                    .append(fmt(x))
                    .append("\" y=\"")
                    .append(HEIGHT - 6)
                    .append("\" text-anchor=\"middle\">")
                    .append(DAY.format(days.get(d)))
                    .append("</text>");
        }
        for (Series s : series) {
            out.append("<g class=\"series s-")
                    .append(s.name())
                    .append("\" data-series=\"")
                    .append(s.name())
                    .append("\" data-values=\"");
            for (int d = 0; d < n; d++) {
                out.append(d == 0 ? "" : ",").append(raw(s.values()[d]));
            }
            out.append("\">");
            int d = 0;
            while (d < n) {
                if (s.values()[d] == null) {
                    d++;
                    continue;
                }
                int start = d;
                while (d < n && s.values()[d] != null) {
                    d++;
                }
                int end = d - 1;
                if (end > start) {
                    out.append("<path class=\"seg\" data-from=\"")
                            .append(start)
                            .append("\" data-to=\"")
                            .append(end)
                            .append("\" d=\"");
                    for (int p = start; p <= end; p++) {
                        out.append(p == start ? "M" : " L")
                                .append(fmt(x(p, n, plotWidth)))
                                .append(' ')
                                .append(fmt(y(s.values()[p], top, plotHeight)));
                    }
                    out.append("\"/>");
                }
                for (int p = start; p <= end; p++) {
                    if (end == start || n <= MARKED_DAYS) {
                        out.append("<circle data-i=\"")
                                .append(p)
                                .append("\" cx=\"")
                                .append(fmt(x(p, n, plotWidth)))
                                .append("\" cy=\"")
                                .append(fmt(y(s.values()[p], top, plotHeight)))
                                .append("\" r=\"")
                                .append(end == start ? "2.6" : "1.8")
                                .append("\"><title>")
                                .append(days.get(p))
                                .append(' ')
                                .append(s.name())
                                .append(": ")
                                .append(esc(label.apply(s.values()[p])))
                                .append("</title></circle>");
                    }
                }
            }
            out.append("</g>");
        }
        out.append("</svg>\n");
    }

    private static String raw(Double value) {
        if (value == null) {
            return "";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString(value.longValue())
                : value.toString();
    }
}
