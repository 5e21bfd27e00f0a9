package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.StepFigures.ErrorCount;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The step statistics as PostgreSQL keeps them ({@code archiver.step_stats}, {@code archiver.step_error_stats}). */
public final class DatabaseStepStats implements StepStatsSource {

    private final StatisticsStore store;
    private final String database;

    /** {@code database}: the database's name, for the report (never its URL, which may hold credentials). */
    public DatabaseStepStats(StatisticsStore store, String database) {
        this.store = store;
        this.database = database;
    }

    @Override
    public String description() {
        return "PostgreSQL database " + database + ": tables archiver.step_stats and archiver.step_error_stats";
    }

    @Override
    public List<DailyStepStats> days(LocalDate from, LocalDate to, String stepName, int topErrors) {
        return store.read(from, to, stepName, topErrors);
    }

    @Override
    public Map<String, List<ErrorCount>> rangeErrors(LocalDate from, LocalDate to, String stepName, int limit) {
        return store.rangeErrors(from, to, stepName, limit);
    }

    @Override
    public Optional<DayRange> extent(String stepName) {
        return store.extent(stepName);
    }

    @Override
    public String errorPatternsNote() {
        return "every error pattern of every day, added up over the range";
    }
}
