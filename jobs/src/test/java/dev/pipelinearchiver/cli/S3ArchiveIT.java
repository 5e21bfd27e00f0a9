package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.ArchiverProcess.Running;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.FaultProxy;
import dev.pipelinearchiver.support.FaultProxy.Fault;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.S3Server;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The jar archiving to an S3 bucket on a real S3 server (s3proxy), configured only through the AWS
 * SDK's standard variables, under the faults of an object store: a missing bucket, refused
 * credentials, throttling, dropped connections, a refused operation, the server stopping, a kill in
 * the middle of a multipart upload. Faults the server cannot produce come from a proxy in front of it.
 * Every launch ends with every eligible row in the bucket exactly once (read back by DuckDB from the
 * server's files) or still in PostgreSQL.
 */
class S3ArchiveIT {

    private static final Instant CUTOFF = Instant.parse("2026-06-01T00:00:00Z");
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(CUTOFF);
    private static final String BUCKET = "lake";
    private static final String PREFIX = "pipelines/archive";

    @TempDir
    static Path buckets;

    private static TestDatabase db;
    private static S3Server server;
    private static FaultProxy proxy;

    private RunSnapshot eligible;
    private RunSnapshot others;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create("archiver_s3");
        server = S3Server.start(buckets);
        proxy = new FaultProxy(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        server.stop();
        db.drop();
    }

    @BeforeEach
    void runs() throws Exception {
        server.start();
        proxy.clear();
        db.resetSource();
        try (Stream<Path> files = Files.walk(buckets)) {
            files.sorted(Comparator.reverseOrder())
                    .filter(p -> !p.equals(buckets))
                    .forEach(p -> p.toFile().delete());
        }
        server.bucket(BUCKET);
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(120, "ok", Instant.parse("2026-05-28T00:00:00Z"), 2_000, 4); // 2026-05-28 .. 2026-05-30
        fixture.runs(6, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(3, "running", null, 0, 2);
        snapshot();
    }

    private void snapshot() throws Exception {
        eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
    }

    @AfterEach
    void clearFaults() {
        proxy.clear();
    }

    /** The jar's environment: the database, the s3:// root, and the AWS SDK's standard variables. */
    private Map<String, String> env(String endpoint, String... overrides) {
        Map<String, String> env = new HashMap<>(ArchiverProcess.environment(db, Path.of("unused")));
        env.putAll(server.environment());
        env.put("AWS_ENDPOINT_URL_S3", endpoint);
        env.put("ARCHIVER_OUTPUT_ROOT", "s3://" + BUCKET + "/" + PREFIX);
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return env;
    }

    private static String[] archive(String... extra) {
        List<String> args = new ArrayList<>(List.of("archive", "--cutoff=" + CUTOFF));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private DuckDbArchive bucketFiles() {
        return new DuckDbArchive(buckets.resolve(BUCKET).resolve(PREFIX));
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }

    private int openUploads() {
        try (S3Client s3 = server.client()) {
            return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(PREFIX + "/"))
                    .uploads()
                    .size();
        }
    }

    /** Every run that left PostgreSQL is in the bucket: nothing deleted that was not archived. */
    private void assertNothingDeletedUnarchived() throws Exception {
        List<List<Object>> gone;
        try (Connection con = db.connect()) {
            gone = Rows.query(
                    con, "SELECT id FROM pipeline_runs_before EXCEPT SELECT id FROM pipeline_runs ORDER BY 1");
        }
        if (gone.isEmpty()) {
            return;
        }
        DuckDbArchive archive = bucketFiles();
        List<Object> archivedIds = archive.query("SELECT DISTINCT id FROM " + archive.dataset("pipeline_runs")).stream()
                .map(row -> row.get(0))
                .toList();
        assertThat(archivedIds).containsAll(gone.stream().map(row -> row.get(0)).toList());
    }

    /** A count from the archiver's schema, 0 until a launch has created it. */
    private long ledgerCount(String sql) {
        try {
            return db.count(sql);
        } catch (IllegalStateException e) {
            if (e.getMessage().contains("does not exist")) {
                return 0;
            }
            throw e;
        }
    }

    private void rememberRuns() {
        db.execute(
                "DROP TABLE IF EXISTS pipeline_runs_before; CREATE TABLE pipeline_runs_before AS SELECT id FROM pipeline_runs");
    }

    @Test
    void aMissingBucketOrRefusedCredentialsExitTwoWithOneLineBeforeAnyWrite() throws Exception {
        // when: the bucket does not exist
        Outcome missing = ArchiverProcess.run(
                env(server.endpoint(), "ARCHIVER_OUTPUT_ROOT", "s3://no-such-bucket/archive"), archive());
        // and: the secret key is wrong
        Outcome refused =
                ArchiverProcess.run(env(server.endpoint(), "AWS_SECRET_ACCESS_KEY", "not-the-secret"), archive());

        // then: exit 2, one line naming the bucket or the refusal, and no secret printed
        assertThat(missing.exitCode()).as(missing.stdout() + missing.stderr()).isEqualTo(2);
        assertThat(lastLine(missing.stderr()))
                .startsWith("pipeline-archiver: ")
                .contains("'no-such-bucket' does not exist");
        assertThat(refused.exitCode()).as(refused.stdout() + refused.stderr()).isEqualTo(2);
        assertThat(lastLine(refused.stderr())).contains("refused the credentials");
        assertThat(refused.stdout() + refused.stderr()).doesNotContain("not-the-secret", S3Server.SECRET_KEY);
        // and nothing was written: no job instance, no batch, every run still in PostgreSQL, an empty bucket
        assertThat(ledgerCount("SELECT count(*) FROM archiver.batch_job_instance"))
                .isZero();
        assertThat(ledgerCount("SELECT count(*) FROM archiver.archive_batch")).isZero();
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(129);
        try (Stream<Path> objects = Files.walk(buckets.resolve(BUCKET))) {
            assertThat(objects.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void throttlingAndDroppedConnectionsAreRetriedAndTheArchiveIsExact() throws Exception {
        // given: the store throttles (503 SlowDown) and drops connections, on uploads and reads
        proxy.fail("PUT", "/" + BUCKET + "/", Fault.SLOW_DOWN, 4);
        proxy.fail("GET", "/" + BUCKET + "/", Fault.DROP, 2);
        proxy.fail("PUT", "/" + BUCKET + "/", Fault.DROP, 2);
        proxy.fail("HEAD", "/" + BUCKET + "/", Fault.SLOW_DOWN, 2);

        // when
        Outcome outcome = ArchiverProcess.run(env(proxy.endpoint()), archive());

        // then: every fault was met and retried, and the archive is exact
        assertThat(outcome.exitCode()).as(outcome.stdout() + outcome.stderr()).isZero();
        assertThat(proxy.faultsServed()).isEqualTo(10);
        RunSnapshot.assertArchivedExactlyOnce(db, bucketFiles(), eligible, others);
        assertThat(openUploads()).isZero();
    }

    @Test
    void anOperationDeniedMidLaunchFailsItWithNothingUnverifiedDeletedAndTheRelaunchCompletes() throws Exception {
        // given: uploads of the LLM calls' files are refused (as a policy missing s3:PutObject on a prefix)
        rememberRuns();
        proxy.fail("PUT", "/llm_calls/", Fault.DENY, -1);

        // when
        Outcome denied = ArchiverProcess.run(env(proxy.endpoint()), archive("--archiver.batch-size=40"));

        // then: exit 1, one line naming the refused operation; nothing deleted that is not in the bucket
        assertThat(denied.exitCode()).as(denied.stdout() + denied.stderr()).isEqualTo(1);
        assertThat(lastLine(denied.stderr())).contains("AccessDenied").contains("llm_calls");
        assertNothingDeletedUnarchived();

        // when: the permission is fixed and the same command relaunched
        proxy.clear();
        Outcome resumed = ArchiverProcess.run(env(proxy.endpoint()), archive("--archiver.batch-size=40"));

        // then
        assertThat(resumed.exitCode()).as(resumed.stdout() + resumed.stderr()).isZero();
        RunSnapshot.assertArchivedExactlyOnce(db, bucketFiles(), eligible, others);
        Outcome verified = ArchiverProcess.run(env(proxy.endpoint()), "verify");
        assertThat(verified.exitCode())
                .as(verified.stdout() + verified.stderr())
                .isZero();
    }

    @Test
    void theServerStoppingMidLaunchFailsItAndTheRelaunchAfterItIsBackCompletesExactlyOnce() throws Exception {
        // given: a launch slowed by the link (every upload held 1 s), the server stopped while it exports
        rememberRuns();
        proxy.fail("PUT", "/" + BUCKET + "/", Fault.DELAY, -1);
        Running launch = ArchiverProcess.start(
                env(proxy.endpoint(), "ARCHIVER_S3_MAX_ATTEMPTS", "2"),
                archive("--archiver.batch-size=20", "--archiver.export-threads=1"));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (ledgerCount("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PLANNED'") == 0) {
            assertThat(launch.isAlive()).as(launch.stdoutSoFar()).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }
        server.stop();
        Outcome stopped = launch.await(Duration.ofSeconds(120));

        // then: exit 1 with one line; nothing deleted beyond verified files
        assertThat(stopped.exitCode()).as(stopped.stdout() + stopped.stderr()).isEqualTo(1);
        assertNothingDeletedUnarchived();
        assertThat(db.count("SELECT count(*) FROM pipeline_runs"))
                .as("runs left for the relaunch")
                .isPositive();

        // when: the server is back and the same command relaunched
        server.start();
        proxy.clear();
        Outcome resumed = ArchiverProcess.run(env(proxy.endpoint()), archive("--archiver.batch-size=20"));

        // then
        assertThat(resumed.exitCode()).as(resumed.stdout() + resumed.stderr()).isZero();
        RunSnapshot.assertArchivedExactlyOnce(db, bucketFiles(), eligible, others);
    }

    @Test
    void aLaunchKilledInTheMiddleOfAMultipartUploadIsCompletedByTheRelaunchWithNoUploadLeftOpen() throws Exception {
        // given: runs whose steps' file spans several 5 MiB parts (incompressible payloads), uploads held 1 s
        db.resetSource();
        new SourceFixture(db).runs(60, "ok", Instant.parse("2026-05-29T00:00:00Z"), 600, 5);
        db.execute("""
                UPDATE pipeline_steps SET input_json = (SELECT string_agg(md5(id::text || ':' || g), '')
                                                          FROM generate_series(1, 2000) g)""");
        snapshot();
        proxy.fail("PUT", "uploadId=", Fault.DELAY, -1);
        Running launch = ArchiverProcess.start(
                env(proxy.endpoint()), archive("--archiver.s3.part-bytes=5242880", "--archiver.export-threads=1"));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (openUploads() == 0) {
            assertThat(launch.isAlive()).as(launch.stdoutSoFar()).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }

        // when: killed (SIGKILL) with a multipart upload open, then relaunched
        launch.kill();
        launch.await(Duration.ofSeconds(30));
        assertThat(openUploads()).as("the killed launch's upload").isPositive();
        proxy.clear();
        Outcome resumed = ArchiverProcess.run(env(proxy.endpoint()), archive("--archiver.s3.part-bytes=5242880"));

        // then: exactly once, and the killed launch's upload aborted
        assertThat(resumed.exitCode()).as(resumed.stdout() + resumed.stderr()).isZero();
        assertThat(resumed.stdout()).contains("aborted an incomplete upload of " + PREFIX + "/pipeline_steps/");
        RunSnapshot.assertArchivedExactlyOnce(db, bucketFiles(), eligible, others);
        assertThat(openUploads()).isZero();
    }

    @Test
    void verifyRestoreStatsAndPruneWorkOnAnS3RootAsOnALocalOne() throws Exception {
        // given: an archive in the bucket
        String dayRuns =
                "IN (SELECT id FROM pipeline_runs WHERE finished_at >= '2026-05-29' AND finished_at < '2026-05-30')";
        RunSnapshot day = RunSnapshot.of(db, dayRuns);
        Outcome archived = ArchiverProcess.run(env(server.endpoint()), archive());
        assertThat(archived.exitCode())
                .as(archived.stdout() + archived.stderr())
                .isZero();

        // when / then: verify reads every object back and finds them as recorded
        Outcome verified = ArchiverProcess.run(env(server.endpoint()), "verify");
        assertThat(verified.exitCode())
                .as(verified.stdout() + verified.stderr())
                .isZero();
        assertThat(verified.stdout()).doesNotContain("MISSING", "CHANGED", "UNREADABLE", "UNKNOWN");

        // when / then: the statistics' day files are in the bucket, one per archived day
        try (Stream<Path> days =
                Files.list(buckets.resolve(BUCKET).resolve(PREFIX).resolve("step_stats"))) {
            assertThat(days.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("dt=2026-05-28", "dt=2026-05-29", "dt=2026-05-30");
        }
        Outcome stats = ArchiverProcess.run(env(server.endpoint()), "stats", "--from=2026-05-28", "--to=2026-05-30");
        assertThat(stats.exitCode()).as(stats.stdout() + stats.stderr()).isZero();
        assertThat(stats.stdout()).contains("indicator_agent");

        // when: a day restored from the bucket
        Outcome restored = ArchiverProcess.run(env(server.endpoint()), "restore", "--dt=2026-05-29");

        // then: its runs are back in PostgreSQL as they were, and out of the bucket's files
        assertThat(restored.exitCode())
                .as(restored.stdout() + restored.stderr())
                .isZero();
        assertThat(RunSnapshot.of(db, dayRuns)).isEqualTo(day);
        assertThat(day.rows().get("pipeline_runs")).isNotEmpty();
        Outcome verifiedAgain = ArchiverProcess.run(env(server.endpoint()), "verify");
        assertThat(verifiedAgain.exitCode())
                .as(verifiedAgain.stdout() + verifiedAgain.stderr())
                .isZero();
        DuckDbArchive archive = bucketFiles();
        assertThat(archive.query(
                        "SELECT count(*) FROM " + archive.dataset("pipeline_runs") + " WHERE dt = DATE '2026-05-29'"))
                .containsExactly(List.of(0L));

        // and the metadata can be pruned with the root on S3
        Outcome pruned = ArchiverProcess.run(env(server.endpoint()), "prune-metadata", "--older-than=1d");
        assertThat(pruned.exitCode()).as(pruned.stdout() + pruned.stderr()).isZero();
    }
}
