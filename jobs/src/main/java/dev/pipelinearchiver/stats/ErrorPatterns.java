package dev.pipelinearchiver.stats;

import java.util.regex.Pattern;

/**
 * Normalises an error message so that occurrences of the same error group together: UUIDs, ISO
 * timestamps, long hex ids and numbers are masked.
 */
final class ErrorPatterns {

    static final int MAX_PATTERN_LENGTH = 300;
    static final int MAX_EXAMPLE_LENGTH = 1000;

    private static final Pattern UUID =
            Pattern.compile("\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b");
    private static final Pattern TIMESTAMP = Pattern.compile(
            "\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?\\b");
    private static final Pattern HEX_ID = Pattern.compile("\\b(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}\\b");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private ErrorPatterns() {}

    static String normalise(String message) {
        // a pass runs only if it can match (most messages need one or two of the five; the regexes were most
        // of the statistics' CPU): a UUID needs a hyphen, a timestamp a hyphen and a digit, a hex id and a
        // number a digit, and a run of spaces to collapse a whitespace other than single blanks (the masks
        // add neither digits, hyphens nor whitespace)
        boolean digit = false;
        boolean hyphen = false;
        boolean spaces = false;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c == '-') {
                hyphen = true;
            } else if (c == '\t'
                    || c == '\n'
                    || c == '\u000B'
                    || c == '\f'
                    || c == '\r'
                    || (c == ' ' && i > 0 && message.charAt(i - 1) == ' ')) {
                spaces = true;
            }
        }
        String pattern = message;
        if (hyphen) {
            pattern = UUID.matcher(pattern).replaceAll("<uuid>");
            if (digit) {
                pattern = TIMESTAMP.matcher(pattern).replaceAll("<ts>");
            }
        }
        if (digit) {
            pattern = HEX_ID.matcher(pattern).replaceAll("<id>");
            pattern = NUMBER.matcher(pattern).replaceAll("<n>");
        }
        if (spaces) {
            pattern = SPACES.matcher(pattern).replaceAll(" ");
        }
        return truncate(pattern.strip(), MAX_PATTERN_LENGTH);
    }

    static String truncate(String text, int max) {
        return text.length() <= max
                ? text
                : text.substring(
                                0, text.offsetByCodePoints(0, Math.min(text.codePointCount(0, text.length()), max - 1)))
                        + "…";
    }
}
