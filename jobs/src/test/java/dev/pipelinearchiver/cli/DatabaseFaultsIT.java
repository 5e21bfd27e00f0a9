package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.stats.StepStatsTasklet;
import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.ArchiverProcess.Running;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.RunSnapshot;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database going away under the shipped jar (issue 19): the job's backends terminated at random
 * moments of each phase, a whole PostgreSQL server restarted mid-launch (a throw-away cluster of this
 * test's own, never the shared one), and statements held longer than the lock and statement timeouts.
 * Every launch either completes or exits 1 with one line, at most two relaunches of the same command
 * complete it, and the archive (read by DuckDB) then holds every eligible row exactly once while
 * PostgreSQL holds exactly the rest.
 *
 * <p>To land a termination inside a phase that lasts milliseconds, the test makes the phase wait on a
 * lock it holds from another session (the plan's statement on the runs table, the export's COPY on the
 * steps table, the statistics on a day's advisory lock, the manifest on the ledger's file table) for less
 * than the lock timeout, and terminates the job's backends after a random delay while it waits; the
 * purge is slowed down by a trigger instead. Only this test database's client backends other than the
 * test's own are terminated.
 */
class DatabaseFaultsIT {

    private static final Instant CUTOFF = Instant.parse("2026-06-01T00:00:00Z");
    private static final String ELIGIBLE = RunSnapshot.eligibleRunIds(CUTOFF);
    private static final LocalDate FIRST_DAY = LocalDate.parse("2026-05-28");
    private static final String[] SMALL_STEPS = {
        "--archiver.batch-size=20", "--archiver.purge-batch-size=5", "--archiver.export-threads=1"
    };
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);

    private static TestDatabase db;
    private final Random random = new Random();

    @TempDir
    Path temp;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_dbfaults");
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    private static void runs(TestDatabase db) {
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(120, "ok", FIRST_DAY.atStartOfDay(java.time.ZoneOffset.UTC).toInstant(), 2_000, 4);
        fixture.runs(10, "ok", Instant.parse("2026-06-02T00:00:00Z"), 60, 2); // after the cutoff
        fixture.runs(5, "running", null, 0, 2);
    }

    /** A backend slow to delete (a trigger sleeps per run), so that the purge lasts a few seconds. */
    private static void slowDeletes(TestDatabase db, double seconds) {
        db.execute("""
                CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(%s); RETURN OLD; END $$;
                CREATE TRIGGER slow_delete BEFORE DELETE ON pipeline_runs FOR EACH ROW EXECUTE FUNCTION slow_delete();
                """.formatted(seconds));
    }

    private static String[] archive(String... extra) {
        List<String> args = new ArrayList<>(List.of("archive", "--cutoff=" + CUTOFF));
        args.addAll(List.of(SMALL_STEPS));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    // ---------------------------------------------------------------------------------------------
    // Terminations at random moments of each phase
    // ---------------------------------------------------------------------------------------------

    /** One termination of the job's backends: in which phase, how long after the phase was seen, how many. */
    private record Instant_(String phase, long delayMs, int backends) {

        Instant_ after(long delay) {
            return new Instant_(phase, delayMs + delay, backends);
        }

        @Override
        public String toString() {
            return phase + "(+" + delayMs + " ms, " + backends + " backends)";
        }
    }

    @Test
    void backendsTerminatedInEveryPhaseNeverNeedAHandEditAndLoseOrDuplicateNothing() throws Exception {
        List<Instant_> instants = new ArrayList<>();
        List<String> rounds = new ArrayList<>();
        for (int round = 1; round <= 6 && instants.size() < 20; round++) {
            // given: a fresh backend and archive
            runs(db);
            RunSnapshot eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
            RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
            slowDeletes(db, 0.02);
            Path root = temp.resolve("round-" + round);
            Map<String, String> env = ArchiverProcess.environment(db, root);

            // when: a launch whose backends are terminated once in each phase
            List<Instant_> hits = new ArrayList<>();
            Outcome first;
            try (Faults faults = new Faults(db)) {
                Running launch = faults.launchWithPhasesHeld(env);
                try {
                    faults.terminateInEachPhase(launch, hits);
                } finally {
                    faults.releaseAll(); // also after a failed assertion, so that the launch can end
                    if (launch.isAlive() && hits.size() < 5) {
                        System.out.println("DatabaseFaultsIT: round " + round + " hit only " + hits);
                    }
                }
                first = launch.await(Duration.ofMinutes(4));
            }
            instants.addAll(hits);

            // then: it completed or exited 1 with one line; at most two relaunches complete it
            List<Integer> codes = new ArrayList<>(List.of(first.exitCode()));
            Outcome last = first;
            assertExitZeroOrOneWithOneLine(first);
            for (int relaunch = 0; relaunch < 2 && last.exitCode() != 0; relaunch++) {
                last = ArchiverProcess.run(env, archive());
                assertExitZeroOrOneWithOneLine(last);
                codes.add(last.exitCode());
            }
            assertThat(last.exitCode())
                    .as("round %d: completed within two relaunches (%s); %s", round, codes, last.stdout())
                    .isZero();
            RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root), eligible, others);
            assertManifestsSayWhatTheLedgerSays(root);
            assertThat(
                            db.count(
                                    "SELECT count(*) FROM archiver.batch_step_execution WHERE status IN ('UNKNOWN', 'STARTED')"))
                    .isZero();
            rounds.add("round " + round + ": " + hits + " -> exit codes " + codes + ", "
                    + db.count("SELECT count(*) FROM archiver.batch_job_execution") + " job executions"
                    + launcherLines(first));
        }

        // then: at least 20 instants, in every phase
        rounds.forEach(line -> System.out.println("DatabaseFaultsIT: " + line));
        assertThat(instants).hasSizeGreaterThanOrEqualTo(20);
        assertThat(instants.stream().map(Instant_::phase).distinct())
                .containsExactlyInAnyOrder("plan", "export", "purge", "statistics", "manifest");
    }

    /** What the launcher said about restarts and repairs, and the failure line of a launch that failed. */
    private static String launcherLines(Outcome outcome) {
        StringBuilder said = new StringBuilder();
        outcome.stdout()
                .lines()
                .filter(line -> line.contains("ArchiveLauncher:") || line.contains("ArchiveLock:"))
                .forEach(line -> said.append("\n    | ").append(line, 0, Math.min(line.length(), 400)));
        if (outcome.exitCode() != 0) {
            said.append("\n    | ").append(ArchiverCommands.lastLine(outcome.stderr()));
        }
        return said.toString();
    }

    private static void assertExitZeroOrOneWithOneLine(Outcome outcome) {
        assertThat(outcome.exitCode()).as(outcome.stdout() + outcome.stderr()).isIn(0, 1);
        if (outcome.exitCode() == 1) {
            assertThat(ArchiverCommands.lastLine(outcome.stderr()))
                    .startsWith("pipeline-archiver: ")
                    .doesNotContain("Manual intervention");
        }
    }

    /** Every manifest describes batches as the ledger holds them: state, runs purged, files and checksums. */
    private static void assertManifestsSayWhatTheLedgerSays(Path root) throws Exception {
        Path manifests = root.resolve("_manifests");
        List<Path> files;
        try (Stream<Path> list = Files.list(manifests)) {
            files = list.toList();
        }
        assertThat(files).isNotEmpty();
        ObjectMapper json = new ObjectMapper();
        for (Path file : files) {
            JsonNode manifest = json.readTree(file.toFile());
            for (JsonNode batch : manifest.get("batches")) {
                long id = batch.get("batch").asLong();
                assertThat(batch.get("state").asText())
                        .isEqualTo(db.text("SELECT state FROM archiver.archive_batch WHERE batch_id = " + id));
                assertThat(batch.get("runsPurged").asLong())
                        .isEqualTo(db.count(
                                "SELECT count(*) FROM archiver.batch_run WHERE state = 'purged' AND batch_id = " + id));
                for (JsonNode f : batch.get("files")) {
                    assertThat(f.get("sha256").asText())
                            .isEqualTo(db.text("SELECT sha256 FROM archiver.archive_file WHERE batch_id = " + id
                                    + " AND table_name = '" + f.get("table").asText() + "'"));
                }
            }
        }
    }

    /**
     * The test's side: sessions that hold the locks a phase waits on, and the termination of every other
     * client backend of the test database.
     */
    private final class Faults implements AutoCloseable {

        private final TestDatabase db;
        private final Connection admin;
        private final Connection runsLock;
        private final Connection stepsLock;
        private final Connection dayLock;
        private final Connection filesLock;

        Faults(TestDatabase db) throws SQLException {
            this.db = db;
            this.admin = db.connect();
            this.runsLock = db.connect();
            this.stepsLock = db.connect();
            this.dayLock = db.connect();
            this.filesLock = db.connect();
            for (Connection holder : List.of(runsLock, stepsLock, filesLock)) {
                holder.setAutoCommit(false);
            }
        }

        /** Starts the launch with the plan's table and the first day's statistics lock already held. */
        Running launchWithPhasesHeld(Map<String, String> env) throws Exception {
            execute(runsLock, "LOCK TABLE pipeline_runs IN ACCESS EXCLUSIVE MODE");
            execute(
                    dayLock,
                    "SELECT pg_advisory_lock(" + StepStatsTasklet.DAY_LOCK_CLASS + ", " + FIRST_DAY.toEpochDay() + ")");
            return ArchiverProcess.start(env, archive());
        }

        void terminateInEachPhase(Running launch, List<Instant_> hits) throws Exception {
            // plan: its statement (the only one that starts so) waits for the runs table
            if (await(launch, () -> waiting("WITH eligible AS%"))) {
                hits.add(terminate("plan", 300));
            }
            runsLock.rollback();
            // export: after a random number of batches (of 9), the next COPY of the steps waits for their table
            int written = random.nextInt(3);
            if (await(
                    launch,
                    () -> ledger("SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PLANNED'") >= written)) {
                execute(stepsLock, "LOCK TABLE pipeline_steps IN ACCESS EXCLUSIVE MODE");
                boolean exporting = await(launch, () -> waiting("COPY%") || exportOver()) && waiting("COPY%");
                if (exporting) {
                    hits.add(terminate("export", 300));
                }
            }
            stepsLock.rollback();
            // purge: slowed down by its trigger; terminated once it has purged some runs
            if (await(launch, () -> ledger("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'") > 0)) {
                long delay = random.nextInt(801);
                Thread.sleep(delay);
                boolean purging = ledger("SELECT count(*) FROM archiver.batch_run WHERE state = 'planned'") > 0;
                hits.add(terminate(purging ? "purge" : "after the purge", 0).after(delay));
            }
            // statistics: waits for the first day's lock; the manifest will wait for the ledger's file table
            if (await(launch, () -> waiting("%pg_advisory_xact_lock%"))) {
                execute(filesLock, "LOCK TABLE archiver.archive_file IN ACCESS EXCLUSIVE MODE");
                hits.add(terminate("statistics", 300));
            }
            execute(dayLock, "SELECT pg_advisory_unlock_all()");
            if (await(launch, () -> waiting("%archiver.archive_file%"))) {
                hits.add(terminate("manifest", 300));
            }
            filesLock.rollback();
        }

        /** The export has written every batch the plan made (and the plan has made some). */
        private boolean exportOver() {
            return ledger("SELECT count(*) FROM archiver.archive_batch") > 0
                    && ledger("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PLANNED'") == 0;
        }

        /** Lets every phase go. */
        void releaseAll() throws SQLException {
            runsLock.rollback();
            stepsLock.rollback();
            filesLock.rollback();
            execute(dayLock, "SELECT pg_advisory_unlock_all()");
        }

        private long ledger(String countSql) {
            try (Statement st = admin.createStatement();
                    ResultSet rs = st.executeQuery(countSql)) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                return -1; // the ledger is not created yet: Flyway runs at the jar's start
            }
        }

        /** Waits for a condition while the launch runs; false if it ended first. */
        private boolean await(Running launch, BooleanSupplier condition) throws Exception {
            long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
            while (!condition.getAsBoolean()) {
                if (!launch.isAlive()) {
                    return false;
                }
                assertThat(System.nanoTime())
                        .as("phase not reached: " + launch.stdoutSoFar())
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            return true;
        }

        /** Whether a client backend of the job waits for a lock in a statement like the pattern. */
        private boolean waiting(String queryPattern) {
            try (PreparedStatement ps = admin.prepareStatement(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                            + " AND backend_type = 'client backend' AND query LIKE ?")) {
                ps.setString(1, queryPattern);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) > 0;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        /** After a random delay (at most {@code maxDelayMs}), terminates every client backend but the test's own. */
        private Instant_ terminate(String phase, int maxDelayMs) throws Exception {
            long delay = random.nextInt(maxDelayMs + 1);
            Thread.sleep(delay);
            try (PreparedStatement ps = admin.prepareStatement("""
                    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE datname = current_database() AND backend_type = 'client backend'
                      AND pid <> ALL (?)""")) {
                ps.setArray(1, admin.createArrayOf("int4", ownPids()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Instant_(phase, delay, rs.getInt(1));
                }
            }
        }

        private Integer[] ownPids() throws SQLException {
            List<Integer> pids = new ArrayList<>();
            for (Connection con : List.of(admin, runsLock, stepsLock, dayLock, filesLock)) {
                pids.add(con.unwrap(org.postgresql.PGConnection.class).getBackendPID());
            }
            return pids.toArray(Integer[]::new);
        }

        private void execute(Connection con, String sql) throws SQLException {
            try (Statement st = con.createStatement()) {
                st.execute(sql);
            }
        }

        @Override
        public void close() throws SQLException {
            for (Connection con : List.of(runsLock, stepsLock, dayLock, filesLock, admin)) {
                con.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Timeouts
    // ---------------------------------------------------------------------------------------------

    @Test
    void aRunHeldByAnotherSessionLongerThanTheLockTimeoutEndsTheLaunchWithExitOneAndARelaunchCompletes()
            throws Exception {
        // given: another session holds one eligible run (a backend transaction that does not end)
        runs(db);
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
        Path root = temp.resolve("lock-timeout");
        Map<String, String> env = ArchiverProcess.environment(db, root);
        Outcome held;
        try (Connection backend = db.connect()) {
            backend.setAutoCommit(false);
            backend.createStatement()
                    .execute(
                            "SELECT * FROM pipeline_runs WHERE id = (" + ELIGIBLE + " ORDER BY id LIMIT 1) FOR UPDATE");

            // when
            held = ArchiverProcess.run(env, archive("--archiver.database.lock-timeout=1s"));
        }

        // then: exit 1, the cause in one line, and nothing of that run deleted
        assertThat(held.exitCode()).as(held.stdout() + held.stderr()).isEqualTo(1);
        assertThat(ArchiverCommands.lastLine(held.stderr()))
                .matches("pipeline-archiver: archive job execution \\d+ FAILED: A lock was held by another session for"
                        + " longer than archiver.database.lock-timeout: ERROR: canceling statement due to lock timeout"
                        + ".* \\(relaunch the same command to resume\\)");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs WHERE id = (" + ELIGIBLE + " ORDER BY id LIMIT 1)"))
                .isOne();

        // when: the session has ended, the same command
        Outcome relaunched = ArchiverProcess.run(env, archive());

        // then
        assertThat(relaunched.exitCode()).as(relaunched.stderr()).isZero();
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root), eligible, others);
    }

    @Test
    void aStatementLongerThanTheStatementTimeoutEndsTheLaunchWithExitOneButTheExportsCopyIsNotCut() throws Exception {
        // given: a stuck backend (deleting a run takes 3 s), and the export's first COPY of the steps made to wait
        // 2 s for their table: both longer than the statement timeout of 1 s, both shorter than the lock timeout
        runs(db);
        RunSnapshot eligible = RunSnapshot.of(db, "IN (" + ELIGIBLE + ")");
        RunSnapshot others = RunSnapshot.of(db, "NOT IN (" + ELIGIBLE + ")");
        slowDeletes(db, 3);
        Path root = temp.resolve("statement-timeout");
        Map<String, String> env = ArchiverProcess.environment(db, root);
        Outcome stuck;
        try (Connection holder = db.connect();
                Connection admin = db.connect()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("LOCK TABLE pipeline_steps IN ACCESS EXCLUSIVE MODE");

            // when
            Running launch = ArchiverProcess.start(env, archive("--archiver.database.statement-timeout=1s"));
            try {
                long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
                while (Rows.query(
                                admin,
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                        + " AND wait_event_type = 'Lock' AND query LIKE 'COPY%'")
                        .get(0)
                        .get(0)
                        .equals(0L)) {
                    assertThat(launch.isAlive()).as(launch.stdoutSoFar()).isTrue();
                    assertThat(System.nanoTime())
                            .as("the export's COPY waiting")
                            .isLessThan(deadline);
                    Thread.sleep(20);
                }
                Thread.sleep(2_000);
            } finally {
                holder.rollback();
            }
            stuck = launch.await(Duration.ofMinutes(3));
        }

        // then: exit 1 with the cause (the purge's delete); the export waited and wrote every batch
        assertThat(stuck.exitCode()).as(stuck.stdout() + stuck.stderr()).isEqualTo(1);
        assertThat(ArchiverCommands.lastLine(stuck.stderr()))
                .contains("A statement ran longer than archiver.database.statement-timeout (or was cancelled):"
                        + " ERROR: canceling statement due to statement timeout");
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PLANNED'"))
                .isZero();
        assertThat(db.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'"))
                .isZero();

        // when: the backend is fast again, the same command
        db.execute("DROP TRIGGER slow_delete ON pipeline_runs");
        Outcome relaunched = ArchiverProcess.run(env, archive());

        // then
        assertThat(relaunched.exitCode()).as(relaunched.stderr()).isZero();
        RunSnapshot.assertArchivedExactlyOnce(db, new DuckDbArchive(root), eligible, others);
    }

    // ---------------------------------------------------------------------------------------------
    // A whole server restarted
    // ---------------------------------------------------------------------------------------------

    @Test
    void aWholeServerRestartedAndCrashedMidLaunchOnAThrowAwayClusterLosesAndDuplicatesNothing() throws Exception {
        String missing = ThrowAwayCluster.missingTools();
        if (missing != null) {
            System.out.println("DatabaseFaultsIT: server restart test skipped: " + missing);
            Assumptions.abort(missing);
        }
        try (ThrowAwayCluster cluster = ThrowAwayCluster.create(temp)) {
            // given: a backend on a cluster of this test's own, slow to delete
            TestDatabase own = TestDatabase.create("archiver_restart", cluster.server());
            runs(own);
            RunSnapshot eligible = RunSnapshot.of(own, "IN (" + ELIGIBLE + ")");
            RunSnapshot others = RunSnapshot.of(own, "NOT IN (" + ELIGIBLE + ")");
            slowDeletes(own, 0.03);
            Path root = temp.resolve("restart");
            Map<String, String> env = Map.of(
                    "SPRING_DATASOURCE_URL", own.url(),
                    "SPRING_DATASOURCE_USERNAME", cluster.server().user(),
                    "SPRING_DATASOURCE_PASSWORD", cluster.server().password(),
                    "ARCHIVER_OUTPUT_ROOT", root.toString());

            // when: the server restarts during the export (fast, as maintenance or a failover would) and during the
            // purge (immediate, as a crash would: the purge's latest asynchronous commits may be lost)
            Running launch = ArchiverProcess.start(env, archive());
            List<String> restarts = new ArrayList<>();
            if (awaitLedger(launch, own, "SELECT count(*) FROM archiver.archive_batch WHERE state <> 'PLANNED'")) {
                restarts.add("export " + cluster.restart("fast"));
            }
            if (awaitLedger(launch, own, "SELECT count(*) FROM archiver.batch_run WHERE state = 'purged'")) {
                Thread.sleep(random.nextInt(500));
                restarts.add("purge " + cluster.restart("immediate"));
            }
            Outcome first = launch.await(Duration.ofMinutes(4));

            // then: it completed or exited 1; at most two relaunches complete it, exactly once
            List<Integer> codes = new ArrayList<>(List.of(first.exitCode()));
            Outcome last = first;
            assertExitZeroOrOneWithOneLine(first);
            for (int relaunch = 0; relaunch < 2 && last.exitCode() != 0; relaunch++) {
                last = ArchiverProcess.run(env, archive());
                assertExitZeroOrOneWithOneLine(last);
                codes.add(last.exitCode());
            }
            System.out.println("DatabaseFaultsIT: server restarted during " + restarts + " -> exit codes " + codes
                    + launcherLines(first));
            assertThat(restarts).hasSize(2);
            assertThat(last.exitCode())
                    .as(codes + ": " + last.stdout() + last.stderr())
                    .isZero();
            RunSnapshot.assertArchivedExactlyOnce(own, new DuckDbArchive(root), eligible, others);
        }
    }

    /** Waits until a ledger count is positive while the launch runs; false if it ended first. */
    private static boolean awaitLedger(Running launch, TestDatabase db, String countSql) throws Exception {
        long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
        while (true) {
            try {
                if (db.count(countSql) > 0) {
                    return true;
                }
            } catch (IllegalStateException e) {
                // the ledger is not created yet (Flyway runs at the jar's start)
            }
            if (!launch.isAlive()) {
                return false;
            }
            assertThat(System.nanoTime()).as("waiting for " + countSql).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * A PostgreSQL cluster of this test's own (Debian's pg_createcluster on a free port, its own data
     * directory, trust authentication on 127.0.0.1), restarted at will and dropped afterwards. Needs the
     * cluster tools and root (CI runs as root), as the shared cluster on 5432 is never restarted.
     */
    private static final class ThrowAwayCluster implements AutoCloseable {

        private static final String VERSION = "15";

        private final String name;
        private final int port;

        private ThrowAwayCluster(String name, int port) {
            this.name = name;
            this.port = port;
        }

        /** Why the test cannot run here, or null. */
        static String missingTools() throws Exception {
            for (String tool : List.of("pg_createcluster", "pg_ctlcluster", "pg_dropcluster")) {
                if (Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                        .noneMatch(dir -> Files.isExecutable(Path.of(dir, tool)))) {
                    return tool + " is not installed (Debian's postgresql-common)";
                }
            }
            if (!Files.isDirectory(Path.of("/usr/lib/postgresql", VERSION))) {
                return "PostgreSQL " + VERSION + " server binaries are not installed";
            }
            String uid = new String(
                            new ProcessBuilder("id", "-u")
                                    .start()
                                    .getInputStream()
                                    .readAllBytes(),
                            StandardCharsets.UTF_8)
                    .strip();
            return uid.equals("0") ? null : "creating a cluster needs root (this runs as uid " + uid + ")";
        }

        static ThrowAwayCluster create(Path temp) throws Exception {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String name = "archiver_it_"
                    + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
            Path data = Path.of("/tmp", "pgdata-" + name);
            run(
                    "pg_createcluster",
                    "--port=" + port,
                    "--datadir=" + data,
                    "--encoding=UTF8",
                    "--locale=C",
                    VERSION,
                    name,
                    "--",
                    "--auth-host=trust",
                    "--auth-local=trust");
            ThrowAwayCluster cluster = new ThrowAwayCluster(name, port);
            try {
                run("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, "start");
            } catch (Exception e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }

        TestDatabase.Server server() {
            return new TestDatabase.Server("127.0.0.1", Integer.toString(port), "postgres", "");
        }

        /**
         * A restart: {@code fast} as maintenance or a failover does it (sessions ended, a clean shutdown),
         * {@code immediate} as a crash does (no checkpoint: the latest asynchronous commits may be lost).
         */
        String restart(String mode) throws Exception {
            long started = System.nanoTime();
            run("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, "restart", "-m", mode);
            return "(" + mode + ", " + (System.nanoTime() - started) / 1_000_000 + " ms)";
        }

        @Override
        public void close() throws Exception {
            run("pg_dropcluster", "--stop", VERSION, name);
            Files.deleteIfExists(Path.of("/var/log/postgresql", "postgresql-" + VERSION + "-" + name + ".log"));
        }

        private static void run(String... command) throws IOException, InterruptedException {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException(Arrays.toString(command) + " failed: " + output);
            }
        }
    }
}
