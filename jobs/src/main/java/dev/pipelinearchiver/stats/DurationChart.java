package dev.pipelinearchiver.stats;

import static dev.pipelinearchiver.stats.HtmlText.compactMs;
import static dev.pipelinearchiver.stats.HtmlText.count;
import static dev.pipelinearchiver.stats.HtmlText.fmt;
import static dev.pipelinearchiver.stats.HtmlText.ms;
import static dev.pipelinearchiver.stats.HtmlText.nice;
import static dev.pipelinearchiver.stats.SvgPlot.BOTTOM;
import static dev.pipelinearchiver.stats.SvgPlot.DIST_WIDTH;
import static dev.pipelinearchiver.stats.SvgPlot.HEIGHT;
import static dev.pipelinearchiver.stats.SvgPlot.LEFT;
import static dev.pipelinearchiver.stats.SvgPlot.RIGHT;
import static dev.pipelinearchiver.stats.SvgPlot.TOP;
import static dev.pipelinearchiver.stats.SvgPlot.axes;
import static dev.pipelinearchiver.stats.SvgPlot.svgOpen;

import dev.pipelinearchiver.stats.RangeFigures.DurationBucket;
import java.util.List;

/** Draws a step's duration distribution over the range: bars on a logarithmic axis shared by all steps, percentiles marked. */
final class DurationChart {

    private final StringBuilder out;

    DurationChart(StringBuilder out) {
        this.out = out;
    }

    /** The bucket indexes (first, last) that hold any duration of any step: the shared axis of the distributions. */
    static int[] bucketSpan(List<StepSummary> steps) {
        int first = Integer.MAX_VALUE;
        int last = -1;
        for (StepSummary s : steps) {
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
    void distribution(StepSummary s, int[] span) {
        svgOpen(out, "dist", DIST_WIDTH, s.stepName(), "duration_distribution");
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
        axes(out, DIST_WIDTH, top, HtmlText::compact);
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
}
