package dev.pipelinearchiver.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;

/**
 * The stats HTML page read back: its summary table, its charts' data and its error tables, compared with
 * {@code stats --format=json} of the same range.
 */
public final class StatsPage {

    private final Document page;
    /** The charts by step name and metric, and the summary rows by step name: looked up many times. */
    private final Map<List<String>, List<Element>> charts = new HashMap<>();

    private final Map<String, List<Element>> rows = new HashMap<>();

    public StatsPage(String html) {
        this.page = Jsoup.parse(html);
        for (Element svg : page.select("svg[data-metric]")) {
            charts.computeIfAbsent(List.of(svg.attr("data-step"), svg.attr("data-metric")), k -> new ArrayList<>())
                    .add(svg);
        }
        for (Element row : page.select("#summary tbody tr")) {
            rows.computeIfAbsent(row.attr("data-step"), k -> new ArrayList<>()).add(row);
        }
    }

    public Document document() {
        return page;
    }

    /** The summary table's row of a step name. */
    public Element summaryRow(String step) {
        List<Element> found = rows.getOrDefault(step, List.of());
        assertThat(found).as("summary row " + step).hasSize(1);
        return found.get(0);
    }

    /** A chart of a step name (calls, error_rate, duration_ms or duration_distribution). */
    public Element chart(String step, String metric) {
        List<Element> found = charts.getOrDefault(List.of(step, metric), List.of());
        assertThat(found).as(metric + " chart of " + step).hasSize(1);
        return found.get(0);
    }

    /** A series' values per day of the range ("" for a day without figures). */
    public List<String> values(String step, String metric, String series) {
        Element g = only(
                chart(step, metric).select("g.series"),
                e -> e.attr("data-series").equals(series),
                series + " of " + step);
        return Arrays.asList(g.attr("data-values").split(",", -1));
    }

    public List<LocalDate> days() {
        return Arrays.stream(page.selectFirst("#days").attr("data-days").split(","))
                .map(LocalDate::parse)
                .toList();
    }

    /** Every figure of the page that the JSON also has: summary, per-day charts, distributions, top errors. */
    public void assertShowsTheFiguresOf(JsonNode json) {
        // the range
        assertThat(page.selectFirst("#range").attr("data-from"))
                .isEqualTo(json.get("from").asText());
        assertThat(page.selectFirst("#range").attr("data-to"))
                .isEqualTo(json.get("to").asText());
        List<LocalDate> days = days();
        assertThat(days.get(0)).isEqualTo(LocalDate.parse(json.get("from").asText()));
        assertThat(days.get(days.size() - 1))
                .isEqualTo(LocalDate.parse(json.get("to").asText()));
        // every step, and only those, in the summary
        List<String> steps = new ArrayList<>();
        json.get("steps").forEach(s -> steps.add(s.get("step_name").asText()));
        assertThat(page.select("#summary tbody tr").eachAttr("data-step")).containsExactlyElementsOf(steps);
        Map<String, Map<String, JsonNode>> byStepAndDay = new HashMap<>();
        json.get("days")
                .forEach(d -> byStepAndDay
                        .computeIfAbsent(d.get("step_name").asText(), s -> new HashMap<>())
                        .put(d.get("dt").asText(), d));
        Elements errorTables = page.select("#errors table");
        for (JsonNode step : json.get("steps")) {
            String name = step.get("step_name").asText();
            Element row = summaryRow(name);
            assertThat(cell(row, "td.calls"))
                    .as(name)
                    .isEqualTo(step.get("calls").asText());
            assertThat(Double.parseDouble(cell(row, "td.error_rate")))
                    .as(name)
                    .isEqualTo(step.get("error_rate").asDouble());
            for (String p : List.of("duration_ms_p50", "duration_ms_p95", "duration_ms_p99")) {
                assertThat(cell(row, "td." + p)).as(name + " " + p).isEqualTo(text(step.get(p)));
                assertThat(change(row, p))
                        .as(name + " change " + p)
                        .isEqualTo(number(step.get("change").get(p)));
            }
            assertThat(change(row, "calls"))
                    .as(name)
                    .isEqualTo(number(step.get("change").get("calls")));
            assertThat(change(row, "error_rate"))
                    .as(name)
                    .isEqualTo(number(step.get("change").get("error_rate")));
            assertThat(cell(row, "td.slower_since")).isEqualTo(text(step.get("slower_since")));
            assertThat(cell(row, "td.erring_more_since")).isEqualTo(text(step.get("erring_more_since")));
            // the charts: one value per day of the range, the day's figure or nothing
            Map<String, JsonNode> stepDays = byStepAndDay.getOrDefault(name, Map.of());
            List<String> calls = values(name, "calls", "calls");
            List<String> errorRate = values(name, "error_rate", "error_rate");
            Map<String, List<String>> percentiles = Map.of(
                    "duration_ms_p50", values(name, "duration_ms", "p50"),
                    "duration_ms_p95", values(name, "duration_ms", "p95"),
                    "duration_ms_p99", values(name, "duration_ms", "p99"));
            assertThat(calls).hasSize(days.size());
            for (int d = 0; d < days.size(); d++) {
                int i = d;
                JsonNode day = stepDays.get(days.get(i).toString());
                String where = name + " " + days.get(i);
                if (day == null) {
                    assertThat(calls.get(i)).as(where).isEmpty();
                    assertThat(errorRate.get(i)).as(where).isEmpty();
                    percentiles
                            .values()
                            .forEach(v -> assertThat(v.get(i)).as(where).isEmpty());
                    continue;
                }
                assertThat(calls.get(i)).as(where).isEqualTo(day.get("calls").asText());
                assertThat(Double.parseDouble(errorRate.get(i)))
                        .as(where)
                        .isEqualTo(day.get("error_rate").asDouble());
                percentiles.forEach(
                        (p, v) -> assertThat(v.get(i)).as(where + " " + p).isEqualTo(text(day.get(p))));
            }
            // the distribution over the range
            List<List<Long>> bars = new ArrayList<>();
            for (Element bar : chart(name, "duration_distribution").select("rect.bar")) {
                bars.add(List.of(
                        Long.parseLong(bar.attr("data-from")),
                        Long.parseLong(bar.attr("data-to")),
                        Long.parseLong(bar.attr("data-count"))));
            }
            List<List<Long>> buckets = new ArrayList<>();
            step.get("duration_distribution")
                    .forEach(b -> buckets.add(List.of(
                            b.get("from_ms").asLong(),
                            b.get("to_ms").asLong(),
                            b.get("count").asLong())));
            assertThat(bars).as(name).isEqualTo(buckets);
            // the most frequent errors
            List<String> counts = new ArrayList<>();
            step.get("top_errors")
                    .forEach(e -> counts.add(
                            e.get("count").asText() + " " + e.get("pattern").asText()));
            List<String> shown = new ArrayList<>();
            errorTables.stream()
                    .filter(t -> t.attr("data-step").equals(name))
                    .flatMap(t -> t.select("tbody tr").stream())
                    .forEach(tr -> shown.add(tr.selectFirst("td.count").attr("data-v") + " "
                            + tr.select("td").get(1).text()));
            assertThat(shown).as(name).isEqualTo(counts);
        }
    }

    private static String cell(Element row, String selector) {
        Element cell = row.selectFirst(selector);
        assertThat(cell).as(selector).isNotNull();
        return cell.attr("data-v");
    }

    private static Double change(Element row, String figure) {
        Element cell =
                only(row.select("td[data-change]"), e -> e.attr("data-change").equals(figure), figure);
        return cell.attr("data-v").isEmpty() ? null : Double.parseDouble(cell.attr("data-v"));
    }

    private static Double number(JsonNode node) {
        return node == null || node.isNull() ? null : node.asDouble();
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? "" : node.asText();
    }

    private static Element only(Elements elements, java.util.function.Predicate<Element> match, String what) {
        List<Element> found = elements.stream().filter(match).toList();
        assertThat(found).as(what).hasSize(1);
        return found.get(0);
    }
}
