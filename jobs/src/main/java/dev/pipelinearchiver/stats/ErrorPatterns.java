package dev.pipelinearchiver.stats;

import java.util.regex.Pattern;

/**
 * Normalises an error message so that occurrences of the same error group together: UUIDs, ISO
 * timestamps, long hex ids and numbers are masked.
 */
final class ErrorPatterns {

    static final int MAX_PATTERN_LENGTH = 300;
    static final int MAX_EXAMPLE_LENGTH = 1000;

    private static final Pattern UUID = Pattern.compile("\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b");
    private static final Pattern TIMESTAMP =
            Pattern.compile("\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?\\b");
    private static final Pattern HEX_ID = Pattern.compile("\\b(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}\\b");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private ErrorPatterns() {}

    static String normalise(String message) {
        String pattern = UUID.matcher(message).replaceAll("<uuid>");
        pattern = TIMESTAMP.matcher(pattern).replaceAll("<ts>");
        pattern = HEX_ID.matcher(pattern).replaceAll("<id>");
        pattern = NUMBER.matcher(pattern).replaceAll("<n>");
        pattern = SPACES.matcher(pattern).replaceAll(" ").strip();
        return truncate(pattern, MAX_PATTERN_LENGTH);
    }

    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, text.offsetByCodePoints(0, Math.min(text.codePointCount(0, text.length()), max - 1))) + "…";
    }
}
