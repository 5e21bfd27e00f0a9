package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.stats.StepStatsReport.RangeChoice;
import dev.pipelinearchiver.support.StatsPage;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/** The report over a range, as JSON and as the HTML page, from daily figures made as the job makes them. */
class StepStatsReportTest {

    private static JsonNode json(StepStatsReport report) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        return mapper.readTree(mapper.writeValueAsString(StepStatsJson.of(report)));
    }

    @Test
    void figuresOverTheRangeAreThoseOfAllItsStepsTogether() {
        // given five days of one step, each day's figures kept apart as the job keeps them
        ReportFixture fixture = new ReportFixture().days("2026-05-01", "2026-05-05", "trend_agent", 180, 900, 0.4, 6);

        // when
        StepStatsReport report = fixture.report("2026-05-01", "2026-05-05", null);

        // then: the days added up equal one fold of every duration of the five days
        StepFigures all = new StepFigures();
        fixture.durations.get("trend_agent").values().forEach(day -> day.forEach(d -> all.add("ok", d, null)));
        RangeFigures range = report.steps().get(0).figures();
        assertThat(range.calls()).isEqualTo(5 * 180);
        assertThat(range.errors()).isEqualTo(5 * 6);
        assertThat(range.errorRate()).isEqualTo(30.0 / 900);
        assertThat(range.durationMsMin()).isEqualTo(all.durationMin());
        assertThat(range.durationMsMax()).isEqualTo(all.durationMax());
        assertThat(range.durationMsMean()).isEqualTo(all.durationMean());
        assertThat(List.of(range.durationMsP50(), range.durationMsP90(), range.durationMsP95(), range.durationMsP99()))
                .containsExactly(
                        all.durationPercentile(50),
                        all.durationPercentile(90),
                        all.durationPercentile(95),
                        all.durationPercentile(99));
        // and the p95 over the range is none of the days' own: it is not an average of them
        assertThat(report.days().stream().map(DailyStepStats::durationMsP95)).doesNotContain(range.durationMsP95());
        assertThat(range.distribution().stream()
                        .mapToLong(RangeFigures.DurationBucket::count)
                        .sum())
                .isEqualTo(5 * 180);
        assertThat(range.daysWithFigures()).isEqualTo(5);
    }

    @Test
    void theStepThatGotSlowerAndSinceWhenAreNamed() throws Exception {
        // given: two steps steady for two weeks; then risk_agent takes twice as long from 05-11 on
        ReportFixture fixture = new ReportFixture()
                .days("2026-05-01", "2026-05-14", "trend_agent", 200, 800, 0, 4)
                .days("2026-05-01", "2026-05-10", "risk_agent", 200, 800, 0, 4)
                .days("2026-05-11", "2026-05-14", "risk_agent", 200, 1_600, 0, 4);

        // when: the last week against the week before
        JsonNode json = json(fixture.report("2026-05-08", "2026-05-14", null));

        // then
        JsonNode risk = json.get("steps").get(0);
        JsonNode trend = json.get("steps").get(1);
        assertThat(risk.get("step_name").asText()).isEqualTo("risk_agent");
        assertThat(risk.get("slower_since").asText()).isEqualTo("2026-05-11");
        assertThat(risk.get("change").get("duration_ms_p95").asDouble()).isGreaterThan(0.3);
        assertThat(trend.get("slower_since").isNull()).isTrue();
        assertThat(Math.abs(trend.get("change").get("duration_ms_p95").asDouble()))
                .isLessThan(0.2);
        assertThat(json.get("previous_from").asText()).isEqualTo("2026-05-01");
        assertThat(json.get("previous_to").asText()).isEqualTo("2026-05-07");
    }

    @Test
    void withoutARangeTheLatestDaysWithFiguresAreShownAndTheHeaderSaysSo() throws Exception {
        // given figures from 05-01 to 05-10, long before today
        ReportFixture fixture = new ReportFixture().days("2026-05-01", "2026-05-10", "trend_agent", 20, 500, 0, 1);

        // when
        StepStatsReport report = fixture.report(null, null, null);

        // then: the seven days up to the last day with figures
        assertThat(report.range())
                .isEqualTo(new DayRange(LocalDate.parse("2026-05-04"), LocalDate.parse("2026-05-10")));
        assertThat(report.choice()).isEqualTo(RangeChoice.LATEST_WITH_FIGURES);
        assertThat(report.days()).hasSize(7);
        assertThat(HtmlReport.choiceText(report))
                .isEqualTo("No --from/--to given: the 7 most recent days up to 2026-05-10, the last day with figures."
                        + " Figures exist from 2026-05-01 to 2026-05-10.");
        StatsPage page = new StatsPage(HtmlReport.render(report));
        assertThat(page.document().selectFirst("#choice").text()).isEqualTo(HtmlReport.choiceText(report));
        assertThat(json(report).get("range_chosen").asText()).isEqualTo("latest_with_figures");
    }

    @Test
    void anEmptyRangeSaysSoAndNamesTheFirstAndLastDayWithFigures() throws Exception {
        // given
        ReportFixture fixture = new ReportFixture().days("2026-05-01", "2026-05-10", "trend_agent", 20, 500, 0, 1);

        // when
        StepStatsReport report = fixture.report("2026-11-30", "2026-12-06", null);

        // then
        String expected = "No step statistics between 2026-11-30 and 2026-12-06."
                + " Figures exist from 2026-05-01 to 2026-05-10.";
        assertThat(HtmlReport.emptyMessage(report)).isEqualTo(expected);
        StatsPage page = new StatsPage(HtmlReport.render(report));
        assertThat(page.document().selectFirst("#empty").text()).isEqualTo(expected);
        assertThat(page.document().select("svg")).isEmpty();
        JsonNode json = json(report);
        assertThat(json.get("days")).isEmpty();
        assertThat(json.get("first_day_with_figures").asText()).isEqualTo("2026-05-01");
        assertThat(json.get("last_day_with_figures").asText()).isEqualTo("2026-05-10");
        // with no figures at all, the message says that
        assertThat(HtmlReport.emptyMessage(new ReportFixture().report(null, null, null)))
                .isEqualTo("No step statistics between 2026-12-01 and 2026-12-07."
                        + " There are no figures at all yet: no archive launch has merged any.");
        assertThat(HtmlReport.emptyMessage(fixture.report(null, null, "nobody")))
                .isEqualTo("No step statistics between 2026-12-01 and 2026-12-07."
                        + " There are no figures of step_name nobody at all.");
    }

    @Test
    void aDayWithoutFiguresIsAGapNotAZero() {
        // given trend_agent on 05-01, 05-02, 05-04 and 05-05, not on 05-03
        ReportFixture fixture = new ReportFixture()
                .day("2026-05-01", "trend_agent", 30, 700, 1, 1)
                .day("2026-05-02", "trend_agent", 30, 700, 1, 2)
                .day("2026-05-04", "trend_agent", 30, 700, 1, 4)
                .day("2026-05-05", "trend_agent", 30, 700, 1, 5);

        // when
        StatsPage page = new StatsPage(HtmlReport.render(fixture.report("2026-05-01", "2026-05-05", null)));

        // then: no value on the third day, lines only on either side of it, no point drawn there
        for (String[] series : new String[][] {
            {"calls", "calls"}, {"error_rate", "error_rate"}, {"duration_ms", "p50"}, {"duration_ms", "p99"}
        }) {
            List<String> values = page.values("trend_agent", series[0], series[1]);
            assertThat(values.get(2)).as(series[1]).isEmpty();
            assertThat(values.get(1)).as(series[1]).isNotEmpty();
            assertThat(values.get(3)).as(series[1]).isNotEmpty();
            Element g = page.chart("trend_agent", series[0]).select("g.series").stream()
                    .filter(e -> e.attr("data-series").equals(series[1]))
                    .findFirst()
                    .orElseThrow();
            assertThat(g.select("path.seg").stream()
                            .map(p -> p.attr("data-from") + ".." + p.attr("data-to"))
                            .toList())
                    .containsExactly("0..1", "3..4");
            assertThat(g.select("circle").eachAttr("data-i")).containsExactly("0", "1", "3", "4");
        }
        assertThat(page.values("trend_agent", "calls", "calls")).containsExactly("30", "30", "", "30", "30");
    }

    @Test
    void theSummaryTheChartsAndTheErrorTablesShowTheJsonFigures() throws Exception {
        // given three steps over two weeks, one of them missing some days
        ReportFixture fixture = new ReportFixture()
                .days("2026-05-01", "2026-05-14", "indicator_agent", 120, 900, 0.02, 3)
                .days("2026-05-01", "2026-05-14", "trend_agent", 80, 1_400, 0, 6)
                .days("2026-05-03", "2026-05-06", "report_agent", 40, 300, 0, 0)
                .days("2026-05-10", "2026-05-12", "report_agent", 40, 300, 0.5, 9);

        // when
        StepStatsReport report = fixture.report("2026-05-08", "2026-05-14", null);

        // then
        new StatsPage(HtmlReport.render(report)).assertShowsTheFiguresOf(json(report));
    }

    @Test
    void aStepNameOrErrorWithMarkupIsEscaped() throws Exception {
        // given a step name and an error message that are HTML
        String name = "<script>alert('step')</script>\"&";
        ReportFixture fixture = new ReportFixture().days("2026-05-01", "2026-05-03", name, 10, 500, 0, 0);
        StepFigures figures = new StepFigures();
        figures.add("error", 120L, "</code><img src=x onerror=alert(1)> & <b>bold</b>");
        StepStatsReport report = fixture.report("2026-05-01", "2026-05-03", null);
        StepStatsReport withError = new StepStatsReport(
                report.range(),
                report.choice(),
                report.previous(),
                report.source() + " <i>",
                report.errorPatternsNote(),
                report.generatedAt(),
                report.extent(),
                report.days(),
                List.of(new StepSummary(name, report.steps().get(0).figures(), null, figures.topErrors(5), null, null)),
                null);

        // when
        String html = HtmlReport.render(withError);

        // then: nothing of it is markup, all of it is text
        assertThat(html)
                .doesNotContainIgnoringCase("<script")
                .doesNotContainIgnoringCase("<img")
                .doesNotContain("<b>bold")
                .doesNotContain("<i>");
        StatsPage page = new StatsPage(html);
        assertThat(page.document().select("script, img, #errors b, #source i")).isEmpty();
        assertThat(page.document().selectFirst("#summary tbody td.name").text()).isEqualTo(name);
        assertThat(page.summaryRow(name).attr("data-step")).isEqualTo(name);
        assertThat(page.chart(name, "calls").attr("data-step")).isEqualTo(name);
        assertThat(page.document().select("#errors code").eachText())
                .contains(
                        "</code><img src=x onerror=alert(<n>)> & <b>bold</b>",
                        "</code><img src=x onerror=alert(1)> & <b>bold</b>");
        assertThat(page.document().selectFirst("#source b").text()).endsWith("<i>");
    }

    @Test
    void oneStepOnOneDayAndSixtyStepsOverTwoWeeksRender() throws Exception {
        // given
        ReportFixture one = new ReportFixture().day("2026-05-01", "only_agent", 1, 250, 0, 7);
        ReportFixture sixty = new ReportFixture();
        for (int i = 0; i < 60; i++) {
            sixty.days("2026-04-18", "2026-05-01", String.format("agent_%02d", i), 10 + i, 100 + 40L * i, 0.01, i % 4);
        }

        // when
        StepStatsReport oneReport = one.report("2026-05-01", "2026-05-01", null);
        StepStatsReport sixtyReport = sixty.report("2026-04-18", "2026-05-01", null);
        StatsPage onePage = new StatsPage(HtmlReport.render(oneReport));
        StatsPage sixtyPage = new StatsPage(HtmlReport.render(sixtyReport));

        // then: every step has its summary row and its four charts, with the JSON's figures
        assertThat(onePage.document().select("#summary tbody tr")).hasSize(1);
        assertThat(onePage.document().select("svg")).hasSize(4);
        assertThat(onePage.values("only_agent", "calls", "calls")).containsExactly("1");
        assertThat(onePage.chart("only_agent", "calls").select("circle")).hasSize(1); // a lone day is a point
        onePage.assertShowsTheFiguresOf(json(oneReport));
        assertThat(sixtyPage.document().select("#summary tbody tr")).hasSize(60);
        assertThat(sixtyPage.document().select("svg")).hasSize(240);
        assertThat(sixtyPage.days()).hasSize(14);
        sixtyPage.assertShowsTheFiguresOf(json(sixtyReport));
    }

    @Test
    void thePageLoadsNothingFromElsewhere() {
        // given
        ReportFixture fixture = new ReportFixture().days("2026-05-01", "2026-05-14", "trend_agent", 50, 700, 0.05, 2);

        // when
        StatsPage page = new StatsPage(HtmlReport.render(fixture.report("2026-05-01", "2026-05-14", null)));

        // then: no script at all; every reference is inside the page (#...) or inline (data:)
        assertThat(page.document().select("script, iframe, object, embed, img")).isEmpty();
        for (Element e : page.document().select("[src], [href], [srcset], [xlink:href], [action]")) {
            for (String attribute : List.of("src", "href", "srcset", "xlink:href", "action")) {
                String value = e.attr(attribute);
                assertThat(value.isEmpty() || value.startsWith("#") || value.startsWith("data:"))
                        .as(e.outerHtml())
                        .isTrue();
            }
        }
        String style = page.document().select("style").html();
        assertThat(style).doesNotContain("url(").doesNotContain("@import").doesNotContain("@font-face");
        assertThat(page.document().select("link").eachAttr("rel")).containsExactly("icon");
        assertThat(Map.of("charset", page.document().charset().name())).containsEntry("charset", "UTF-8");
    }
}
