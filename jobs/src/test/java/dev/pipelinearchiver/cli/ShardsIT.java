package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.ArchiverProcess.Running;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.S3Server;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards side by side (issue 18): processes of the packaged jar, one per shard, launched at the same
 * moment for one cutoff against one database and one archive root, one of them killed with SIGKILL
 * mid-run and relaunched while the others still run. Every eligible row must be archived exactly once,
 * the rest untouched, the {@code step_stats} day files equal to exact SQL over all archived steps, and
 * no launch may fail because of another shard (a serialization failure or a deadlock between shards is
 * retried, never reported). One round archives to an s3:// root (s3proxy) instead of a directory.
 */
class ShardsIT {

    private static final Instant CUTOFF = Instant.parse("2026-06-01T00:00:00Z");
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(CUTOFF);
    private static final int SHARDS = 3;
    private static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(3);

    /** Exact figures per (day, step_name) over the steps of the eligible runs, computed by PostgreSQL. */
    private static final String EXACT_STATS = """
            WITH steps AS (
                SELECT (r.finished_at AT TIME ZONE 'UTC')::date AS dt, s.*, s.duration_ms BETWEEN 0 AND 86400000 AS valid
                FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id
                WHERE r.id IN (%s))
            SELECT dt, step_name, count(*), count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'skip'),
                   count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE status NOT IN ('ok', 'skip', 'error')),
                   count(*) FILTER (WHERE NOT valid),
                   min(duration_ms) FILTER (WHERE valid), max(duration_ms) FILTER (WHERE valid),
                   coalesce(sum(duration_ms) FILTER (WHERE valid), 0)
            FROM steps GROUP BY dt, step_name ORDER BY dt, step_name""";

    /** The same figures as the day files hold them, read by DuckDB. */
    private static final String FILE_STATS = """
            SELECT dt, step_name, calls, ok, skipped, errors, other_status, invalid_durations,
                   duration_ms_min, duration_ms_max, duration_ms_total
            FROM %s ORDER BY dt, step_name""";

    /** The round that archives to an object store: its bucket and the root's prefix in it. */
    private static final int S3_ROUND = 1;

    private static final String BUCKET = "shards";

    private static TestDatabase db;
    private static S3Server s3;
    private final Random random = new Random();

    @TempDir
    Path temp;

    @TempDir
    static Path buckets;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_shards");
        s3 = S3Server.start(buckets);
        s3.bucket(BUCKET);
    }

    @AfterAll
    static void dropDatabase() {
        s3.stop();
        db.drop();
    }

    /**
     * ~75 runs over three days before the cutoff, some after it and some unfinished: each shard has three
     * batches (of 8 runs), so that a kill lands between batches as well as in one.
     */
    private static void runs() {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(66, "ok", Instant.parse("2026-05-28T00:00:00Z"), 3_800, 4);
        fixture.runs(6, "error", Instant.parse("2026-05-29T03:00:00Z"), 8_000, 3);
        fixture.runs(8, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(4, "running", null, 0, 2);
        db.execute("""
                UPDATE pipeline_steps SET duration_ms = -5 WHERE id % 17 = 0;
                UPDATE pipeline_steps SET status = 'retried' WHERE id % 31 = 0;
                -- a purge that lasts a moment, so that a kill can land in it
                CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(0.01); RETURN OLD; END $$;
                CREATE TRIGGER slow_delete BEFORE DELETE ON pipeline_runs FOR EACH ROW EXECUTE FUNCTION slow_delete();
                """);
    }

    private static String[] archive() {
        return new String[] {
            "archive",
            "--cutoff=" + CUTOFF,
            "--archiver.batch-size=8",
            "--archiver.purge-batch-size=4",
            "--archiver.export-threads=1"
        };
    }

    private static String[] archive(int shard, int count) {
        List<String> args = new ArrayList<>(List.of(archive()));
        args.add("--archiver.shard.index=" + shard);
        args.add("--archiver.shard.count=" + count);
        return args.toArray(String[]::new);
    }

    /** The shard as a pod of config/kubernetes/cronjob-sharded.yaml gets it: JOB_COMPLETION_INDEX and the count. */
    private static Map<String, String> indexedJobPod(Map<String, String> env, int index) {
        Map<String, String> pod = new HashMap<>(env);
        pod.put("JOB_COMPLETION_INDEX", Integer.toString(index));
        pod.put("ARCHIVER_SHARD_COUNT", Integer.toString(SHARDS));
        return pod;
    }

    /** When the victim is killed: once its launch has reached a phase (seen in the ledger), plus a random delay. */
    private enum KillPoint {
        PLANNED("SELECT count(*) FROM archiver.archive_batch WHERE shard = %d"),
        EXPORTED("SELECT count(*) FROM archiver.archive_batch WHERE shard = %d AND state <> 'PLANNED'"),
        PURGING("SELECT count(*) FROM archiver.batch_run r JOIN archiver.archive_batch b ON b.batch_id = r.batch_id"
                + " WHERE b.shard = %d AND r.state = 'purged'"),
        STARTED(null);

        private final String reached;

        KillPoint(String reached) {
            this.reached = reached;
        }

        boolean reached(int shard) {
            if (reached == null) {
                return true;
            }
            try {
                return db.count(reached.formatted(shard)) > 0;
            } catch (RuntimeException e) {
                return false; // the ledger is not migrated yet
            }
        }
    }

    @Test
    void threeShardsSideBySideOneKilledAndRelaunchedArchiveEveryRowExactlyOnce() throws Exception {
        List<String> rounds = new ArrayList<>();
        KillPoint[] points = KillPoint.values();
        for (int round = 0; round < 4; round++) {
            // given: ~150 runs, one database, one archive root, and exact statistics over the eligible runs
            runs();
            RunSnapshot eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
            RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
            List<List<Object>> exactStats = postgres(EXACT_STATS.formatted(ELIGIBLE));
            Path root = temp.resolve("round-" + round);
            Map<String, String> env = new HashMap<>(ArchiverProcess.environment(db, root));
            if (round == S3_ROUND) { // the same, on an object store: the bucket's objects are files under root
                root = buckets.resolve(BUCKET).resolve("round-" + round);
                env.putAll(s3.environment());
                env.put("ARCHIVER_OUTPUT_ROOT", "s3://" + BUCKET + "/round-" + round);
            }
            int victim = round % SHARDS;
            KillPoint point = points[round % points.length];
            long extraDelay = point == KillPoint.STARTED ? 1_500 + random.nextInt(4_000) : random.nextInt(400);

            // when: three shards launched at the same moment; the victim is SIGKILLed once it reached the
            // point, and relaunched at once while the others still run
            List<Running> launches = new ArrayList<>();
            for (int shard = 0; shard < SHARDS; shard++) {
                launches.add(ArchiverProcess.start(indexedJobPod(env, shard), archive()));
            }
            Running killed = launches.get(victim);
            boolean hit = waitFor(() -> point.reached(victim) || !killed.isAlive(), Duration.ofMinutes(2));
            Thread.sleep(extraDelay);
            boolean killedMidRun = hit && killed.isAlive();
            killed.kill();
            Outcome killedOutcome = killed.await(Duration.ofSeconds(30));
            if (round == S3_ROUND) {
                s3.discardInterruptedPuts(); // what S3 does with a PUT whose client died
            }
            Outcome relaunch = ArchiverProcess.run(indexedJobPod(env, victim), archive());
            List<Outcome> outcomes = new ArrayList<>();
            for (int shard = 0; shard < SHARDS; shard++) {
                outcomes.add(shard == victim ? relaunch : launches.get(shard).await(LAUNCH_TIMEOUT));
            }

            // then: every launch but the killed one completed at once, without a relaunch
            String said = "round " + round + (round == S3_ROUND ? " (s3:// root)" : "") + ": shard " + victim
                    + " killed at " + point + "+" + extraDelay + " ms"
                    + (killedMidRun ? "" : " (it had already ended with exit " + killedOutcome.exitCode() + ")");
            rounds.add(said + "; retried between shards: "
                    + retries(Stream.concat(outcomes.stream(), Stream.of(killedOutcome))
                            .toList()));
            for (int shard = 0; shard < SHARDS; shard++) {
                Outcome outcome = outcomes.get(shard);
                assertThat(outcome.exitCode())
                        .as("%s; shard %d: %s", said, shard, lastLines(outcome))
                        .isZero();
            }
            // then: each row exactly once in the archive, the rest untouched in PostgreSQL
            DuckDbArchive archive = new DuckDbArchive(root);
            RunSnapshot.assertArchivedExactlyOnce(db, archive, eligible, others);
            // then: every shard's batches are purged, and each shard has its own completed job instance
            assertThat(db.count("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PURGED'"))
                    .as(said)
                    .isZero();
            assertThat(db.count("SELECT count(DISTINCT shard) FROM archiver.archive_batch"))
                    .isEqualTo(SHARDS);
            assertThat(db.count("""
                            SELECT count(DISTINCT p.parameter_value) FROM archiver.batch_job_execution e
                            JOIN archiver.batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                            WHERE p.parameter_name = 'shard' AND e.status = 'COMPLETED'""")).isEqualTo(SHARDS);
            // (each index came from JOB_COMPLETION_INDEX, as in an Indexed Job)
            assertThat(postgres("SELECT DISTINCT parameter_value FROM archiver.batch_job_execution_params"
                            + " WHERE parameter_name = 'shard' ORDER BY 1"))
                    .containsExactly(List.of("0/3"), List.of("1/3"), List.of("2/3"));
            // then: the day files hold exactly the figures of all archived steps, no shard's lost
            assertThat(archive.query(FILE_STATS.formatted(archive.dataset("step_stats"))))
                    .as(said)
                    .isEqualTo(exactStats);
        }
        rounds.forEach(line -> System.out.println("ShardsIT: " + line));
    }

    @Test
    void twoShardsRestartingTheirFailedExecutionsAtTheSameMomentBothComplete() throws Exception {
        // given: two shards whose launches failed in their purge (a run of each cannot be deleted)
        runs();
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
        List<List<Object>> exactStats = postgres(EXACT_STATS.formatted(ELIGIBLE));
        long even = db.count("SELECT max(id) FROM (" + ELIGIBLE + ") e WHERE id % 2 = 0");
        long odd = db.count("SELECT max(id) FROM (" + ELIGIBLE + ") e WHERE id % 2 = 1");
        db.failDeletingRun(even, odd);
        Path root = temp.resolve("restarts");
        Map<String, String> env = ArchiverProcess.environment(db, root);
        List<Running> first =
                List.of(ArchiverProcess.start(env, archive(0, 2)), ArchiverProcess.start(env, archive(1, 2)));
        List<Long> failed = new ArrayList<>();
        for (Running launch : first) {
            Outcome outcome = launch.await(LAUNCH_TIMEOUT);
            assertThat(outcome.exitCode()).as(lastLines(outcome)).isEqualTo(1);
            assertThat(ArchiverCommands.lastLine(outcome.stderr())).contains("simulated failure deleting run");
        }
        failed.addAll(ids("SELECT job_execution_id FROM archiver.batch_job_execution WHERE status = 'FAILED'"
                + " ORDER BY job_execution_id"));
        assertThat(failed).hasSize(2);

        // when: the cause is fixed and both are restarted at the same moment, each with its shard's settings
        db.stopFailingDeletes();
        List<Running> restarts = new ArrayList<>();
        for (long id : failed) {
            String shard = db.text("SELECT parameter_value FROM archiver.batch_job_execution_params"
                    + " WHERE parameter_name = 'shard' AND job_execution_id = " + id);
            int index = Integer.parseInt(shard.substring(0, shard.indexOf('/')));
            restarts.add(ArchiverProcess.start(
                    env, "restart", Long.toString(id), "--archiver.shard.index=" + index, "--archiver.shard.count=2"));
        }

        // then: both complete, and the archive and statistics are those of one process
        for (Running restart : restarts) {
            Outcome outcome = restart.await(LAUNCH_TIMEOUT);
            assertThat(outcome.exitCode()).as(lastLines(outcome)).isZero();
        }
        DuckDbArchive archive = new DuckDbArchive(root);
        RunSnapshot.assertArchivedExactlyOnce(db, archive, eligible, others);
        assertThat(ids("SELECT count(*) FROM archiver.batch_job_execution WHERE status = 'COMPLETED'"))
                .containsExactly(2L);
        assertThat(archive.query(FILE_STATS.formatted(archive.dataset("step_stats"))))
                .isEqualTo(exactStats);

        // then: one manifest per shard's completed launch
        try (Stream<Path> manifests = Files.list(root.resolve("_manifests"))) {
            assertThat(manifests.map(m -> m.getFileName().toString().replaceAll(".*-(s\\d+)\\.json$", "$1")))
                    .containsExactlyInAnyOrder("s0", "s1");
        }
        // then: one verify, with no shard settings, checks every file of every shard
        long files = db.count("SELECT count(*) FROM archiver.archive_file");
        assertThat(db.count("SELECT count(DISTINCT b.shard) FROM archiver.archive_file f"
                        + " JOIN archiver.archive_batch b ON b.batch_id = f.batch_id"))
                .isEqualTo(2);
        Outcome clean = ArchiverProcess.run(env, "verify");
        assertThat(clean.exitCode()).as(lastLines(clean)).isZero();
        assertThat(clean.stdout()).contains("verify: " + files + " files of the ledger checked");
        // then: a damaged file of shard 1 fails verify, which names it
        String damaged = db.text("SELECT f.path FROM archiver.archive_file f"
                + " JOIN archiver.archive_batch b ON b.batch_id = f.batch_id"
                + " WHERE b.shard = 1 AND f.table_name = 'pipeline_steps' ORDER BY f.batch_id DESC LIMIT 1");
        try (RandomAccessFile file = new RandomAccessFile(damaged.substring("file:".length()), "rw")) {
            file.seek(4); // first page, right after the leading magic: never in the footer
            int b = file.read();
            file.seek(4);
            file.write(b ^ 0x01);
        }
        Outcome changed = ArchiverProcess.run(env, "verify");
        assertThat(changed.exitCode()).as(lastLines(changed)).isEqualTo(4);
        assertThat(changed.stdout()).containsPattern("CHANGED +" + Pattern.quote(damaged) + ": pipeline_steps");
    }

    /** What the launches retried (a conflict between shards, e.g. a serialization failure), as they logged it. */
    private static String retries(List<Outcome> outcomes) {
        List<String> lines = outcomes.stream()
                .flatMap(outcome -> outcome.stdout().lines())
                .filter(line -> line.contains("; retrying it (attempt") || line.contains("restarting its job instance"))
                .map(line -> "\n    | " + line.substring(0, Math.min(line.length(), 300)))
                .toList();
        return lines.size() + " time(s)" + String.join("", lines);
    }

    private static List<Long> ids(String sql) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (List<Object> row : postgres(sql)) {
            ids.add((Long) row.get(0));
        }
        return ids;
    }

    private static List<List<Object>> postgres(String sql) throws Exception {
        try (Connection con = db.connect()) {
            return Rows.query(con, sql);
        }
    }

    private static boolean waitFor(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static String lastLines(Outcome outcome) {
        List<String> lines = outcome.stdout().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size())) + "\n" + outcome.stderr();
    }
}
