package dev.pipelinearchiver.stats;

import static dev.pipelinearchiver.stats.HtmlText.count;
import static dev.pipelinearchiver.stats.HtmlText.esc;
import static dev.pipelinearchiver.stats.HtmlText.ms;
import static dev.pipelinearchiver.stats.HtmlText.rate;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.DoubleFunction;

/**
 * A report as one self-contained HTML page ({@code stats --format=html}): no script, and no style, font or
 * image from anywhere else, so it opens offline from a file. The charts are inline SVG ({@link DayCharts}), one row per
 * step name, every chart on the same day axis; a day without figures is a gap in a line, never a zero. Every
 * text from the data is escaped. Each chart and table cell carries its figure, unformatted, in a
 * {@code data-*} attribute, so a reader (or a test) can check it against {@code stats --format=json}.
 */
public final class HtmlReport {

    /** The page's stylesheet, inlined so that the page needs nothing from elsewhere. */
    private static final String STYLE = stylesheet();

    private final StepStatsReport report;
    private final StringBuilder out = new StringBuilder(64 * 1024);

    private HtmlReport(StepStatsReport report) {
        this.report = report;
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
            new DayCharts(report, out).rows();
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
            change("calls", s.callsChange(), HtmlText::percentChange, 0);
            cell("error_rate", f.errorRate(), rate(f.errorRate()), null);
            change("error_rate", s.errorRateChange(), HtmlText::pointsChange, StepSummary.MORE_ERRORS);
            for (int p : new int[] {50, 95, 99}) {
                Long value = StepSummary.percentile(f, p);
                cell("duration_ms_p" + p, value, ms(value), null);
                change("duration_ms_p" + p, s.percentileChange(p), HtmlText::percentChange, SLOWER);
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

    private static String stylesheet() {
        try (InputStream css = HtmlReport.class.getResourceAsStream("html-report.css")) {
            return new String(css.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
