package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelinearchiver.archive.ArchiveLauncher;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.MonitoringConfig;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launch pushes its metrics to a Pushgateway (a stand-in HTTP server on loopback) when it ends: to its shard's
 * group, with the last-success time kept by launches that fail, and every metric the Grafana dashboard and the
 * alert rules use among them.
 */
class PushgatewayIT {

    private record Push(String method, String path, String body) {

        /** A sample's value: the line {@code name{labels} value} or {@code name value}. */
        Double value(String name) {
            Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(body);
            return m.find() ? Double.valueOf(m.group(2)) : null;
        }
    }

    private TestDatabase db;
    private HttpServer pushgateway;
    private final List<Push> pushes = new CopyOnWriteArrayList<>();

    @TempDir
    Path root;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.create("archiver_metrics");
        db.resetSource();
        new SourceFixture(db).runs(12, "ok", Instant.parse("2026-05-30T00:00:00Z"), 600, 2);
        pushgateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pushgateway.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                pushes.add(new Push(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(),
                        new String(body.readAllBytes(), StandardCharsets.UTF_8)));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        pushgateway.start();
    }

    @AfterEach
    void stop() {
        pushgateway.stop(0);
        db.drop();
    }

    private Map<String, String> env(int shard, int shards) {
        Map<String, String> env = new HashMap<>(ArchiverProcess.environment(db, root.resolve("archive")));
        env.put("MANAGEMENT_PROMETHEUS_METRICS_EXPORT_PUSHGATEWAY_ENABLED", "true");
        env.put(
                "MANAGEMENT_PROMETHEUS_METRICS_EXPORT_PUSHGATEWAY_ADDRESS",
                "127.0.0.1:" + pushgateway.getAddress().getPort());
        env.put("ARCHIVER_SHARD_INDEX", Integer.toString(shard));
        env.put("ARCHIVER_SHARD_COUNT", Integer.toString(shards));
        return env;
    }

    /** The last push of a launch: a PUT, which replaces its group's metrics. */
    private Push lastPush() {
        assertThat(pushes).isNotEmpty();
        Push last = pushes.get(pushes.size() - 1);
        assertThat(last.method()).isEqualTo("PUT");
        return last;
    }

    @Test
    void aLaunchPushesItsFiguresToItsShardsGroupAndFailedLaunchesKeepTheLastSuccess() throws Exception {
        // when: a launch that archives
        long before = Instant.now().getEpochSecond();
        Outcome archived = ArchiverProcess.run(env(0, 1), "archive", "--cutoff=2026-06-01T00:00:00Z");

        // then
        assertThat(archived.exitCode()).as(archived.stderr()).isZero();
        Push success = lastPush();
        assertThat(success.path()).isEqualTo("/metrics/job/pipeline-archiver/shard/0");
        assertThat(success.body())
                .containsPattern("(?m)^archiver_launch_outcome\\{[^}]*outcome=\"COMPLETED\"[^}]*\\} 1(\\.0)?$")
                .contains("spring_batch_job");
        assertThat(success.value("archiver_runs_purged")).isEqualTo(12.0);
        assertThat(success.value("archiver_runs_planned")).isEqualTo(12.0);
        assertThat(success.value("archiver_runs_released")).isEqualTo(0.0);
        assertThat(success.value("archiver_launch_exit_code")).isEqualTo(0.0);
        assertThat(success.value("archiver_archived_bytes"))
                .isEqualTo((double) db.count("SELECT sum(byte_count) FROM archiver.archive_file"));
        double lastSuccess = success.value("archiver_last_success_timestamp_seconds");
        assertThat(lastSuccess)
                .isBetween((double) before, (double) Instant.now().getEpochSecond());
        assertThat(success.value("archiver_launch_timestamp_seconds")).isBetween((double) before, lastSuccess);
        // the purge's delete transactions: how many, their time added up, the longest
        double transactions = success.value("archiver_purge_transaction_seconds_count");
        double total = success.value("archiver_purge_transaction_seconds_sum");
        double longest = success.value("archiver_purge_transaction_max_seconds");
        assertThat(transactions).isGreaterThanOrEqualTo(1);
        assertThat(longest).isPositive().isLessThanOrEqualTo(total);
        assertThat(total).isLessThanOrEqualTo(success.value("archiver_launch_duration_seconds"));
        // every metric the dashboard and the alert rules read is one the launch pushed
        List<String> queries = new ArrayList<>(MonitoringConfig.dashboardQueries());
        queries.addAll(MonitoringConfig.ruleExpressions());
        for (String query : queries) {
            assertThat(MonitoringConfig.metricNames(query)).as(query).isNotEmpty();
            for (String name : MonitoringConfig.metricNames(query)) {
                assertThat(success.body()).as(name + " in " + query).containsPattern("(?m)^" + name + "[{ ]");
            }
        }

        // when: the next launch finds the lock held (exit 3), then one on shard 1 of 2 does too
        pushes.clear();
        Outcome locked;
        Outcome otherShard;
        Map<String, String> shardOne = env(1, 2);
        try (Connection holder = db.connect();
                Statement lock = holder.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + ArchiveLauncher.LOCK_CLASS + ", 0), pg_advisory_lock("
                    + ArchiveLauncher.LOCK_CLASS + ", 1)");
            locked = ArchiverProcess.run(env(0, 1), "archive", "--cutoff=2026-06-02T00:00:00Z");
            assertThat(locked.exitCode()).as(locked.stderr()).isEqualTo(3);
            Push failed = lastPush();
            assertThat(failed.path()).isEqualTo("/metrics/job/pipeline-archiver/shard/0");
            assertThat(failed.value("archiver_launch_exit_code")).isEqualTo(3.0);
            assertThat(failed.body()).containsPattern("outcome=\"LOCKED\"");
            // the failed launch pushes the last success again: the PUT does not erase it
            assertThat(failed.value("archiver_last_success_timestamp_seconds")).isEqualTo(lastSuccess);
            pushes.clear();
            otherShard = ArchiverProcess.run(shardOne, "archive", "--cutoff=2026-06-01T00:00:00Z");
        }

        // then: shard 1 pushed to its own group only, with its own last success (never: 0)
        assertThat(otherShard.exitCode()).as(otherShard.stderr()).isEqualTo(3);
        assertThat(pushes).extracting(Push::path).containsOnly("/metrics/job/pipeline-archiver/shard/1");
        assertThat(lastPush().value("archiver_last_success_timestamp_seconds")).isEqualTo(0.0);
        assertThat(lastPush().value("archiver_launch_exit_code")).isEqualTo(3.0);

        // when: a command other than a launch runs with the same settings
        pushes.clear();
        Outcome stats = ArchiverProcess.run(env(0, 1), "stats");

        // then: it pushes nothing (a push would replace the launch's metrics)
        assertThat(stats.exitCode()).as(stats.stderr()).isZero();
        assertThat(pushes).isEmpty();
    }
}
