package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A launch pushes its metrics to a Pushgateway (a stand-in HTTP server on loopback) when it ends. */
class PushgatewayIT {

    private record Push(String method, String path, String body) {}

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

    @Test
    void theLaunchsFiguresArePushedWhenItEnds() throws Exception {
        Map<String, String> env = new HashMap<>(ArchiverProcess.environment(db, root.resolve("archive")));
        env.put("MANAGEMENT_PROMETHEUS_METRICS_EXPORT_PUSHGATEWAY_ENABLED", "true");
        env.put(
                "MANAGEMENT_PROMETHEUS_METRICS_EXPORT_PUSHGATEWAY_ADDRESS",
                "127.0.0.1:" + pushgateway.getAddress().getPort());

        Outcome outcome = ArchiverProcess.run(env, "archive", "--cutoff=2026-06-01T00:00:00Z");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(pushes).isNotEmpty();
        Push last = pushes.get(pushes.size() - 1);
        assertThat(last.method()).isEqualTo("PUT");
        assertThat(last.path()).isEqualTo("/metrics/job/pipeline-archiver");
        assertThat(last.body())
                .containsPattern("(?m)^archiver_runs_purged(\\{[^}]*\\})? 12(\\.0)?$")
                .containsPattern("(?m)^archiver_launch_outcome\\{[^}]*outcome=\"COMPLETED\"[^}]*\\} 1(\\.0)?$")
                .contains("spring_batch_job");
    }
}
