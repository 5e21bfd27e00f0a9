package dev.pipelinearchiver.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * Times as operators read them. Spring Batch stores its times as local date-times of the JVM that wrote
 * them; we convert them with this JVM's zone (the same machine or image in practice) and print UTC.
 */
final class Times {

    private Times() {}

    static Instant instant(LocalDateTime local) {
        return local == null ? null : local.atZone(ZoneId.systemDefault()).toInstant();
    }

    static String format(LocalDateTime local) {
        return local == null
                ? "-"
                : instant(local).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** From start to end, or to now while it runs; "-" before it started. */
    static String duration(LocalDateTime start, LocalDateTime end) {
        if (start == null) {
            return "-";
        }
        return format(Duration.between(start, end == null ? LocalDateTime.now() : end));
    }

    static String format(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 60) {
            return String.format("%.1fs", Math.max(0, duration.toMillis()) / 1000.0);
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m " + (seconds % 60) + "s";
        }
        return (seconds / 3600) + "h " + (seconds % 3600 / 60) + "m";
    }
}
