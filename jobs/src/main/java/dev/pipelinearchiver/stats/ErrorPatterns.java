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
        if (!maskable(message)) {
            // messages with nothing to mask skip the regexes (they were half of the statistics' CPU)
            return truncate(SPACES.matcher(message).replaceAll(" ").strip(), MAX_PATTERN_LENGTH);
        }
        String pattern = UUID.matcher(message).replaceAll("<uuid>");
        pattern = TIMESTAMP.matcher(pattern).replaceAll("<ts>");
        pattern = HEX_ID.matcher(pattern).replaceAll("<id>");
        pattern = NUMBER.matcher(pattern).replaceAll("<n>");
        pattern = SPACES.matcher(pattern).replaceAll(" ").strip();
        return truncate(pattern, MAX_PATTERN_LENGTH);
    }

    /**
     * Whether a mask could match: timestamps, hex ids and numbers all need an ASCII digit ({@code \\d}), and
     * a UUID without one (all letters a-f) needs its hyphens.
     */
    static boolean maskable(String message) {
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if ((c >= '0' && c <= '9') || c == '-') {
                return true;
            }
        }
        return false;
    }

    static String truncate(String text, int max) {
        return text.length() <= max
                ? text
                : text.substring(
                                0, text.offsetByCodePoints(0, Math.min(text.codePointCount(0, text.length()), max - 1)))
                        + "…";
    }
}
