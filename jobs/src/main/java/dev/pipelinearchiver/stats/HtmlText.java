package dev.pipelinearchiver.stats;

import java.util.Locale;

/** The report page's number formats (axes, cells, tooltips) and HTML escaping. */
final class HtmlText {

    private HtmlText() {}

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
    static String fmt(double value) {
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

    static String trim(double value) {
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

    static String percent(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f %%", 100 * value);
    }

    static String percentChange(double change) {
        return String.format(Locale.ROOT, "%s%.1f %%", change < 0 ? "−" : "+", Math.abs(100 * change));
    }

    static String pointsChange(double change) {
        return String.format(Locale.ROOT, "%s%.2f pp", change < 0 ? "−" : "+", Math.abs(100 * change));
    }

    /** Text for HTML content and attribute values: {@code & < > " '} escaped, control characters replaced. */
    static String esc(String text) {
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
