package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.stats.RangeFigures.DurationBucket;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A report as {@code stats --format=json} prints it: the range and how it was chosen, per step name its figures
 * over the range with the previous period's and the changes, and the days' figures (docs/statistics.md).
 */
public final class StepStatsJson {

    private StepStatsJson() {}

    public static Map<String, Object> of(StepStatsReport report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("from", report.range().first().toString());
        json.put("to", report.range().last().toString());
        json.put("range_chosen", report.choice().name().toLowerCase(Locale.ROOT));
        json.put("previous_from", report.previous().first().toString());
        json.put("previous_to", report.previous().last().toString());
        json.put(
                "first_day_with_figures",
                report.extent().map(e -> e.first().toString()).orElse(null));
        json.put(
                "last_day_with_figures",
                report.extent().map(e -> e.last().toString()).orElse(null));
        json.put("source", report.source());
        json.put("generated_at", report.generatedAt().toString());
        json.put("steps", report.steps().stream().map(StepStatsJson::step).toList());
        json.put("days", report.days().stream().map(StepStatsJson::day).toList());
        return json;
    }

    private static Map<String, Object> step(StepSummary s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("step_name", s.stepName());
        json.putAll(figures(s.figures()));
        json.put("previous", s.previous() == null ? null : figures(s.previous()));
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("calls", s.callsChange());
        change.put("error_rate", s.errorRateChange());
        change.put("duration_ms_p50", s.percentileChange(50));
        change.put("duration_ms_p95", s.percentileChange(95));
        change.put("duration_ms_p99", s.percentileChange(99));
        json.put("change", change);
        json.put(
                "slower_since", s.slowerSince() == null ? null : s.slowerSince().toString());
        json.put(
                "erring_more_since",
                s.erringMoreSince() == null ? null : s.erringMoreSince().toString());
        json.put("top_errors", s.topErrors());
        json.put(
                "duration_distribution",
                s.figures().distribution().stream().map(StepStatsJson::bucket).toList());
        return json;
    }

    private static Map<String, Object> figures(RangeFigures f) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("days_with_figures", f.daysWithFigures());
        json.put("days_without_histogram", f.daysWithoutHistogram());
        json.put("calls", f.calls());
        json.put("ok", f.ok());
        json.put("skipped", f.skipped());
        json.put("errors", f.errors());
        json.put("other_status", f.otherStatus());
        json.put("error_rate", f.errorRate());
        json.put("duration_ms_min", f.durationMsMin());
        json.put("duration_ms_p50", f.durationMsP50());
        json.put("duration_ms_p90", f.durationMsP90());
        json.put("duration_ms_p95", f.durationMsP95());
        json.put("duration_ms_p99", f.durationMsP99());
        json.put("duration_ms_max", f.durationMsMax());
        json.put("duration_ms_mean", f.durationMsMean());
        json.put("duration_ms_total", f.durationMsTotal());
        json.put("invalid_durations", f.invalidDurations());
        return json;
    }

    private static Map<String, Object> bucket(DurationBucket b) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("from_ms", b.fromMs());
        json.put("to_ms", b.toMs());
        json.put("count", b.count());
        return json;
    }

    /** One day's figures, as {@code stats --format=json} has always printed them. */
    public static Map<String, Object> day(DailyStepStats d) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("dt", d.dt().toString());
        map.put("step_name", d.stepName());
        map.put("calls", d.calls());
        map.put("ok", d.ok());
        map.put("skipped", d.skipped());
        map.put("errors", d.errors());
        map.put("other_status", d.otherStatus());
        map.put("error_rate", d.errorRate());
        map.put("duration_ms_min", d.durationMsMin());
        map.put("duration_ms_p50", d.durationMsP50());
        map.put("duration_ms_p90", d.durationMsP90());
        map.put("duration_ms_p95", d.durationMsP95());
        map.put("duration_ms_p99", d.durationMsP99());
        map.put("duration_ms_max", d.durationMsMax());
        map.put("duration_ms_mean", d.durationMsMean());
        map.put("duration_ms_total", d.durationMsTotal());
        map.put("invalid_durations", d.invalidDurations());
        map.put("top_errors", d.topErrors());
        return map;
    }
}
