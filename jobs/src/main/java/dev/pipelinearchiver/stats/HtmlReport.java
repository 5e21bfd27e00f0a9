package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.RangeFigures.DurationBucket;
import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Function;

/**
 * A report as one self-contained HTML page ({@code stats --format=html}): no script, and no style, font or
 * image from anywhere else, so it opens offline from a file. The charts are inline SVG drawn here, one row per
 * step name, every chart on the same day axis; a day without figures is a gap in a line, never a zero. Every
 * text from the data is escaped. Each chart and table cell carries its figure, unformatted, in a
 * {@code data-*} attribute, so a reader (or a test) can check it against {@code stats --format=json}.
 */
public final class HtmlReport {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT);

    // one row per step name: name, calls, error rate, durations, distribution
    private static final int CHART_WIDTH = 240;
    private static final int DIST_WIDTH = 280;
    private static final int HEIGHT = 120;
    private static final int LEFT = 46;
    private static final int RIGHT = 8;
    private static final int TOP = 8;
    private static final int BOTTOM = 20;
    /** Points get a marker (with the value as a tooltip) up to this many days; beyond, lines only. */
    private static final int MARKED_DAYS = 62;

    private static final String STYLE = """
            :root{color-scheme:light;--ink:#1d2733;--muted:#5b6776;--line:#d5dbe3;--bg:#fff;--band:#f5f7fa;
            --calls:#2f6db5;--err:#c2352b;--p50:#2e8b57;--p95:#d08a0b;--p99:#8e3bb5;--bar:#4a7fc1;
            --worse:#fde3e0;--better:#e0f3e6}
            *{box-sizing:border-box}
            body{margin:0;padding:24px 28px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
            color:var(--ink);background:var(--bg)}
            h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);
            padding-bottom:4px}
            .meta{margin:2px 0;color:var(--muted)}.meta b{color:var(--ink)}
            .note{margin:8px 0;padding:8px 12px;background:#fff7e0;border-left:4px solid #e0b400}
            .empty{margin:18px 0;padding:14px 16px;background:var(--band);border-left:4px solid var(--muted);
            font-size:16px}
            table{border-collapse:collapse}
            #summary th,#summary td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:right;
            white-space:nowrap}
            #summary th{background:var(--band);font-weight:600}
            #summary td.name,#summary th.name{text-align:left;white-space:normal;max-width:260px;
            overflow-wrap:anywhere}
            td.worse{background:var(--worse)}td.better{background:var(--better)}
            td.chg{color:var(--muted);font-size:12px}td.worse.chg,td.better.chg{color:var(--ink)}
            .legend span{display:inline-block;margin-right:14px}
            .legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px}
            .rows{display:grid;grid-template-columns:170px repeat(3,240px) 280px;gap:4px 10px;align-items:start}
            .rows .head{font-weight:600;color:var(--muted);font-size:12px;padding-bottom:2px}
            .rows .name{padding-top:10px;overflow-wrap:anywhere;font-weight:600}
            .rows .name small{display:block;font-weight:400;color:var(--err)}
            svg{display:block;background:var(--band);border-radius:4px}
            svg text{font-size:10px;fill:var(--muted)}
            .grid{stroke:var(--line);stroke-width:1}
            .seg{fill:none;stroke-width:1.8;stroke-linejoin:round}
            .s-calls .seg{stroke:var(--calls)}.s-calls circle{fill:var(--calls)}
            .s-error_rate .seg{stroke:var(--err)}.s-error_rate circle{fill:var(--err)}
            .s-p50 .seg{stroke:var(--p50)}.s-p50 circle{fill:var(--p50)}
            .s-p95 .seg{stroke:var(--p95)}.s-p95 circle{fill:var(--p95)}
            .s-p99 .seg{stroke:var(--p99)}.s-p99 circle{fill:var(--p99)}
            .bar{fill:var(--bar)}.pct{stroke-width:1.4;stroke-dasharray:3 2}
            .pct.p50{stroke:var(--p50)}.pct.p95{stroke:var(--p95)}.pct.p99{stroke:var(--p99)}
            .nodata{fill:var(--muted);font-size:11px}
            .errors{margin:0 0 16px}.errors h3{font-size:14px;margin:14px 0 4px;overflow-wrap:anywhere}
            .errors td,.errors th{padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top;text-align:left}
            .errors td.count{text-align:right;white-space:nowrap}
            .errors code{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
            footer{margin-top:28px;color:var(--muted);font-size:12px}
            """;

    private final StepStatsReport report;
    private final List<LocalDate> days;
    private final StringBuilder out = new StringBuilder(64 * 1024);

    private HtmlReport(StepStatsReport report) {
        this.report = report;
        this.days = report.range().days();
    }

    /** The page, as UTF-8 text. */
    public static String render(StepStatsReport report) {
        return new HtmlReport(report).page();
    }

    private String page() {
        DayRange range = report.range();
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.append("<link rel=\"icon\" href=\"data:,\">\n");
        out.append("<title>Step statistics ")
                .append(range.first())
                .append(" to ")
                .append(range.last())
                .append("</title>\n");
        out.append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        header();
        if (report.steps().isEmpty()) {
            out.append("<p class=\"empty\" id=\"empty\">")
                    .append(esc(emptyMessage(report)))
                    .append("</p>\n");
        } else {
            summary();
            rows();
            errors();
        }
        footer();
        out.append("</body>\n</html>\n");
        return out.toString();
    }

    /** What an empty range says: which days have figures, if any. */
    public static String emptyMessage(StepStatsReport report) {
        DayRange range = report.range();
        String none = "No step statistics between " + range.first() + " and " + range.last() + ".";
        return report.extent()
                .map(e -> none + " Figures exist from " + e.first() + " to " + e.last() + ".")
                .orElse(
                        report.stepFilter() == null
                                ? none + " There are no figures at all yet: no archive launch has merged any."
                                : none + " There are no figures of step_name " + report.stepFilter() + " at all.");
    }

    private void header() {
        DayRange range = report.range();
        out.append("<header>\n<h1>Step statistics</h1>\n");
        out.append("<p class=\"meta\" id=\"range\" data-from=\"")
                .append(range.first())
                .append("\" data-to=\"")
                .append(range.last())
                .append("\">Days <b>")
                .append(range.first())
                .append("</b> to <b>")
                .append(range.last())
                .append("</b> (")
                .append(range.length())
                .append(range.length() == 1 ? " day" : " days")
                .append(", UTC), compared with the previous ")
                .append(range.length() == 1 ? "day" : range.length() + " days")
                .append(" (")
                .append(report.previous().first())
                .append(" to ")
                .append(report.previous().last())
                .append(").</p>\n");
        out.append("<p class=\"meta\" id=\"choice\">")
                .append(esc(choiceText(report)))
                .append("</p>\n");
        out.append("<p class=\"meta\" id=\"source\">Source: <b>")
                .append(esc(report.source()))
                .append("</b>. Percentiles over the range come from the days' duration histograms added up (in the"
                        + " archive: the <code>duration_histogram</code> column of <code>step_stats</code> day files,"
                        + " contract version 2).</p>\n");
        out.append("<p class=\"meta\" id=\"made\">Made at ")
                .append(report.generatedAt())
                .append(" by pipeline-archiver <code>stats --format=html</code>.</p>\n");
        int withoutHistogram = report.steps().stream()
                .mapToInt(s -> s.figures().daysWithoutHistogram())
                .max()
                .orElse(0);
        if (withoutHistogram > 0) {
            out.append("<p class=\"note\" id=\"per-day-only\">Some days come from <code>step_stats</code> day files"
                    + " of contract version 1, which hold per-day figures only (no histogram): for the steps"
                    + " concerned, percentiles over the range and the duration distribution are left out; the"
                    + " per-day charts are complete.</p>\n");
        }
        out.append("</header>\n");
    }

    /** How the range was chosen, in words (also the header line of {@code stats} in a terminal). */
    public static String choiceText(StepStatsReport report) {
        String extent = report.extent()
                .map(e -> " Figures exist from " + e.first() + " to " + e.last() + ".")
                .orElse("");
        return switch (report.choice()) {
            case GIVEN -> "Range as given." + extent;
            case LATEST_WITH_FIGURES ->
                "No --from/--to given: the " + report.range().length() + " most recent days up to "
                        + report.range().last() + ", the last day with figures." + extent;
            case NO_FIGURES ->
                "No --from/--to given, and there are no figures"
                        + (report.stepFilter() == null ? "" : " of step_name " + report.stepFilter())
                        + " at all yet: the "
                        + report.range().length() + " days up to today.";
        };
    }

    private void summary() {
        out.append("<h2>Summary over the range</h2>\n");
        out.append(
                "<table id=\"summary\">\n<thead><tr><th class=\"name\">step_name</th><th>calls</th><th>vs prev.</th>"
                        + "<th>error rate</th><th>vs prev.</th><th>p50</th><th>vs prev.</th><th>p95</th><th>vs prev.</th>"
                        + "<th>p99</th><th>vs prev.</th><th>slower since</th><th>fails more since</th></tr></thead>\n<tbody>\n");
        int i = 0;
        for (StepSummary s : report.steps()) {
            RangeFigures f = s.figures();
            out.append("<tr data-step=\"").append(esc(s.stepName())).append("\">");
            out.append("<td class=\"name\"><a href=\"#step-")
                    .append(i++)
                    .append("\">")
                    .append(esc(s.stepName()))
                    .append("</a></td>");
            cell("calls", f.calls(), count(f.calls()), null);
            change("calls", s.callsChange(), HtmlReport::percentChange, 0);
            cell("error_rate", f.errorRate(), rate(f.errorRate()), null);
            change("error_rate", s.errorRateChange(), HtmlReport::pointsChange, StepSummary.MORE_ERRORS);
            for (int p : new int[] {50, 95, 99}) {
                Long value = StepSummary.percentile(f, p);
                cell("duration_ms_p" + p, value, ms(value), null);
                change("duration_ms_p" + p, s.percentileChange(p), HtmlReport::percentChange, SLOWER);
            }
            cell(
                    "slower_since",
                    s.slowerSince(),
                    s.slowerSince() == null ? "" : s.slowerSince().toString(),
                    s.slowerSince() == null ? null : "worse");
            cell(
                    "erring_more_since",
                    s.erringMoreSince(),
                    s.erringMoreSince() == null ? "" : s.erringMoreSince().toString(),
                    s.erringMoreSince() == null ? null : "worse");
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        out.append("<p class=\"meta\">vs prev.: against the previous period of the same length (calls and"
                + " durations in %, the error rate in percentage points); shaded when the step got at least 20 %"
                + " slower or 2 points more erring (red), or that much better (green). Slower since: the first day"
                + " of the last run of days whose p95 is at least 20 % above the previous period's, up to the step's"
                + " last day with figures; fails more since: the same with the error rate 2 points above.</p>\n");
    }

    private static final double SLOWER = StepSummary.SLOWER_RATIO - 1;

    private void cell(String figure, Object raw, String text, String cssClass) {
        out.append("<td class=\"")
                .append(figure)
                .append(cssClass == null ? "" : " " + cssClass)
                .append("\" data-v=\"")
                .append(raw == null ? "" : esc(raw.toString()))
                .append("\">")
                .append(esc(text.isEmpty() ? "" : text))
                .append("</td>");
    }

    /** A change against the previous period, shaded when it passes the threshold (a rise is worse). */
    private void change(String figure, Double change, DoubleFunction<String> format, double threshold) {
        String cls = "chg";
        if (change != null && threshold > 0) {
            cls += change >= threshold - 1e-12 ? " worse" : change <= -threshold + 1e-12 ? " better" : "";
        }
        out.append("<td class=\"")
                .append(cls)
                .append("\" data-change=\"")
                .append(figure)
                .append("\" data-v=\"")
                .append(change == null ? "" : change.toString())
                .append("\">")
                .append(change == null ? "–" : esc(format.apply(change)))
                .append("</td>");
    }

    private void rows() {
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
        int[] bucketSpan = bucketSpan();
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
                    HtmlReport::compact);
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
                    HtmlReport::compactMs);
            distribution(s, bucketSpan);
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
        svgOpen("chart", CHART_WIDTH, step, metric);
        axes(CHART_WIDTH, top, label);
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

    private void svgOpen(String cssClass, int width, String step, String metric) {
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"")
                .append(cssClass)
                .append("\" width=\"")
                .append(width)
                .append("\" height=\"")
                .append(HEIGHT)
                .append("\" viewBox=\"0 0 ")
                .append(width)
                .append(' ')
                .append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"")
                .append(esc(step + ": " + metric))
                .append("\" data-step=\"")
                .append(esc(step))
                .append("\" data-metric=\"")
                .append(metric)
                .append("\">");
    }

    /** Horizontal grid lines at 0, half and the top, labelled. */
    private void axes(int width, double top, DoubleFunction<String> label) {
        int plotHeight = HEIGHT - TOP - BOTTOM;
        for (double v : new double[] {0, top / 2, top}) {
            double y = y(v, top, plotHeight);
            out.append("<line class=\"grid\" x1=\"")
                    .append(LEFT)
                    .append("\" x2=\"")
                    .append(width - RIGHT)
                    .append("\" y1=\"")
                    .append(fmt(y))
                    .append("\" y2=\"")
                    .append(fmt(y))
                    .append("\"/><text x=\"")
                    .append(LEFT - 4)
                    .append("\" y=\"")
                    .append(fmt(y + 3))
                    .append("\" text-anchor=\"end\">")
                    .append(esc(label.apply(v)))
                    .append("</text>");
        }
    }

    private static double x(int day, int days, int plotWidth) {
        return LEFT + (day + 0.5) * plotWidth / days;
    }

    private static double y(double value, double top, int plotHeight) {
        return TOP + plotHeight - value / top * plotHeight;
    }

    /** The bucket indexes (first, last) that hold any duration of any step: the shared axis of the distributions. */
    private int[] bucketSpan() {
        int first = Integer.MAX_VALUE;
        int last = -1;
        for (StepSummary s : report.steps()) {
            for (DurationBucket b : s.figures().distribution()) {
                int index = bucketIndex(b.fromMs());
                first = Math.min(first, index);
                last = Math.max(last, index);
            }
        }
        return last < 0 ? new int[] {0, 0} : new int[] {first, last};
    }

    private static int bucketIndex(long fromMs) {
        for (int i = 0; i < RangeFigures.EDGES.length; i++) {
            if (RangeFigures.EDGES[i] == fromMs) {
                return i;
            }
        }
        throw new IllegalArgumentException("Not a bucket edge: " + fromMs);
    }

    /** The step's durations over the range: a bar per bucket on the shared logarithmic axis. */
    private void distribution(StepSummary s, int[] span) {
        svgOpen("dist", DIST_WIDTH, s.stepName(), "duration_distribution");
        List<DurationBucket> buckets = s.figures().distribution();
        int plotWidth = DIST_WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        if (buckets.isEmpty()) {
            out.append("<text class=\"nodata\" x=\"")
                    .append(DIST_WIDTH / 2)
                    .append("\" y=\"")
                    .append(HEIGHT / 2)
                    .append("\" text-anchor=\"middle\">")
                    .append(
                            s.figures().daysWithoutHistogram() > 0
                                    ? "no histogram in version 1 day files"
                                    : "no valid duration")
                    .append("</text></svg>\n");
            return;
        }
        long max = buckets.stream().mapToLong(DurationBucket::count).max().orElse(1);
        double top = nice(max);
        axes(DIST_WIDTH, top, HtmlReport::compact);
        int count = span[1] - span[0] + 1;
        double width = (double) plotWidth / count;
        // decade labels (1 ms, 10 ms, ... ) where a bucket starts at one
        for (int b = span[0]; b <= span[1] + 1 && b < RangeFigures.EDGES.length; b++) {
            long edge = RangeFigures.EDGES[b];
            if (isPowerOfTen(edge)) {
                out.append("<text x=\"")
                        .append(fmt(LEFT + (b - span[0]) * width))
                        .append("\" y=\"")
                        .append(HEIGHT - 6)
                        .append("\" text-anchor=\"middle\">")
                        .append(compactMs(edge))
                        .append("</text>");
            }
        }
        out.append("<g class=\"bars\">");
        for (DurationBucket bucket : buckets) {
            int b = bucketIndex(bucket.fromMs()) - span[0];
            double h = bucket.count() / top * plotHeight;
            out.append("<rect class=\"bar\" data-from=\"")
                    .append(bucket.fromMs())
                    .append("\" data-to=\"")
                    .append(bucket.toMs())
                    .append("\" data-count=\"")
                    .append(bucket.count())
                    .append("\" x=\"")
                    .append(fmt(LEFT + b * width + 0.5))
                    .append("\" y=\"")
                    .append(fmt(TOP + plotHeight - h))
                    .append("\" width=\"")
                    .append(fmt(Math.max(width - 1, 0.5)))
                    .append("\" height=\"")
                    .append(fmt(h))
                    .append("\"><title>")
                    .append(bucket.fromMs())
                    .append(" to ")
                    .append(bucket.toMs())
                    .append(" ms: ")
                    .append(count(bucket.count()))
                    .append("</title></rect>");
        }
        out.append("</g>");
        for (int p : new int[] {50, 95, 99}) {
            Long value = StepSummary.percentile(s.figures(), p);
            if (value != null) {
                double x = LEFT + logPosition(value, span[0]) * width;
                out.append("<line class=\"pct p")
                        .append(p)
                        .append("\" data-v=\"")
                        .append(value)
                        .append("\" x1=\"")
                        .append(fmt(x))
                        .append("\" x2=\"")
                        .append(fmt(x))
                        .append("\" y1=\"")
                        .append(TOP)
                        .append("\" y2=\"")
                        .append(TOP + plotHeight)
                        .append("\"><title>p")
                        .append(p)
                        .append(": ")
                        .append(ms(value))
                        .append("</title></line>");
            }
        }
        out.append("</svg>\n");
    }

    private static boolean isPowerOfTen(long value) {
        while (value >= 10 && value % 10 == 0) {
            value /= 10;
        }
        return value == 1;
    }

    /** Where a duration lies on the bucket axis, in buckets from the first shown (log-interpolated within one). */
    private static double logPosition(long value, int firstBucket) {
        long[] edges = RangeFigures.EDGES;
        int b = 0;
        while (b + 1 < edges.length - 1 && edges[b + 1] <= value) {
            b++;
        }
        double within = edges[b] == 0
                ? 0.5
                : (Math.log(Math.max(value, 1)) - Math.log(edges[b])) / (Math.log(edges[b + 1]) - Math.log(edges[b]));
        return b - firstBucket + Math.min(Math.max(within, 0), 1);
    }

    private void errors() {
        out.append("<h2>Most frequent errors over the range</h2>\n");
        out.append("<p class=\"meta\">Error messages grouped by pattern (numbers, ids, UUIDs and timestamps"
                        + " masked), with one original example each; counted from ")
                .append(esc(report.errorPatternsNote()))
                .append(".</p>\n");
        out.append("<div class=\"errors\" id=\"errors\">\n");
        boolean any = false;
        for (StepSummary s : report.steps()) {
            if (s.topErrors().isEmpty()) {
                continue;
            }
            any = true;
            out.append("<h3>").append(esc(s.stepName())).append("</h3>\n");
            out.append("<table data-step=\"").append(esc(s.stepName())).append("\">");
            out.append("<thead><tr><th>count</th><th>pattern</th><th>example</th></tr></thead><tbody>");
            for (ErrorCount e : s.topErrors()) {
                out.append("<tr><td class=\"count\" data-v=\"")
                        .append(e.count())
                        .append("\">")
                        .append(count(e.count()))
                        .append("</td><td><code>")
                        .append(esc(e.pattern()))
                        .append("</code></td><td><code>")
                        .append(esc(e.example()))
                        .append("</code></td></tr>");
            }
            out.append("</tbody></table>\n");
        }
        if (!any) {
            out.append("<p>No errors in the range.</p>\n");
        }
        out.append("</div>\n");
    }

    private void footer() {
        out.append("<footer>calls: steps archived with that step_name; error rate: steps with status error / calls;"
                + " p50, p95, p99: duration percentiles as percentile_disc gives them, from HdrHistograms (durations up"
                + " to 2,047 ms exact, larger ones within 0.1 %); durations that are negative or over a day are left"
                + " out of them. Days are the runs' finished dates (UTC). The same figures: <code>stats"
                + " --format=json</code> with the same range.</footer>\n");
    }

    // ---- formatting ----

    /** A "nice" axis top at or above the value: 1, 2, 2.5 or 5 times a power of ten. */
    static double nice(double value) {
        if (value <= 0) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * power >= value - 1e-9 * power) {
                return step * power;
            }
        }
        return 10 * power;
    }

    /** One decimal, without String.format: a page has tens of thousands of coordinates. */
    private static String fmt(double value) {
        long tenths = Math.round(value * 10);
        String sign = tenths < 0 ? "-" : "";
        tenths = Math.abs(tenths);
        return sign + tenths / 10 + "." + tenths % 10;
    }

    static String count(long value) {
        String digits = Long.toString(Math.abs(value));
        StringBuilder grouped = new StringBuilder(value < 0 ? "-" : "");
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && (digits.length() - i) % 3 == 0) {
                grouped.append(',');
            }
            grouped.append(digits.charAt(i));
        }
        return grouped.toString();
    }

    static String compact(double value) {
        if (value >= 1_000_000) {
            return trim(value / 1_000_000) + "M";
        }
        if (value >= 1_000) {
            return trim(value / 1_000) + "k";
        }
        return trim(value);
    }

    static String compactMs(double value) {
        if (value >= 60_000) {
            return trim(value / 60_000) + " min";
        }
        if (value >= 1_000) {
            return trim(value / 1_000) + " s";
        }
        return trim(value) + " ms";
    }

    private static String trim(double value) {
        long hundredths = Math.round(Math.abs(value) * 100);
        String text = (value < 0 && hundredths > 0 ? "-" : "") + hundredths / 100;
        long fraction = hundredths % 100;
        if (fraction == 0) {
            return text;
        }
        return text + "." + (fraction % 10 == 0 ? Long.toString(fraction / 10) : (fraction < 10 ? "0" : "") + fraction);
    }

    static String ms(Long value) {
        return value == null ? "–" : count(value) + " ms";
    }

    static String rate(double value) {
        return percent(value, 2);
    }

    private static String percent(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f %%", 100 * value);
    }

    private static String percentChange(double change) {
        return String.format(Locale.ROOT, "%s%.1f %%", change < 0 ? "−" : "+", Math.abs(100 * change));
    }

    private static String pointsChange(double change) {
        return String.format(Locale.ROOT, "%s%.2f pp", change < 0 ? "−" : "+", Math.abs(100 * change));
    }

    /** Text for HTML content and attribute values: {@code & < > " '} escaped, control characters replaced. */
    public static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                // control characters are not allowed in HTML text: shown as the replacement character
                default -> escaped.append(c < 0x20 && c != '\n' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return escaped.toString();
    }
}
