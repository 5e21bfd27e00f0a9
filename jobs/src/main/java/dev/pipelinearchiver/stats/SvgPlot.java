package dev.pipelinearchiver.stats;

import static dev.pipelinearchiver.stats.HtmlText.esc;
import static dev.pipelinearchiver.stats.HtmlText.fmt;

import java.util.function.DoubleFunction;

/** The frame the report's inline SVG charts share: their size, the opening tag, the labelled grid, the coordinates. */
final class SvgPlot {

    // one row per step name: name, calls, error rate, durations, distribution
    static final int CHART_WIDTH = 240;
    static final int DIST_WIDTH = 280;
    static final int HEIGHT = 120;
    static final int LEFT = 46;
    static final int RIGHT = 8;
    static final int TOP = 8;
    static final int BOTTOM = 20;

    private SvgPlot() {}

    static void svgOpen(StringBuilder out, String cssClass, int width, String step, String metric) {
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
    static void axes(StringBuilder out, int width, double top, DoubleFunction<String> label) {
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

    static double x(int day, int days, int plotWidth) {
        return LEFT + (day + 0.5) * plotWidth / days;
    }

    static double y(double value, double top, int plotHeight) {
        return TOP + plotHeight - value / top * plotHeight;
    }
}
