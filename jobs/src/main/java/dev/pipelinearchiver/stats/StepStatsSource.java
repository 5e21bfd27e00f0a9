package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the daily step statistics are read from: PostgreSQL ({@link DatabaseStepStats}) or the archive's
 * {@code step_stats} day files ({@link ArchiveStepStats}).
 */
public interface StepStatsSource {

    /** What the figures come from, in words, for the report (no secret: no password, no credentials). */
    String description();

    /** The daily figures of a range (of one step name, or all when null), by day then step name. */
    List<DailyStepStats> days(LocalDate from, LocalDate to, String stepName, int topErrors);

    /** The most frequent error patterns of each step name over a range, most frequent first. */
    Map<String, List<ErrorCount>> rangeErrors(LocalDate from, LocalDate to, String stepName, int limit);

    /** The first and last day with figures (of one step name, or of any when null). */
    Optional<DayRange> extent(String stepName);

    /** How the most frequent error patterns over a range are counted by this source, for the report. */
    String errorPatternsNote();
}
