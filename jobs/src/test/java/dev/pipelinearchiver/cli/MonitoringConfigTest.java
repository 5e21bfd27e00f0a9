package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.MonitoringConfig;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules (config/prometheus) pass Prometheus' own checks and unit tests, and the Grafana dashboard
 * (config/grafana) conforms to Grafana's published schema. That every metric they use is one a launch pushes:
 * PushgatewayIT.
 */
class MonitoringConfigTest {

    private record Run(int exitCode, String output) {}

    /** Runs a tool, or skips the test when it is missing (a failure on CI, where scripts/test.sh installs it). */
    private static Run run(Path dir, String install, String... command) throws Exception {
        boolean found = command[0].contains("/")
                ? Files.isExecutable(Path.of(command[0]))
                : List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                        .anyMatch(p -> Files.isExecutable(Path.of(p, command[0])));
        if (!found) {
            String why = command[0] + " is not installed (" + install + ")";
            assertThat(System.getenv("CI")).as(why).isNotEqualTo("true");
            System.out.println("MonitoringConfigTest skipped: " + why);
            Assumptions.abort(why);
        }
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as(output).isTrue();
        return new Run(process.exitValue(), output);
    }

    @Test
    void theAlertRulesPassPromtoolsCheckAndUnitTests() throws Exception {
        Path rules = MonitoringConfig.RULES.getParent();

        Run check = run(
                rules,
                "Debian: apt-get install prometheus",
                "promtool",
                "check",
                "rules",
                "pipeline-archiver-rules.yml");
        Run unitTests = run(
                rules,
                "Debian: apt-get install prometheus",
                "promtool",
                "test",
                "rules",
                "pipeline-archiver-rules.test.yml");

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 5 rules found");
        assertThat(unitTests.exitCode()).as(unitTests.output()).isZero();
        assertThat(unitTests.output()).contains("SUCCESS");
    }

    @Test
    void aRuleUnitTestWithTheWrongExpectationFails(@TempDir Path dir) throws Exception {
        // given the unit tests with one expectation turned around: the failed launch expected not to alert
        Path rules = MonitoringConfig.RULES.getParent();
        Files.copy(rules.resolve("pipeline-archiver-rules.yml"), dir.resolve("pipeline-archiver-rules.yml"));
        String tests = Files.readString(rules.resolve("pipeline-archiver-rules.test.yml"));
        String wrong = tests.replace(
                "      - eval_time: 3h\n        alertname: PipelineArchiverLaunchFailed\n        exp_alerts: []",
                "      - eval_time: 8h\n        alertname: PipelineArchiverLaunchFailed\n        exp_alerts: []");
        assertThat(wrong).isNotEqualTo(tests);
        Files.writeString(dir.resolve("pipeline-archiver-rules.test.yml"), wrong);

        // when
        Run unitTests = run(
                dir,
                "Debian: apt-get install prometheus",
                "promtool",
                "test",
                "rules",
                "pipeline-archiver-rules.test.yml");

        // then
        assertThat(unitTests.exitCode()).as(unitTests.output()).isNotZero();
        assertThat(unitTests.output()).contains("PipelineArchiverLaunchFailed");
    }

    @Test
    void theDashboardConformsToGrafanasPublishedSchemaAndABrokenOneDoesNot(@TempDir Path dir) throws Exception {
        // given the dashboard, and a copy with a misspelt panel property and a wrong threshold mode
        Path script = MonitoringConfig.DASHBOARD
                .getParent()
                .resolve("check-dashboard.sh")
                .toAbsolutePath();
        String dashboard = Files.readString(MonitoringConfig.DASHBOARD);
        Path broken = dir.resolve("broken.json");
        Files.writeString(
                broken,
                dashboard.replaceFirst("\"gridPos\"", "\"gridpos\"").replaceFirst("\"absolute\"", "\"absolut\""));

        // when
        run(dir, "Debian: apt-get install npm", "npm", "--version"); // skips the test where there is no npm
        Run good = run(
                dir,
                "bash",
                "bash",
                script.toString(),
                MonitoringConfig.DASHBOARD.toAbsolutePath().toString());
        Run bad = run(dir, "bash", "bash", script.toString(), broken.toString());

        // then
        assertThat(good.exitCode()).as(good.output()).isZero();
        assertThat(good.output()).contains("conforms to @grafana/schema");
        assertThat(bad.exitCode()).as(bad.output()).isEqualTo(1);
        assertThat(bad.output()).contains("broken.json does not conform").containsAnyOf("gridpos", "absolut");
    }
}
